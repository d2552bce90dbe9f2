//! A fresh, migrated database for each test, on the backend that
//! `TEST_DATABASE_URL` names: unset or `sqlite` gives a SQLite file in a
//! temporary directory; a `postgres://` URL (a maintenance database such as
//! `postgres`) gives a new database created on that server for the test.
//!
//! When `SEN_TEST_BACKEND` is set (the test script sets it), a test database
//! on any other backend is an error: no backend is ever skipped silently.

use crate::db::{Backend, Db};
use std::path::PathBuf;

pub struct TestDb {
    pub db: Db,
    pub url: String,
    pub dir: PathBuf,
}

impl TestDb {
    /// A new database; panics (failing the test) when none can be made.
    pub async fn new() -> TestDb {
        let dir = std::env::temp_dir().join(format!("sen-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let requested = std::env::var("TEST_DATABASE_URL").unwrap_or_default();
        let url = if requested.is_empty() || requested == "sqlite" {
            format!("sqlite://{}", dir.join("sen.db").display())
        } else {
            Self::fresh_pg_database(&requested).await
        };
        let db = Db::connect(&url)
            .await
            .expect("connect to the test database");
        if let Ok(expected) = std::env::var("SEN_TEST_BACKEND") {
            assert_eq!(
                db.backend().name(),
                expected,
                "SEN_TEST_BACKEND asks for {expected} but TEST_DATABASE_URL gives {}",
                db.backend().name()
            );
        }
        db.migrate().await.expect("migrate the test database");
        TestDb { db, url, dir }
    }

    /// Another empty database on the same backend (for restore tests).
    pub async fn empty_sibling_url(&self) -> String {
        match self.db.backend() {
            Backend::Sqlite => {
                let d = self
                    .dir
                    .join(format!("restore-{}", uuid::Uuid::new_v4().simple()));
                format!("sqlite://{}", d.join("sen.db").display())
            }
            Backend::Postgres => {
                let admin = std::env::var("TEST_DATABASE_URL").expect("postgres admin URL");
                Self::fresh_pg_database(&admin).await
            }
        }
    }

    async fn fresh_pg_database(admin_url: &str) -> String {
        let name = format!("sen_t_{}", uuid::Uuid::new_v4().simple());
        let admin = Db::connect(admin_url)
            .await
            .expect("connect to the PostgreSQL admin database");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(admin.pool())
            .await
            .expect("create a test database");
        admin.close().await;
        let (base, query) = match admin_url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (admin_url, String::new()),
        };
        let base = base.rsplit_once('/').map(|(b, _)| b).unwrap_or(base);
        format!("{base}/{name}{query}")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Plays an attacker with database-administrator rights: switches off the
/// append-only trigger and rewrites one event's payload in place.
pub async fn tamper_event_payload(
    db: &Db,
    seq: i64,
    payload: &str,
) -> Result<(), crate::StoreError> {
    match db.backend() {
        Backend::Sqlite => {
            sqlx::query("DROP TRIGGER events_no_update")
                .execute(db.pool())
                .await?;
        }
        Backend::Postgres => {
            sqlx::query("ALTER TABLE events DISABLE TRIGGER events_no_update")
                .execute(db.pool())
                .await?;
        }
    }
    sqlx::query("UPDATE events SET payload = $1 WHERE seq = $2")
        .bind(payload)
        .bind(seq)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// How many connections the public lookup's own reads have opened on
/// PostgreSQL (`None` on SQLite).
pub fn pg_read_connections_opened(db: &Db) -> Option<usize> {
    db.pg_reads().map(|r| r.opened())
}

/// Ends the server sessions of every lookup cache's listener (as a network
/// failure or an administrator would); returns how many were ended.
pub async fn kill_lookup_listeners(admin: &Db) -> i64 {
    admin
        .terminate_sessions(&format!("LISTEN %{}%", crate::lookups::CHANNEL))
        .await
        .expect("the listeners are ended")
}

/// Holds back the notifications that drop the lookup cache's rows (as a
/// slow delivery would), or hears those held and goes on. Without a cache,
/// nothing.
pub fn hold_lookup_notifications(db: &Db, hold: bool) {
    if let Ok(Some(c)) = db.lookups() {
        c.hold(hold);
    }
}

/// Makes the lookup cache's listener drop every notification (`true`), as
/// a proxy that loses them would, or hear them again. Without a cache,
/// nothing.
pub fn deafen_lookup_listener(db: &Db, deaf: bool) {
    if let Ok(Some(c)) = db.lookups() {
        c.deafen(deaf);
    }
}
