//! Storage of Sen: the only crate that knows SQL.
//!
//! One codebase serves two backends, chosen at run time from the database
//! URL: SQLite (a file, zero setup, the default) and PostgreSQL (production).
//! Queries are written once in the SQL both understand (`$1` placeholders,
//! `ON CONFLICT`, `RETURNING`); the few differences live in [`Backend`].
//! Keys are application-generated UUIDv7 stored as text, timestamps are UTC
//! RFC 3339 text with microseconds (fixed width, so they sort as text).

mod db;
mod error;
mod lookups;
mod migrate;
mod reads;

pub mod accounts;
pub mod attachments;
pub mod backup;
pub mod bench;
pub mod calendar;
pub mod citizens;
pub mod counters;
pub mod dossiers;
pub mod events;
pub mod group;
pub mod intake;
pub mod monitoring;
pub mod office;
pub mod org;
pub mod outbox;
pub mod procedures;
pub mod scale;
pub mod signatures;
pub mod testing;

pub use db::{
    fmt_time, new_id, now_utc, redact_url, Backend, Db, DbOptions, LookupCacheStatus, Tx,
    DEFAULT_LOOKUP_CACHE_MB, MIN_CONNECTIONS,
};

/// The trait [`Db::transaction`] needs of its error type.
pub mod db_retry {
    pub use crate::db::MaybeRetryable;
}
pub use error::StoreError;

/// Re-exported so that callers can name the boxed futures that
/// [`Db::transaction`] takes without depending on the driver.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
