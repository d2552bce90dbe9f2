//! The exchange transport against a real PKI made by the `openssl` CLI, and
//! against independent TLS clients (`curl`, `openssl s_client`).
//!
//! A missing tool skips a test locally but fails it when `SEN_TEST_BACKEND`
//! is set (the test script sets it).

use async_trait::async_trait;
use sen_exchange::*;
use sen_notify::{Channel, ChannelKind, Outgoing};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::process::Command;

// ----- tools and PKI ------------------------------------------------------

fn tools_present(test: &str) -> bool {
    let mut missing = Vec::new();
    for (name, args) in [("openssl", ["version"]), ("curl", ["--version"])] {
        let ok = std::process::Command::new(name)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            missing.push(name);
        }
    }
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "{test}: missing {} (apt-get install openssl curl)",
        missing.join(", ")
    );
    if std::env::var_os("SEN_TEST_BACKEND").is_some() {
        panic!("{msg}");
    }
    eprintln!("SKIPPED {msg}");
    false
}

/// A temporary directory with a test CA, leaf certificates issued by it, and
/// an unrelated CA with a leaf of its own. Removed on drop.
struct Pki {
    dir: PathBuf,
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[derive(Clone, Copy)]
enum KeyKind {
    /// `BEGIN EC PRIVATE KEY`.
    EcSec1,
    /// `BEGIN RSA PRIVATE KEY`.
    RsaPkcs1,
    /// `BEGIN PRIVATE KEY` (EC inside).
    Pkcs8,
}

impl Pki {
    fn new(test: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!(
            "sen-exchange-{test}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = Pki { dir };
        pki.ca("ca", "Sen Test Exchange CA");
        pki.ca("other-ca", "Unrelated CA");
        let sans = "DNS:localhost,IP:127.0.0.1";
        pki.leaf("a", "ca", "H98 So Tu phap tinh A", KeyKind::EcSec1, sans);
        pki.leaf("b", "ca", "H99 UBND tinh B", KeyKind::RsaPkcs1, sans);
        pki.leaf("c", "ca", "H97 tinh C", KeyKind::Pkcs8, sans);
        // Same CN as B, but from the unrelated CA: the name alone must not
        // be trusted.
        pki.leaf("evil", "other-ca", "H99 UBND tinh B", KeyKind::Pkcs8, sans);
        // From the right CA, but for another host.
        pki.leaf(
            "elsewhere",
            "ca",
            "H96 elsewhere",
            KeyKind::EcSec1,
            "DNS:elsewhere.example",
        );
        pki
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn ca(&self, name: &str, cn: &str) {
        let key = format!("{name}.key");
        let crt = format!("{name}.crt");
        openssl(
            &self.dir,
            &[
                "ecparam",
                "-genkey",
                "-name",
                "prime256v1",
                "-noout",
                "-out",
                &key,
            ],
        );
        openssl(
            &self.dir,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                &key,
                "-out",
                &crt,
                "-days",
                "30",
                "-subj",
                &format!("/C=VN/O=Sen test/CN={cn}"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
    }

    fn leaf(&self, name: &str, ca: &str, cn: &str, kind: KeyKind, sans: &str) {
        let key = format!("{name}.key");
        match kind {
            KeyKind::EcSec1 => openssl(
                &self.dir,
                &[
                    "ecparam",
                    "-genkey",
                    "-name",
                    "prime256v1",
                    "-noout",
                    "-out",
                    &key,
                ],
            ),
            KeyKind::RsaPkcs1 => {
                openssl(&self.dir, &["genrsa", "-traditional", "-out", &key, "2048"])
            }
            KeyKind::Pkcs8 => openssl(
                &self.dir,
                &[
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    &key,
                ],
            ),
        }
        let first = std::fs::read_to_string(self.path(&key)).unwrap();
        let want = match kind {
            KeyKind::EcSec1 => "-----BEGIN EC PRIVATE KEY-----",
            KeyKind::RsaPkcs1 => "-----BEGIN RSA PRIVATE KEY-----",
            KeyKind::Pkcs8 => "-----BEGIN PRIVATE KEY-----",
        };
        assert!(first.starts_with(want), "{key} is not {want}");
        let csr = format!("{name}.csr");
        openssl(
            &self.dir,
            &[
                "req",
                "-new",
                "-key",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/C=VN/O=Sen test/CN={cn}"),
            ],
        );
        let ext = format!("{name}.ext");
        std::fs::write(
            self.path(&ext),
            format!(
                "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
                 extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName={sans}\n"
            ),
        )
        .unwrap();
        openssl(
            &self.dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                &format!("{ca}.crt"),
                "-CAkey",
                &format!("{ca}.key"),
                "-CAcreateserial",
                "-out",
                &format!("{name}.crt"),
                "-days",
                "30",
                "-extfile",
                &ext,
            ],
        );
        openssl(
            &self.dir,
            &[
                "x509",
                "-in",
                &format!("{name}.crt"),
                "-outform",
                "DER",
                "-out",
                &format!("{name}.der"),
            ],
        );
    }

    /// Leaf `name`'s files, trusting the CA `ca`.
    fn files(&self, name: &str, ca: &str) -> TlsFiles {
        TlsFiles::new(
            self.path(&format!("{name}.crt")),
            self.path(&format!("{name}.key")),
            self.path(&format!("{ca}.crt")),
        )
    }

    fn der(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(&format!("{name}.der"))).unwrap()
    }
}

// ----- a recording receiver -------------------------------------------------

#[derive(Default)]
struct Recorder {
    got: Mutex<Vec<(Vec<u8>, PeerInfo)>>,
}

impl Recorder {
    fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }
    fn last(&self) -> (Vec<u8>, PeerInfo) {
        self.got
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a message was received")
    }
}

#[async_trait]
impl Inbound for Recorder {
    async fn receive(&self, body: Vec<u8>, peer: PeerInfo) -> InboundReply {
        let text = String::from_utf8_lossy(&body).into_owned();
        self.got.lock().unwrap().push((body, peer));
        if text.contains("<fail400/>") {
            InboundReply::new(
                400,
                "Chữ ký số của thông điệp không hợp lệ.\nThe message's signature is invalid.",
            )
        } else if text.contains("<fail503/>") {
            InboundReply::new(503, "{\"error\":\"busy\"}")
        } else if text.contains("<fail429/>") {
            InboundReply::new(429, "slow down")
        } else {
            InboundReply::new(200, "<ack status=\"01\"/>")
        }
    }
}

struct Server {
    addr: SocketAddr,
    recorder: Arc<Recorder>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(tls: Arc<ServerConfig>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Server::on(listener, tls)
    }

    fn on(listener: TcpListener, tls: Arc<ServerConfig>) -> Server {
        let addr = listener.local_addr().unwrap();
        let recorder = Arc::new(Recorder::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, tls, recorder.clone(), async {
            let _ = stopped.await;
        }));
        Server {
            addr,
            recorder,
            stop: Some(stop),
            task,
        }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .expect("serve returns after shutdown")
            .unwrap();
    }
}

fn client(pki: &Pki, name: &str, ca: &str, peers: &[(&str, String)]) -> ExchangeClient {
    let peers = Peers::new(peers.iter().map(|(p, u)| (p.to_string(), u.clone()))).unwrap();
    ExchangeClient::new(
        pki.files(name, ca).client_config().unwrap(),
        peers,
        Duration::from_secs(10),
    )
}

fn outgoing(recipient: &str, body: &str) -> Outgoing {
    Outgoing {
        id: uuid::Uuid::now_v7(),
        channel: ChannelKind::Exchange,
        recipient: recipient.into(),
        subject: "H98,2026/03/05,msg".into(),
        body: body.into(),
        idempotency_key: "k".into(),
        attempts: 0,
    }
}

const DOC: &str =
    "<edXML:edXML xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\" version=\"2.0\">\
                   <edXML:edXMLEnvelope>Công văn số 12/UBND</edXML:edXMLEnvelope></edXML:edXML>";

/// Runs `curl` with `args` and returns (exit code, HTTP status written by
/// `-w`, body, stderr).
async fn curl(args: &[&str]) -> (i32, String, String, String) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .await
        .expect("run curl");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
    (
        out.status.code().unwrap_or(-1),
        code.to_string(),
        body.to_string(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// ----- (a) delivery with the peer's identity ---------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_with_client_certificate_and_reports_the_peer() {
    if !tools_present("delivers") {
        return;
    }
    let pki = Pki::new("deliver");
    let server = Server::start(pki.files("a", "ca").server_config().unwrap()).await;
    // B (RSA PKCS#1 key) sends to A (EC SEC1 key).
    let b = client(&pki, "b", "ca", &[("H98", server.url())]);
    let reply = b.post("H98.03", DOC.as_bytes().to_vec()).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "<ack status=\"01\"/>");

    let (body, peer) = server.recorder.last();
    assert_eq!(body, DOC.as_bytes());
    assert_eq!(peer.subject_cn.as_deref(), Some("H99 UBND tinh B"));
    assert_eq!(
        peer.certificate_der,
        pki.der("b"),
        "the peer certificate is B's, as openssl encodes it"
    );
    assert_eq!(peer.remote_addr.ip().to_string(), "127.0.0.1");

    // C (PKCS#8 key) too, over the outbox channel.
    let peers = Peers::new([("H98", server.url())]).unwrap();
    let channel = ExchangeChannel::new(
        pki.files("c", "ca").client_config().unwrap(),
        peers,
        Duration::from_secs(10),
    );
    channel.send(&outgoing("H98", DOC)).await.unwrap();
    assert_eq!(server.recorder.count(), 2);
    assert_eq!(
        server.recorder.last().1.subject_cn.as_deref(),
        Some("H97 tinh C")
    );

    // Shutdown ends the loop and the port is closed.
    let addr = server.addr;
    server.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "port closed after shutdown"
    );
}

// ----- (b) no client certificate -----------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_without_certificate_is_refused_at_the_handshake() {
    if !tools_present("no_cert") {
        return;
    }
    let pki = Pki::new("nocert");
    let server = Server::start(pki.files("a", "ca").server_config().unwrap()).await;
    let port = server.addr.port().to_string();

    // rustls, trusting our CA but presenting no certificate.
    let ca_der = {
        let pem = std::fs::read(pki.path("ca.crt")).unwrap();
        use rustls::pki_types::pem::PemObject;
        rustls::pki_types::CertificateDer::from_pem_slice(&pem).unwrap()
    };
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_der).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let outcome = async {
        let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await?;
        tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut buf = Vec::new();
        tls.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(buf)
    }
    .await;
    match outcome {
        Err(e) => assert!(e.to_string().contains("CertificateRequired"), "{e}"),
        Ok(buf) => panic!(
            "answered without a client certificate: {}",
            String::from_utf8_lossy(&buf)
        ),
    }

    // curl with the CA but no --cert.
    let ca = pki.path("ca.crt");
    let url = format!("https://localhost:{port}/healthz");
    let (code, status, body, err) = curl(&["--cacert", ca.to_str().unwrap(), &url]).await;
    assert_ne!(
        code, 0,
        "curl without a certificate succeeded: {status} {body}"
    );
    assert_ne!(status, "200");
    eprintln!("curl without a certificate: exit {code}, {}", err.trim());

    // openssl s_client without a certificate, TLS 1.3 and TLS 1.2.
    for version in ["-tls1_3", "-tls1_2"] {
        let mut child = Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{port}"),
                "-servername",
                "localhost",
            ])
            .args(["-CAfile", ca.to_str().unwrap(), version, "-ign_eof"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        drop(stdin);
        let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
            .await
            .expect("s_client ends")
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stdout.contains("HTTP/1.1"),
            "s_client {version} got an answer: {stdout}"
        );
        assert!(
            stderr.contains("alert") || stdout.contains("alert"),
            "s_client {version}: no TLS alert reported: {stderr}"
        );
    }

    assert_eq!(server.recorder.count(), 0);
    // The loop survived all of that.
    let b = client(&pki, "b", "ca", &[("H98", server.url())]);
    b.post("H98", DOC.as_bytes().to_vec()).await.unwrap();
    assert_eq!(server.recorder.count(), 1);
    server.stop().await;
}

// ----- (c) client certificate from another CA -------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificate_from_an_unrelated_ca_is_refused() {
    if !tools_present("other_ca_client") {
        return;
    }
    let pki = Pki::new("otherclient");
    let server = Server::start(pki.files("a", "ca").server_config().unwrap()).await;

    // Our client with the unrelated CA's certificate (trusting our CA for
    // the server, so only the client side is wrong).
    let evil = client(&pki, "evil", "ca", &[("H98", server.url())]);
    let err = evil.post("H98", DOC.as_bytes().to_vec()).await.unwrap_err();
    eprintln!("client certificate from another CA: {err}");
    assert!(!err.is_permanent(), "{err}");
    assert!(err.message().contains("TLS"), "{err}");

    // curl with that certificate.
    let url = format!("https://localhost:{}/edxml", server.addr.port());
    let (code, status, body, _) = curl(&[
        "--cacert",
        pki.path("ca.crt").to_str().unwrap(),
        "--cert",
        pki.path("evil.crt").to_str().unwrap(),
        "--key",
        pki.path("evil.key").to_str().unwrap(),
        "-H",
        "Content-Type: application/xml",
        "--data-binary",
        DOC,
        &url,
    ])
    .await;
    assert_ne!(
        code, 0,
        "curl with a foreign certificate succeeded: {status} {body}"
    );
    assert_ne!(status, "200");

    assert_eq!(
        server.recorder.count(),
        0,
        "nothing reached the application"
    );
    let b = client(&pki, "b", "ca", &[("H98", server.url())]);
    b.post("H98", DOC.as_bytes().to_vec()).await.unwrap();
    assert_eq!(server.recorder.count(), 1);
    server.stop().await;
}

// ----- (d) server certificate from another CA, or for another host --------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_refuses_a_server_it_cannot_trust() {
    if !tools_present("untrusted_server") {
        return;
    }
    let pki = Pki::new("otherserver");
    // A server with a certificate from the unrelated CA (it would accept
    // our client certificate).
    let impostor = Server::start(pki.files("evil", "ca").server_config().unwrap()).await;
    let b = client(&pki, "b", "ca", &[("H98", impostor.url())]);
    let err = b.post("H98", DOC.as_bytes().to_vec()).await.unwrap_err();
    assert!(!err.is_permanent(), "{err}");
    assert!(err.message().contains("TLS"), "{err}");
    assert!(err.message().contains("UnknownIssuer"), "{err}");
    eprintln!("server from another CA: {err}");
    assert_eq!(impostor.recorder.count(), 0);
    impostor.stop().await;

    // A server with a certificate from our CA, but not for 127.0.0.1.
    let misnamed = Server::start(pki.files("elsewhere", "ca").server_config().unwrap()).await;
    let b = client(&pki, "b", "ca", &[("H98", misnamed.url())]);
    let err = b.post("H98", DOC.as_bytes().to_vec()).await.unwrap_err();
    assert!(!err.is_permanent(), "{err}");
    assert!(
        err.message().contains("TLS") && err.message().contains("not valid for name"),
        "{err}"
    );
    assert_eq!(misnamed.recorder.count(), 0);
    misnamed.stop().await;
}

// ----- (e) the channel: routing and classification ----------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_routes_by_organ_id_and_classifies_outcomes() {
    if !tools_present("channel") {
        return;
    }
    let pki = Pki::new("channel");
    let province = Server::start(pki.files("a", "ca").server_config().unwrap()).await;
    let department = Server::start(pki.files("c", "ca").server_config().unwrap()).await;
    // A port with nothing listening (yet).
    let down = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let down_addr = down.local_addr().unwrap();
    drop(down);

    let peers = Peers::new([
        ("H98", province.url()),
        ("H98.03", department.url()),
        ("H97", format!("https://localhost:{}", down_addr.port())),
    ])
    .unwrap();
    let channel = ExchangeChannel::new(
        pki.files("b", "ca").client_config().unwrap(),
        peers,
        Duration::from_secs(10),
    );

    // Longest prefix wins.
    channel.send(&outgoing("H98.01", DOC)).await.unwrap();
    channel.send(&outgoing("H98.03.02", DOC)).await.unwrap();
    channel.send(&outgoing("H98.03", DOC)).await.unwrap();
    assert_eq!(province.recorder.count(), 1);
    assert_eq!(department.recorder.count(), 2);

    // No peer: permanent, and says so.
    let e = channel.send(&outgoing("H96.01", DOC)).await.unwrap_err();
    assert!(e.is_permanent(), "{e}");
    assert!(
        e.message().contains("no exchange peer") && e.message().contains("H96.01"),
        "{e}"
    );

    // 4xx: permanent, with the peer's message.
    let e = channel
        .send(&outgoing("H98", "<x><fail400/></x>"))
        .await
        .unwrap_err();
    assert!(e.is_permanent(), "{e}");
    assert!(
        e.message().contains("400") && e.message().contains("Chữ ký số"),
        "{e}"
    );
    // 5xx and 429: transient.
    let e = channel
        .send(&outgoing("H98", "<x><fail503/></x>"))
        .await
        .unwrap_err();
    assert!(
        !e.is_permanent() && e.message().contains("503") && e.message().contains("busy"),
        "{e}"
    );
    let e = channel
        .send(&outgoing("H98", "<x><fail429/></x>"))
        .await
        .unwrap_err();
    assert!(!e.is_permanent() && e.message().contains("429"), "{e}");

    // Too large: 413 from the server, permanent; the application never sees it.
    let before = province.recorder.count();
    let huge = vec![b'a'; MAX_BODY_BYTES + 1];
    let e = channel.client().post("H98", huge).await.unwrap_err();
    assert!(e.is_permanent() && e.message().contains("413"), "{e}");
    assert!(e.message().contains("vượt quá 64 MiB"), "{e}");
    assert_eq!(province.recorder.count(), before);

    // Down: transient; once it is up, the retry goes through.
    let e = channel.send(&outgoing("H97.01", DOC)).await.unwrap_err();
    assert!(!e.is_permanent(), "{e}");
    assert!(e.message().contains("cannot connect"), "{e}");
    let late = Server::on(
        TcpListener::bind(down_addr).await.unwrap(),
        pki.files("c", "ca").server_config().unwrap(),
    );
    channel.send(&outgoing("H97.01", DOC)).await.unwrap();
    assert_eq!(late.recorder.count(), 1);
    assert_eq!(
        late.recorder.last().1.subject_cn.as_deref(),
        Some("H99 UBND tinh B")
    );

    // A peer that accepts TCP and never answers: transient after the time-out.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("https://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let quick = ExchangeClient::new(
        pki.files("b", "ca").client_config().unwrap(),
        Peers::new([("H95", silent_url)]).unwrap(),
        Duration::from_millis(500),
    );
    let e = quick
        .post("H95", DOC.as_bytes().to_vec())
        .await
        .unwrap_err();
    assert!(
        !e.is_permanent() && e.message().contains("no answer within"),
        "{e}"
    );
    hold.abort();

    for s in [province, department, late] {
        s.stop().await;
    }
}

// ----- (f) an independent client: curl ----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_with_the_right_certificate_is_served() {
    if !tools_present("curl") {
        return;
    }
    let pki = Pki::new("curl");
    let server = Server::start(pki.files("a", "ca").server_config().unwrap()).await;
    let base = format!("https://localhost:{}", server.addr.port());
    let (ca, crt, key) = (pki.path("ca.crt"), pki.path("b.crt"), pki.path("b.key"));
    let auth = [
        "--cacert",
        ca.to_str().unwrap(),
        "--cert",
        crt.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ];

    let healthz = format!("{base}/healthz");
    let mut args = auth.to_vec();
    args.push(&healthz);
    let (code, status, body, err) = curl(&args).await;
    assert_eq!((code, status.as_str()), (0, "200"), "{err}");
    assert_eq!(body.trim(), "ok");

    let doc_file = pki.path("doc.xml");
    std::fs::write(&doc_file, DOC).unwrap();
    let data = format!("@{}", doc_file.display());
    let edxml = format!("{base}/edxml");
    let mut args = auth.to_vec();
    args.extend([
        "-H",
        "Content-Type: application/xml",
        "--data-binary",
        &data,
        &edxml,
    ]);
    let (code, status, body, err) = curl(&args).await;
    assert_eq!((code, status.as_str()), (0, "200"), "{err}");
    assert_eq!(body, "<ack status=\"01\"/>");
    let (got, peer) = server.recorder.last();
    assert_eq!(got, DOC.as_bytes());
    assert_eq!(peer.subject_cn.as_deref(), Some("H99 UBND tinh B"));

    // Another content type: 415, bilingual, not passed on.
    let mut args = auth.to_vec();
    args.extend([
        "-H",
        "Content-Type: text/plain",
        "--data-binary",
        &data,
        &edxml,
    ]);
    let (code, status, body, _) = curl(&args).await;
    assert_eq!((code, status.as_str()), (0, "415"));
    assert!(
        body.contains("Thông điệp") && body.contains("The message"),
        "{body}"
    );
    // A GET on /edxml: 405.
    let mut args = auth.to_vec();
    args.push(&edxml);
    let (_, status, _, _) = curl(&args).await;
    assert_eq!(status, "405");
    assert_eq!(server.recorder.count(), 1);
    server.stop().await;
}

// ----- TLS material errors ---------------------------------------------------------------

#[test]
fn mismatched_key_and_bad_ca_are_named() {
    if !tools_present("material") {
        return;
    }
    let pki = Pki::new("material");
    // A's certificate with B's key.
    let wrong = TlsFiles::new(pki.path("a.crt"), pki.path("b.key"), pki.path("ca.crt"));
    for e in [
        wrong.server_config().unwrap_err(),
        wrong.client_config().unwrap_err(),
    ] {
        let text = e.to_string();
        assert!(
            text.starts_with("key_pem:") && text.contains("b.key") && text.contains("a.crt"),
            "{text}"
        );
        assert!(!text.contains("PRIVATE KEY"), "{text}");
    }
    // A key file given as the CA.
    let swapped = TlsFiles::new(pki.path("a.crt"), pki.path("a.key"), pki.path("a.key"));
    let text = swapped.server_config().unwrap_err().to_string();
    assert!(
        text.starts_with("ca_pem:") && text.contains("no certificate"),
        "{text}"
    );
    // A certificate given as the key.
    let swapped = TlsFiles::new(pki.path("a.crt"), pki.path("a.crt"), pki.path("ca.crt"));
    let text = swapped.client_config().unwrap_err().to_string();
    assert!(
        text.starts_with("key_pem:") && text.contains("no private key"),
        "{text}"
    );
    // Every key format loads.
    for name in ["a", "b", "c"] {
        pki.files(name, "ca").server_config().unwrap();
        pki.files(name, "ca").client_config().unwrap();
    }
}
