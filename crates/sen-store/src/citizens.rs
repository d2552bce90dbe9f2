//! Citizens (applicants) and their one-time sign-in codes.

use crate::db::{get_i64, get_opt_str, get_str, get_uuid, now_utc, Db, Tx};
use crate::error::StoreError;
use serde::Serialize;
use sqlx::any::AnyRow;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Citizen {
    pub id: Uuid,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub created_at: String,
}

fn from_row(r: &AnyRow) -> Result<Citizen, StoreError> {
    Ok(Citizen {
        id: get_uuid(r, "id")?,
        phone: get_opt_str(r, "phone")?,
        email: get_opt_str(r, "email")?,
        full_name: get_opt_str(r, "full_name")?,
        created_at: get_str(r, "created_at")?,
    })
}

/// Finds the citizen with this phone number or e-mail address (already
/// normalised), creating one on first sign-in.
pub async fn find_or_create(
    tx: &mut Tx,
    phone: Option<&str>,
    email: Option<&str>,
) -> Result<(Citizen, bool), StoreError> {
    let (col, val) = match (phone, email) {
        (Some(p), _) => ("phone", p),
        (None, Some(e)) => ("email", e),
        (None, None) => {
            return Err(crate::error::corrupt(
                "citizens",
                "neither phone nor e-mail",
            ))
        }
    };
    let row = sqlx::query(&format!(
        "SELECT id, phone, email, full_name, created_at FROM citizens WHERE {col} = $1"
    ))
    .bind(val)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(r) = row {
        return Ok((from_row(&r)?, false));
    }
    let c = Citizen {
        id: crate::new_id(),
        phone: phone.map(str::to_string),
        email: if phone.is_some() {
            None
        } else {
            email.map(str::to_string)
        },
        full_name: None,
        created_at: now_utc(),
    };
    sqlx::query("INSERT INTO citizens (id, phone, email, full_name, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(c.id.to_string())
        .bind(&c.phone)
        .bind(&c.email)
        .bind(&c.full_name)
        .bind(&c.created_at)
        .execute(&mut **tx)
        .await?;
    Ok((c, true))
}

pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<Citizen>, StoreError> {
    let row =
        sqlx::query("SELECT id, phone, email, full_name, created_at FROM citizens WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(db.pool())
            .await?;
    row.as_ref().map(from_row).transpose()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Otp {
    pub id: Uuid,
    pub address: String,
    pub code_hash: String,
    pub created_at: String,
    pub expires_at: String,
    pub attempts: i64,
    pub used: bool,
}

pub async fn insert_otp(tx: &mut Tx, o: &Otp) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO citizen_otps (id, address, code_hash, created_at, expires_at, attempts, used)
         VALUES ($1, $2, $3, $4, $5, 0, 0)",
    )
    .bind(o.id.to_string())
    .bind(&o.address)
    .bind(&o.code_hash)
    .bind(&o.created_at)
    .bind(&o.expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many codes were requested for `address` since `since`.
pub async fn otps_requested_since(db: &Db, address: &str, since: &str) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM citizen_otps WHERE address = $1 AND created_at > $2",
    )
    .bind(address)
    .bind(since)
    .fetch_one(db.pool())
    .await?;
    get_i64(&row, "n")
}

/// The newest unused, unexpired code for `address`, locked for update.
pub async fn latest_otp(
    db: &Db,
    tx: &mut Tx,
    address: &str,
    now: &str,
) -> Result<Option<Otp>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT id, address, code_hash, created_at, expires_at, attempts, used FROM citizen_otps
         WHERE address = $1 AND used = 0 AND expires_at > $2 ORDER BY created_at DESC LIMIT 1{}",
        db.backend().for_update()
    ))
    .bind(address)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok(Otp {
            id: get_uuid(&r, "id")?,
            address: get_str(&r, "address")?,
            code_hash: get_str(&r, "code_hash")?,
            created_at: get_str(&r, "created_at")?,
            expires_at: get_str(&r, "expires_at")?,
            attempts: get_i64(&r, "attempts")?,
            used: get_i64(&r, "used")? != 0,
        })
    })
    .transpose()
}

pub async fn otp_failed(tx: &mut Tx, id: Uuid) -> Result<(), StoreError> {
    sqlx::query("UPDATE citizen_otps SET attempts = attempts + 1 WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn otp_used(tx: &mut Tx, id: Uuid) -> Result<(), StoreError> {
    sqlx::query("UPDATE citizen_otps SET used = 1 WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
