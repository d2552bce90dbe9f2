//! edXML messages between agencies: the model, its XML form with validation,
//! and an enveloped XML-DSig signature. A pure library: no network, no
//! database; the transport (outbox, mTLS) calls it.
//!
//! Quyết định 28/2018/QĐ-TTg has agencies exchange documents as edXML
//! (QCVN 102:2016/BTTTT and later versions). The official schema was not
//! available, so this is **Sen's profile of edXML, version [`EDXML_VERSION`]**:
//! the element names and namespace are those used by the national exchange's
//! published SDK samples, the layout is the one below, and anything this
//! crate writes it can read back. A partner agency can implement it from this
//! page.
//!
//! # API
//!
//! * Build a [`DocumentMessage`] or [`StatusMessage`] (plain structs), then
//!   [`Message::to_xml`] (validates first) → bytes;
//!   [`sign`] (or [`prepare`] + [`SigningRequest::finish`] when the key is
//!   on a token elsewhere) → signed bytes.
//! * On receipt: [`open`] = [`verify`] the signature, then [`parse`] and
//!   validate; the caller decides whether it trusts
//!   [`VerifiedSigner::certificate_der`], e.g. with [`check_chain`].
//! * Keys: [`load_pkcs8_pem`] (`rsa::RsaPrivateKey`), [`load_cert_pem`] (DER).
//!
//! # Format
//!
//! UTF-8, XML 1.0, no DTD. Every element is in the namespace
//! [`EDXML_NAMESPACE`] = `http://www.mic.gov.vn/TBT/QCVN_102_2016` (written
//! with the prefix `edXML`; readers must go by namespace, not prefix).
//! The document element carries `version="2.0"`; a reader refuses another
//! major version. Elements this profile does not know are ignored (so a
//! later minor version can add some); element order below is how Sen writes
//! it, readers do not depend on it.
//!
//! A document message:
//!
//! ```text
//! edXML:edXML  @version="2.0"
//!   edXML:edXMLEnvelope
//!     edXML:edXMLHeader
//!       edXML:MessageHeader
//!         From            OrganId, OrganizationInCharge?, OrganName, OrganAdd?,
//!                         Email?, Telephone?, Fax?, Website?
//!         To +            (same children; at least one, OrganIds distinct)
//!         Code            CodeNumber, CodeNotation
//!         PromulgationInfo Place?, PromulgationDate
//!         DocumentType    Type, TypeName
//!         Subject         (≤ 500 characters)
//!         Content?        (≤ 500 characters)
//!         SignerInfo      Competence?, Position?, FullName
//!         DueDate?
//!         ToPlaces?       Place *
//!         OtherInfo?      Priority?, SphereOfPromulgation?, TyperNotation?,
//!                         PromulgationAmount?, PageAmount?, Appendixes? (Appendix *)
//!         ResponseFor *   OrganId, Code, PromulgationDate, DocumentId
//!         SteeringType?
//!         DocumentId      (the sender's message id, e.g. `OrganId,yyyy/mm/dd,uuid`)
//!       edXML:TraceHeaderList?
//!         TraceHeader *   OrganId, Timestamp
//!     edXML:edXMLBody
//!       edXML:edXMLManifest @version="1.0"
//!         Reference *     ContentId, AttachmentName (≤ 200), Description?,
//!                         ContentType (MIME), Size? (bytes), Sha256? (hex)
//!   edXML:AttachmentEncoded?
//!     Attachment *        ContentId, ContentTransferEncoded (base64)
//!   ds:Signature          (XML-DSig, see below)
//! ```
//!
//! A status message has, instead of `MessageHeader`, `TraceHeaderList` and
//! the body:
//!
//! ```text
//! edXML:edXML @version="2.0" / edXML:edXMLEnvelope / edXML:edXMLHeader /
//!   edXML:Status
//!     ResponseFor   OrganId, Code, PromulgationDate, DocumentId
//!     From          (as above)
//!     StatusCode    01 arrived, 02 refused, 03 accepted, 04 being assigned,
//!                   05 assigned/in progress, 06 done, 13 recall,
//!                   15 recall/update accepted, 16 recall/update refused
//!     Description?  (≤ 500)
//!     Timestamp
//!     StaffInfo?    Department?, Staff?, Email?, Mobile?
//! ```
//!
//! Values: dates `YYYY/MM/DD`; timestamps `YYYY/MM/DD HH:MM:SS` in Vietnam
//! time (UTC+07:00); numbers in decimal digits. Text is kept exactly (no
//! trimming); group elements may be indented with whitespace. An attachment's
//! `ContentId` (compared without a leading `cid:`) links its manifest
//! `Reference` to exactly one encoded `Attachment`; base64 may be wrapped;
//! when `Size`/`Sha256` are present they must match the decoded bytes.
//! Other limits: identifier codes ≤ 64 characters without spaces, ids ≤ 200,
//! other text ≤ 1000, at most [`MAX_ATTACHMENTS`] attachments, documents
//! ≤ [`DEFAULT_MAX_MESSAGE_BYTES`], nesting ≤ 32.
//!
//! # Signature
//!
//! One `ds:Signature` (`http://www.w3.org/2000/09/xmldsig#`), the last child
//! of `edXML:edXML`, with exactly:
//!
//! ```text
//! SignedInfo
//!   CanonicalizationMethod  http://www.w3.org/2001/10/xml-exc-c14n#
//!   SignatureMethod         http://www.w3.org/2001/04/xmldsig-more#rsa-sha256
//!   Reference URI=""
//!     Transforms            http://www.w3.org/2000/09/xmldsig#enveloped-signature,
//!                           http://www.w3.org/2001/10/xml-exc-c14n#
//!     DigestMethod          http://www.w3.org/2001/04/xmlenc#sha256
//!     DigestValue
//! SignatureValue            RSASSA-PKCS1-v1_5 over the canonical SignedInfo
//! KeyInfo/X509Data/X509Certificate   the signer's certificate (+ optional chain)
//! ```
//!
//! The reference covers the whole message (all but the signature and
//! comments), so nothing can be added or changed without breaking it.
//! `xmlsec1 --verify` accepts what [`sign`] writes, and [`verify`] accepts what
//! `xmlsec1 --sign` makes from the same template (see the crate's tests).

mod c14n;
mod codec;
mod dom;
mod dsig;
mod model;
mod problem;

pub use dom::{Limits, XmlError};
pub use dsig::{
    check_chain, open, prepare, sign, verify, verify_with_limits, ChainError, SignatureError,
    SigningRequest, VerifiedSigner, DSIG_NAMESPACE, ENVELOPED_SIGNATURE, EXC_C14N, RSA_SHA256,
    SHA256,
};
pub use model::*;
pub use problem::{Problem, ProblemKind};

/// The version of this profile of edXML, written on the document element.
pub const EDXML_VERSION: &str = "2.0";
/// The edXML namespace, as used by the national document exchange.
pub const EDXML_NAMESPACE: &str = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
/// The prefix Sen writes for [`EDXML_NAMESPACE`].
pub const EDXML_PREFIX: &str = "edXML";

/// Largest message accepted by default (attachments included, base64).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;
/// Longest `Subject`, in characters.
pub const SUBJECT_MAX: usize = 500;
/// Longest `Content`, in characters.
pub const CONTENT_MAX: usize = 500;
/// Longest attachment name (and content id), in characters.
pub const ATTACHMENT_NAME_MAX: usize = 200;
/// Longest `Description` (attachment or status), in characters.
pub const DESCRIPTION_MAX: usize = 500;
/// Longest `OrganId`.
pub const ORGAN_ID_MAX: usize = 64;
/// Longest `DocumentId`.
pub const DOCUMENT_ID_MAX: usize = 200;
/// Longest other text value.
pub const TEXT_MAX: usize = 1000;
/// Most attachments in one message.
pub const MAX_ATTACHMENTS: usize = 100;

/// A message that cannot be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdxmlError {
    /// Not (acceptable) XML.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// XML, but not a valid message: every problem found.
    #[error("thông điệp edXML không hợp lệ / invalid edXML message:\n{}", problem::join(.0))]
    Invalid(Vec<Problem>),
}

impl EdxmlError {
    /// The validation problems (empty for malformed XML).
    pub fn problems(&self) -> &[Problem] {
        match self {
            EdxmlError::Invalid(p) => p,
            EdxmlError::Xml(_) => &[],
        }
    }
}

fn validate_ref(m: codec::MessageRef<'_>) -> Result<(), EdxmlError> {
    let problems = codec::validate(m);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(EdxmlError::Invalid(problems))
    }
}

fn to_xml_ref(m: codec::MessageRef<'_>) -> Result<Vec<u8>, EdxmlError> {
    validate_ref(m)?;
    Ok(dom::serialize(&codec::to_document(m)))
}

impl Message {
    /// Every problem that would keep this message from being sent.
    pub fn validate(&self) -> Result<(), EdxmlError> {
        validate_ref(self.into())
    }

    /// The message as an (unsigned) edXML document, after validating it.
    pub fn to_xml(&self) -> Result<Vec<u8>, EdxmlError> {
        to_xml_ref(self.into())
    }

    /// Parses and validates a message; a signature, if present, is not
    /// checked (use [`open`] for incoming messages).
    pub fn parse(xml: &[u8]) -> Result<Message, EdxmlError> {
        parse(xml)
    }
}

impl DocumentMessage {
    /// See [`Message::validate`].
    pub fn validate(&self) -> Result<(), EdxmlError> {
        validate_ref(codec::MessageRef::Document(self))
    }

    /// See [`Message::to_xml`].
    pub fn to_xml(&self) -> Result<Vec<u8>, EdxmlError> {
        to_xml_ref(codec::MessageRef::Document(self))
    }
}

impl StatusMessage {
    /// See [`Message::validate`].
    pub fn validate(&self) -> Result<(), EdxmlError> {
        validate_ref(codec::MessageRef::Status(self))
    }

    /// See [`Message::to_xml`].
    pub fn to_xml(&self) -> Result<Vec<u8>, EdxmlError> {
        to_xml_ref(codec::MessageRef::Status(self))
    }
}

/// Parses and validates a message with the default [`Limits`].
pub fn parse(xml: &[u8]) -> Result<Message, EdxmlError> {
    codec::parse(xml, &Limits::default())
}

/// [`parse`] with explicit limits.
pub fn parse_with_limits(xml: &[u8], limits: &Limits) -> Result<Message, EdxmlError> {
    codec::parse(xml, limits)
}

/// The exclusive canonical form (without comments) of a whole document, as
/// the signature's reference digests it: for checking a partner's
/// implementation against this one.
pub fn exc_c14n(xml: &[u8]) -> Result<Vec<u8>, XmlError> {
    let doc = dom::parse(xml, &Limits::default())?;
    Ok(c14n::canonicalize_document(&doc, None))
}

/// A key or certificate that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("không đọc được khóa hoặc chứng thư số / cannot read the key or certificate: {0}")]
pub struct KeyError(String);

/// Reads an RSA private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or
/// PKCS#1 (`BEGIN RSA PRIVATE KEY`). Encrypted keys are not supported.
pub fn load_pkcs8_pem(pem: &str) -> Result<rsa::RsaPrivateKey, KeyError> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    rsa::RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|e| rsa::RsaPrivateKey::from_pkcs1_pem(pem).map_err(|_| KeyError(e.to_string())))
}

/// Reads the first certificate of a PEM file and returns it as DER.
pub fn load_cert_pem(pem: &str) -> Result<Vec<u8>, KeyError> {
    load_certs_pem(pem)?
        .into_iter()
        .next()
        .ok_or_else(|| KeyError("no certificate in the PEM data".into()))
}

/// Reads every certificate of a PEM bundle, as DER.
pub fn load_certs_pem(pem: &str) -> Result<Vec<Vec<u8>>, KeyError> {
    use der::Encode;
    let certs = x509_cert::Certificate::load_pem_chain(pem.as_bytes())
        .map_err(|e| KeyError(e.to_string()))?;
    certs
        .iter()
        .map(|c| c.to_der().map_err(|e| KeyError(e.to_string())))
        .collect()
}
