//! Verifying the signatures in a PDF.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use der::Encode;
use serde::Serialize;
use x509_cert::Certificate;

use crate::pdf::{decode_text, Dict, Document, Object};
use crate::tsp::{first_tlv, tlvs, token_tst_info};
use crate::x509::{display_name, name_attr, validate_path, DigestAlg, Purpose};
use crate::{cms, oids, SignError};

/// What was found about one time-stamp token.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimestampReport {
    /// The token's genTime.
    pub time: Option<DateTime<Utc>>,
    /// Signed correctly and over this signature's value.
    pub valid: bool,
    /// The TSA's chain leads to a trust anchor and the certificate is for
    /// time-stamping.
    pub trusted: bool,
    pub tsa_subject: Option<String>,
    pub problems: Vec<String>,
}

/// What was found about one signature.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SignatureReport {
    /// The signature field's name (`?` when found by scanning a damaged file).
    pub field_name: String,
    /// `/SubFilter`, e.g. `ETSI.CAdES.detached`.
    pub sub_filter: String,
    pub signer_subject: Option<String>,
    /// The signer's common name (CN).
    pub signer_common_name: Option<String>,
    /// The signer's organisation (O).
    pub signer_organisation: Option<String>,
    /// The time claimed in the signature dictionary (`/M`).
    pub claimed_time: Option<DateTime<FixedOffset>>,
    /// The signing-time signed attribute, when present (not in PAdES).
    pub signed_attribute_time: Option<DateTime<Utc>>,
    pub byte_range: Vec<u64>,
    /// The ByteRange covers the whole revision (from the start of the file
    /// to its `%%EOF`) except the `/Contents` hex string.
    pub covers_revision: bool,
    /// Incremental updates were appended after this signature's revision
    /// (other signatures, or changes: read with care).
    pub updated_after_signing: bool,
    /// The signed bytes hash to the signed message digest; `false` means
    /// the file was modified after signing.
    pub intact: bool,
    /// The CMS signature verifies with the signer's certificate.
    pub signature_valid: bool,
    /// The signing-certificate-v2 (or v1) attribute matches the signer's
    /// certificate.
    pub signing_certificate_ok: bool,
    /// The chain leads to a trust anchor (no revocation checking).
    pub trusted: bool,
    pub timestamp: Option<TimestampReport>,
    pub problems: Vec<String>,
}

impl SignatureReport {
    /// Valid as a whole: intact, covering its revision, cryptographically
    /// valid, trusted, and with a valid trusted time-stamp if it has one.
    pub fn is_valid(&self) -> bool {
        self.intact
            && self.covers_revision
            && self.signature_valid
            && self.signing_certificate_ok
            && self.trusted
            && self.timestamp.as_ref().is_none_or(|t| t.valid && t.trusted)
    }

    /// The best-established signing time: the time-stamp's, otherwise the
    /// claimed one.
    pub fn signing_time(&self) -> Option<DateTime<Utc>> {
        self.timestamp
            .as_ref()
            .filter(|t| t.valid)
            .and_then(|t| t.time)
            .or(self.signed_attribute_time)
            .or(self.claimed_time.map(|t| t.with_timezone(&Utc)))
    }
}

/// Verifies every signature in `pdf` now. See [`verify_at`].
pub fn verify(pdf: &[u8], trust_anchors: &[Certificate]) -> Vec<SignatureReport> {
    verify_at(pdf, trust_anchors, Utc::now())
}

/// Verifies every signature in `pdf`, with certificate validity checked at
/// `at`. A file that cannot be read gives one report that says why.
pub fn verify_at(
    pdf: &[u8],
    trust_anchors: &[Certificate],
    at: DateTime<Utc>,
) -> Vec<SignatureReport> {
    let found = match find_signatures(pdf) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => scan_signatures(pdf),
        Err(e) => {
            tracing::debug!(error = %e, "cannot read the PDF structure; scanning");
            let scanned = scan_signatures(pdf);
            if scanned.is_empty() {
                return vec![unreadable(format!("cannot read the PDF: {e}"))];
            }
            scanned
        }
    };
    found
        .into_iter()
        .map(|(name, dict)| check_one(pdf, name, &dict, trust_anchors, at))
        .collect()
}

fn unreadable(problem: String) -> SignatureReport {
    SignatureReport {
        field_name: "?".into(),
        sub_filter: String::new(),
        signer_subject: None,
        signer_common_name: None,
        signer_organisation: None,
        claimed_time: None,
        signed_attribute_time: None,
        byte_range: vec![],
        covers_revision: false,
        updated_after_signing: false,
        intact: false,
        signature_valid: false,
        signing_certificate_ok: false,
        trusted: false,
        timestamp: None,
        problems: vec![problem],
    }
}

/// Signature fields with a value, through the AcroForm.
fn find_signatures(pdf: &[u8]) -> Result<Vec<(String, Dict)>, SignError> {
    let doc = Document::load(pdf)?;
    let (root, _) = doc.catalog_ref()?;
    let catalog = doc.dict(&Object::Ref(root, 0))?;
    let Some(af) = catalog.get("AcroForm") else {
        return Ok(vec![]);
    };
    let af = doc.dict(af)?;
    let fields = match af.get("Fields").map(|f| doc.resolve(f)) {
        Some(Ok(Object::Array(a))) => a,
        _ => vec![],
    };
    let mut out = Vec::new();
    walk(&doc, &fields, "", None, &mut out, 0)?;
    Ok(out)
}

fn walk(
    doc: &Document<'_>,
    fields: &[Object],
    prefix: &str,
    inherited_ft: Option<&[u8]>,
    out: &mut Vec<(String, Dict)>,
    depth: usize,
) -> Result<(), SignError> {
    if depth > 16 {
        return Ok(());
    }
    for f in fields {
        let d = doc.dict(f)?;
        let name = d.get("T").and_then(Object::as_str).map(decode_text);
        let full = match (&name, prefix.is_empty()) {
            (Some(n), true) => n.clone(),
            (Some(n), false) => format!("{prefix}.{n}"),
            (None, _) => prefix.to_string(),
        };
        let ft = d.get("FT").and_then(Object::as_name).or(inherited_ft);
        if let Some(Object::Array(kids)) = d.get("Kids").map(|k| doc.resolve(k)).transpose()? {
            walk(doc, &kids, &full, ft, out, depth + 1)?;
        }
        if ft == Some(b"Sig".as_slice()) {
            if let Some(v) = d.get("V") {
                if let Object::Dict(sig) = doc.resolve(v)? {
                    out.push((full, sig));
                }
            }
        }
    }
    Ok(())
}

/// Signature dictionaries found by scanning for "n g obj" (for files whose
/// structure is damaged).
fn scan_signatures(pdf: &[u8]) -> Vec<(String, Dict)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(rel) = pdf[i..].windows(10).position(|w| w == b"/ByteRange") {
        let at = i + rel;
        i = at + 10;
        // Back up to the "<<" that opens the dictionary (signature
        // dictionaries are flat but for /Prop_Build).
        let Some(open) = pdf[..at].windows(2).rposition(|w| w == b"<<") else {
            continue;
        };
        if let Ok(Object::Dict(d)) = crate::pdf::parse_object_at(pdf, open) {
            if d.get("Contents").is_some() {
                out.push(("?".to_string(), d));
            }
        }
    }
    out
}

fn parse_pdf_date(s: &[u8]) -> Option<DateTime<FixedOffset>> {
    let s = std::str::from_utf8(s).ok()?;
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let mut padded = digits.clone();
    let defaults = "00000101000000";
    if padded.len() < 14 {
        padded.push_str(&defaults[padded.len()..]);
    }
    let naive = NaiveDateTime::parse_from_str(&padded[..14], "%Y%m%d%H%M%S").ok()?;
    let rest = &s[digits.len()..];
    let offset = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let nums: Vec<i32> = rest[1..]
                .split('\'')
                .filter(|p| !p.is_empty())
                .filter_map(|p| p.parse().ok())
                .collect();
            let secs =
                nums.first().copied().unwrap_or(0) * 3600 + nums.get(1).copied().unwrap_or(0) * 60;
            FixedOffset::east_opt(if sign == '-' { -secs } else { secs })?
        }
        _ => FixedOffset::east_opt(0)?,
    };
    offset.from_local_datetime(&naive).single()
}

fn check_signing_certificate(signer_info: &cms::Checked, cert: &Certificate) -> Result<(), String> {
    let attrs = signer_info.signer_info.signed_attrs.as_ref();
    let (value, v2) = match cms::attr_value(attrs, oids::ATTR_SIGNING_CERTIFICATE_V2) {
        Some(v) => (v, true),
        None => match cms::attr_value(attrs, oids::ATTR_SIGNING_CERTIFICATE) {
            Some(v) => (v, false),
            None => return Err("no signing-certificate-v2 attribute (PAdES requires it)".into()),
        },
    };
    let der_bytes = value.to_der().map_err(|e| e.to_string())?;
    let bad = || "malformed signing-certificate attribute".to_string();
    let top = tlvs(&der_bytes).map_err(|_| bad())?;
    let certs = tlvs(top.first().ok_or_else(bad)?.value).map_err(|_| bad())?;
    let first_list = tlvs(certs.first().ok_or_else(bad)?.value).map_err(|_| bad())?;
    let id = tlvs(first_list.first().ok_or_else(bad)?.value).map_err(|_| bad())?;
    let (alg, hash) = match id.first() {
        Some(t) if t.tag == 0x30 && v2 => {
            let oid = tlvs(t.value).ok().and_then(|v| {
                v.first()
                    .and_then(|o| der::oid::ObjectIdentifier::from_bytes(o.value).ok())
            });
            (
                oid.as_ref().and_then(DigestAlg::from_oid),
                id.get(1).map(|h| h.value),
            )
        }
        Some(t) => (
            Some(if v2 {
                DigestAlg::Sha256
            } else {
                DigestAlg::Sha1
            }),
            Some(t.value),
        ),
        None => (None, None),
    };
    let (Some(alg), Some(hash)) = (alg, hash) else {
        return Err(bad());
    };
    let cert_der = cert.to_der().map_err(|e| e.to_string())?;
    if alg.digest(&[&cert_der]) == hash {
        Ok(())
    } else {
        Err("the signing-certificate attribute names another certificate".into())
    }
}

fn check_timestamp(
    token: &der::Any,
    signature_value: &[u8],
    extra_certs: &[Certificate],
    anchors: &[Certificate],
    at: DateTime<Utc>,
) -> TimestampReport {
    let mut report = TimestampReport {
        time: None,
        valid: false,
        trusted: false,
        tsa_subject: None,
        problems: vec![],
    };
    let token_der = match token.to_der() {
        Ok(d) => d,
        Err(e) => {
            report.problems.push(e.to_string());
            return report;
        }
    };
    let checked = match cms::check(&token_der, None) {
        Ok(c) => c,
        Err(e) => {
            report.problems.push(format!("unreadable token: {e}"));
            return report;
        }
    };
    report.problems.extend(checked.problems.iter().cloned());
    let info = match token_tst_info(&checked) {
        Ok(i) => i,
        Err(e) => {
            report.problems.push(e.to_string());
            return report;
        }
    };
    report.time = Some(info.gen_time);
    let imprint_ok = info
        .imprint_alg
        .is_some_and(|alg| alg.digest(&[signature_value]) == info.imprint);
    if !imprint_ok {
        report
            .problems
            .push("the token time-stamps other data".into());
    }
    report.valid = imprint_ok && checked.digest_ok && checked.signature_ok;
    if let Some(tsa) = &checked.signer {
        report.tsa_subject = Some(display_name(&tsa.tbs_certificate.subject));
        let mut pool = checked.certificates.clone();
        pool.extend_from_slice(extra_certs);
        match validate_path(tsa, &pool, anchors, at, Purpose::TimeStamping) {
            Ok(()) => report.trusted = true,
            Err(e) => report.problems.push(e),
        }
    }
    report
}

fn check_one(
    pdf: &[u8],
    field_name: String,
    sig: &Dict,
    anchors: &[Certificate],
    at: DateTime<Utc>,
) -> SignatureReport {
    let mut r = unreadable(String::new());
    r.problems.clear();
    r.field_name = field_name;
    r.sub_filter = sig
        .get("SubFilter")
        .and_then(Object::as_name)
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default();
    r.claimed_time = sig
        .get("M")
        .and_then(Object::as_str)
        .and_then(parse_pdf_date);
    if r.sub_filter != "ETSI.CAdES.detached" && r.sub_filter != "adbe.pkcs7.detached" {
        r.problems
            .push(format!("unsupported /SubFilter {}", r.sub_filter));
        return r;
    }
    let range: Vec<i64> = match sig.get("ByteRange") {
        Some(Object::Array(a)) => a.iter().filter_map(Object::as_int).collect(),
        _ => vec![],
    };
    r.byte_range = range.iter().map(|v| (*v).max(0) as u64).collect();
    let (a, b, c) = match range.as_slice() {
        [0, a, b, c]
            if *a > 0
                && *b > *a + 1
                && *c >= 0
                && (*b as u128 + *c as u128) <= pdf.len() as u128 =>
        {
            (*a as usize, *b as usize, *c as usize)
        }
        _ => {
            r.problems.push("malformed /ByteRange".into());
            return r;
        }
    };
    let end = b + c;
    let gap_is_contents =
        pdf[a] == b'<' && pdf[b - 1] == b'>' && pdf[a + 1..b - 1].iter().all(u8::is_ascii_hexdigit);
    let tail = &pdf[..end];
    let trimmed = tail
        .iter()
        .rposition(|c| !matches!(c, b'\r' | b'\n' | b' '))
        .map(|p| &tail[..=p])
        .unwrap_or(tail);
    r.covers_revision = gap_is_contents && trimmed.ends_with(b"%%EOF");
    if !r.covers_revision {
        r.problems
            .push("the ByteRange does not cover the whole revision except /Contents".into());
    }
    r.updated_after_signing = pdf[end..].iter().any(|c| !c.is_ascii_whitespace());

    // The CMS: the bytes in the gap (which is what the ByteRange leaves out).
    let contents = match hex::decode(&pdf[a + 1..b - 1]) {
        Ok(c) => c,
        Err(_) => {
            r.problems.push("/Contents is not a hex string".into());
            return r;
        }
    };
    let cms_der = match first_tlv(&contents).ok().map(|t| t.whole.to_vec()) {
        Some(d) => d,
        None => {
            r.problems.push("/Contents holds no CMS".into());
            return r;
        }
    };
    let checked = match cms::check(&cms_der, Some(&[&pdf[..a], &pdf[b..end]])) {
        Ok(c) => c,
        Err(e) => {
            r.problems.push(format!("unreadable CMS: {e}"));
            return r;
        }
    };
    r.problems.extend(checked.problems.iter().cloned());
    r.intact = checked.digest_ok;
    if !r.intact {
        r.problems
            .push("the document was modified after signing (digest mismatch)".into());
    }
    r.signature_valid = checked.signature_ok;
    let attrs = checked.signer_info.signed_attrs.as_ref();
    r.signed_attribute_time = cms::attr_value(attrs, oids::ATTR_SIGNING_TIME)
        .and_then(|v| v.to_der().ok())
        .and_then(|d| <x509_cert::time::Time as der::Decode>::from_der(&d).ok())
        .and_then(|t| DateTime::from_timestamp(t.to_unix_duration().as_secs() as i64, 0));
    if let Some(cert) = &checked.signer {
        let subject = &cert.tbs_certificate.subject;
        r.signer_subject = Some(display_name(subject));
        r.signer_common_name = name_attr(subject, oids::CN);
        r.signer_organisation = name_attr(subject, oids::O);
        match check_signing_certificate(&checked, cert) {
            Ok(()) => r.signing_certificate_ok = true,
            Err(e) => r.problems.push(e),
        }
        match validate_path(cert, &checked.certificates, anchors, at, Purpose::Signing) {
            Ok(()) => r.trusted = true,
            Err(e) => r.problems.push(e),
        }
    }
    if let Some(token) = cms::attr_value(
        checked.signer_info.unsigned_attrs.as_ref(),
        oids::ATTR_TIME_STAMP_TOKEN,
    ) {
        r.timestamp = Some(check_timestamp(
            token,
            checked.signer_info.signature.as_bytes(),
            &checked.certificates,
            anchors,
            at,
        ));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates() {
        let t = parse_pdf_date(b"D:20261124160509+07'00'").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T16:05:09+07:00");
        let t = parse_pdf_date(b"D:20261124").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T00:00:00+00:00");
    }
}
