//! TLS material from PEM files and the rustls configurations built from it.

use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The ALPN protocol both sides speak: HTTP/1.1 only.
const ALPN_HTTP11: &[u8] = b"http/1.1";

/// Where this node's TLS material is, as PEM files.
///
/// The same certificate serves both roles: it is the server certificate of
/// our exchange endpoint and the client certificate we present to peers. It
/// must therefore name the host peers connect to (subjectAltName DNS or IP)
/// and, if it has an extended key usage, allow both `serverAuth` and
/// `clientAuth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// Our certificate, followed by any intermediate certificates up to (not
    /// necessarily including) the CA.
    pub cert_chain_pem: PathBuf,
    /// Our private key: PKCS#8 (`BEGIN PRIVATE KEY`), PKCS#1 RSA
    /// (`BEGIN RSA PRIVATE KEY`) or SEC1 EC (`BEGIN EC PRIVATE KEY`).
    /// Unencrypted; protect the file by its permissions.
    pub key_pem: PathBuf,
    /// The trust anchors: the CA certificate(s) that issue the certificates
    /// of every agency on the exchange. Only peers whose certificate chains to
    /// one of them are accepted, as clients and as servers; the web PKI is
    /// not trusted.
    pub ca_pem: PathBuf,
}

/// Why the TLS material could not be used. Each variant names the
/// [`TlsFiles`] field and the file; no key material is ever included.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file could not be read.
    #[error("{field}: cannot read {path}: {source}")]
    Read {
        /// The [`TlsFiles`] field (`cert_chain_pem`, `key_pem`, `ca_pem`).
        field: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid PEM, or holds nothing of the expected kind.
    #[error("{field}: {path}: {message}")]
    Pem {
        /// The [`TlsFiles`] field.
        field: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// rustls refused the material (a key that does not match the
    /// certificate, an unsupported key type, a CA certificate that is not a
    /// usable trust anchor, …).
    #[error("{field}: {path}: {message}")]
    Rejected {
        /// The [`TlsFiles`] field most likely at fault.
        field: &'static str,
        /// The file.
        path: PathBuf,
        /// rustls' reason.
        message: String,
    },
}

/// The material of [`TlsFiles`], read and parsed.
struct Material {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    roots: Arc<RootCertStore>,
}

impl std::fmt::Debug for Material {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Material")
            .field("chain", &self.chain.len())
            .field("roots", &self.roots.len())
            .finish_non_exhaustive()
    }
}

fn read(field: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        field,
        path: path.to_path_buf(),
        source,
    })
}

fn pem_error(field: &'static str, path: &Path, e: pem::Error) -> TlsError {
    // pem::Error never carries the decoded bytes, only positions and kinds.
    TlsError::Pem {
        field,
        path: path.to_path_buf(),
        message: format!("not valid PEM: {e}"),
    }
}

fn certificates(
    field: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read(field, path)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(field, path, e))?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            field,
            path: path.to_path_buf(),
            message: "no certificate (expected at least one \"BEGIN CERTIFICATE\" block)".into(),
        });
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    const FIELD: &str = "key_pem";
    let bytes = read(FIELD, path)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| match e {
        pem::Error::NoItemsFound => TlsError::Pem {
            field: FIELD,
            path: path.to_path_buf(),
            message: "no private key (expected \"BEGIN PRIVATE KEY\", \"BEGIN RSA PRIVATE KEY\" \
                      or \"BEGIN EC PRIVATE KEY\"; encrypted keys are not supported)"
                .into(),
        },
        other => pem_error(FIELD, path, other),
    })
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl TlsFiles {
    /// The three files, in the order of the fields.
    pub fn new(
        cert_chain_pem: impl Into<PathBuf>,
        key_pem: impl Into<PathBuf>,
        ca_pem: impl Into<PathBuf>,
    ) -> TlsFiles {
        TlsFiles {
            cert_chain_pem: cert_chain_pem.into(),
            key_pem: key_pem.into(),
            ca_pem: ca_pem.into(),
        }
    }

    fn load(&self) -> Result<Material, TlsError> {
        let chain = certificates("cert_chain_pem", &self.cert_chain_pem)?;
        let key = private_key(&self.key_pem)?;
        let mut roots = RootCertStore::empty();
        for (i, ca) in certificates("ca_pem", &self.ca_pem)?
            .into_iter()
            .enumerate()
        {
            roots.add(ca).map_err(|e| TlsError::Rejected {
                field: "ca_pem",
                path: self.ca_pem.clone(),
                message: format!("certificate #{} is not a usable trust anchor: {e}", i + 1),
            })?;
        }
        Ok(Material {
            chain,
            key,
            roots: Arc::new(roots),
        })
    }

    fn rejected_identity(&self, e: rustls::Error) -> TlsError {
        // Key/certificate problems: name both files, the key first.
        TlsError::Rejected {
            field: "key_pem",
            path: self.key_pem.clone(),
            message: format!(
                "unusable with the certificate in {}: {e}",
                self.cert_chain_pem.display()
            ),
        }
    }

    /// The server side: presents our certificate and **requires** a client
    /// certificate that chains to a CA of `ca_pem` (TLS 1.2 and 1.3, ring,
    /// ALPN `http/1.1`). A client without one, or with one from another CA,
    /// fails the handshake.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let m = self.load()?;
        let provider = provider();
        let verifier = WebPkiClientVerifier::builder_with_provider(m.roots, provider.clone())
            .build()
            .map_err(|e| TlsError::Rejected {
                field: "ca_pem",
                path: self.ca_pem.clone(),
                message: format!("cannot verify clients with these trust anchors: {e}"),
            })?;
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| self.rejected_identity(e))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(m.chain, m.key)
            .map_err(|e| self.rejected_identity(e))?;
        config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
        Ok(Arc::new(config))
    }

    /// The client side: presents our certificate and trusts only the CA(s) of
    /// `ca_pem` for the peer's server certificate (whose subjectAltName must
    /// match the host of the peer's URL).
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        let m = self.load()?;
        let provider = provider();
        let verifier = WebPkiServerVerifier::builder_with_provider(m.roots, provider.clone())
            .build()
            .map_err(|e| TlsError::Rejected {
                field: "ca_pem",
                path: self.ca_pem.clone(),
                message: format!("cannot verify servers with these trust anchors: {e}"),
            })?;
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| self.rejected_identity(e))?
            .with_webpki_verifier(verifier)
            .with_client_auth_cert(m.chain, m.key)
            .map_err(|e| self.rejected_identity(e))?;
        config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
        Ok(Arc::new(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, content: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sen-exchange-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    #[test]
    fn missing_file_names_field_and_path() {
        let f = TlsFiles::new(
            "/nonexistent/cert.pem",
            "/nonexistent/key.pem",
            "/nonexistent/ca.pem",
        );
        let e = f.server_config().unwrap_err().to_string();
        assert!(
            e.starts_with("cert_chain_pem: cannot read /nonexistent/cert.pem"),
            "{e}"
        );
    }

    #[test]
    fn empty_and_garbage_pem_are_named() {
        let empty = temp("empty.pem", "hello\n");
        let f = TlsFiles::new(&empty, &empty, &empty);
        let e = f.client_config().unwrap_err().to_string();
        assert!(
            e.contains("cert_chain_pem") && e.contains("no certificate"),
            "{e}"
        );

        let bad = temp(
            "bad.pem",
            "-----BEGIN CERTIFICATE-----\n!!!notbase64!!!\n-----END CERTIFICATE-----\n",
        );
        let f = TlsFiles::new(&bad, &empty, &empty);
        let e = f.client_config().unwrap_err().to_string();
        assert!(
            e.contains("cert_chain_pem") && e.contains("not valid PEM"),
            "{e}"
        );
    }
}
