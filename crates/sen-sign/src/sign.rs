//! Signing: `prepare` (the PDF with a placeholder and the bytes the key must
//! sign), `finalise` (the CMS into the placeholder), and `sign`, which is
//! both with a local key.

use chrono::{DateTime, FixedOffset, Offset as _, SecondsFormat, Utc};
use der::{Decode, Encode};
use rsa::RsaPrivateKey;
use serde::{Deserialize, Serialize};
use x509_cert::Certificate;

use crate::pdf::{decode_text, text_string, Dict, Document, Object, Update};
use crate::tsp::TimeStamper;
use crate::x509::{rsa_public_key, rsa_verify, DigestAlg};
use crate::{appearance, cms, tsp, SignError};

/// A signing key with its certificate chain (the signer's certificate
/// first), e.g. an organisation's seal kept on the server.
pub struct Signer {
    key: RsaPrivateKey,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field(
                "subject",
                &self
                    .chain
                    .first()
                    .map(|c| crate::x509::display_name(&c.tbs_certificate.subject)),
            )
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Reads the RSA key and chain from a PKCS#12 (.p12/.pfx) file
    /// (PBES2/AES or legacy 3DES protection).
    pub fn from_pkcs12(der_bytes: &[u8], password: &str) -> Result<Signer, SignError> {
        let (key, chain) = crate::pkcs12::parse(der_bytes, password)?;
        Ok(Signer { key, chain })
    }

    /// A signer from a PKCS#8 DER RSA key and its chain (signer first).
    pub fn from_pkcs8(key_der: &[u8], chain: Vec<Certificate>) -> Result<Signer, SignError> {
        use rsa::pkcs8::DecodePrivateKey;
        let key = RsaPrivateKey::from_pkcs8_der(key_der)
            .map_err(|e| SignError::Unsupported(format!("private key (RSA only): {e}")))?;
        let leaf = chain
            .first()
            .ok_or_else(|| SignError::Certificate("empty certificate chain".into()))?;
        if rsa_public_key(leaf)? != rsa::RsaPublicKey::from(&key) {
            return Err(SignError::Certificate(
                "the key does not belong to the first certificate".into(),
            ));
        }
        Ok(Signer { key, chain })
    }

    /// The certificate chain, the signer's certificate first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// Signs `bytes_to_sign` with RSA PKCS#1 v1.5 and SHA-256, as a token
    /// would.
    pub fn sign_raw(&self, bytes_to_sign: &[u8]) -> Result<Vec<u8>, SignError> {
        let digest = DigestAlg::Sha256.digest(&[bytes_to_sign]);
        self.key
            .sign_with_rng(
                &mut rand::thread_rng(),
                DigestAlg::Sha256.pkcs1v15(),
                &digest,
            )
            .map_err(|e| SignError::Rsa(e.to_string()))
    }
}

/// A visible signature (Nghị định 30/2020).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Appearance {
    /// The page, from 0.
    pub page_index: usize,
    /// The rectangle `[x1, y1, x2, y2]` in points, in the page's user space
    /// (origin at the bottom left).
    pub rect_pt: [f32; 4],
    pub signer_name: String,
    pub organisation: Option<String>,
    /// The signature image (blue, PNG: gray, RGB, with or without alpha,
    /// or palette).
    pub signer_image_png: Option<Vec<u8>>,
    /// The seal image (red, PNG).
    pub seal_image_png: Option<Vec<u8>>,
}

/// What to sign and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignOptions {
    /// The signature field's name (`/T`), unique in the document.
    pub field_name: String,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub contact: Option<String>,
    /// `None` for an invisible signature.
    pub appearance: Option<Appearance>,
    /// PAdES B-T: add a time-stamp token (a time-stamper must be given).
    pub timestamp: bool,
    /// Bytes reserved for the CMS in `/Contents` (default 16 KiB).
    pub contents_size: usize,
}

impl Default for SignOptions {
    fn default() -> SignOptions {
        SignOptions {
            field_name: "Signature1".into(),
            reason: None,
            location: None,
            contact: None,
            appearance: None,
            timestamp: false,
            contents_size: 16 * 1024,
        }
    }
}

mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(serde::de::Error::custom)
    }

    pub(super) mod list {
        use super::*;
        use serde::ser::SerializeSeq;

        pub(crate) fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(v.len()))?;
            for item in v {
                seq.serialize_element(&base64::engine::general_purpose::STANDARD.encode(item))?;
            }
            seq.end()
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Vec<Vec<u8>>, D::Error> {
            let v = Vec::<String>::deserialize(d)?;
            v.into_iter()
                .map(|s| {
                    base64::engine::general_purpose::STANDARD
                        .decode(s)
                        .map_err(serde::de::Error::custom)
                })
                .collect()
        }
    }
}

/// A document ready to be signed elsewhere (e.g. by a USB token), to be
/// stored between the two requests (serde; bytes as base64).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prepared {
    /// The PDF with the incremental update and an empty `/Contents`.
    #[serde(with = "b64")]
    pub pdf_with_placeholder: Vec<u8>,
    /// `[0, a, b, c]`: the signed ranges `0..a` and `b..b+c`.
    pub byte_range: [u64; 4],
    /// What the key signs with RSA PKCS#1 v1.5 / SHA-256: the DER SET OF
    /// the signed attributes.
    #[serde(with = "b64")]
    pub bytes_to_sign: Vec<u8>,
    /// SHA-256 of the signed byte ranges (the message-digest attribute).
    #[serde(with = "b64")]
    pub digest: Vec<u8>,
    /// The signer's chain (DER), signer first.
    #[serde(with = "b64::list")]
    pub certificates: Vec<Vec<u8>>,
    /// Whether `finalise` must add a time-stamp.
    pub timestamp: bool,
}

impl Prepared {
    /// SHA-256 of `bytes_to_sign`, for tokens that sign a precomputed hash.
    pub fn bytes_to_sign_sha256(&self) -> Vec<u8> {
        DigestAlg::Sha256.digest(&[&self.bytes_to_sign])
    }
}

fn vietnam() -> FixedOffset {
    // UTC+7 all year round.
    FixedOffset::east_opt(7 * 3600).unwrap_or(Utc.fix())
}

/// The signing time in ISO 8601, Vietnam time: `2026-11-24T16:05:09+07:00`.
pub(crate) fn iso_vietnam(t: DateTime<Utc>) -> String {
    t.with_timezone(&vietnam())
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn pdf_date(t: DateTime<Utc>) -> String {
    t.with_timezone(&vietnam())
        .format("D:%Y%m%d%H%M%S+07'00'")
        .to_string()
}

fn validate(options: &SignOptions, page_count: usize) -> Result<(), SignError> {
    let invalid = |field, message: &str| SignError::Invalid {
        field,
        message: message.into(),
    };
    if options.field_name.trim().is_empty() || options.field_name.contains('.') {
        return Err(invalid("field_name", "must be non-empty and without '.'"));
    }
    if !(4096..=1 << 20).contains(&options.contents_size) {
        return Err(invalid("contents_size", "must be between 4 KiB and 1 MiB"));
    }
    if let Some(app) = &options.appearance {
        let [x1, y1, x2, y2] = app.rect_pt;
        if !app.rect_pt.iter().all(|v| v.is_finite()) || x2 - x1 < 10.0 || y2 - y1 < 10.0 {
            return Err(invalid(
                "rect_pt",
                "must be [x1, y1, x2, y2] with x2 > x1 + 10, y2 > y1 + 10",
            ));
        }
        if app.page_index >= page_count {
            return Err(invalid("page_index", "past the last page"));
        }
        if app.signer_name.trim().is_empty() {
            return Err(invalid("signer_name", "must not be empty"));
        }
    }
    Ok(())
}

/// Names of the fields in `fields` (recursively).
fn field_names(
    doc: &Document<'_>,
    fields: &[Object],
    prefix: &str,
    out: &mut Vec<String>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    for f in fields {
        let Ok(d) = doc.dict(f) else { continue };
        let name = d.get("T").and_then(Object::as_str).map(decode_text);
        let full = match (&name, prefix.is_empty()) {
            (Some(n), true) => n.clone(),
            (Some(n), false) => format!("{prefix}.{n}"),
            (None, _) => prefix.to_string(),
        };
        if let Some(Object::Array(kids)) = d
            .get("Kids")
            .map(|k| doc.resolve(k).unwrap_or(Object::Null))
        {
            field_names(doc, &kids, &full, out, depth + 1);
        }
        if name.is_some() {
            out.push(full);
        }
    }
}

const BYTE_RANGE_PLACEHOLDER: &[u8] = b"[0 0000000000 0000000000 0000000000]";

/// Adds the signature field and an empty signature to `pdf` and returns
/// what the signer's key must sign. `chain` is the signer's certificate
/// chain, signer first.
pub fn prepare(
    pdf: &[u8],
    options: &SignOptions,
    chain: &[Certificate],
    signing_time: DateTime<Utc>,
) -> Result<Prepared, SignError> {
    let signer = chain
        .first()
        .ok_or_else(|| SignError::Certificate("empty certificate chain".into()))?;
    rsa_public_key(signer)?;
    let doc = Document::load(pdf)?;
    let pages = doc.pages()?;
    validate(options, pages.len())?;
    if pages.is_empty() {
        return Err(SignError::Pdf("the document has no page".into()));
    }
    let (root_id, _) = doc.catalog_ref()?;
    let mut catalog = doc.dict(&Object::Ref(root_id, 0))?;

    let (acroform_id, mut acroform) = match catalog.get("AcroForm") {
        Some(Object::Ref(id, _)) => (Some(*id), doc.dict(&Object::Ref(*id, 0))?),
        Some(Object::Dict(d)) => (None, d.clone()),
        _ => (None, Dict::default()),
    };
    let mut fields = match acroform.get("Fields") {
        Some(o) => match doc.resolve(o)? {
            Object::Array(a) => a,
            _ => Vec::new(),
        },
        None => Vec::new(),
    };
    let mut names = Vec::new();
    field_names(&doc, &fields, "", &mut names, 0);
    if names.contains(&options.field_name) {
        return Err(SignError::Invalid {
            field: "field_name",
            message: format!("the document already has a field '{}'", options.field_name),
        });
    }

    let mut update = Update::new(&doc);
    let sig_id = update.alloc();
    let widget_id = update.alloc();
    let time_text = iso_vietnam(signing_time);
    let (page_index, rect) = match &options.appearance {
        Some(app) => (app.page_index, app.rect_pt),
        None => (0, [0.0; 4]),
    };
    let ap_id = match &options.appearance {
        Some(app) => appearance::visible(&mut update, app, &time_text)?,
        None => appearance::invisible(&mut update),
    };
    let page_id = pages[page_index];

    let real = |v: f32| Object::Real(format!("{v:.2}"));
    let widget = Dict::default()
        .with("Type", Object::name("Annot"))
        .with("Subtype", Object::name("Widget"))
        .with("FT", Object::name("Sig"))
        .with("T", text_string(&options.field_name))
        .with("V", Object::Ref(sig_id, 0))
        // Print + Locked.
        .with("F", Object::Int(132))
        .with("P", Object::Ref(page_id, doc.generation(page_id)))
        .with(
            "Rect",
            Object::Array(rect.iter().map(|v| real(*v)).collect()),
        )
        .with(
            "AP",
            Object::Dict(Dict::default().with("N", Object::Ref(ap_id, 0))),
        );
    update.put_object(widget_id, 0, &Object::Dict(widget));

    fields.push(Object::Ref(widget_id, 0));
    acroform.set("Fields", Object::Array(fields));
    acroform.set("SigFlags", Object::Int(3));
    match acroform_id {
        Some(id) => update.put_object(id, doc.generation(id), &Object::Dict(acroform)),
        None => {
            catalog.set("AcroForm", Object::Dict(acroform));
            update.put_object(root_id, doc.generation(root_id), &Object::Dict(catalog));
        }
    }

    let mut page = doc.dict(&Object::Ref(page_id, 0))?;
    match page.get("Annots").cloned() {
        Some(Object::Ref(annots_id, _)) => {
            let mut annots = match doc.resolve(&Object::Ref(annots_id, 0))? {
                Object::Array(a) => a,
                _ => Vec::new(),
            };
            annots.push(Object::Ref(widget_id, 0));
            update.put_object(annots_id, doc.generation(annots_id), &Object::Array(annots));
        }
        other => {
            let mut annots = match other {
                Some(Object::Array(a)) => a,
                _ => Vec::new(),
            };
            annots.push(Object::Ref(widget_id, 0));
            page.set("Annots", Object::Array(annots));
            update.put_object(page_id, doc.generation(page_id), &Object::Dict(page));
        }
    }

    // The signature dictionary, written by hand to know where the
    // placeholders are.
    let mut body = Vec::new();
    body.extend_from_slice(
        b"<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange ",
    );
    let range_at = body.len();
    body.extend_from_slice(BYTE_RANGE_PLACEHOLDER);
    body.extend_from_slice(b" /Contents ");
    let contents_at = body.len();
    body.push(b'<');
    body.resize(body.len() + 2 * options.contents_size, b'0');
    body.push(b'>');
    let mut rest = Dict::default().with("M", Object::Str(pdf_date(signing_time).into_bytes()));
    if let Some(app) = &options.appearance {
        rest.set("Name", text_string(&app.signer_name));
    }
    for (key, value) in [
        ("Reason", &options.reason),
        ("Location", &options.location),
        ("ContactInfo", &options.contact),
    ] {
        if let Some(v) = value {
            rest.set(key, text_string(v));
        }
    }
    for (k, v) in &rest.0 {
        body.push(b' ');
        crate::pdf::write_name(&mut body, k);
        body.push(b' ');
        crate::pdf::write_object(&mut body, v);
    }
    body.extend_from_slice(b">>");
    update.put(sig_id, 0, body);

    let (mut out, offsets) = update.finish(&doc);
    let sig_at = offsets
        .get(&sig_id)
        .copied()
        .ok_or_else(|| SignError::Pdf("signature object not written".into()))?;
    let a = sig_at + contents_at;
    let b = a + 2 + 2 * options.contents_size;
    let c = out.len() - b;
    let mut ranges = format!("[0 {a} {b} {c}]").into_bytes();
    if ranges.len() > BYTE_RANGE_PLACEHOLDER.len() {
        return Err(SignError::Pdf("file too large".into()));
    }
    ranges.resize(BYTE_RANGE_PLACEHOLDER.len(), b' ');
    out[sig_at + range_at..sig_at + range_at + ranges.len()].copy_from_slice(&ranges);

    let digest = DigestAlg::Sha256.digest(&[&out[..a], &out[b..]]);
    let bytes_to_sign = cms::signed_attributes(&digest, signer)?;
    let certificates = chain
        .iter()
        .map(|c| c.to_der())
        .collect::<Result<Vec<_>, _>>()?;
    tracing::debug!(field = %options.field_name, bytes = out.len(), "prepared a signature");
    Ok(Prepared {
        pdf_with_placeholder: out,
        byte_range: [0, a as u64, b as u64, c as u64],
        bytes_to_sign,
        digest,
        certificates,
        timestamp: options.timestamp,
    })
}

/// Puts the signature made elsewhere into the prepared PDF: builds the CMS
/// (with a time-stamp token from `timestamper` when the options asked for
/// B-T) and writes it into `/Contents`.
pub async fn finalise(
    prepared: &Prepared,
    signature_value: &[u8],
    timestamper: Option<&dyn TimeStamper>,
) -> Result<Vec<u8>, SignError> {
    let chain = prepared
        .certificates
        .iter()
        .map(|c| Certificate::from_der(c))
        .collect::<Result<Vec<_>, _>>()?;
    let signer = chain
        .first()
        .ok_or_else(|| SignError::Certificate("empty certificate chain".into()))?;
    let pdf = &prepared.pdf_with_placeholder;
    let [zero, a, b, c] = prepared.byte_range.map(|v| v as usize);
    if zero != 0
        || a >= b
        || b.checked_add(c) != Some(pdf.len())
        || pdf.get(a) != Some(&b'<')
        || pdf[b - 1] != b'>'
    {
        return Err(SignError::PreparedAltered);
    }
    let digest = DigestAlg::Sha256.digest(&[&pdf[..a], &pdf[b..]]);
    if digest != prepared.digest
        || cms::signed_attributes(&digest, signer)? != prepared.bytes_to_sign
    {
        return Err(SignError::PreparedAltered);
    }
    let key = rsa_public_key(signer)?;
    if !rsa_verify(
        &key,
        DigestAlg::Sha256,
        &prepared.bytes_to_sign,
        signature_value,
    ) {
        return Err(SignError::SignatureMismatch);
    }
    let token = if prepared.timestamp {
        let ts = timestamper.ok_or_else(|| SignError::Invalid {
            field: "timestamp",
            message: "a time-stamp was asked for but no time-stamper was given".into(),
        })?;
        Some(tsp::timestamp(ts, signature_value).await?)
    } else {
        None
    };
    let cms_der = cms::signed_data(
        &prepared.bytes_to_sign,
        signature_value,
        &chain,
        token.as_deref(),
    )?;
    let hex = hex::encode_upper(&cms_der);
    let available = (b - a - 2) / 2;
    if hex.len() > b - a - 2 {
        return Err(SignError::PlaceholderTooSmall {
            needed: cms_der.len(),
            available,
        });
    }
    let mut out = pdf.clone();
    out[a + 1..a + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// Signs `pdf` with a local key: [`prepare`] then [`finalise`].
pub async fn sign(
    pdf: &[u8],
    signer: &Signer,
    options: &SignOptions,
    signing_time: DateTime<Utc>,
    timestamper: Option<&dyn TimeStamper>,
) -> Result<Vec<u8>, SignError> {
    if options.timestamp && timestamper.is_none() {
        return Err(SignError::Invalid {
            field: "timestamp",
            message: "a time-stamp was asked for but no time-stamper was given".into(),
        });
    }
    let prepared = prepare(pdf, options, &signer.chain, signing_time)?;
    let signature = signer.sign_raw(&prepared.bytes_to_sign)?;
    finalise(&prepared, &signature, timestamper).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_time_is_iso_8601_in_vietnam_time() {
        let t = DateTime::parse_from_rfc3339("2026-11-24T09:05:09Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(iso_vietnam(t), "2026-11-24T16:05:09+07:00");
        assert_eq!(pdf_date(t), "D:20261124160509+07'00'");
    }
}
