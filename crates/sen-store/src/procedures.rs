//! The procedure catalogue: one row per version.

use crate::db::{get_i64, get_str, get_uuid, Db, Tx};
use crate::error::StoreError;
use serde::Serialize;
use sqlx::any::AnyRow;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredProcedure {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub code: String,
    pub version: i64,
    pub name: String,
    pub field: String,
    pub online_level: String,
    pub processing_days: i64,
    /// The whole version as JSON.
    pub definition: String,
    /// `active` or `retired`.
    pub status: String,
    pub created_by: String,
    pub created_at: String,
}

const COLS: &str = "id, tenant_id, code, version, name, field, online_level, processing_days, definition, status, created_by, created_at";

fn from_row(r: &AnyRow) -> Result<StoredProcedure, StoreError> {
    Ok(StoredProcedure {
        id: get_uuid(r, "id")?,
        tenant_id: get_uuid(r, "tenant_id")?,
        code: get_str(r, "code")?,
        version: get_i64(r, "version")?,
        name: get_str(r, "name")?,
        field: get_str(r, "field")?,
        online_level: get_str(r, "online_level")?,
        processing_days: get_i64(r, "processing_days")?,
        definition: get_str(r, "definition")?,
        status: get_str(r, "status")?,
        created_by: get_str(r, "created_by")?,
        created_at: get_str(r, "created_at")?,
    })
}

/// The highest version number of a code (0 when new), inside `tx`.
pub async fn latest_version(tx: &mut Tx, tenant: Uuid, code: &str) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COALESCE(MAX(version), 0) AS v FROM procedures WHERE tenant_id = $1 AND code = $2",
    )
    .bind(tenant.to_string())
    .bind(code)
    .fetch_one(&mut **tx)
    .await?;
    get_i64(&row, "v")
}

pub async fn insert(tx: &mut Tx, p: &StoredProcedure) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO procedures ({COLS}, name_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(p.id.to_string())
    .bind(p.tenant_id.to_string())
    .bind(&p.code)
    .bind(p.version)
    .bind(&p.name)
    .bind(&p.field)
    .bind(&p.online_level)
    .bind(p.processing_days)
    .bind(&p.definition)
    .bind(&p.status)
    .bind(&p.created_by)
    .bind(&p.created_at)
    .bind(sen_domain::text::search_key(&format!("{} {}", p.name, p.field)))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks every earlier version of `code` retired.
pub async fn retire_older(
    tx: &mut Tx,
    tenant: Uuid,
    code: &str,
    below: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE procedures SET status = 'retired' WHERE tenant_id = $1 AND code = $2 AND version < $3")
        .bind(tenant.to_string())
        .bind(code)
        .bind(below)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The active version of every procedure, by code; `search` narrows by an
/// accent-insensitive match on name, field or code.
pub async fn current(
    db: &Db,
    tenant: Uuid,
    search: Option<&str>,
) -> Result<Vec<StoredProcedure>, StoreError> {
    let key = search
        .map(sen_domain::text::search_key)
        .filter(|s| !s.is_empty());
    let rows = match key {
        None => {
            sqlx::query(&format!(
                "SELECT {COLS} FROM procedures WHERE tenant_id = $1 AND status = 'active' ORDER BY code"
            ))
            .bind(tenant.to_string())
            .fetch_all(db.pool())
            .await?
        }
        Some(k) => {
            let pattern = format!("%{}%", k.replace(['%', '_'], ""));
            sqlx::query(&format!(
                "SELECT {COLS} FROM procedures WHERE tenant_id = $1 AND status = 'active'
                 AND (name_key LIKE $2 OR code LIKE $2) ORDER BY code"
            ))
            .bind(tenant.to_string())
            .bind(pattern)
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(from_row).collect()
}

pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<StoredProcedure>, StoreError> {
    db.reference(format!("procedure {id}"), async {
        let row = sqlx::query(&format!("SELECT {COLS} FROM procedures WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(db.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    })
    .await
}

/// The active version of a code.
pub async fn by_code(
    db: &Db,
    tenant: Uuid,
    code: &str,
) -> Result<Option<StoredProcedure>, StoreError> {
    db.reference(format!("procedure {tenant} {code}"), async {
        let row = sqlx::query(&format!(
            "SELECT {COLS} FROM procedures WHERE tenant_id = $1 AND code = $2 AND status = 'active'"
        ))
        .bind(tenant.to_string())
        .bind(code)
        .fetch_optional(db.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    })
    .await
}

/// Every version of a code, oldest first.
pub async fn versions(
    db: &Db,
    tenant: Uuid,
    code: &str,
) -> Result<Vec<StoredProcedure>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM procedures WHERE tenant_id = $1 AND code = $2 ORDER BY version"
    ))
    .bind(tenant.to_string())
    .bind(code)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}
