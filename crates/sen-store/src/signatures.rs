//! Signature requests of the token flow (prepare / sign elsewhere /
//! finalise), and the one query on document files the signing flow needs.

use crate::db::{get_opt_str, get_opt_uuid, get_str, get_uuid, Db, Tx};
use crate::error::StoreError;
use serde::Serialize;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// A prepared signature waiting for the token's signature value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureRequest {
    pub id: Uuid,
    pub document_id: Uuid,
    pub source_file_id: Uuid,
    /// The actor's tag (`user:<id>`); only they may finalise.
    pub requested_by: String,
    pub signer_subject: String,
    pub field_name: String,
    /// The serialised `sen_sign::Prepared` (JSON); `{}` once finalised.
    #[serde(skip)]
    pub prepared: String,
    /// `pending` or `finalised`.
    pub status: String,
    pub result_file_id: Option<Uuid>,
    pub created_at: String,
    pub expires_at: String,
    pub finalised_at: Option<String>,
}

const COLS: &str = "id, document_id, source_file_id, requested_by, signer_subject, field_name, \
    prepared, status, result_file_id, created_at, expires_at, finalised_at";

fn from_row(r: &AnyRow) -> Result<SignatureRequest, StoreError> {
    Ok(SignatureRequest {
        id: get_uuid(r, "id")?,
        document_id: get_uuid(r, "document_id")?,
        source_file_id: get_uuid(r, "source_file_id")?,
        requested_by: get_str(r, "requested_by")?,
        signer_subject: get_str(r, "signer_subject")?,
        field_name: get_str(r, "field_name")?,
        prepared: get_str(r, "prepared")?,
        status: get_str(r, "status")?,
        result_file_id: get_opt_uuid(r, "result_file_id")?,
        created_at: get_str(r, "created_at")?,
        expires_at: get_str(r, "expires_at")?,
        finalised_at: get_opt_str(r, "finalised_at")?,
    })
}

pub async fn insert(tx: &mut Tx, r: &SignatureRequest) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO signature_requests ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(r.id.to_string())
    .bind(r.document_id.to_string())
    .bind(r.source_file_id.to_string())
    .bind(&r.requested_by)
    .bind(&r.signer_subject)
    .bind(&r.field_name)
    .bind(&r.prepared)
    .bind(&r.status)
    .bind(r.result_file_id.map(|u| u.to_string()))
    .bind(&r.created_at)
    .bind(&r.expires_at)
    .bind(&r.finalised_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A request, read outside a transaction.
pub async fn get(db: &Db, id: Uuid) -> Result<Option<SignatureRequest>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLS} FROM signature_requests WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// A request, locked for the rest of the transaction.
pub async fn get_in_tx(
    db: &Db,
    tx: &mut Tx,
    id: Uuid,
) -> Result<Option<SignatureRequest>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLS} FROM signature_requests WHERE id = $1{}",
        db.backend().for_update()
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Marks a pending request finalised with the file it produced, and drops
/// its prepared data. Returns whether a pending row was changed.
pub async fn mark_finalised(
    tx: &mut Tx,
    id: Uuid,
    result_file: Uuid,
    at: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE signature_requests SET status = 'finalised', result_file_id = $1, finalised_at = $2,
         prepared = '{}' WHERE id = $3 AND status = 'pending'",
    )
    .bind(result_file.to_string())
    .bind(at)
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a document's pending requests that expired before `now`
/// (RFC 3339 text, as written by `fmt_time`). Returns how many.
pub async fn delete_expired(tx: &mut Tx, document: Uuid, now: &str) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM signature_requests WHERE document_id = $1 AND status = 'pending' AND expires_at < $2",
    )
    .bind(document.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// The newest file of a document among `roles` (by creation time, then
/// id: UUIDv7 ids grow with time), read in the caller's transaction.
pub async fn newest_file_in_tx(
    tx: &mut Tx,
    document: Uuid,
    roles: &[&str],
) -> Result<Option<(Uuid, String)>, StoreError> {
    if roles.is_empty() {
        return Ok(None);
    }
    let ph: Vec<String> = (0..roles.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT id, role FROM document_files WHERE document_id = $1 AND role IN ({})
         ORDER BY created_at DESC, id DESC LIMIT 1",
        ph.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(document.to_string());
    for r in roles {
        q = q.bind(r.to_string());
    }
    let row = q.fetch_optional(&mut **tx).await?;
    match row {
        Some(r) => Ok(Some((get_uuid(&r, "id")?, get_str(&r, "role")?))),
        None => Ok(None),
    }
}
