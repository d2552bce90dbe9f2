//! XML-DSig: an enveloped RSA-SHA256 signature over the whole message.
//!
//! The profile is fixed (anything else is refused when verifying):
//! one `ds:Signature`, the last child of the document element;
//! `CanonicalizationMethod` exclusive C14N without comments;
//! `SignatureMethod` rsa-sha256 (RSASSA-PKCS1-v1_5);
//! one `Reference URI=""` with the transforms enveloped-signature then
//! exclusive C14N, `DigestMethod` SHA-256;
//! `KeyInfo/X509Data/X509Certificate` with the signer's certificate (more
//! certificates may follow it, e.g. intermediates).

use base64::Engine as _;
use chrono::{DateTime, Utc};
use der::{Decode, Encode};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;

use crate::c14n::{self, NsMap};
use crate::codec;
use crate::dom::{self, Document, Element, Limits, Node, XmlError};
use crate::model::Message;
use crate::EdxmlError;

/// The XML-DSig namespace.
pub const DSIG_NAMESPACE: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Exclusive XML Canonicalization 1.0 (without comments).
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// The enveloped-signature transform.
pub const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// RSASSA-PKCS1-v1_5 with SHA-256.
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// SHA-256.
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

const DS: &str = "ds";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Why a message could not be signed or its signature not be verified.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// Only valid messages are signed.
    #[error(transparent)]
    Message(#[from] EdxmlError),
    #[error("thông điệp đã có chữ ký / the message is already signed")]
    AlreadySigned,
    #[error("thông điệp không có chữ ký số / the message has no signature")]
    NoSignature,
    #[error("thông điệp có nhiều chữ ký số / the message has more than one signature")]
    MultipleSignatures,
    #[error("chữ ký số phải là phần tử con cuối của phần tử gốc / the signature must be a child of the document element")]
    MisplacedSignature,
    #[error("cấu trúc chữ ký không hợp lệ / malformed signature: {0}")]
    Malformed(String),
    #[error("thuật toán không được hỗ trợ / unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    #[error("nội dung thông điệp đã bị thay đổi sau khi ký (mã băm không khớp) / the message was altered after signing (digest mismatch)")]
    DigestMismatch,
    #[error("chữ ký số không hợp lệ với chứng thư số kèm theo / the signature does not verify with the enclosed certificate")]
    BadSignature,
    #[error("chứng thư số không đọc được / unreadable certificate: {0}")]
    Certificate(String),
    #[error(
        "khóa bí mật không khớp với chứng thư số / the private key does not match the certificate"
    )]
    KeyMismatch,
}

/// Who signed a message whose signature verified. Whether that signer is
/// trusted is the caller's decision (see [`check_chain`]).
#[derive(Debug, Clone)]
pub struct VerifiedSigner {
    /// The signer's certificate, DER.
    pub certificate_der: Vec<u8>,
    pub certificate: Certificate,
    /// Subject distinguished name (RFC 4514).
    pub subject: String,
    /// Issuer distinguished name (RFC 4514).
    pub issuer: String,
    /// Serial number, hexadecimal.
    pub serial_hex: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// Other certificates carried in `KeyInfo` (DER), e.g. intermediates.
    pub other_certificates: Vec<Vec<u8>>,
}

// ------------------------------------------------------------------- sign

/// A message prepared for signing: the caller signs
/// [`SigningRequest::to_be_signed`] with RSASSA-PKCS1-v1_5/SHA-256 wherever
/// the key is (a server key, or a USB token through a client plug-in) and
/// hands the signature to [`SigningRequest::finish`].
#[derive(Debug, Clone)]
pub struct SigningRequest {
    doc: Document,
    public_key: RsaPublicKey,
    signed_info: Vec<u8>,
}

fn ds(local: &str) -> Element {
    Element::new(Some(DS), local, Some(DSIG_NAMESPACE))
}

fn with_algorithm(local: &str, alg: &str) -> Element {
    let mut e = ds(local);
    e.set_attr("Algorithm", alg);
    e
}

fn signature_element(digest: &[u8], cert_der: &[u8]) -> Element {
    let mut sig = ds("Signature");
    sig.ns_decls
        .push((Some(DS.to_owned()), DSIG_NAMESPACE.to_owned()));
    sig.push(signed_info_element(digest));
    sig.push(ds("SignatureValue"));
    let mut cert = ds("X509Certificate");
    cert.push_text(&B64.encode(cert_der));
    let mut data = ds("X509Data");
    data.push(cert);
    let mut key_info = ds("KeyInfo");
    key_info.push(data);
    sig.push(key_info);
    sig
}

fn signed_info_element(digest: &[u8]) -> Element {
    let mut si = ds("SignedInfo");
    si.push(with_algorithm("CanonicalizationMethod", EXC_C14N));
    si.push(with_algorithm("SignatureMethod", RSA_SHA256));
    let mut reference = ds("Reference");
    reference.set_attr("URI", "");
    let mut transforms = ds("Transforms");
    transforms.push(with_algorithm("Transform", ENVELOPED_SIGNATURE));
    transforms.push(with_algorithm("Transform", EXC_C14N));
    reference.push(transforms);
    reference.push(with_algorithm("DigestMethod", SHA256));
    let mut dv = ds("DigestValue");
    dv.push_text(&B64.encode(digest));
    reference.push(dv);
    si.push(reference);
    si
}

fn rsa_public_key(cert: &Certificate) -> Result<RsaPublicKey, SignatureError> {
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| SignatureError::Certificate(e.to_string()))?;
    RsaPublicKey::from_public_key_der(&spki)
        .map_err(|e| SignatureError::Certificate(format!("not an RSA key: {e}")))
}

/// Index in `root.children` of the `ds:Signature` element we add.
fn signature_index(root: &Element) -> Option<usize> {
    root.children
        .iter()
        .position(|n| matches!(n, Node::Element(e) if e.is(DSIG_NAMESPACE, "Signature")))
}

/// Prepares `xml` (a valid edXML message) for signing by the holder of the
/// certificate `cert_der`.
pub fn prepare(xml: &[u8], cert_der: &[u8]) -> Result<SigningRequest, SignatureError> {
    let mut doc = dom::parse(xml, &Limits::default())?;
    codec::from_document(&doc)?;
    if count_signatures(&doc.root) > 0 {
        return Err(SignatureError::AlreadySigned);
    }
    let cert =
        Certificate::from_der(cert_der).map_err(|e| SignatureError::Certificate(e.to_string()))?;
    let public_key = rsa_public_key(&cert)?;

    // Insert the signature (with a placeholder digest) first, so that the
    // whitespace placed around it is part of what the digest covers.
    let sig = signature_element(&[], cert_der);
    let root = &mut doc.root;
    let trailing_ws = matches!(root.children.last(), Some(Node::Text(t)) if t.trim().is_empty());
    let at = if trailing_ws {
        root.children.len() - 1
    } else {
        root.children.len()
    };
    root.children.insert(at, Node::Element(sig));
    root.children.insert(at, Node::Text("\n  ".to_owned()));

    let digest = {
        let idx = signature_index(&doc.root)
            .ok_or_else(|| SignatureError::Malformed("signature not inserted".into()))?;
        let Node::Element(sig) = &doc.root.children[idx] else {
            return Err(SignatureError::Malformed("signature not inserted".into()));
        };
        Sha256::digest(c14n::canonicalize_document(&doc, Some(sig)))
    };
    let root_scope = c14n::scope_of(&doc.root, &NsMap::new());
    let idx = signature_index(&doc.root)
        .ok_or_else(|| SignatureError::Malformed("signature not inserted".into()))?;
    let Node::Element(sig) = &mut doc.root.children[idx] else {
        return Err(SignatureError::Malformed("signature not inserted".into()));
    };
    sig.children[0] = Node::Element(signed_info_element(&digest));
    let scope = c14n::scope_of(sig, &root_scope);
    let Node::Element(si) = &sig.children[0] else {
        return Err(SignatureError::Malformed("SignedInfo".into()));
    };
    let signed_info = c14n::canonicalize_subtree(si, &scope);
    Ok(SigningRequest {
        doc,
        public_key,
        signed_info,
    })
}

impl SigningRequest {
    /// The canonical `SignedInfo`: the octets to sign with
    /// RSASSA-PKCS1-v1_5 and SHA-256.
    pub fn to_be_signed(&self) -> &[u8] {
        &self.signed_info
    }

    /// Embeds `signature` (checked against the certificate first) and returns
    /// the signed message.
    pub fn finish(mut self, signature: &[u8]) -> Result<Vec<u8>, SignatureError> {
        let sig = Signature::try_from(signature).map_err(|_| SignatureError::BadSignature)?;
        VerifyingKey::<Sha256>::new(self.public_key.clone())
            .verify(&self.signed_info, &sig)
            .map_err(|_| SignatureError::BadSignature)?;
        let idx = signature_index(&self.doc.root)
            .ok_or_else(|| SignatureError::Malformed("no signature".into()))?;
        if let Node::Element(sig_el) = &mut self.doc.root.children[idx] {
            if let Some(Node::Element(value)) = sig_el.children.get_mut(1) {
                value.children = vec![Node::Text(B64.encode(signature))];
            }
        }
        Ok(dom::serialize(&self.doc))
    }
}

/// Signs a valid edXML message with `key`, whose certificate `cert_der` is
/// embedded for the recipients.
pub fn sign(xml: &[u8], key: &RsaPrivateKey, cert_der: &[u8]) -> Result<Vec<u8>, SignatureError> {
    let request = prepare(xml, cert_der)?;
    if key.to_public_key() != request.public_key {
        return Err(SignatureError::KeyMismatch);
    }
    let signing_key = SigningKey::<Sha256>::new(key.clone());
    let signature = signing_key.sign_with_rng(&mut rand::rngs::OsRng, request.to_be_signed());
    request.finish(&signature.to_vec())
}

// ----------------------------------------------------------------- verify

fn count_signatures(e: &Element) -> usize {
    let own = usize::from(e.is(DSIG_NAMESPACE, "Signature"));
    own + e.elements().map(count_signatures).sum::<usize>()
}

fn malformed(what: impl Into<String>) -> SignatureError {
    SignatureError::Malformed(what.into())
}

/// The element children of a signature element, refusing text in it.
fn ds_children(e: &Element) -> Result<Vec<&Element>, SignatureError> {
    if e.has_significant_text() {
        return Err(malformed(format!("text inside {}", e.local)));
    }
    let kids: Vec<&Element> = e.elements().collect();
    if let Some(k) = kids
        .iter()
        .find(|k| k.ns.as_deref() != Some(DSIG_NAMESPACE))
    {
        return Err(malformed(format!(
            "unexpected element {} in {}",
            k.local, e.local
        )));
    }
    Ok(kids)
}

fn expect<'a>(kids: &[&'a Element], i: usize, local: &str) -> Result<&'a Element, SignatureError> {
    match kids.get(i) {
        Some(k) if k.local == local => Ok(k),
        _ => Err(malformed(format!("expected {local}"))),
    }
}

fn algorithm<'a>(e: &'a Element, wanted: &str) -> Result<&'a str, SignatureError> {
    let alg = e
        .attr("Algorithm")
        .ok_or_else(|| malformed(format!("{} without Algorithm", e.local)))?;
    if alg != wanted {
        return Err(SignatureError::UnsupportedAlgorithm(alg.to_owned()));
    }
    if e.elements().next().is_some() {
        return Err(SignatureError::UnsupportedAlgorithm(format!(
            "{alg} with parameters"
        )));
    }
    Ok(alg)
}

fn decode_b64(e: &Element) -> Result<Vec<u8>, SignatureError> {
    let compact: Vec<u8> = e
        .text()
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    B64.decode(compact)
        .map_err(|_| malformed(format!("{} is not base64", e.local)))
}

fn time(t: x509_cert::time::Time) -> DateTime<Utc> {
    let d = t.to_unix_duration();
    DateTime::from_timestamp(d.as_secs() as i64, 0).unwrap_or_default()
}

pub(crate) fn verify_document(doc: &Document) -> Result<VerifiedSigner, SignatureError> {
    match count_signatures(&doc.root) {
        0 => return Err(SignatureError::NoSignature),
        1 => {}
        _ => return Err(SignatureError::MultipleSignatures),
    }
    let sig = doc
        .root
        .elements()
        .find(|e| e.is(DSIG_NAMESPACE, "Signature"))
        .ok_or(SignatureError::MisplacedSignature)?;
    let kids = ds_children(sig)?;
    let signed_info = expect(&kids, 0, "SignedInfo")?;
    let value = expect(&kids, 1, "SignatureValue")?;
    let key_info = expect(&kids, 2, "KeyInfo")?;
    if let Some(extra) = kids.get(3) {
        return Err(malformed(format!(
            "unexpected {} in Signature",
            extra.local
        )));
    }

    let si = ds_children(signed_info)?;
    algorithm(expect(&si, 0, "CanonicalizationMethod")?, EXC_C14N)?;
    algorithm(expect(&si, 1, "SignatureMethod")?, RSA_SHA256)?;
    let reference = expect(&si, 2, "Reference")?;
    if si.len() != 3 {
        return Err(malformed("SignedInfo must hold exactly one Reference"));
    }
    if reference.attr("URI") != Some("") {
        return Err(malformed(
            "the Reference must have URI=\"\" (the whole message)",
        ));
    }
    let r = ds_children(reference)?;
    let transforms = ds_children(expect(&r, 0, "Transforms")?)?;
    if transforms.len() != 2 || transforms.iter().any(|t| t.local != "Transform") {
        return Err(malformed(
            "Transforms must be enveloped-signature then exclusive C14N",
        ));
    }
    algorithm(transforms[0], ENVELOPED_SIGNATURE)?;
    algorithm(transforms[1], EXC_C14N)?;
    algorithm(expect(&r, 1, "DigestMethod")?, SHA256)?;
    let digest_value = decode_b64(expect(&r, 2, "DigestValue")?)?;
    if r.len() != 3 {
        return Err(malformed("unexpected content in Reference"));
    }

    let mut certs = Vec::new();
    for data in key_info.elements() {
        if !data.is(DSIG_NAMESPACE, "X509Data") {
            continue;
        }
        for c in data.elements() {
            if c.is(DSIG_NAMESPACE, "X509Certificate") {
                certs.push(decode_b64(c)?);
            }
        }
    }
    if certs.is_empty() {
        return Err(malformed("no KeyInfo/X509Data/X509Certificate"));
    }

    let digest = Sha256::digest(c14n::canonicalize_document(doc, Some(sig)));
    if digest.as_slice() != digest_value.as_slice() {
        return Err(SignatureError::DigestMismatch);
    }

    let scope = c14n::scope_of(sig, &c14n::scope_of(&doc.root, &NsMap::new()));
    let canonical_si = c14n::canonicalize_subtree(signed_info, &scope);
    let signature_bytes = decode_b64(value)?;
    let signature = Signature::try_from(signature_bytes.as_slice())
        .map_err(|_| SignatureError::BadSignature)?;
    for (i, der) in certs.iter().enumerate() {
        let cert =
            Certificate::from_der(der).map_err(|e| SignatureError::Certificate(e.to_string()))?;
        let Ok(key) = rsa_public_key(&cert) else {
            continue;
        };
        if VerifyingKey::<Sha256>::new(key)
            .verify(&canonical_si, &signature)
            .is_ok()
        {
            let tbs = &cert.tbs_certificate;
            return Ok(VerifiedSigner {
                subject: tbs.subject.to_string(),
                issuer: tbs.issuer.to_string(),
                serial_hex: codec::hex(tbs.serial_number.as_bytes()),
                not_before: time(tbs.validity.not_before),
                not_after: time(tbs.validity.not_after),
                other_certificates: certs
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, c)| c.clone())
                    .collect(),
                certificate_der: der.clone(),
                certificate: cert,
            });
        }
    }
    Err(SignatureError::BadSignature)
}

/// Verifies the enveloped signature of a message and returns its signer.
pub fn verify(signed_xml: &[u8]) -> Result<VerifiedSigner, SignatureError> {
    verify_with_limits(signed_xml, &Limits::default())
}

/// [`verify`] with explicit parser limits.
pub fn verify_with_limits(
    signed_xml: &[u8],
    limits: &Limits,
) -> Result<VerifiedSigner, SignatureError> {
    let doc = dom::parse(signed_xml, limits)?;
    verify_document(&doc)
}

/// Verifies the signature, then parses and validates the message: what a
/// recipient calls on an incoming message.
pub fn open(signed_xml: &[u8]) -> Result<(Message, VerifiedSigner), SignatureError> {
    let doc = dom::parse(signed_xml, &Limits::default())?;
    let signer = verify_document(&doc)?;
    let message = codec::from_document(&doc)?;
    Ok((message, signer))
}

// ------------------------------------------------------------------ chain

/// Why a certificate does not chain to a trust anchor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("chứng thư số không đọc được / unreadable certificate: {0}")]
    Unreadable(String),
    #[error("chứng thư số \"{0}\" chưa có hiệu lực / certificate \"{0}\" is not yet valid")]
    NotYetValid(String),
    #[error("chứng thư số \"{0}\" đã hết hạn / certificate \"{0}\" has expired")]
    Expired(String),
    #[error(
        "không tìm thấy tổ chức cấp tin cậy cho \"{0}\" / no trusted issuer found for \"{0}\""
    )]
    UnknownIssuer(String),
    #[error("\"{0}\" không phải chứng thư của tổ chức cấp (CA) / \"{0}\" is not a CA certificate")]
    NotCa(String),
    #[error("chuỗi chứng thư quá dài / certificate chain too long")]
    TooLong,
}

const BASIC_CONSTRAINTS: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("2.5.29.19");
const SHA256_WITH_RSA: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");

fn is_ca(cert: &Certificate) -> bool {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == BASIC_CONSTRAINTS)
        .and_then(|e| {
            x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).ok()
        })
        .is_some_and(|bc| bc.ca)
}

/// Whether `issuer` signed `cert` (RSA PKCS#1 v1.5 with SHA-256/384/512).
fn signed_by(cert: &Certificate, issuer: &Certificate) -> bool {
    let Ok(key) = rsa_public_key(issuer) else {
        return false;
    };
    let Ok(tbs) = cert.tbs_certificate.to_der() else {
        return false;
    };
    let Some(sig) = cert.signature.as_bytes() else {
        return false;
    };
    let Ok(sig) = Signature::try_from(sig) else {
        return false;
    };
    let alg = cert.signature_algorithm.oid;
    if alg == SHA256_WITH_RSA {
        VerifyingKey::<Sha256>::new(key).verify(&tbs, &sig).is_ok()
    } else if alg == SHA384_WITH_RSA {
        VerifyingKey::<Sha384>::new(key).verify(&tbs, &sig).is_ok()
    } else if alg == SHA512_WITH_RSA {
        VerifyingKey::<Sha512>::new(key).verify(&tbs, &sig).is_ok()
    } else {
        false
    }
}

fn check_validity(cert: &Certificate, at: DateTime<Utc>) -> Result<(), ChainError> {
    let v = &cert.tbs_certificate.validity;
    let name = cert.tbs_certificate.subject.to_string();
    if at < time(v.not_before) {
        return Err(ChainError::NotYetValid(name));
    }
    if at > time(v.not_after) {
        return Err(ChainError::Expired(name));
    }
    Ok(())
}

/// Checks that the certificate `cert_der` chains, through `intermediates`,
/// to one of `anchors` (all DER), every certificate valid at `at` and every
/// issuer a CA. Signatures: RSA with SHA-256/384/512. Revocation and key
/// usage are not checked.
pub fn check_chain(
    cert_der: &[u8],
    intermediates: &[Vec<u8>],
    anchors: &[Vec<u8>],
    at: DateTime<Utc>,
) -> Result<(), ChainError> {
    let parse =
        |d: &[u8]| Certificate::from_der(d).map_err(|e| ChainError::Unreadable(e.to_string()));
    let leaf = parse(cert_der)?;
    let anchors: Vec<Certificate> = anchors.iter().map(|d| parse(d)).collect::<Result<_, _>>()?;
    let inters: Vec<Certificate> = intermediates
        .iter()
        .map(|d| parse(d))
        .collect::<Result<_, _>>()?;
    check_validity(&leaf, at)?;
    if anchors.contains(&leaf) {
        return Ok(());
    }
    let mut current = leaf;
    for _ in 0..8 {
        let issuer_name = &current.tbs_certificate.issuer;
        let subject = current.tbs_certificate.subject.to_string();
        let find = |pool: &[Certificate]| {
            pool.iter()
                .find(|c| &c.tbs_certificate.subject == issuer_name && signed_by(&current, c))
                .cloned()
        };
        if let Some(anchor) = find(&anchors) {
            if !is_ca(&anchor) {
                return Err(ChainError::NotCa(
                    anchor.tbs_certificate.subject.to_string(),
                ));
            }
            return check_validity(&anchor, at);
        }
        let Some(next) = find(&inters) else {
            return Err(ChainError::UnknownIssuer(subject));
        };
        if !is_ca(&next) {
            return Err(ChainError::NotCa(next.tbs_certificate.subject.to_string()));
        }
        check_validity(&next, at)?;
        current = next;
    }
    Err(ChainError::TooLong)
}
