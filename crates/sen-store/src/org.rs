//! Tenants (provinces) and the tree of units.

use crate::db::{get_opt_uuid, get_str, get_uuid, now_utc, Db, Tx};
use crate::error::StoreError;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub code: String,
    pub abbreviation: String,
    pub name: String,
    pub kind: String,
    /// `active` or `merged`.
    pub status: String,
    pub merged_into: Option<Uuid>,
    pub created_at: String,
    pub updated_at: String,
}

pub async fn insert_tenant(tx: &mut Tx, t: &Tenant) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO tenants (id, code, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(t.id.to_string())
        .bind(&t.code)
        .bind(&t.name)
        .bind(now_utc())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn tenant_from_row(r: &AnyRow) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        id: get_uuid(r, "id")?,
        code: get_str(r, "code")?,
        name: get_str(r, "name")?,
    })
}

pub async fn tenants(db: &Db) -> Result<Vec<Tenant>, StoreError> {
    let rows = sqlx::query("SELECT id, code, name FROM tenants ORDER BY code")
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(tenant_from_row).collect()
}

pub async fn tenant(db: &Db, id: Uuid) -> Result<Option<Tenant>, StoreError> {
    let row = sqlx::query("SELECT id, code, name FROM tenants WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(tenant_from_row).transpose()
}

const UNIT_COLS: &str = "id, tenant_id, parent_id, code, abbreviation, name, kind, status, merged_into, created_at, updated_at";

fn unit_from_row(r: &AnyRow) -> Result<Unit, StoreError> {
    Ok(Unit {
        id: get_uuid(r, "id")?,
        tenant_id: get_uuid(r, "tenant_id")?,
        parent_id: get_opt_uuid(r, "parent_id")?,
        code: get_str(r, "code")?,
        abbreviation: get_str(r, "abbreviation")?,
        name: get_str(r, "name")?,
        kind: get_str(r, "kind")?,
        status: get_str(r, "status")?,
        merged_into: get_opt_uuid(r, "merged_into")?,
        created_at: get_str(r, "created_at")?,
        updated_at: get_str(r, "updated_at")?,
    })
}

pub async fn insert_unit(tx: &mut Tx, u: &Unit) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO units ({UNIT_COLS}, name_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(u.id.to_string())
    .bind(u.tenant_id.to_string())
    .bind(u.parent_id.map(|p| p.to_string()))
    .bind(&u.code)
    .bind(&u.abbreviation)
    .bind(&u.name)
    .bind(&u.kind)
    .bind(&u.status)
    .bind(u.merged_into.map(|p| p.to_string()))
    .bind(&u.created_at)
    .bind(&u.updated_at)
    .bind(sen_domain::text::search_key(&u.name))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reads a unit inside a transaction (locking it on PostgreSQL).
pub async fn unit_in_tx(db: &Db, tx: &mut Tx, id: Uuid) -> Result<Option<Unit>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {UNIT_COLS} FROM units WHERE id = $1{}",
        db.backend().for_update()
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(unit_from_row).transpose()
}

pub async fn unit(db: &Db, id: Uuid) -> Result<Option<Unit>, StoreError> {
    let row = sqlx::query(&format!("SELECT {UNIT_COLS} FROM units WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(unit_from_row).transpose()
}

pub async fn unit_by_code(db: &Db, tenant: Uuid, code: &str) -> Result<Option<Unit>, StoreError> {
    db.reference(format!("unit {tenant} {code}"), async {
        let row = sqlx::query(&format!(
            "SELECT {UNIT_COLS} FROM units WHERE tenant_id = $1 AND code = $2"
        ))
        .bind(tenant.to_string())
        .bind(code)
        .fetch_optional(db.pool())
        .await?;
        row.as_ref().map(unit_from_row).transpose()
    })
    .await
}

/// All units of a tenant ordered by code; `search` narrows by an
/// accent-insensitive match on the name or the code.
pub async fn units(db: &Db, tenant: Uuid, search: Option<&str>) -> Result<Vec<Unit>, StoreError> {
    let rows = match search
        .map(sen_domain::text::search_key)
        .filter(|s| !s.is_empty())
    {
        None => {
            sqlx::query(&format!(
                "SELECT {UNIT_COLS} FROM units WHERE tenant_id = $1 ORDER BY code"
            ))
            .bind(tenant.to_string())
            .fetch_all(db.pool())
            .await?
        }
        Some(key) => {
            let pattern = format!("%{}%", key.replace(['%', '_'], ""));
            sqlx::query(&format!(
                "SELECT {UNIT_COLS} FROM units WHERE tenant_id = $1 AND (name_key LIKE $2 OR LOWER(code) LIKE $2) ORDER BY code"
            ))
            .bind(tenant.to_string())
            .bind(pattern)
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(unit_from_row).collect()
}

/// The unit's ancestors, nearest first (not including the unit itself),
/// in one statement whatever the depth (every permission check walks
/// them). Pass `&mut **tx` inside a transaction. The depth is bounded to
/// catch a cycle.
pub async fn ancestors(conn: &mut sqlx::AnyConnection, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
    const MAX_DEPTH: usize = 64;
    let rows = sqlx::query(
        "WITH RECURSIVE up(id, parent_id, depth) AS (
             SELECT id, parent_id, 0 FROM units WHERE id = $1
             UNION ALL
             SELECT u.id, u.parent_id, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id
             WHERE up.depth < $2
         )
         SELECT parent_id FROM up WHERE parent_id IS NOT NULL ORDER BY depth",
    )
    .bind(id.to_string())
    .bind(MAX_DEPTH as i64)
    .fetch_all(&mut *conn)
    .await?;
    if rows.len() >= MAX_DEPTH {
        return Err(crate::error::corrupt(
            "units",
            format!("parent chain of {id} is deeper than {MAX_DEPTH} or cyclic"),
        ));
    }
    rows.iter()
        .map(|r| {
            get_opt_uuid(r, "parent_id")?
                .ok_or_else(|| crate::error::corrupt("units", format!("null ancestor of {id}")))
        })
        .collect()
}

/// [`ancestors`] on a pooled connection, outside any transaction.
pub async fn ancestors_ro(db: &Db, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
    db.reference(format!("ancestors {id}"), async {
        let mut conn = db.pool().acquire().await?;
        ancestors(&mut conn, id).await
    })
    .await
}

pub async fn rename_unit(
    tx: &mut Tx,
    id: Uuid,
    name: &str,
    abbreviation: &str,
    code: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE units SET name = $1, name_key = $2, abbreviation = $3, code = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(name)
    .bind(sen_domain::text::search_key(name))
    .bind(abbreviation)
    .bind(code)
    .bind(now_utc())
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_parent(tx: &mut Tx, id: Uuid, parent: Uuid) -> Result<(), StoreError> {
    sqlx::query("UPDATE units SET parent_id = $1, updated_at = $2 WHERE id = $3")
        .bind(parent.to_string())
        .bind(now_utc())
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What a merge moved, for the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MergeCounts {
    pub children: i64,
    pub grants: i64,
}

/// Merges `source` into `target`: the source's children move under the
/// target, its role grants move to the target (duplicates dropped), and the
/// source is kept, marked `merged` with a pointer to the target. The merge
/// itself is recorded in `unit_merges`.
pub async fn merge_units(
    tx: &mut Tx,
    source: Uuid,
    target: Uuid,
    reason: &str,
    actor: &str,
) -> Result<MergeCounts, StoreError> {
    let now = now_utc();
    let (s, t) = (source.to_string(), target.to_string());
    let children =
        sqlx::query("UPDATE units SET parent_id = $1, updated_at = $2 WHERE parent_id = $3")
            .bind(&t)
            .bind(&now)
            .bind(&s)
            .execute(&mut **tx)
            .await?
            .rows_affected() as i64;
    let grants = sqlx::query(
        "INSERT INTO role_grants (account_id, role, unit_id, granted_by, granted_at)
         SELECT account_id, role, $1, $2, $3 FROM role_grants WHERE unit_id = $4
         ON CONFLICT (account_id, role, unit_id) DO NOTHING",
    )
    .bind(&t)
    .bind(actor)
    .bind(&now)
    .bind(&s)
    .execute(&mut **tx)
    .await?
    .rows_affected() as i64;
    sqlx::query("DELETE FROM role_grants WHERE unit_id = $1")
        .bind(&s)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE units SET status = 'merged', merged_into = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(&t)
    .bind(&now)
    .bind(&s)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO unit_merges (id, source_id, target_id, reason, moved_children, moved_grants, actor, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(crate::new_id().to_string())
    .bind(&s)
    .bind(&t)
    .bind(reason)
    .bind(children)
    .bind(grants)
    .bind(actor)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(MergeCounts { children, grants })
}

pub async fn count_units(db: &Db) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM units")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get::<i64, _>("n")?)
}
