//! Digital signatures (PAdES, through `sen-sign`) on documents.
//!
//! - [`App::seal_pdf`]: the organisation's seal, a PKCS#12 key kept on the
//!   server; visible at the signer's place (Nghị định 30/2020: seal image,
//!   "Ký bởi / Cơ quan / Thời gian ký") or invisible; B-T with a time-stamp
//!   when a TSA is configured, B-B otherwise.
//! - The token flow for an official's USB token on an issued document:
//!   [`App::prepare_document_signature`] stores the PDF with an empty
//!   signature and returns what the token must sign;
//!   [`App::finalise_document_signature`] puts the token's signature value
//!   in and stores the result as a `signed` file with a `document.signed`
//!   event, in one transaction.
//! - [`App::verify_pdf`] / [`App::verify_upload`]: who signed, when, whether
//!   the file is intact and the signer trusted, in Vietnamese and English.
//!   Revocation (CRL/OCSP) is not checked.

use crate::office::FileInfo;
use crate::{Actor, App, AppError};
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use der::Tagged as _;
use sen_domain::access::Permission;
use sen_domain::audit::NewEvent;
use sen_domain::Invalid;
use sen_sign::{Certificate, SignError, SignOptions, SignatureReport, TimeStamper};
use sen_store::office::{self as office_store, DocumentFile, StoredDocument};
use sen_store::signatures::{self as store, SignatureRequest};
use sen_store::{events, fmt_time, new_id};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use uuid::Uuid;

/// How long a prepared token signature waits for its signature value.
pub const REQUEST_MINUTES: i64 = 30;

/// The files a new signature is added to: the newest of these roles.
const SIGNABLE_ROLES: [&str; 2] = ["signed", "issued"];

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

/// The keys and peers of digital signing. The default configures nothing:
/// no seal (documents are issued unsigned), no time-stamps (B-B), no trust
/// anchors (every signature verifies as "not trusted").
#[derive(Clone, Default)]
pub struct SigningSettings {
    /// The organisation's seal (PKCS#12 key and chain).
    pub seal: Option<Arc<sen_sign::Signer>>,
    /// The RFC 3161 time-stamping authority; signatures are B-T with it.
    pub tsa_url: Option<String>,
    /// Certificates (DER) whose chains are trusted, e.g. the government
    /// root CA of Nghị định 68/2024.
    pub trust_anchors: Vec<Vec<u8>>,
    /// The seal's image (red PNG) in visible signatures.
    pub seal_image_png: Option<Vec<u8>>,
}

impl std::fmt::Debug for SigningSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key: only whose seal it is.
        f.debug_struct("SigningSettings")
            .field(
                "seal",
                &self
                    .seal
                    .as_ref()
                    .and_then(|s| s.chain().first().map(subject_of)),
            )
            .field("tsa_url", &self.tsa_url)
            .field("trust_anchors", &self.trust_anchors.len())
            .field(
                "seal_image_png",
                &self.seal_image_png.as_ref().map(|p| p.len()),
            )
            .finish()
    }
}

/// A signing setting that cannot be loaded; the message says which file
/// and why, in Vietnamese and English.
#[derive(Debug, thiserror::Error)]
#[error("{message_vi} / {message_en}")]
pub struct SigningSetupError {
    pub message_vi: String,
    pub message_en: String,
}

fn setup_err(vi: impl Into<String>, en: impl Into<String>) -> SigningSetupError {
    SigningSetupError {
        message_vi: vi.into(),
        message_en: en.into(),
    }
}

fn read_file(path: &Path, what_vi: &str, what_en: &str) -> Result<Vec<u8>, SigningSetupError> {
    std::fs::read(path).map_err(|e| {
        setup_err(
            format!("Không đọc được {what_vi} «{}»: {e}", path.display()),
            format!("cannot read {what_en} «{}»: {e}", path.display()),
        )
    })
}

impl SigningSettings {
    /// Loads the settings from files: the seal's PKCS#12 file and its
    /// password, the TSA's URL, the trust anchors (PEM, one or more
    /// certificates, or one DER certificate) and the seal's image (PNG).
    pub fn from_files(
        p12_path: Option<&Path>,
        p12_password: Option<&str>,
        tsa_url: Option<&str>,
        trust_pem_path: Option<&Path>,
        seal_png: Option<&Path>,
    ) -> Result<SigningSettings, SigningSetupError> {
        let mut out = SigningSettings::default();
        if let Some(p) = p12_path {
            let bytes = read_file(
                p,
                "tệp khoá dấu cơ quan (PKCS#12)",
                "the seal's PKCS#12 file",
            )?;
            let password = p12_password.ok_or_else(|| {
                setup_err(
                    format!("Chưa có mật khẩu của tệp PKCS#12 «{}»", p.display()),
                    format!("no password given for the PKCS#12 file «{}»", p.display()),
                )
            })?;
            let signer = sen_sign::Signer::from_pkcs12(&bytes, password).map_err(|e| match e {
                SignError::Pkcs12Password => setup_err(
                    format!(
                        "Sai mật khẩu của tệp PKCS#12 «{}», hoặc tệp bị hỏng",
                        p.display()
                    ),
                    format!(
                        "wrong password for the PKCS#12 file «{}», or a damaged file",
                        p.display()
                    ),
                ),
                other => setup_err(
                    format!(
                        "Tệp PKCS#12 «{}» không dùng được (cần khoá RSA và chứng thư số): {other}",
                        p.display()
                    ),
                    format!(
                        "the PKCS#12 file «{}» cannot be used (an RSA key and its certificate are needed): {other}",
                        p.display()
                    ),
                ),
            })?;
            tracing::info!(seal = ?signer, "organisation seal loaded");
            out.seal = Some(Arc::new(signer));
        }
        if let Some(url) = tsa_url.map(str::trim).filter(|u| !u.is_empty()) {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(setup_err(
                    format!("Địa chỉ máy chủ cấp dấu thời gian (TSA) «{url}» phải bắt đầu bằng http:// hoặc https://"),
                    format!("the time-stamping authority's URL «{url}» must start with http:// or https://"),
                ));
            }
            out.tsa_url = Some(url.to_string());
        }
        if let Some(p) = trust_pem_path {
            out.trust_anchors = load_trust_anchors(p)?;
        }
        if let Some(p) = seal_png {
            let png = read_file(p, "ảnh con dấu (PNG)", "the seal image (PNG)")?;
            if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
                return Err(setup_err(
                    format!("Ảnh con dấu «{}» không phải tệp PNG", p.display()),
                    format!("the seal image «{}» is not a PNG file", p.display()),
                ));
            }
            out.seal_image_png = Some(png);
        }
        Ok(out)
    }

    fn anchors(&self) -> Vec<Certificate> {
        self.trust_anchors
            .iter()
            .filter_map(|d| sen_sign::certificate_from_der(d).ok())
            .collect()
    }

    fn timestamper(&self) -> Option<sen_sign::HttpTimeStamper> {
        self.tsa_url.as_ref().map(sen_sign::HttpTimeStamper::new)
    }
}

/// Reads trust anchors: PEM with one or more certificates, or one DER
/// certificate. Returns each certificate as DER.
pub fn load_trust_anchors(path: &Path) -> Result<Vec<Vec<u8>>, SigningSetupError> {
    let bytes = read_file(
        path,
        "tệp chứng thư số gốc tin cậy",
        "the trusted root certificates",
    )?;
    let certs = certificates_from_pem_or_der(&bytes).map_err(|e| {
        setup_err(
            format!(
                "Tệp «{}» không chứa chứng thư số đọc được: {}",
                path.display(),
                e.message_vi
            ),
            format!(
                "«{}» holds no readable certificate: {}",
                path.display(),
                e.message_en
            ),
        )
    })?;
    Ok(certs.into_iter().map(|(der, _)| der).collect())
}

/// Certificates from PEM text (`-----BEGIN CERTIFICATE-----` blocks) or one
/// DER certificate, each as (DER, parsed).
fn certificates_from_pem_or_der(bytes: &[u8]) -> Result<Vec<(Vec<u8>, Certificate)>, Invalid> {
    let bad = |vi: String, en: String| Invalid::new("chain", vi, en);
    let text = String::from_utf8_lossy(bytes);
    let ders: Vec<Vec<u8>> = if text.contains("-----BEGIN") {
        let mut out = Vec::new();
        let mut rest = text.as_ref();
        while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
            let body = &rest[start + "-----BEGIN CERTIFICATE-----".len()..];
            let end = body.find("-----END CERTIFICATE-----").ok_or_else(|| {
                bad(
                    "khối PEM không có dòng kết thúc".into(),
                    "a PEM block has no END line".into(),
                )
            })?;
            let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
            out.push(B64.decode(b64).map_err(|e| {
                bad(
                    format!("khối PEM không phải base64: {e}"),
                    format!("a PEM block is not base64: {e}"),
                )
            })?);
            rest = &body[end..];
        }
        out
    } else {
        vec![bytes.to_vec()]
    };
    if ders.is_empty() {
        return Err(bad(
            "không có chứng thư số nào (cần khối -----BEGIN CERTIFICATE-----)".into(),
            "no certificate (a -----BEGIN CERTIFICATE----- block is needed)".into(),
        ));
    }
    ders.into_iter()
        .map(|der| {
            let cert = sen_sign::certificate_from_der(&der).map_err(|e| {
                bad(
                    format!("chứng thư số không đọc được: {e}"),
                    format!("unreadable certificate: {e}"),
                )
            })?;
            Ok((der, cert))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Certificates' names
// ---------------------------------------------------------------------------

const OID_CN: &str = "2.5.4.3";
const OID_O: &str = "2.5.4.10";

fn attr_text(tag: u8, value: &[u8]) -> String {
    if tag == 0x1E {
        // BMPString: UTF-16 big-endian.
        let units: Vec<u16> = value
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(value).into_owned()
    }
}

fn name_attr(cert: &Certificate, oid: &str) -> Option<String> {
    cert.tbs_certificate.subject.0.iter().rev().find_map(|rdn| {
        rdn.0.iter().find_map(|atv| {
            (atv.oid.to_string() == oid)
                .then(|| attr_text(u8::from(atv.value.tag()), atv.value.value()))
        })
    })
}

fn subject_of(cert: &Certificate) -> String {
    let mut parts = Vec::new();
    for rdn in cert.tbs_certificate.subject.0.iter().rev() {
        for atv in rdn.0.iter() {
            let oid = atv.oid.to_string();
            let key = match oid.as_str() {
                OID_CN => "CN",
                OID_O => "O",
                "2.5.4.11" => "OU",
                "2.5.4.6" => "C",
                "2.5.4.7" => "L",
                "2.5.4.8" => "ST",
                _ => oid.as_str(),
            }
            .to_string();
            parts.push(format!(
                "{key}={}",
                attr_text(u8::from(atv.value.tag()), atv.value.value())
            ));
        }
    }
    parts.join(", ")
}

/// ISO 8601 in Vietnam time: `2026-11-24T16:05:09+07:00`.
pub fn iso_vietnam(t: DateTime<Utc>) -> String {
    t.with_timezone(&sen_domain::vi::vn_offset())
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

// ---------------------------------------------------------------------------
// Errors of sen-sign, for the person who caused them
// ---------------------------------------------------------------------------

fn timestamp_error(e: &SignError) -> AppError {
    AppError::conflict(
        format!("Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA); văn bản chưa được ký, vui lòng thử lại sau ({e})"),
        format!("no time-stamp could be obtained from the time-stamping authority; nothing was signed, please try again later ({e})"),
    )
}

/// An error of our own documents or keys (not the caller's input).
fn internal(e: SignError) -> AppError {
    match e {
        SignError::TimeStamp(_) => timestamp_error(&e),
        other => AppError::Internal(format!("signing: {other}")),
    }
}

/// An error caused by the certificate chain or signature value a token sent.
fn token_error(e: SignError) -> AppError {
    match e {
        SignError::SignatureMismatch => Invalid::new(
            "signature_value",
            "Giá trị chữ ký không khớp với chứng thư số và dữ liệu đã chuẩn bị (ký bằng khoá khác, hoặc ký sai dữ liệu)",
            "the signature value does not match the certificate and the prepared data (another key, or other data was signed)",
        )
        .into(),
        SignError::Certificate(m) | SignError::Unsupported(m) => Invalid::new(
            "chain",
            format!("Chứng thư số không dùng được (chỉ hỗ trợ khoá RSA): {m}"),
            format!("the certificate cannot be used (RSA keys only): {m}"),
        )
        .into(),
        SignError::Der(d) => Invalid::new(
            "chain",
            format!("Chứng thư số không đọc được: {d}"),
            format!("unreadable certificate: {d}"),
        )
        .into(),
        other => internal(other),
    }
}

// ---------------------------------------------------------------------------
// Verification reports
// ---------------------------------------------------------------------------

/// One line of a signature's report: `ok`, `bad` or `info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub status: &'static str,
    pub vi: String,
    pub en: String,
}

fn check(status: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Check {
    Check {
        status,
        vi: vi.into(),
        en: en.into(),
    }
}

/// One signature of a PDF, as the verification page and API show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureSummary {
    /// The signature field's name.
    pub field_name: String,
    /// The signer's common name (CN).
    pub signer_name: Option<String>,
    /// The signer's organisation (O).
    pub organisation: Option<String>,
    pub signer_subject: Option<String>,
    /// The best-established signing time (the time-stamp's, otherwise the
    /// signer's claim), ISO 8601 in Vietnam time.
    pub signing_time: Option<String>,
    /// Whether `signing_time` comes from a valid time-stamp.
    pub time_from_timestamp: bool,
    /// The time the signer claimed (`/M`).
    pub claimed_time: Option<String>,
    /// The time-stamp's time, when there is one.
    pub timestamp_time: Option<String>,
    /// The time-stamping authority.
    pub tsa: Option<String>,
    /// `B-T` (with a time-stamp) or `B-B`.
    pub level: &'static str,
    /// The signed bytes are unchanged.
    pub intact: bool,
    /// The file was changed after signing (not intact, or the signature
    /// does not cover its whole revision).
    pub modified: bool,
    /// Incremental updates (e.g. later signatures) follow this signature.
    pub updated_after_signing: bool,
    pub signature_valid: bool,
    /// The signer's chain leads to a configured trust anchor.
    pub trusted: bool,
    /// The time-stamp is valid and trusted (`None` without one).
    pub timestamp_ok: Option<bool>,
    /// Everything holds.
    pub valid: bool,
    /// `valid`, `untrusted`, `invalid`, `modified` or `unreadable`.
    pub verdict: &'static str,
    pub verdict_vi: String,
    pub verdict_en: String,
    pub checks: Vec<Check>,
    /// What the verifier found wrong (English, technical).
    pub problems: Vec<String>,
}

impl SignatureSummary {
    fn from_report(r: &SignatureReport) -> SignatureSummary {
        let unreadable = r.byte_range.is_empty() && r.signer_subject.is_none();
        let modified = !unreadable && (!r.intact || !r.covers_revision);
        let ts = r.timestamp.as_ref();
        let timestamp_ok = ts.map(|t| t.valid && t.trusted);
        let crypto_ok = r.signature_valid && r.signing_certificate_ok;
        let (verdict, vi, en) = if unreadable {
            (
                "unreadable",
                "Không đọc được chữ ký",
                "The signature cannot be read",
            )
        } else if modified {
            (
                "modified",
                "Văn bản đã bị sửa đổi sau khi ký",
                "The document was modified after signing",
            )
        } else if !crypto_ok || ts.is_some_and(|t| !t.valid) {
            ("invalid", "Chữ ký không hợp lệ", "The signature is invalid")
        } else if !r.trusted || ts.is_some_and(|t| !t.trusted) {
            (
                "untrusted",
                "Văn bản nguyên vẹn nhưng chứng thư số không được tin cậy",
                "The document is intact but the certificate is not trusted",
            )
        } else {
            (
                "valid",
                "Chữ ký hợp lệ, văn bản nguyên vẹn",
                "Valid signature, the document is intact",
            )
        };
        let mut checks = Vec::new();
        if !unreadable {
            if modified {
                checks.push(check(
                    "bad",
                    if r.intact {
                        "Chữ ký không bao trùm toàn bộ văn bản tại thời điểm ký"
                    } else {
                        "Nội dung đã bị thay đổi sau khi ký: văn bản này không còn là văn bản đã được ký"
                    },
                    if r.intact {
                        "The signature does not cover the whole document as it was signed"
                    } else {
                        "The content was changed after signing: this is not the document that was signed"
                    },
                ));
            } else {
                checks.push(check(
                    "ok",
                    "Nội dung không bị thay đổi kể từ khi ký",
                    "The content has not been changed since signing",
                ));
            }
            if r.updated_after_signing {
                checks.push(check(
                    "info",
                    "Sau chữ ký này, tệp có thêm phần bổ sung (thường là chữ ký khác)",
                    "Content was appended after this signature (usually another signature)",
                ));
            }
            if crypto_ok {
                checks.push(check(
                    "ok",
                    "Chữ ký số đúng với chứng thư số của người ký",
                    "The signature matches the signer's certificate",
                ));
            } else {
                checks.push(check(
                    "bad",
                    "Chữ ký số không khớp với chứng thư số của người ký",
                    "The signature does not match the signer's certificate",
                ));
            }
            if r.trusted {
                checks.push(check(
                    "ok",
                    "Chứng thư số do tổ chức chứng thực tin cậy cấp và còn hiệu lực",
                    "The certificate was issued by a trusted certification authority and is valid",
                ));
            } else {
                checks.push(check(
                    "bad",
                    "Chứng thư số không do tổ chức chứng thực tin cậy cấp, hoặc đã hết hiệu lực",
                    "The certificate was not issued by a trusted certification authority, or is not valid",
                ));
            }
            match ts {
                Some(t) if t.valid && t.trusted => checks.push(check(
                    "ok",
                    format!(
                        "Có dấu thời gian hợp lệ{}",
                        t.tsa_subject
                            .as_ref()
                            .map(|s| format!(" do «{s}» cấp"))
                            .unwrap_or_default()
                    ),
                    format!(
                        "Valid time-stamp{}",
                        t.tsa_subject
                            .as_ref()
                            .map(|s| format!(" from «{s}»"))
                            .unwrap_or_default()
                    ),
                )),
                Some(t) if t.valid => checks.push(check(
                    "bad",
                    "Dấu thời gian đúng nhưng máy chủ cấp dấu thời gian không được tin cậy",
                    "The time-stamp is correct but its authority is not trusted",
                )),
                Some(_) => checks.push(check(
                    "bad",
                    "Dấu thời gian không hợp lệ",
                    "The time-stamp is invalid",
                )),
                None => checks.push(check(
                    "info",
                    "Không có dấu thời gian (B-B): thời gian ký do người ký tự ghi",
                    "No time-stamp (B-B): the signing time is the signer's own claim",
                )),
            }
        }
        SignatureSummary {
            field_name: r.field_name.clone(),
            signer_name: r.signer_common_name.clone(),
            organisation: r.signer_organisation.clone(),
            signer_subject: r.signer_subject.clone(),
            signing_time: r.signing_time().map(iso_vietnam),
            time_from_timestamp: ts.is_some_and(|t| t.valid && t.time.is_some()),
            claimed_time: r.claimed_time.map(|t| iso_vietnam(t.with_timezone(&Utc))),
            timestamp_time: ts.and_then(|t| t.time).map(iso_vietnam),
            tsa: ts.and_then(|t| t.tsa_subject.clone()),
            level: if ts.is_some() { "B-T" } else { "B-B" },
            intact: r.intact,
            modified,
            updated_after_signing: r.updated_after_signing,
            signature_valid: crypto_ok,
            trusted: r.trusted,
            timestamp_ok,
            valid: r.is_valid(),
            verdict,
            verdict_vi: vi.into(),
            verdict_en: en.into(),
            checks,
            problems: r.problems.clone(),
        }
    }
}

/// The report on an uploaded PDF.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerificationReport {
    /// SHA-256 of the file, hex.
    pub sha256: String,
    pub size: usize,
    pub signatures: Vec<SignatureSummary>,
    /// At least one signature, and every one valid.
    pub all_valid: bool,
    /// Some signature found the file modified after signing.
    pub modified: bool,
    /// `valid`, `modified`, `problems` or `unsigned`.
    pub verdict: &'static str,
    pub summary_vi: String,
    pub summary_en: String,
    /// What the check does not cover.
    pub note_vi: &'static str,
    pub note_en: &'static str,
}

/// Verifies every signature of `pdf` against `trust_anchors` (DER) at `at`.
pub fn verify_with(
    pdf: &[u8],
    trust_anchors: &[Vec<u8>],
    at: DateTime<Utc>,
) -> Vec<SignatureSummary> {
    let anchors: Vec<Certificate> = trust_anchors
        .iter()
        .filter_map(|d| sen_sign::certificate_from_der(d).ok())
        .collect();
    let mut reports = sen_sign::verify_at(pdf, &anchors, at);
    // A time-stamped signature proves the certificate was used while it
    // was valid: one that has expired since is checked again at the
    // time-stamp's time (revocation is not checked either way).
    let mut rechecked = vec![false; reports.len()];
    for i in 0..reports.len() {
        let r = &reports[i];
        let stamp = r
            .timestamp
            .as_ref()
            .filter(|t| t.valid)
            .and_then(|t| t.time);
        let (Some(t), false) = (stamp, r.trusted) else {
            continue;
        };
        if let Some(again) = sen_sign::verify_at(pdf, &anchors, t)
            .into_iter()
            .nth(i)
            .filter(|a| a.field_name == r.field_name && a.trusted)
        {
            reports[i] = again;
            rechecked[i] = true;
        }
    }
    reports
        .iter()
        .zip(rechecked)
        .map(|(r, again)| {
            let mut s = SignatureSummary::from_report(r);
            if again {
                s.checks.push(check(
                    "info",
                    "Chứng thư số được kiểm tra tại thời điểm của dấu thời gian (nay có thể đã hết hạn)",
                    "The certificate was checked at the time-stamp's time (it may have expired since)",
                ));
            }
            s
        })
        .collect()
}

/// Whether the bytes are a PDF (its header within the first KiB, as
/// readers accept it).
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

/// The report over the summaries of one file.
pub fn report(pdf: &[u8], signatures: Vec<SignatureSummary>) -> VerificationReport {
    let n = signatures.len();
    let modified = signatures.iter().any(|s| s.modified);
    let all_valid = n > 0 && signatures.iter().all(|s| s.valid);
    let (verdict, summary_vi, summary_en) = if n == 0 {
        (
            "unsigned",
            "Tệp không có chữ ký số nào.".to_string(),
            "The file has no digital signature.".to_string(),
        )
    } else if modified {
        (
            "modified",
            "Văn bản đã bị sửa đổi sau khi ký: không được dùng văn bản này như bản đã ký.".into(),
            "The document was modified after signing: do not rely on it as the signed document."
                .into(),
        )
    } else if all_valid {
        (
            "valid",
            format!("Văn bản có {n} chữ ký số, tất cả hợp lệ; nội dung nguyên vẹn."),
            format!(
                "The document has {n} digital signature{}, all valid; the content is intact.",
                if n == 1 { "" } else { "s" }
            ),
        )
    } else {
        (
            "problems",
            format!("Văn bản có {n} chữ ký số; có chữ ký chưa được xác thực đầy đủ (xem chi tiết)."),
            format!(
                "The document has {n} digital signature{}; not all of them could be fully verified (see the details).",
                if n == 1 { "" } else { "s" }
            ),
        )
    };
    VerificationReport {
        sha256: hex::encode(Sha256::digest(pdf)),
        size: pdf.len(),
        signatures,
        all_valid,
        modified,
        verdict,
        summary_vi,
        summary_en,
        note_vi: "Chưa kiểm tra tình trạng thu hồi chứng thư số (CRL/OCSP).",
        note_en: "Certificate revocation (CRL/OCSP) is not checked.",
    }
}

// ---------------------------------------------------------------------------
// The token flow
// ---------------------------------------------------------------------------

/// What an official's token must sign, returned by
/// [`App::prepare_document_signature`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreparedSignature {
    /// The request, for [`App::finalise_document_signature`].
    pub id: Uuid,
    pub document_id: Uuid,
    /// The file a signature is being added to.
    pub file_id: Uuid,
    pub field_name: String,
    pub signer_subject: String,
    /// Base64 of the bytes to sign with RSA PKCS#1 v1.5 and SHA-256
    /// (`SHA256withRSA`; the DER signed attributes of the CMS).
    pub bytes_to_sign: String,
    /// Base64 of SHA-256(`bytes_to_sign`), for tokens that sign a hash
    /// computed by the caller.
    pub digest: String,
    pub digest_algorithm: &'static str,
    pub signature_algorithm: &'static str,
    /// B-T: a time-stamp will be added at finalise.
    pub timestamp: bool,
    /// After this (ISO 8601, Vietnam time) the request must be prepared again.
    pub expires_at: String,
}

/// Decodes a base64 value sent by a client (standard or URL-safe
/// alphabet, padding optional, whitespace ignored).
pub fn decode_base64(field: &'static str, s: &str) -> Result<Vec<u8>, AppError> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let clean = clean.trim_end_matches('=');
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(clean)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(clean))
        .map_err(|_| {
            Invalid::new(
                field,
                "Giá trị phải được mã hoá base64",
                "the value must be base64-encoded",
            )
            .into()
        })
}

/// Everything the finalising transaction needs.
struct Finalised {
    request: SignatureRequest,
    signed: Vec<u8>,
    tag: String,
    level: &'static str,
    source_name: String,
}

impl App {
    /// The organisation's seal on `pdf`: visible at `place` (seal image and
    /// "Ký bởi / Cơ quan / Thời gian ký") or invisible without one; B-T when
    /// a TSA is configured, B-B otherwise. `Ok(None)` when no seal is
    /// configured. Touches no database: call it outside transactions.
    pub async fn seal_pdf(
        &self,
        pdf: &[u8],
        place: Option<sen_forms::SignaturePlace>,
        organisation: &str,
        signing_time: DateTime<Utc>,
    ) -> Result<Option<Vec<u8>>, AppError> {
        let s = &self.settings.signing;
        let Some(seal) = s.seal.clone() else {
            return Ok(None);
        };
        let signer_name = seal
            .chain()
            .first()
            .and_then(|c| name_attr(c, OID_CN))
            .unwrap_or_else(|| organisation.to_string());
        let appearance = place.map(|p| sen_sign::Appearance {
            page_index: p.page,
            rect_pt: p.rect,
            signer_name,
            organisation: Some(organisation.to_string()).filter(|o| !o.trim().is_empty()),
            signer_image_png: None,
            seal_image_png: s.seal_image_png.clone(),
        });
        let tsa = s.timestamper();
        let mut options = SignOptions {
            field_name: String::new(),
            reason: Some("Đóng dấu của cơ quan, tổ chức ban hành văn bản".into()),
            appearance,
            timestamp: tsa.is_some(),
            ..SignOptions::default()
        };
        for n in 1..=99 {
            options.field_name = if n == 1 {
                "DauCoQuan".into()
            } else {
                format!("DauCoQuan{n}")
            };
            match sen_sign::sign(
                pdf,
                &seal,
                &options,
                signing_time,
                tsa.as_ref().map(|t| t as &dyn TimeStamper),
            )
            .await
            {
                Ok(signed) => return Ok(Some(signed)),
                Err(SignError::Invalid {
                    field: "field_name",
                    ..
                }) => continue,
                Err(e) => return Err(internal(e)),
            }
        }
        Err(AppError::Internal("no free signature field name".into()))
    }

    /// Verifies every signature of `pdf` with the configured trust anchors.
    pub fn verify_pdf(&self, pdf: &[u8]) -> Vec<SignatureSummary> {
        verify_with(pdf, &self.settings.signing.trust_anchors, self.now())
    }

    /// Checks an uploaded file (a PDF by content, at most 10 MB), then
    /// verifies it. Public: anyone may check a document they received.
    pub fn verify_upload(&self, bytes: &[u8]) -> Result<VerificationReport, AppError> {
        if bytes.is_empty() {
            return Err(Invalid::new(
                "file",
                "Chưa chọn tệp, hoặc tệp rỗng",
                "no file was sent, or it is empty",
            )
            .into());
        }
        if bytes.len() > sen_domain::files::MAX_FILE_BYTES {
            return Err(
                Invalid::new("file", "Tệp lớn hơn 10 MB", "the file is larger than 10 MB").into(),
            );
        }
        if !looks_like_pdf(bytes) {
            return Err(Invalid::new(
                "file",
                "Tệp không phải là tệp PDF; chỉ xác thực được văn bản PDF có chữ ký số",
                "the file is not a PDF; only signed PDF documents can be verified",
            )
            .into());
        }
        let sigs = self.verify_pdf(bytes);
        if sigs.len() == 1 && sigs[0].verdict == "unreadable" {
            return Err(Invalid::new(
                "file",
                "Không đọc được cấu trúc tệp PDF (tệp hỏng hoặc bị cắt)",
                "the PDF's structure cannot be read (a damaged or truncated file)",
            )
            .into());
        }
        Ok(report(bytes, sigs))
    }

    /// The document's signer, or someone who approves on its unit.
    async fn may_sign(&self, actor: &Actor, row: &StoredDocument) -> Result<(), AppError> {
        if let Actor::Staff { id, .. } = actor {
            if row.signer_id == Some(*id) {
                return Ok(());
            }
        }
        self.require(actor, Permission::DocumentApprove, row.unit_id)
            .await
    }

    /// The document (visible to the actor), checked for signing: the actor
    /// may sign it and it is issued.
    /// Whether the actor may add a signature to the document now (its
    /// signer or an approver of its unit, and the document issued).
    pub async fn can_sign_document(&self, actor: &Actor, document_id: Uuid) -> bool {
        self.signable(actor, document_id).await.is_ok()
    }

    async fn signable(&self, actor: &Actor, document_id: Uuid) -> Result<StoredDocument, AppError> {
        let row = self.document(actor, document_id).await?.row;
        self.may_sign(actor, &row).await?;
        if row.status != "issued" {
            return Err(AppError::conflict(
                "Chỉ ký số được văn bản đã ban hành",
                "only issued documents can be signed",
            ));
        }
        Ok(row)
    }

    /// Prepares a signature by an official's token on an issued document:
    /// `chain` is the token's certificate (PEM, with its chain if known, or
    /// one DER certificate). The newest issued or signed PDF gets an empty
    /// signature; the token signs `bytes_to_sign` and the signature value
    /// goes to [`App::finalise_document_signature`] within
    /// [`REQUEST_MINUTES`].
    pub async fn prepare_document_signature(
        &self,
        actor: &Actor,
        document_id: Uuid,
        chain: &[u8],
    ) -> Result<PreparedSignature, AppError> {
        self.signable(actor, document_id).await?;
        let parsed = certificates_from_pem_or_der(chain)?;
        let certs: Vec<Certificate> = parsed.into_iter().map(|(_, c)| c).collect();
        let leaf = &certs[0];
        let now = self.now();
        let validity = &leaf.tbs_certificate.validity;
        let (nb, na) = (
            validity.not_before.to_unix_duration().as_secs() as i64,
            validity.not_after.to_unix_duration().as_secs() as i64,
        );
        if now.timestamp() < nb || now.timestamp() > na {
            return Err(Invalid::new(
                "chain",
                format!(
                    "Chứng thư số đã hết hạn hoặc chưa có hiệu lực (hiệu lực từ {} đến {})",
                    validity.not_before, validity.not_after
                ),
                format!(
                    "the certificate has expired or is not valid yet (valid from {} to {})",
                    validity.not_before, validity.not_after
                ),
            )
            .into());
        }
        let subject = subject_of(leaf);
        let files = office_store::files(&self.db, document_id).await?;
        let source = files
            .iter()
            .filter(|f| SIGNABLE_ROLES.contains(&f.role.as_str()))
            .max_by(|a, b| (&a.created_at, a.id).cmp(&(&b.created_at, b.id)))
            .ok_or_else(|| {
                AppError::conflict(
                    "Văn bản chưa có tệp PDF đã ban hành để ký",
                    "the document has no issued PDF to sign",
                )
            })?
            .clone();
        let (_, pdf) = office_store::file(&self.db, source.id)
            .await?
            .ok_or_else(|| AppError::not_found("file", source.id))?;
        let timestamp = self.settings.signing.tsa_url.is_some();
        let mut options = SignOptions {
            field_name: String::new(),
            reason: Some("Ký số văn bản".into()),
            timestamp,
            ..SignOptions::default()
        };
        let mut prepared = None;
        for n in 1..=99 {
            options.field_name = format!("KySo{n}");
            match sen_sign::prepare(&pdf, &options, &certs, now) {
                Ok(p) => {
                    prepared = Some(p);
                    break;
                }
                Err(SignError::Invalid {
                    field: "field_name",
                    ..
                }) => continue,
                Err(e @ (SignError::Pdf(_) | SignError::Invalid { .. })) => {
                    return Err(internal(e))
                }
                Err(e) => return Err(token_error(e)),
            }
        }
        let prepared =
            prepared.ok_or_else(|| AppError::Internal("no free signature field name".into()))?;
        let request = SignatureRequest {
            id: new_id(),
            document_id,
            source_file_id: source.id,
            requested_by: actor.tag(),
            signer_subject: subject.clone(),
            field_name: options.field_name.clone(),
            prepared: serde_json::to_string(&prepared)
                .map_err(|e| AppError::Internal(format!("prepared signature: {e}")))?,
            status: "pending".into(),
            result_file_id: None,
            created_at: fmt_time(now),
            expires_at: fmt_time(now + chrono::Duration::minutes(REQUEST_MINUTES)),
            finalised_at: None,
        };
        let stored = Arc::new(request.clone());
        let now_s = fmt_time(now);
        self.db
            .transaction(|tx| {
                let (r, now_s) = (stored.clone(), now_s.clone());
                Box::pin(async move {
                    store::delete_expired(tx, r.document_id, &now_s).await?;
                    store::insert(tx, &r).await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        tracing::info!(document = %document_id, request = %request.id, signer = %subject, "signature prepared");
        Ok(PreparedSignature {
            id: request.id,
            document_id,
            file_id: source.id,
            field_name: request.field_name,
            signer_subject: subject,
            bytes_to_sign: B64.encode(&prepared.bytes_to_sign),
            digest: B64.encode(prepared.bytes_to_sign_sha256()),
            digest_algorithm: "SHA-256",
            signature_algorithm: "RSASSA-PKCS1-v1_5",
            timestamp,
            expires_at: iso_vietnam(now + chrono::Duration::minutes(REQUEST_MINUTES)),
        })
    }

    /// Completes a prepared signature with the token's signature value:
    /// adds the time-stamp (B-T) when configured, checks the result (and,
    /// with trust anchors configured, that the signer is trusted), then in
    /// one transaction stores the signed PDF as a `signed` file of the
    /// document and appends `document.signed`.
    pub async fn finalise_document_signature(
        &self,
        actor: &Actor,
        request_id: Uuid,
        signature_value: &[u8],
    ) -> Result<FileInfo, AppError> {
        let request = store::get(&self.db, request_id)
            .await?
            .filter(|r| r.requested_by == actor.tag())
            .ok_or_else(|| AppError::not_found("signature_request", request_id))?;
        if request.status != "pending" {
            return Err(AppError::conflict(
                "Yêu cầu ký này đã hoàn tất",
                "this signature request is already finalised",
            ));
        }
        let now = self.now();
        if request.expires_at < fmt_time(now) {
            return Err(AppError::conflict(
                "Yêu cầu ký đã hết hạn; vui lòng chuẩn bị ký lại",
                "the signature request has expired; please prepare it again",
            ));
        }
        self.signable(actor, request.document_id).await?;
        let prepared: sen_sign::Prepared = serde_json::from_str(&request.prepared)
            .map_err(|e| AppError::Internal(format!("prepared signature: {e}")))?;
        if signature_value.is_empty() {
            return Err(Invalid::new(
                "signature_value",
                "Thiếu giá trị chữ ký",
                "the signature value is missing",
            )
            .into());
        }
        let tsa = self.settings.signing.timestamper();
        if prepared.timestamp && tsa.is_none() {
            return Err(AppError::conflict(
                "Máy chủ cấp dấu thời gian (TSA) không còn được cấu hình; vui lòng chuẩn bị ký lại",
                "the time-stamping authority is no longer configured; please prepare again",
            ));
        }
        let signed = sen_sign::finalise(
            &prepared,
            signature_value,
            tsa.as_ref().map(|t| t as &dyn TimeStamper),
        )
        .await
        .map_err(|e| match e {
            SignError::PreparedAltered => {
                AppError::Internal("the stored prepared signature was altered".into())
            }
            other => token_error(other),
        })?;
        // Check what we are about to store, as any verifier will.
        let anchors = self.settings.signing.anchors();
        let reports = sen_sign::verify_at(&signed, &anchors, now);
        let ours = reports
            .iter()
            .find(|r| r.field_name == request.field_name)
            .ok_or_else(|| AppError::Internal("the new signature is not found".into()))?;
        if !(ours.intact
            && ours.covers_revision
            && ours.signature_valid
            && ours.signing_certificate_ok)
        {
            return Err(AppError::Internal(format!(
                "the new signature does not verify: {:?}",
                ours.problems
            )));
        }
        if !anchors.is_empty() && !ours.trusted {
            return Err(Invalid::new(
                "chain",
                "Chứng thư số của người ký không do tổ chức chứng thực được tin cậy cấp (hoặc chuỗi chứng thư chưa đầy đủ); văn bản chưa được ký",
                "the signer's certificate was not issued by a trusted certification authority (or its chain is incomplete); nothing was signed",
            )
            .into());
        }
        let level = if ours.timestamp.is_some() {
            "B-T"
        } else {
            "B-B"
        };
        let source_name = office_store::files(&self.db, request.document_id)
            .await?
            .into_iter()
            .find(|f| f.id == request.source_file_id)
            .map(|f| f.name)
            .unwrap_or_else(|| "van-ban.pdf".into());
        let job = Arc::new(Finalised {
            request,
            signed,
            tag: actor.tag(),
            level,
            source_name,
        });
        let db = self.db.clone();
        let file = self
            .db
            .transaction(|tx| {
                let (db, job) = (db.clone(), job.clone());
                Box::pin(async move { finalise_in_tx(&db, tx, &job).await })
            })
            .await?;
        tracing::info!(document = %file.document_id, file = %file.id, "document signed");
        Ok(file)
    }
}

async fn finalise_in_tx(
    db: &sen_store::Db,
    tx: &mut sen_store::Tx,
    job: &Finalised,
) -> Result<DocumentFile, AppError> {
    let r = &job.request;
    let row = office_store::document_in_tx(db, tx, r.document_id)
        .await?
        .ok_or_else(|| AppError::not_found("document", r.document_id))?;
    if row.status != "issued" {
        return Err(AppError::conflict(
            "Chỉ ký số được văn bản đã ban hành",
            "only issued documents can be signed",
        ));
    }
    let current = store::get_in_tx(db, tx, r.id)
        .await?
        .ok_or_else(|| AppError::not_found("signature_request", r.id))?;
    if current.status != "pending" {
        return Err(AppError::conflict(
            "Yêu cầu ký này đã hoàn tất",
            "this signature request is already finalised",
        ));
    }
    let newest = store::newest_file_in_tx(tx, r.document_id, &SIGNABLE_ROLES).await?;
    if newest.map(|(id, _)| id) != Some(r.source_file_id) {
        return Err(AppError::conflict(
            "Văn bản vừa được ký hoặc đóng dấu bởi người khác; vui lòng chuẩn bị ký lại trên bản mới nhất",
            "the document was signed by someone else meanwhile; please prepare again on the newest file",
        ));
    }
    let stem = job
        .source_name
        .strip_suffix(".pdf")
        .unwrap_or(&job.source_name)
        .trim_end_matches("-ky-so");
    let meta = DocumentFile {
        id: new_id(),
        document_id: r.document_id,
        role: "signed".into(),
        name: format!("{stem}-ky-so.pdf"),
        content_type: "application/pdf".into(),
        size: job.signed.len() as i64,
        sha256: hex::encode(Sha256::digest(&job.signed)),
        created_by: job.tag.clone(),
        created_at: sen_store::now_utc(),
    };
    office_store::insert_file(tx, &meta, &job.signed).await?;
    if !store::mark_finalised(tx, r.id, meta.id, &meta.created_at).await? {
        return Err(AppError::conflict(
            "Yêu cầu ký này đã hoàn tất",
            "this signature request is already finalised",
        ));
    }
    events::append(
        db,
        tx,
        NewEvent::new(
            job.tag.clone(),
            "document.signed",
            "document",
            Some(r.document_id.to_string()),
        )
        .unit(row.unit_id)
        .payload(serde_json::json!({
            "signer_subject": r.signer_subject,
            "sha256": meta.sha256,
            "file_id": meta.id,
            "source_file_id": r.source_file_id,
            "request_id": r.id,
            "field": r.field_name,
            "level": job.level,
        })),
    )
    .await?;
    Ok(meta)
}
