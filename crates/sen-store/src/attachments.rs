//! Files attached to dossiers.

use crate::db::{get_i64, get_str, get_uuid, Db, Tx};
use crate::error::StoreError;
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// `not_scanned` until a virus scanner is configured.
    pub scan_status: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

pub async fn insert(tx: &mut Tx, a: &Attachment, content: &[u8]) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO attachments (id, dossier_id, name, content_type, size, sha256, content, scan_status, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(a.id.to_string())
    .bind(a.dossier_id.to_string())
    .bind(&a.name)
    .bind(&a.content_type)
    .bind(a.size)
    .bind(&a.sha256)
    .bind(content.to_vec())
    .bind(&a.scan_status)
    .bind(&a.uploaded_by)
    .bind(&a.uploaded_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

const COLS: &str =
    "id, dossier_id, name, content_type, size, sha256, scan_status, uploaded_by, uploaded_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Attachment, StoreError> {
    Ok(Attachment {
        id: get_uuid(r, "id")?,
        dossier_id: get_uuid(r, "dossier_id")?,
        name: get_str(r, "name")?,
        content_type: get_str(r, "content_type")?,
        size: get_i64(r, "size")?,
        sha256: get_str(r, "sha256")?,
        scan_status: get_str(r, "scan_status")?,
        uploaded_by: get_str(r, "uploaded_by")?,
        uploaded_at: get_str(r, "uploaded_at")?,
    })
}

pub async fn list(db: &Db, dossier: Uuid) -> Result<Vec<Attachment>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM attachments WHERE dossier_id = $1 ORDER BY uploaded_at, name"
    ))
    .bind(dossier.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// An attachment with its bytes.
pub async fn get(
    db: &Db,
    dossier: Uuid,
    id: Uuid,
) -> Result<Option<(Attachment, Vec<u8>)>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLS}, content FROM attachments WHERE dossier_id = $1 AND id = $2"
    ))
    .bind(dossier.to_string())
    .bind(id.to_string())
    .fetch_optional(db.pool())
    .await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(Some((from_row(&r)?, r.try_get::<Vec<u8>, _>("content")?))),
    }
}
