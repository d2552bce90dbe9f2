//! CMS SignedData (RFC 5652) for PAdES: building the signed attributes and
//! the detached signature, and checking one (also a time-stamp token's).

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier,
    SignerInfo, SignerInfos,
};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::Certificate;

use crate::oids;
use crate::x509::{rsa_public_key, rsa_verify, DigestAlg};
use crate::SignError;

/// One DER TLV with a short tag.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn attribute(oid: der::oid::ObjectIdentifier, value: &[u8]) -> Result<Vec<u8>, SignError> {
    Ok(seq(&[&oid.to_der()?, &tlv(0x31, value)]))
}

/// The signed attributes of a PAdES signature, DER-encoded as the SET OF
/// that the signature value is computed over: content-type (id-data),
/// message-digest (SHA-256 of the signed byte ranges) and
/// signing-certificate-v2 (SHA-256 of the signer's certificate with its
/// issuer and serial number). No signing-time attribute: PAdES puts the
/// claimed time in the signature dictionary's /M.
pub(crate) fn signed_attributes(digest: &[u8], signer: &Certificate) -> Result<Vec<u8>, SignError> {
    let cert_der = signer.to_der()?;
    let cert_hash = DigestAlg::Sha256.digest(&[&cert_der]);
    let issuer = signer.tbs_certificate.issuer.to_der()?;
    let serial = signer.tbs_certificate.serial_number.to_der()?;
    // IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }
    // GeneralNames ::= SEQUENCE OF GeneralName; directoryName is [4] (explicit, Name is a CHOICE).
    let issuer_serial = seq(&[&seq(&[&tlv(0xa4, &issuer)]), &serial]);
    // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256 (omitted), certHash, issuerSerial }
    let ess_cert_id = seq(&[&tlv(0x04, &cert_hash), &issuer_serial]);
    let signing_certificate_v2 = seq(&[&seq(&[&ess_cert_id])]);

    let mut attrs = [
        attribute(oids::ATTR_CONTENT_TYPE, &oids::DATA.to_der()?)?,
        attribute(oids::ATTR_MESSAGE_DIGEST, &tlv(0x04, digest))?,
        attribute(oids::ATTR_SIGNING_CERTIFICATE_V2, &signing_certificate_v2)?,
    ];
    attrs.sort();
    Ok(tlv(0x31, &attrs.concat()))
}

fn alg(oid: der::oid::ObjectIdentifier, null_params: bool) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: null_params.then(Any::null),
    }
}

/// The DER of a ContentInfo holding the detached SignedData.
pub(crate) fn signed_data(
    signed_attrs_der: &[u8],
    signature: &[u8],
    chain: &[Certificate],
    timestamp_token: Option<&[u8]>,
) -> Result<Vec<u8>, SignError> {
    let signer = chain
        .first()
        .ok_or_else(|| SignError::Certificate("empty certificate chain".into()))?;
    let signed_attrs = SignedAttributes::from_der(signed_attrs_der)?;
    let unsigned_attrs = match timestamp_token {
        None => None,
        Some(token) => {
            let values = SetOfVec::try_from(vec![Any::from_der(token)?])?;
            Some(SetOfVec::try_from(vec![Attribute {
                oid: oids::ATTR_TIME_STAMP_TOKEN,
                values,
            }])?)
        }
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: signer.tbs_certificate.issuer.clone(),
            serial_number: signer.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: alg(oids::SHA256, false),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: alg(oids::RSA_ENCRYPTION, true),
        signature: OctetString::new(signature)?,
        unsigned_attrs,
    };
    let mut certs: Vec<CertificateChoices> = Vec::with_capacity(chain.len());
    for c in chain {
        let choice = CertificateChoices::Certificate(c.clone());
        if !certs.contains(&choice) {
            certs.push(choice);
        }
    }
    let sd = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![alg(oids::SHA256, false)])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oids::DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(certs)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    let ci = ContentInfo {
        content_type: oids::SIGNED_DATA,
        content: Any::encode_from(&sd)?,
    };
    Ok(ci.to_der()?)
}

/// A SignedData read back, with the checks that need no trust anchor.
pub(crate) struct Checked {
    pub(crate) signed_data: SignedData,
    pub(crate) signer_info: SignerInfo,
    pub(crate) signer: Option<Certificate>,
    pub(crate) certificates: Vec<Certificate>,
    /// The message-digest attribute equals the digest of the content.
    pub(crate) digest_ok: bool,
    /// The signature value verifies over the signed attributes with the
    /// signer's key.
    pub(crate) signature_ok: bool,
    pub(crate) problems: Vec<String>,
}

fn find_signer(sid: &SignerIdentifier, certs: &[Certificate]) -> Option<Certificate> {
    certs
        .iter()
        .find(|c| match sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => {
                c.tbs_certificate.issuer == isn.issuer
                    && c.tbs_certificate.serial_number == isn.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => c
                .tbs_certificate
                .extensions
                .iter()
                .flatten()
                .find(|e| e.extn_id == der::oid::ObjectIdentifier::new_unwrap("2.5.29.14"))
                .and_then(|e| OctetString::from_der(e.extn_value.as_bytes()).ok())
                .is_some_and(|v| v == ski.0),
        })
        .cloned()
}

pub(crate) fn attr_value(
    attrs: Option<&SetOfVec<Attribute>>,
    oid: der::oid::ObjectIdentifier,
) -> Option<&Any> {
    attrs?
        .iter()
        .find(|a| a.oid == oid)
        .and_then(|a| a.values.iter().next())
}

/// Parses a ContentInfo/SignedData and checks its (first) signer over
/// `content` (the detached content's pieces, or the encapsulated content
/// when `content` is `None`).
pub(crate) fn check(der_bytes: &[u8], content: Option<&[&[u8]]>) -> Result<Checked, SignError> {
    let ci = ContentInfo::from_der(der_bytes)?;
    if ci.content_type != oids::SIGNED_DATA {
        return Err(SignError::Cms(format!(
            "not SignedData but {}",
            ci.content_type
        )));
    }
    let sd: SignedData = ci.content.decode_as()?;
    let certificates: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let signer_info = sd
        .signer_infos
        .0
        .iter()
        .next()
        .cloned()
        .ok_or_else(|| SignError::Cms("no SignerInfo".into()))?;
    let mut problems = Vec::new();
    let signer = find_signer(&signer_info.sid, &certificates);
    if signer.is_none() {
        problems.push("the signer's certificate is not in the signature".into());
    }
    let digest_alg = DigestAlg::from_oid(&signer_info.digest_alg.oid);
    let encapsulated;
    let parts: Vec<&[u8]> = match content {
        Some(p) => p.to_vec(),
        None => {
            let econtent = sd
                .encap_content_info
                .econtent
                .as_ref()
                .ok_or_else(|| SignError::Cms("no encapsulated content".into()))?;
            encapsulated = econtent.decode_as::<OctetString>()?;
            vec![encapsulated.as_bytes()]
        }
    };

    let mut digest_ok = false;
    let mut signature_ok = false;
    match (digest_alg, &signer_info.signed_attrs) {
        (None, _) => problems.push(format!(
            "unsupported digest algorithm {}",
            signer_info.digest_alg.oid
        )),
        (_, None) => problems.push("no signed attributes".into()),
        (Some(alg), Some(attrs)) => {
            let actual = alg.digest(&parts);
            match attr_value(Some(attrs), oids::ATTR_MESSAGE_DIGEST)
                .and_then(|v| v.decode_as::<OctetString>().ok())
            {
                Some(md) => digest_ok = md.as_bytes() == actual.as_slice(),
                None => problems.push("no message-digest attribute".into()),
            }
            let sig_alg = &signer_info.signature_algorithm.oid;
            let sig_digest = if *sig_alg == oids::RSA_ENCRYPTION {
                Some(alg)
            } else {
                DigestAlg::from_oid(sig_alg)
            };
            match (sig_digest, &signer) {
                (None, _) => problems.push(format!("unsupported signature algorithm {sig_alg}")),
                (_, None) => {}
                (Some(sd_alg), Some(cert)) => match rsa_public_key(cert) {
                    Ok(key) => {
                        let signed = attrs.to_der()?;
                        signature_ok =
                            rsa_verify(&key, sd_alg, &signed, signer_info.signature.as_bytes());
                    }
                    Err(e) => problems.push(e.to_string()),
                },
            }
        }
    }
    Ok(Checked {
        signed_data: sd,
        signer_info,
        signer,
        certificates,
        digest_ok,
        signature_ok,
        problems,
    })
}
