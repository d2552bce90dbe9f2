//! Staff accounts, role grants, sessions and login attempts.

use crate::db::{get_i64, get_opt_str, get_str, get_uuid, now_utc, Db, Tx};
use crate::error::{corrupt, StoreError};
use sen_domain::access::{Grant, Role};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    #[serde(skip)]
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    #[serde(skip)]
    pub totp_last_step: i64,
    /// `active` or `disabled`.
    pub status: String,
    pub created_at: String,
}

const COLS: &str = "id, tenant_id, username, full_name, email, password_hash, totp_secret, totp_enabled, totp_last_step, status, created_at";

fn from_row(r: &AnyRow) -> Result<Account, StoreError> {
    Ok(Account {
        id: get_uuid(r, "id")?,
        tenant_id: get_uuid(r, "tenant_id")?,
        username: get_str(r, "username")?,
        full_name: get_str(r, "full_name")?,
        email: get_opt_str(r, "email")?,
        password_hash: get_str(r, "password_hash")?,
        totp_secret: get_opt_str(r, "totp_secret")?,
        totp_enabled: get_i64(r, "totp_enabled")? != 0,
        totp_last_step: get_i64(r, "totp_last_step")?,
        status: get_str(r, "status")?,
        created_at: get_str(r, "created_at")?,
    })
}

pub async fn insert(tx: &mut Tx, a: &Account) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO accounts ({COLS}, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)"
    ))
    .bind(a.id.to_string())
    .bind(a.tenant_id.to_string())
    .bind(&a.username)
    .bind(&a.full_name)
    .bind(&a.email)
    .bind(&a.password_hash)
    .bind(&a.totp_secret)
    .bind(a.totp_enabled as i64)
    .bind(a.totp_last_step)
    .bind(&a.status)
    .bind(&a.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn by_username(db: &Db, username: &str) -> Result<Option<Account>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM accounts WHERE username = $1"))
        .bind(username)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<Account>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM accounts WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_id_in_tx(db: &Db, tx: &mut Tx, id: Uuid) -> Result<Option<Account>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLS} FROM accounts WHERE id = $1{}",
        db.backend().for_update()
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list(db: &Db, tenant: Uuid) -> Result<Vec<Account>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM accounts WHERE tenant_id = $1 ORDER BY username"
    ))
    .bind(tenant.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn set_password(tx: &mut Tx, id: Uuid, hash: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now_utc())
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_status(tx: &mut Tx, id: Uuid, status: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now_utc())
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Stores a TOTP secret (hex) and whether it is enabled yet.
pub async fn set_totp(
    tx: &mut Tx,
    id: Uuid,
    secret: Option<&str>,
    enabled: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET totp_secret = $1, totp_enabled = $2, totp_last_step = 0, updated_at = $3 WHERE id = $4",
    )
    .bind(secret)
    .bind(enabled as i64)
    .bind(now_utc())
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records the TOTP step just used, only if it is newer than the last one:
/// returns false when the code was already used (replay).
pub async fn use_totp_step(tx: &mut Tx, id: Uuid, step: i64) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE accounts SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
    )
    .bind(step)
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn grants(db: &Db, account: Uuid) -> Result<Vec<Grant>, StoreError> {
    let rows = sqlx::query(
        "SELECT role, unit_id FROM role_grants WHERE account_id = $1 ORDER BY role, unit_id",
    )
    .bind(account.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let role = get_str(r, "role")?;
            Ok(Grant {
                role: Role::parse(&role).map_err(|e| corrupt("role_grants", e))?,
                unit_id: get_uuid(r, "unit_id")?,
            })
        })
        .collect()
}

/// Grants a role; returns false when the account already had it there.
pub async fn grant(tx: &mut Tx, account: Uuid, g: Grant, by: &str) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "INSERT INTO role_grants (account_id, role, unit_id, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id, role, unit_id) DO NOTHING",
    )
    .bind(account.to_string())
    .bind(g.role.as_str())
    .bind(g.unit_id.to_string())
    .bind(by)
    .bind(now_utc())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Revokes a role; returns false when there was nothing to revoke.
pub async fn revoke(tx: &mut Tx, account: Uuid, g: Grant) -> Result<bool, StoreError> {
    let n =
        sqlx::query("DELETE FROM role_grants WHERE account_id = $1 AND role = $2 AND unit_id = $3")
            .bind(account.to_string())
            .bind(g.role.as_str())
            .bind(g.unit_id.to_string())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    Ok(n == 1)
}

// ----- sessions -----

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    /// `staff` or `citizen`.
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub csrf_token: String,
    /// `full`, or `totp` while the second factor is still owed.
    pub stage: String,
    pub created_at: String,
    pub expires_at: String,
}

pub async fn insert_session(tx: &mut Tx, s: &Session) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, subject_kind, subject_id, csrf_token, stage, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&s.token_hash)
    .bind(&s.subject_kind)
    .bind(s.subject_id.to_string())
    .bind(&s.csrf_token)
    .bind(&s.stage)
    .bind(&s.created_at)
    .bind(&s.expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A live session by token hash (expired ones are not returned).
pub async fn session(db: &Db, token_hash: &str, now: &str) -> Result<Option<Session>, StoreError> {
    let row = sqlx::query(
        "SELECT token_hash, subject_kind, subject_id, csrf_token, stage, created_at, expires_at
         FROM sessions WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok(Session {
            token_hash: get_str(&r, "token_hash")?,
            subject_kind: get_str(&r, "subject_kind")?,
            subject_id: get_uuid(&r, "subject_id")?,
            csrf_token: get_str(&r, "csrf_token")?,
            stage: get_str(&r, "stage")?,
            created_at: get_str(&r, "created_at")?,
            expires_at: get_str(&r, "expires_at")?,
        })
    })
    .transpose()
}

pub async fn delete_session(tx: &mut Tx, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Ends every session of a subject (after a password reset or disabling).
pub async fn delete_sessions_of(tx: &mut Tx, kind: &str, id: Uuid) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE subject_kind = $1 AND subject_id = $2")
            .bind(kind)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}

pub async fn purge_expired_sessions(db: &Db, now: &str) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(db.pool())
        .await?
        .rows_affected())
}

// ----- login attempts -----

pub async fn record_attempt(db: &Db, key: &str, at: &str, success: bool) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO login_attempts (id, key, at, success) VALUES ($1, $2, $3, $4)")
        .bind(crate::new_id().to_string())
        .bind(key)
        .bind(at)
        .bind(success as i64)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Times of failed attempts for `key` since `since`, as stored text.
pub async fn failures_since(db: &Db, key: &str, since: &str) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT at FROM login_attempts WHERE key = $1 AND at > $2 AND success = 0 ORDER BY at",
    )
    .bind(key)
    .bind(since)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>("at")?))
        .collect()
}

/// Forgets the failures of `key` after a successful login.
pub async fn clear_failures(db: &Db, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_attempts WHERE key = $1 AND success = 0")
        .bind(key)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn count(db: &Db) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM accounts")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get::<i64, _>("n")?)
}

/// Active accounts holding `role` on any of `units`.
pub async fn holders(db: &Db, role: &str, units: &[Uuid]) -> Result<Vec<Account>, StoreError> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let ph: Vec<String> = (0..units.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT DISTINCT {} FROM accounts a JOIN role_grants g ON g.account_id = a.id
         WHERE g.role = $1 AND a.status = 'active' AND g.unit_id IN ({}) ORDER BY a.username",
        COLS.split(", ")
            .map(|c| format!("a.{c}"))
            .collect::<Vec<_>>()
            .join(", "),
        ph.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(role);
    for u in units {
        q = q.bind(u.to_string());
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}
