//! Backups that restore: a consistent online snapshot plus a manifest of
//! SHA-256 checksums, and a restore that checks them before touching
//! anything.
//!
//! - SQLite: `VACUUM INTO` writes a transactionally consistent copy while
//!   writers go on.
//! - PostgreSQL: `pg_dump --format=custom` (one snapshot), restored with
//!   `pg_restore --single-transaction` into an empty database.

use crate::db::{now_utc, Backend, Db};
use crate::error::StoreError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::process::Command;

pub const FORMAT: &str = "sen-backup-v1";
const MANIFEST: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub backend: String,
    pub created_at: String,
    pub schema_version: i64,
    /// Events in the log when the snapshot began (the snapshot holds at least these).
    pub events_at_start: i64,
    pub files: Vec<FileEntry>,
}

fn sha256_file(path: &Path) -> Result<(u64, String), StoreError> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    Ok((total, hex::encode(h.finalize())))
}

/// The file path of a `sqlite://` URL.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(PathBuf::from(path))
    }
}

/// Splits the password out of a PostgreSQL URL so that it travels in the
/// environment (PGPASSWORD), not on a command line others can read.
fn pg_url_and_password(url: &str) -> (String, Option<String>) {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((creds, host)) = rest.rsplit_once('@') {
            if let Some((user, pass)) = creds.split_once(':') {
                return (format!("{scheme}://{user}@{host}"), Some(pass.to_string()));
            }
        }
    }
    (url.to_string(), None)
}

async fn run(cmd: &mut Command, what: &str) -> Result<(), StoreError> {
    let out = cmd
        .output()
        .await
        .map_err(|e| StoreError::Backup(format!("cannot run {what}: {e}")))?;
    if !out.status.success() {
        return Err(StoreError::Backup(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// Writes a backup of `db` into the new directory `dest`.
pub async fn backup(db: &Db, url: &str, dest: &Path) -> Result<Manifest, StoreError> {
    if dest.exists() && std::fs::read_dir(dest)?.next().is_some() {
        return Err(StoreError::Backup(format!(
            "{} exists and is not empty: choose a new directory",
            dest.display()
        )));
    }
    std::fs::create_dir_all(dest)?;
    let schema_version = db.schema_version().await?;
    let events_at_start = crate::events::count(db).await?;
    let created_at = now_utc();
    let name = match db.backend() {
        Backend::Sqlite => {
            let file = dest.join("sen.db");
            let target = file.to_string_lossy().replace('\'', "''");
            sqlx::query(&format!("VACUUM INTO '{target}'"))
                .execute(db.pool())
                .await?;
            "sen.db"
        }
        Backend::Postgres => {
            let (u, pass) = pg_url_and_password(url);
            let mut cmd = Command::new("pg_dump");
            cmd.arg("--format=custom")
                .arg("--no-owner")
                .arg("--no-privileges")
                .arg("--file")
                .arg(dest.join("sen.pgdump"))
                .arg("--dbname")
                .arg(u);
            if let Some(p) = pass {
                cmd.env("PGPASSWORD", p);
            }
            run(&mut cmd, "pg_dump").await?;
            "sen.pgdump"
        }
    };
    let (bytes, sha256) = sha256_file(&dest.join(name))?;
    let manifest = Manifest {
        format: FORMAT.to_string(),
        backend: db.backend().name().to_string(),
        created_at,
        schema_version,
        events_at_start,
        files: vec![FileEntry {
            name: name.to_string(),
            bytes,
            sha256,
        }],
    };
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| StoreError::Backup(format!("manifest: {e}")))?;
    std::fs::write(dest.join(MANIFEST), text)?;
    Ok(manifest)
}

/// Reads a backup's manifest and checks every file against its checksum.
pub fn check(src: &Path) -> Result<Manifest, StoreError> {
    let text = std::fs::read_to_string(src.join(MANIFEST)).map_err(|e| {
        StoreError::Backup(format!("{}: no readable {MANIFEST}: {e}", src.display()))
    })?;
    let m: Manifest = serde_json::from_str(&text)
        .map_err(|e| StoreError::Backup(format!("{MANIFEST} is malformed: {e}")))?;
    if m.format != FORMAT {
        return Err(StoreError::Backup(format!(
            "unknown backup format «{}»",
            m.format
        )));
    }
    for f in &m.files {
        if f.name.contains('/') || f.name.contains("..") {
            return Err(StoreError::Backup(format!(
                "bad file name in manifest: {}",
                f.name
            )));
        }
        let (bytes, sum) = sha256_file(&src.join(&f.name))?;
        if bytes != f.bytes || sum != f.sha256 {
            return Err(StoreError::Backup(format!(
                "{} does not match the manifest (checksum mismatch): the backup is damaged",
                f.name
            )));
        }
    }
    Ok(m)
}

/// Restores the backup in `src` into the (empty) database at `url`.
/// The caller then connects, verifies the event log and compares counts.
pub async fn restore(src: &Path, url: &str) -> Result<Manifest, StoreError> {
    let m = check(src)?;
    let backend = Backend::from_url(url)?;
    if backend.name() != m.backend {
        return Err(StoreError::Backup(format!(
            "this is a {} backup; the target database is {}",
            m.backend,
            backend.name()
        )));
    }
    match backend {
        Backend::Sqlite => {
            let path = sqlite_path(url)
                .ok_or_else(|| StoreError::Backup("the SQLite URL names no file".into()))?;
            if path.exists() && std::fs::metadata(&path)?.len() > 0 {
                return Err(StoreError::Backup(format!(
                    "{} already exists: restore into an empty data directory",
                    path.display()
                )));
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            // Copy to a temporary name, then rename: a crash leaves no half file.
            let tmp = path.with_extension("restoring");
            std::fs::copy(src.join(&m.files[0].name), &tmp)?;
            std::fs::rename(&tmp, &path)?;
        }
        Backend::Postgres => {
            let db = Db::connect(url).await?;
            let tables: i64 = sqlx::Row::try_get(
                &sqlx::query(
                    "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
                )
                .fetch_one(db.pool())
                .await?,
                "n",
            )?;
            db.close().await;
            if tables > 0 {
                return Err(StoreError::Backup(
                    "the target PostgreSQL database is not empty: restore into a new database"
                        .into(),
                ));
            }
            let (u, pass) = pg_url_and_password(url);
            let mut cmd = Command::new("pg_restore");
            cmd.arg("--no-owner")
                .arg("--no-privileges")
                .arg("--exit-on-error")
                .arg("--single-transaction")
                .arg("--dbname")
                .arg(u)
                .arg(src.join(&m.files[0].name));
            if let Some(p) = pass {
                cmd.env("PGPASSWORD", p);
            }
            run(&mut cmd, "pg_restore").await?;
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            sqlite_path("sqlite://data/sen.db?mode=rwc"),
            Some(PathBuf::from("data/sen.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/x.db"),
            Some(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(
            pg_url_and_password("postgres://sen:s3cret@localhost:5432/sen"),
            (
                "postgres://sen@localhost:5432/sen".to_string(),
                Some("s3cret".to_string())
            )
        );
        assert_eq!(pg_url_and_password("postgres://sen@h/db").1, None);
    }
}
