//! Pure domain logic of Sen.
//!
//! Nothing in this crate performs I/O, reads the clock or draws random numbers:
//! callers pass time and randomness in. Every function is deterministic and
//! tested on its own.

pub mod access;
pub mod audit;
pub mod auth;
pub mod dossier;
pub mod files;
pub mod monitoring;
pub mod office;
pub mod org;
pub mod procedure;
pub mod text;
pub mod vi;

/// A validation failure at the edge of the domain, with messages in Vietnamese
/// and English. `field` names the input that was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message_en}")]
pub struct Invalid {
    pub field: &'static str,
    pub message_vi: String,
    pub message_en: String,
}

impl Invalid {
    pub fn new(field: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Invalid {
            field,
            message_vi: vi.into(),
            message_en: en.into(),
        }
    }
}
