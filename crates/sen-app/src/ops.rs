//! Operations: backup and restore with verification.

use crate::{App, AppError};
use sen_store::backup::{self, Manifest};
use sen_store::{events, Db};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub manifest: Manifest,
    pub events: i64,
    pub chain_ok: bool,
}

impl App {
    /// Writes a consistent online snapshot with its checksum manifest.
    pub async fn backup(&self, url: &str, dest: &Path) -> Result<Manifest, AppError> {
        Ok(backup::backup(&self.db, url, dest).await?)
    }
}

/// Restores `src` into the empty database at `url`, then checks the result:
/// the event chain verifies and holds at least the events the backup had
/// when it began.
pub async fn restore(src: &Path, url: &str) -> Result<RestoreReport, AppError> {
    let manifest = backup::restore(src, url).await?;
    let result = check_restored(url, manifest).await;
    if result.is_err() {
        // Leave nothing behind that a later `serve` could mistake for good data.
        if let Some(path) = backup::sqlite_path(url) {
            for suffix in ["", "-wal", "-shm"] {
                let p = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
                let _ = std::fs::remove_file(p);
            }
        }
    }
    result
}

async fn check_restored(url: &str, manifest: Manifest) -> Result<RestoreReport, AppError> {
    let db = Db::connect(url).await?;
    db.migrate().await?;
    let v = events::verify(&db).await?;
    let n = events::count(&db).await?;
    db.close().await;
    let chain_ok = v.tamper.is_none() && v.head_matches;
    if !chain_ok {
        return Err(AppError::Internal(format!(
            "restored database fails event-log verification: {}",
            v.tamper
                .map(|t| t.to_string())
                .unwrap_or_else(|| "chain head mismatch".into())
        )));
    }
    if n < manifest.events_at_start {
        return Err(AppError::Internal(format!(
            "restored database has {n} events, fewer than the {} the backup began with",
            manifest.events_at_start
        )));
    }
    Ok(RestoreReport {
        manifest,
        events: n,
        chain_ok,
    })
}
