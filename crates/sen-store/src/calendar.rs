//! Official calendar decisions, stored per province.

use crate::db::{get_str, get_uuid, now_utc, Db, Tx};
use crate::error::StoreError;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredDecision {
    pub id: Uuid,
    pub date: String,
    /// JSON of the decision (its shape belongs to the calendar crate).
    pub decision: String,
    /// The official text it comes from, e.g. "Thông báo 6150/TB-LĐTBXH".
    pub reference: String,
    pub created_by: String,
    pub created_at: String,
}

pub async fn list(db: &Db, tenant: Uuid) -> Result<Vec<StoredDecision>, StoreError> {
    db.reference(format!("calendar {tenant}"), async {
        let rows = sqlx::query(
            "SELECT id, date, decision, reference, created_by, created_at FROM calendar_decisions
             WHERE tenant_id = $1 ORDER BY date",
        )
        .bind(tenant.to_string())
        .fetch_all(db.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredDecision {
                    id: get_uuid(r, "id")?,
                    date: get_str(r, "date")?,
                    decision: get_str(r, "decision")?,
                    reference: get_str(r, "reference")?,
                    created_by: get_str(r, "created_by")?,
                    created_at: get_str(r, "created_at")?,
                })
            })
            .collect()
    })
    .await
}

pub async fn insert(
    tx: &mut Tx,
    tenant: Uuid,
    id: Uuid,
    date: &str,
    decision: &str,
    reference: &str,
    by: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO calendar_decisions (id, tenant_id, date, decision, reference, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.to_string())
    .bind(tenant.to_string())
    .bind(date)
    .bind(decision)
    .bind(reference)
    .bind(by)
    .bind(now_utc())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes a decision; returns its stored form if it existed.
pub async fn delete(tx: &mut Tx, tenant: Uuid, id: Uuid) -> Result<Option<String>, StoreError> {
    let row =
        sqlx::query("SELECT decision FROM calendar_decisions WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(&mut **tx)
            .await?;
    let Some(row) = row else { return Ok(None) };
    sqlx::query("DELETE FROM calendar_decisions WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(Some(get_str(&row, "decision")?))
}
