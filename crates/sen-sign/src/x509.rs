//! Certificates: names, RSA keys, signature checks and path validation
//! (signatures, validity periods, CA flags, key usages; no revocation).

use chrono::{DateTime, Utc};
use der::{Decode, Encode};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::Digest;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::name::Name;
use x509_cert::Certificate;

use crate::oids;
use crate::SignError;

pub(crate) fn rsa_public_key(cert: &Certificate) -> Result<RsaPublicKey, SignError> {
    let spki = cert.tbs_certificate.subject_public_key_info.to_der()?;
    RsaPublicKey::from_public_key_der(&spki)
        .map_err(|e| SignError::Unsupported(format!("public key (RSA only): {e}")))
}

/// A digest algorithm named by its OID (also accepts the RSA-with-digest
/// signature OIDs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DigestAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlg {
    pub(crate) fn from_oid(oid: &der::oid::ObjectIdentifier) -> Option<DigestAlg> {
        Some(match *oid {
            o if o == oids::SHA1 || o == oids::SHA1_RSA => DigestAlg::Sha1,
            o if o == oids::SHA256 || o == oids::SHA256_RSA => DigestAlg::Sha256,
            o if o == oids::SHA384 || o == oids::SHA384_RSA => DigestAlg::Sha384,
            o if o == oids::SHA512 || o == oids::SHA512_RSA => DigestAlg::Sha512,
            _ => return None,
        })
    }

    pub(crate) fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        match self {
            DigestAlg::Sha1 => run::<sha1::Sha1>(parts),
            DigestAlg::Sha256 => run::<sha2::Sha256>(parts),
            DigestAlg::Sha384 => run::<sha2::Sha384>(parts),
            DigestAlg::Sha512 => run::<sha2::Sha512>(parts),
        }
    }

    pub(crate) fn pkcs1v15(self) -> Pkcs1v15Sign {
        match self {
            DigestAlg::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
            DigestAlg::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
            DigestAlg::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
            DigestAlg::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
        }
    }
}

/// Checks an RSA PKCS#1 v1.5 signature over `message`.
pub(crate) fn rsa_verify(
    key: &RsaPublicKey,
    alg: DigestAlg,
    message: &[u8],
    signature: &[u8],
) -> bool {
    key.verify(alg.pkcs1v15(), &alg.digest(&[message]), signature)
        .is_ok()
}

fn attr_string(value: &der::Any) -> Option<String> {
    use der::Tag;
    match der::Tagged::tag(value) {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            Some(String::from_utf8_lossy(value.value()).into_owned())
        }
        Tag::BmpString => {
            let units: Vec<u16> = value
                .value()
                .chunks(2)
                .filter(|c| c.len() == 2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

/// The first value of attribute `oid` in a name (e.g. CN, O).
pub(crate) fn name_attr(name: &Name, oid: der::oid::ObjectIdentifier) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == oid)
        .and_then(|atv| attr_string(&atv.value))
}

/// A readable subject: "CN=…, O=…, C=…" with Unicode text as is.
pub(crate) fn display_name(name: &Name) -> String {
    let mut parts = Vec::new();
    for rdn in name.0.iter().rev() {
        for atv in rdn.0.iter() {
            let key = match atv.oid {
                o if o == oids::CN => "CN".to_string(),
                o if o == oids::O => "O".to_string(),
                o if o == oids::OU => "OU".to_string(),
                o if o == oids::C => "C".to_string(),
                o if o == oids::L => "L".to_string(),
                o if o == oids::ST => "ST".to_string(),
                o => o.to_string(),
            };
            let value = attr_string(&atv.value).unwrap_or_else(|| "?".into());
            parts.push(format!("{key}={value}"));
        }
    }
    parts.join(", ")
}

fn validity_ok(cert: &Certificate, at: DateTime<Utc>) -> Result<(), String> {
    let v = &cert.tbs_certificate.validity;
    let nb = v.not_before.to_unix_duration().as_secs() as i64;
    let na = v.not_after.to_unix_duration().as_secs() as i64;
    let t = at.timestamp();
    if t < nb || t > na {
        Err(format!(
            "certificate '{}' is not valid at {} (valid {} – {})",
            display_name(&cert.tbs_certificate.subject),
            at.to_rfc3339(),
            v.not_before,
            v.not_after
        ))
    } else {
        Ok(())
    }
}

fn extension<'a, T: Decode<'a>>(
    cert: &'a Certificate,
    oid: der::oid::ObjectIdentifier,
) -> Result<Option<T>, String> {
    let Some(exts) = &cert.tbs_certificate.extensions else {
        return Ok(None);
    };
    match exts.iter().find(|e| e.extn_id == oid) {
        None => Ok(None),
        Some(e) => T::from_der(e.extn_value.as_bytes())
            .map(Some)
            .map_err(|err| format!("bad extension {oid}: {err}")),
    }
}

/// Whether `issuer` signed `cert`.
pub(crate) fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let Some(alg) = DigestAlg::from_oid(&cert.signature_algorithm.oid) else {
        return false;
    };
    let Ok(key) = rsa_public_key(issuer) else {
        return false;
    };
    let Ok(tbs) = cert.tbs_certificate.to_der() else {
        return false;
    };
    let Some(sig) = cert.signature.as_bytes() else {
        return false;
    };
    rsa_verify(&key, alg, &tbs, sig)
}

/// What the end-entity certificate is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Signing documents: digitalSignature or nonRepudiation when a key
    /// usage is given.
    Signing,
    /// A time-stamping authority: extendedKeyUsage id-kp-timeStamping.
    TimeStamping,
}

/// Validates the path from `leaf` to one of `anchors` through `pool`, at
/// time `at`. Revocation is not checked.
pub(crate) fn validate_path(
    leaf: &Certificate,
    pool: &[Certificate],
    anchors: &[Certificate],
    at: DateTime<Utc>,
    purpose: Purpose,
) -> Result<(), String> {
    match purpose {
        Purpose::Signing => {
            if let Some(ku) = extension::<KeyUsage>(leaf, oids::EXT_KEY_USAGE)? {
                if !ku.0.contains(KeyUsages::DigitalSignature)
                    && !ku.0.contains(KeyUsages::NonRepudiation)
                {
                    return Err(
                        "the signer's key usage allows neither digitalSignature nor nonRepudiation"
                            .into(),
                    );
                }
            }
        }
        Purpose::TimeStamping => {
            let eku = extension::<ExtendedKeyUsage>(leaf, oids::EXT_EXTENDED_KEY_USAGE)?;
            if !eku.is_some_and(|e| e.0.contains(&oids::KP_TIME_STAMPING)) {
                return Err(
                    "the time-stamping certificate lacks extendedKeyUsage timeStamping".into(),
                );
            }
        }
    }
    let mut current = leaf.clone();
    for _depth in 0..10 {
        validity_ok(&current, at)?;
        if let Some(anchor) = anchors
            .iter()
            .find(|a| **a == current || issued_by(&current, a))
        {
            if *anchor != current {
                validity_ok(anchor, at)?;
            }
            return Ok(());
        }
        let issuer = pool
            .iter()
            .find(|c| **c != current && issued_by(&current, c))
            .ok_or_else(|| {
                format!(
                    "no trusted issuer found for '{}' (issuer '{}')",
                    display_name(&current.tbs_certificate.subject),
                    display_name(&current.tbs_certificate.issuer)
                )
            })?;
        let bc = extension::<BasicConstraints>(issuer, oids::EXT_BASIC_CONSTRAINTS)?;
        if !bc.is_some_and(|b| b.ca) {
            return Err(format!(
                "'{}' issued a certificate but is not a CA",
                display_name(&issuer.tbs_certificate.subject)
            ));
        }
        if let Some(ku) = extension::<KeyUsage>(issuer, oids::EXT_KEY_USAGE)? {
            if !ku.0.contains(KeyUsages::KeyCertSign) {
                return Err("an issuing CA lacks keyCertSign".into());
            }
        }
        current = issuer.clone();
    }
    Err("certificate path too long".into())
}
