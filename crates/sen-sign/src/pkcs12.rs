//! Reading a PKCS#12 (.p12 / .pfx) file: the RSA private key and its
//! certificate chain.
//!
//! Supported protection: PBES2 (PBKDF2 + AES-CBC, OpenSSL 3's default) and
//! the legacy pbeWithSHAAnd3-KeyTripleDES-CBC (Windows and older OpenSSL
//! exports); the MAC (HMAC-SHA-1/256/384/512 over the PKCS#12 KDF) is
//! checked before anything is decrypted. RC2 and RC4 are refused.

use cbc::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use der::asn1::OctetString;
use der::{Any, Decode, Encode};
use hmac::{Hmac, Mac};
use pkcs12::kdf::{derive_key_utf8, Pkcs12KeyType};
use rsa::pkcs8::DecodePrivateKey;
use rsa::RsaPrivateKey;
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::oids;
use crate::SignError;

fn bad(msg: impl Into<String>) -> SignError {
    SignError::Pkcs12(msg.into())
}

/// Removes a `[0] EXPLICIT` wrapper and returns the inner TLV.
fn unwrap_explicit0(tlv: &[u8]) -> Result<Vec<u8>, SignError> {
    let any = Any::from_der(tlv)?;
    let expected = der::Tag::ContextSpecific {
        constructed: true,
        number: der::TagNumber::N0,
    };
    if der::Tagged::tag(&any) != expected {
        return Err(bad("expected [0]"));
    }
    Ok(any.value().to_vec())
}

fn check_mac(pfx: &pkcs12::pfx::Pfx, content: &[u8], password: &str) -> Result<(), SignError> {
    let Some(mac) = &pfx.mac_data else {
        return Err(bad("no MAC: integrity cannot be checked"));
    };
    let salt = mac.mac_salt.as_bytes();
    let iter = mac.iterations;
    let expected = mac.mac.digest.as_bytes();
    let alg = mac.mac.algorithm.oid;
    macro_rules! check {
        ($d:ty, $len:expr) => {{
            let key = derive_key_utf8::<$d>(password, salt, Pkcs12KeyType::Mac, iter, $len)?;
            let mut m = <Hmac<$d> as Mac>::new_from_slice(&key).map_err(|_| bad("MAC key"))?;
            m.update(content);
            m.verify_slice(expected)
                .map_err(|_| SignError::Pkcs12Password)
        }};
    }
    if alg == oids::SHA1 {
        check!(Sha1, 20)
    } else if alg == oids::SHA256 {
        check!(Sha256, 32)
    } else if alg == oids::SHA384 {
        check!(Sha384, 48)
    } else if alg == oids::SHA512 {
        check!(Sha512, 64)
    } else {
        Err(SignError::Unsupported(format!("PKCS#12 MAC digest {alg}")))
    }
}

fn decrypt(
    alg: &AlgorithmIdentifierOwned,
    data: &[u8],
    password: &str,
) -> Result<Vec<u8>, SignError> {
    if alg.oid == oids::PBES2 {
        let der = alg.to_der()?;
        let scheme = pkcs5::EncryptionScheme::try_from(der.as_slice())
            .map_err(|e| SignError::Unsupported(format!("PBES2 parameters: {e}")))?;
        scheme
            .decrypt(password.as_bytes(), data)
            .map_err(|_| SignError::Pkcs12Password)
    } else if alg.oid == pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC {
        let params = alg
            .parameters
            .as_ref()
            .ok_or_else(|| bad("PBE without parameters"))?;
        let params: pkcs12::pbe_params::Pkcs12PbeParams = params.decode_as()?;
        let salt = params.salt.as_bytes();
        let key = derive_key_utf8::<Sha1>(
            password,
            salt,
            Pkcs12KeyType::EncryptionKey,
            params.iterations,
            24,
        )?;
        let iv = derive_key_utf8::<Sha1>(password, salt, Pkcs12KeyType::Iv, params.iterations, 8)?;
        let dec = cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|_| bad("3DES key"))?;
        dec.decrypt_padded_vec_mut::<Pkcs7>(data)
            .map_err(|_| SignError::Pkcs12Password)
    } else {
        Err(SignError::Unsupported(format!(
            "PKCS#12 encryption {} (export with AES, e.g. OpenSSL 3's default, or 3DES)",
            alg.oid
        )))
    }
}

/// The key and the certificate chain in a PKCS#12 file, the signer's
/// certificate first.
pub(crate) fn parse(
    der: &[u8],
    password: &str,
) -> Result<(RsaPrivateKey, Vec<Certificate>), SignError> {
    let pfx =
        pkcs12::pfx::Pfx::from_der(der).map_err(|e| bad(format!("not a PKCS#12 file: {e}")))?;
    if pfx.auth_safe.content_type != oids::DATA {
        return Err(SignError::Unsupported(
            "public-key integrity mode PKCS#12".into(),
        ));
    }
    let content = pfx.auth_safe.content.decode_as::<OctetString>()?;
    check_mac(&pfx, content.as_bytes(), password)?;
    let safes: Vec<cms::content_info::ContentInfo> = Vec::from_der(content.as_bytes())?;

    let mut keys: Vec<RsaPrivateKey> = Vec::new();
    let mut certs: Vec<Certificate> = Vec::new();
    for ci in safes {
        let bags_der = if ci.content_type == oids::DATA {
            ci.content.decode_as::<OctetString>()?.as_bytes().to_vec()
        } else if ci.content_type == oids::ENCRYPTED_DATA {
            let ed: cms::encrypted_data::EncryptedData = ci.content.decode_as()?;
            let info = ed.enc_content_info;
            let Some(enc) = info.encrypted_content else {
                continue;
            };
            decrypt(&info.content_enc_alg, enc.as_bytes(), password)?
        } else {
            return Err(SignError::Unsupported(format!(
                "PKCS#12 safe {}",
                ci.content_type
            )));
        };
        let bags: Vec<pkcs12::safe_bag::SafeBag> = Vec::from_der(&bags_der)?;
        for bag in bags {
            let value = unwrap_explicit0(&bag.bag_value)?;
            if bag.bag_id == pkcs12::PKCS_12_PKCS8_KEY_BAG_OID {
                let epki = pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(&value)?;
                let plain = decrypt(
                    &epki.encryption_algorithm,
                    epki.encrypted_data.as_bytes(),
                    password,
                )?;
                keys.push(
                    RsaPrivateKey::from_pkcs8_der(&plain).map_err(|e| {
                        SignError::Unsupported(format!("private key (RSA only): {e}"))
                    })?,
                );
            } else if bag.bag_id == pkcs12::PKCS_12_KEY_BAG_OID {
                keys.push(
                    RsaPrivateKey::from_pkcs8_der(&value).map_err(|e| {
                        SignError::Unsupported(format!("private key (RSA only): {e}"))
                    })?,
                );
            } else if bag.bag_id == pkcs12::PKCS_12_CERT_BAG_OID {
                let cb = pkcs12::cert_type::CertBag::from_der(&value)?;
                if cb.cert_id == pkcs12::PKCS_12_X509_CERT_OID {
                    certs.push(Certificate::from_der(cb.cert_value.as_bytes())?);
                }
            }
        }
    }
    let key = keys
        .into_iter()
        .next()
        .ok_or_else(|| bad("no private key"))?;
    let public = rsa::RsaPublicKey::from(&key);
    let leaf_pos = certs
        .iter()
        .position(|c| crate::x509::rsa_public_key(c).ok().as_ref() == Some(&public))
        .ok_or_else(|| bad("no certificate for the private key"))?;
    let leaf = certs.remove(leaf_pos);
    let mut chain = vec![leaf];
    // Order the rest issuer by issuer.
    while let Some(pos) = certs.iter().position(|c| {
        let last = &chain[chain.len() - 1];
        c.tbs_certificate.subject == last.tbs_certificate.issuer
            && last.tbs_certificate.subject != last.tbs_certificate.issuer
    }) {
        chain.push(certs.remove(pos));
    }
    chain.extend(certs);
    Ok((key, chain))
}
