//! Migrations, written once and applied by `sen migrate` and at `serve`
//! start. Each has a portable part and optional backend-specific parts
//! (triggers); all parts of one migration run in one transaction.

use crate::db::{now_utc, Backend, Db};
use crate::error::StoreError;
use sha2::{Digest, Sha256};
use sqlx::Row;

struct Migration {
    version: i64,
    name: &'static str,
    common: &'static str,
    sqlite: Option<&'static str>,
    postgres: Option<&'static str>,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        common: include_str!("../migrations/0001_foundation.sql"),
        sqlite: Some(include_str!("../migrations/0001_foundation.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0001_foundation.postgres.sql")),
    },
    Migration {
        version: 2,
        name: "calendar",
        common: include_str!("../migrations/0002_calendar.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 3,
        name: "dossiers",
        common: include_str!("../migrations/0003_dossiers.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 4,
        name: "attachments",
        common: include_str!("../migrations/0004_attachments.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 5,
        name: "monitoring",
        common: include_str!("../migrations/0005_monitoring.sql"),
        sqlite: Some(include_str!("../migrations/0005_monitoring.sqlite.sql")),
        postgres: Some(include_str!("../migrations/0005_monitoring.postgres.sql")),
    },
    Migration {
        version: 6,
        name: "office",
        common: include_str!("../migrations/0006_office.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 7,
        name: "exchange",
        common: include_str!("../migrations/0007_exchange.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 8,
        name: "signatures",
        common: include_str!("../migrations/0008_signatures.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 9,
        name: "public_view",
        common: include_str!("../migrations/0009_public_view.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 10,
        name: "lookup_notify",
        common: include_str!("../migrations/0010_lookup_notify.sql"),
        sqlite: None,
        postgres: Some(include_str!(
            "../migrations/0010_lookup_notify.postgres.sql"
        )),
    },
    Migration {
        version: 11,
        name: "reference_notify",
        common: include_str!("../migrations/0011_reference_notify.sql"),
        sqlite: None,
        postgres: Some(include_str!(
            "../migrations/0011_reference_notify.postgres.sql"
        )),
    },
];

impl Migration {
    fn checksum(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.common);
        h.update(self.sqlite.unwrap_or_default());
        h.update(self.postgres.unwrap_or_default());
        hex::encode(h.finalize())
    }
}

impl Db {
    /// Applies every migration not yet applied; returns the names applied.
    /// Refuses to run when an applied migration's text has changed.
    pub async fn migrate(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, name TEXT NOT NULL,
                checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .execute(self.pool())
        .await?;
        let mut applied = Vec::new();
        for m in MIGRATIONS {
            let mut tx = self.begin().await?;
            let row = sqlx::query("SELECT checksum FROM schema_migrations WHERE version = $1")
                .bind(m.version)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = row {
                let sum: String = row.try_get("checksum")?;
                if sum != m.checksum() {
                    return Err(StoreError::MigrationChanged {
                        version: m.version,
                        name: m.name.to_string(),
                    });
                }
                continue;
            }
            let specific = match self.backend() {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            // Whole scripts run as multi-statement batches (PostgreSQL's
            // simple protocol, SQLite's statement loop).
            for script in std::iter::once(m.common).chain(specific) {
                let only_comments = script
                    .lines()
                    .all(|l| l.trim().is_empty() || l.trim_start().starts_with("--"));
                if only_comments {
                    continue;
                }
                sqlx::raw_sql(script).execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(m.checksum())
            .bind(now_utc())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            tracing::info!(version = m.version, name = m.name, "migration applied");
            applied.push(format!("{:04}_{}", m.version, m.name));
        }
        Ok(applied)
    }

    /// The highest applied migration version (0 for an empty database).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get::<i64, _>("v")?)
    }

    /// The number of migrations this build knows.
    pub fn known_schema_version() -> i64 {
        MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
    }
}
