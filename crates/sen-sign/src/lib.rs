//! PAdES signatures on PDF documents (ETSI EN 319 142-1, baseline B-B and
//! B-T): sign with a server-side organisational seal or with an official's
//! USB token (prepare / sign elsewhere / finalise), time-stamp (RFC 3161),
//! and verify.
//!
//! # Signing
//!
//! A signature is appended to the PDF as an **incremental update**; the
//! original bytes are never rewritten, so earlier signatures stay valid.
//! The update adds a signature dictionary (`/Filter /Adobe.PPKLite
//! /SubFilter /ETSI.CAdES.detached`, `/ByteRange`, `/Contents`, `/M`), a
//! signature field merged with its widget annotation on a page, and the
//! catalog's `/AcroForm` with `/SigFlags 3`. Both classic cross-reference
//! tables and cross-reference streams (with object streams) are read; the
//! update uses the same kind as the file's newest section. Encrypted PDFs
//! are refused.
//!
//! `/Contents` holds a detached CMS SignedData: SHA-256, RSA PKCS#1 v1.5,
//! the signed attributes content-type, message-digest and
//! signing-certificate-v2 (no signing-time attribute: PAdES puts the
//! claimed time in `/M`), the signer's chain, and for B-T an RFC 3161
//! time-stamp token over the signature value as the unsigned attribute
//! `id-aa-signatureTimeStampToken`.
//!
//! ```no_run
//! # async fn demo(pdf: &[u8], p12: &[u8]) -> Result<(), sen_sign::SignError> {
//! use sen_sign::*;
//! // (a) Server-side seal from a PKCS#12 file.
//! let seal = Signer::from_pkcs12(p12, "password")?;
//! let tsa = HttpTimeStamper::new("http://tsa.example.vn/");
//! let options = SignOptions {
//!     field_name: "Seal1".into(),
//!     timestamp: true,
//!     ..SignOptions::default()
//! };
//! let now = chrono::Utc::now();
//! let signed = sign(pdf, &seal, &options, now, Some(&tsa)).await?;
//!
//! // (b) An official's USB token: the server prepares, the browser plug-in
//! // signs `bytes_to_sign` (RSA PKCS#1 v1.5 with SHA-256), the server
//! // finalises. `Prepared` is serde-serialisable to keep between requests.
//! let chain = certificates_from_pem(b"...token certificate chain...")?;
//! let prepared = prepare(&signed, &options, &chain, now)?;
//! let signature_value: Vec<u8> = vec![/* from the token */];
//! let twice = finalise(&prepared, &signature_value, Some(&tsa)).await?;
//!
//! // Verification against the trust anchors.
//! for report in verify(&twice, &chain[chain.len() - 1..]) {
//!     println!("{}: {}", report.field_name, report.is_valid());
//! }
//! # Ok(()) }
//! ```
//!
//! The signer's certificate is needed at `prepare` already: the
//! signing-certificate-v2 attribute (which PAdES requires) is part of what
//! the token signs. `Prepared` therefore carries the chain, and `finalise`
//! takes only the signature value (and refuses one that does not verify
//! with the certificate's key).
//!
//! # Visible signatures (Nghị định 30/2020)
//!
//! With [`SignOptions::appearance`] the widget gets an appearance in the
//! given rectangle: the seal image (red PNG) with the signer's image (blue
//! PNG) over it on the left, and on the right "Ký bởi: …", "Cơ quan: …" and
//! "Thời gian ký: 2026-11-24T16:05:09+07:00" (ISO 8601, Vietnam time), set in
//! an embedded subset of Liberation Serif (the font of `sen-forms`) with a
//! ToUnicode map. Without it the signature is invisible (a zero rectangle).
//!
//! # Verification
//!
//! [`verify`] reports on every signature field: signer (CN, O), the claimed
//! time (`/M`) and the time-stamp's genTime, whether the ByteRange covers
//! the whole revision except `/Contents` and whether later updates were
//! appended, whether the signed bytes are intact (message digest), whether
//! the CMS signature is valid, whether the signer's chain leads to a trust
//! anchor (signatures, validity periods, CA flags and key usages; **no
//! revocation checking**: neither CRL nor OCSP), and the time-stamp's
//! validity and trust. Only RSA keys are supported.
//!
//! Time is always a parameter (`signing_time`, [`verify_at`]): no hidden
//! clock, so tests are deterministic.

mod appearance;
mod cms;
mod oids;
mod pdf;
mod pkcs12;
mod sign;
mod tsp;
mod verify;
mod x509;

pub use sign::{finalise, prepare, sign, Appearance, Prepared, SignOptions, Signer};
pub use tsp::{HttpTimeStamper, TimeStamper};
pub use verify::{verify, verify_at, SignatureReport, TimestampReport};
pub use x509_cert::Certificate;

/// Why signing or reading a signature failed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The PDF could not be read.
    #[error("PDF: {0}")]
    Pdf(String),
    /// A feature this crate does not handle (encrypted PDFs, non-RSA keys…).
    #[error("not supported: {0}")]
    Unsupported(String),
    /// A malformed PKCS#12 file.
    #[error("PKCS#12: {0}")]
    Pkcs12(String),
    /// The PKCS#12 MAC does not verify or the content does not decrypt.
    #[error("wrong PKCS#12 password, or a damaged file")]
    Pkcs12Password,
    /// A certificate problem (empty chain, unreadable certificate…).
    #[error("certificate: {0}")]
    Certificate(String),
    /// A malformed CMS structure.
    #[error("CMS: {0}")]
    Cms(String),
    /// DER encoding or decoding failed.
    #[error("ASN.1: {0}")]
    Der(#[from] der::Error),
    /// The signature value given to `finalise` does not verify with the
    /// signer's certificate over `bytes_to_sign` (wrong token or key).
    #[error("the signature value does not match the signer's certificate and the prepared data")]
    SignatureMismatch,
    /// The prepared data was altered between `prepare` and `finalise`.
    #[error("the prepared document does not match its signed attributes")]
    PreparedAltered,
    /// The CMS does not fit in the placeholder reserved by `prepare`.
    #[error("the signature needs {needed} bytes but only {available} were reserved (raise SignOptions::contents_size)")]
    PlaceholderTooSmall { needed: usize, available: usize },
    /// The time-stamping authority could not be reached or answered wrongly.
    #[error("time-stamp: {0}")]
    TimeStamp(String),
    /// An image of the visible signature could not be decoded.
    #[error("image: {0}")]
    Image(String),
    /// The embedded font could not be read or subset (a bug).
    #[error("font: {0}")]
    Font(String),
    /// The private key operation failed.
    #[error("RSA: {0}")]
    Rsa(String),
    /// An option is out of range.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

/// Reads every certificate in PEM text (`-----BEGIN CERTIFICATE-----`).
pub fn certificates_from_pem(pem: &[u8]) -> Result<Vec<Certificate>, SignError> {
    Certificate::load_pem_chain(pem).map_err(|e| SignError::Certificate(e.to_string()))
}

/// Reads one DER certificate.
pub fn certificate_from_der(der_bytes: &[u8]) -> Result<Certificate, SignError> {
    use der::Decode;
    Certificate::from_der(der_bytes).map_err(|e| SignError::Certificate(e.to_string()))
}
