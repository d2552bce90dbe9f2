//! Two running `sen serve` (two provinces, two databases) exchange a
//! document over HTTPS with mutual TLS: A issues it while B is down, A's
//! outbox retries until B is up, B registers it, the statuses flow back,
//! and both sides' logs verify.

use sen_store::testing::TestDb;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and, per node, a certificate for 127.0.0.1 usable as TLS server
/// and client and for signing messages.
fn pki(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "30",
            "-subj",
            "/CN=Exchange test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    for node in ["a", "b"] {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{node}.key"),
                "-out",
                &format!("{node}.csr"),
                "-subj",
                &format!("/CN=node-{node}/O=Sen test"),
            ],
        );
        std::fs::write(
            dir.join(format!("{node}.ext")),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{node}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &format!("{node}.pem"),
                "-days",
                "30",
                "-extfile",
                &format!("{node}.ext"),
            ],
        );
    }
    // A's organisational seal (PAdES), as a PKCS#12 file.
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "seal.key",
            "-out",
            "seal.csr",
            "-subj",
            "/CN=Sở Xây dựng tỉnh Sen Hồng/O=UBND tỉnh Sen Hồng",
            "-utf8",
        ],
    );
    std::fs::write(
        dir.join("seal.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "seal.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "seal.pem",
            "-days",
            "30",
            "-extfile",
            "seal.ext",
        ],
    );
    openssl(
        dir,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "seal.key",
            "-in",
            "seal.pem",
            "-certfile",
            "ca.pem",
            "-out",
            "seal.p12",
            "-passout",
            "pass:seal-2026",
        ],
    );
}

/// A loopback port held for a node that is not running yet: a socket bound
/// to it but not listening, so that connecting to it is refused (the node
/// is down) and no other socket can take it meanwhile. Dropped just before
/// the node starts and binds the port itself.
fn held_port() -> (u16, tokio::net::TcpSocket) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .unwrap();
    (socket.local_addr().unwrap().port(), socket)
}

struct Node {
    child: Child,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[allow(clippy::too_many_arguments)]
fn start(
    data: &Path,
    url: &str,
    pki: &Path,
    name: &str,
    http: u16,
    ex: u16,
    peer: (&str, u16),
    demo: (&str, &str),
) -> Node {
    let log = std::fs::File::create(data.with_extension("log")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_sen"))
        .arg("--data")
        .arg(data)
        .args([
            "serve",
            "--demo",
            "--demo-code",
            demo.0,
            "--demo-name",
            demo.1,
            "--listen",
        ])
        .arg(format!("127.0.0.1:{http}"))
        .env("SEN_DATABASE_URL", url)
        .env("SEN_LOG", "info")
        .env("SEN_EXCHANGE_LISTEN", format!("127.0.0.1:{ex}"))
        .env("SEN_EXCHANGE_CERT", pki.join(format!("{name}.pem")))
        .env("SEN_EXCHANGE_KEY", pki.join(format!("{name}.key")))
        .env("SEN_EXCHANGE_CA", pki.join("ca.pem"))
        .env(
            "SEN_EXCHANGE_PEERS",
            format!("{}=https://127.0.0.1:{}", peer.0, peer.1),
        )
        .env("SEN_OUTBOX_RETRY_SECS", "1")
        // Both trust the CA for signatures; A seals what it issues.
        .env("SEN_SIGNING_TRUST", pki.join("ca.pem"))
        .envs(if name == "a" {
            vec![
                (
                    "SEN_SIGNING_P12",
                    pki.join("seal.p12").display().to_string(),
                ),
                ("SEN_SEAL_PASSWORD", "seal-2026".to_string()),
            ]
        } else {
            vec![]
        })
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start sen serve");
    Node { child }
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn wait_up(base: &str) -> Client {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
                if r.status() == 200 {
                    return Client {
                        http,
                        base: base.into(),
                    };
                }
            }
            assert!(Instant::now() < deadline, "{base} did not come up");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn login(&self, user: &str) -> String {
        let r: Value = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": user, "password": "sen-demo-2026", "want_token": true}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login {user}: {r}"))
            .to_string()
    }

    async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }
}

async fn poll<F, Fut>(what: &str, mut f: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<Value>>,
{
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn sen(data: &Path, url: &str, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_sen"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("SEN_DATABASE_URL", url)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{args:?}: {out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

#[tokio::test]
async fn two_instances_exchange_a_signed_document_over_mutual_tls() {
    if Command::new("openssl").arg("version").output().is_err() {
        assert!(
            std::env::var("SEN_TEST_BACKEND").is_err(),
            "openssl is required in CI"
        );
        eprintln!("SKIPPED: openssl not installed");
        return;
    }
    let ta = TestDb::new().await;
    let tb = TestDb::new().await;
    let dir: PathBuf = ta.dir.join("pki");
    std::fs::create_dir_all(&dir).unwrap();
    pki(&dir);
    let ((ha, hold_ha), (xa, hold_xa)) = (held_port(), held_port());
    let ((hb, hold_hb), (xb, hold_xb)) = (held_port(), held_port());
    let data_a = ta.dir.join("a");
    let data_b = tb.dir.join("b");

    // A (Sen Hồng, H99) runs; B (Mai Vàng, H98) is down.
    drop((hold_ha, hold_xa));
    let _a = start(
        &data_a,
        &ta.url,
        &dir,
        "a",
        ha,
        xa,
        ("H98", xb),
        ("H99", "Sen Hồng"),
    );
    let a = Client::wait_up(&format!("http://127.0.0.1:{ha}")).await;
    let author = a.login("chuyenvienxd").await;
    let leader = a.login("lanhdaoxd").await;
    let clerk = a.login("vanthuxd").await;
    let units = a
        .call(&author, reqwest::Method::GET, "/api/v1/units", None)
        .await;
    let sxd = units["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "H99.03")
        .unwrap()["id"]
        .clone();
    let me = a
        .call(&leader, reqwest::Method::GET, "/api/v1/me", None)
        .await;
    let leader_id = me["id"]
        .as_str()
        .or(me["account"]["id"].as_str())
        .unwrap()
        .to_string();
    let d = a
        .call(&author, reqwest::Method::POST, "/api/v1/documents", Some(json!({
            "unit_id": sxd, "doc_type": "cong_van",
            "subject": "Về việc phối hợp kiểm tra công trình giáp ranh hai tỉnh",
            "body": "Sở Xây dựng tỉnh Sen Hồng đề nghị Sở Xây dựng tỉnh Mai Vàng phối hợp.",
            "recipients": [{"kind": "external", "organ_id": "H98.03", "name": "Sở Xây dựng tỉnh Mai Vàng"}],
            "signer_title": "GIÁM ĐỐC"
        })))
        .await;
    let id = d["id"].as_str().unwrap().to_string();
    let act = |token: String, body: Value| {
        let (a, id) = (&a, id.clone());
        async move {
            a.call(
                &token,
                reqwest::Method::POST,
                &format!("/api/v1/documents/{id}/actions"),
                Some(body),
            )
            .await
        }
    };
    act(author.clone(), json!({"action": "submit", "to": leader_id})).await;
    act(leader.clone(), json!({"action": "approve"})).await;
    let issued = act(clerk.clone(), json!({"action": "issue"})).await;
    assert_eq!(issued["number_symbol"], "01/SXD");

    // A tries to deliver while B is down: the message waits, with an error.
    let db_a = ta.db.clone();
    poll("a failed delivery attempt", || {
        let db = db_a.clone();
        async move {
            let msgs = sen_store::outbox::recent(&db, 50).await.ok()?;
            let m = msgs.iter().find(|m| m.channel == "edxml")?;
            (m.attempts >= 1 && m.status != "sent").then(|| json!(m.last_error))
        }
    })
    .await;

    // B comes up; the retry delivers; B's clerk finds the document arrived.
    drop((hold_hb, hold_xb));
    let _b = start(
        &data_b,
        &tb.url,
        &dir,
        "b",
        hb,
        xb,
        ("H99", xa),
        ("H98", "Mai Vàng"),
    );
    let b = Client::wait_up(&format!("http://127.0.0.1:{hb}")).await;
    let clerk_b = b.login("vanthuxd").await;
    let incoming = poll("the document on B", || {
        let (b, t) = (&b, clerk_b.clone());
        async move {
            let v = b
                .call(
                    &t,
                    reqwest::Method::GET,
                    "/api/v1/documents?direction=incoming&q=cong%20trinh%20giap%20ranh",
                    None,
                )
                .await;
            v["documents"].as_array().and_then(|l| l.first().cloned())
        }
    })
    .await;
    assert_eq!(incoming["status"], "arrived");
    assert_eq!(incoming["number_symbol"], "01/SXD");
    assert_eq!(incoming["sender_organ_id"], "H99.03");
    let incoming_id = incoming["id"].as_str().unwrap().to_string();
    let full = b
        .call(
            &clerk_b,
            reqwest::Method::GET,
            &format!("/api/v1/documents/{incoming_id}"),
            None,
        )
        .await;
    assert_eq!(full["files"].as_array().unwrap().len(), 1, "{full}");

    // The PDF that crossed carries A's seal: B's public verification and
    // pyHanko (independent of Sen) find it intact and trusted.
    let file_id = full["files"][0]["id"].as_str().unwrap();
    let pdf = b
        .http
        .get(format!(
            "{}/api/v1/documents/{incoming_id}/files/{file_id}",
            b.base
        ))
        .bearer_auth(&clerk_b)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let report: Value = b
        .http
        .post(format!("{}/api/v1/signatures/verify", b.base))
        .header("content-type", "application/pdf")
        .body(pdf.to_vec())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["verdict"], "valid", "{report}");
    assert_eq!(report["signatures"][0]["trusted"], true, "{report}");
    assert_eq!(report["signatures"][0]["intact"], true, "{report}");
    let has_pyhanko = Command::new("python3")
        .args(["-c", "import pyhanko.sign.validation"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if has_pyhanko {
        let f = dir.join("received.pdf");
        std::fs::write(&f, &pdf).unwrap();
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../sen-sign/tests/pyhanko_validate.py");
        let o = Command::new("python3")
            .arg(&script)
            .arg(&f)
            .arg(dir.join("ca.pem"))
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        let v: Value =
            serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("pyHanko: {out} {e}"));
        assert_eq!(v[0]["bottom_line"], true, "{v}");
    } else {
        assert!(
            std::env::var("SEN_TEST_BACKEND").is_err(),
            "pyHanko is required in CI"
        );
    }

    // 01 arrived, then 03 registered, come back to A.
    let recipient_status = |want: &'static str| {
        let (a, t, id) = (&a, author.clone(), id.clone());
        async move {
            poll(want, || {
                let (t, id) = (t.clone(), id.clone());
                async move {
                    let v = a
                        .call(
                            &t,
                            reqwest::Method::GET,
                            &format!("/api/v1/documents/{id}"),
                            None,
                        )
                        .await;
                    (v["recipients"][0]["status"] == want).then_some(v)
                }
            })
            .await
        }
    };
    recipient_status("01").await;
    b.call(
        &clerk_b,
        reqwest::Method::POST,
        &format!("/api/v1/documents/{incoming_id}/actions"),
        Some(json!({"action": "register"})),
    )
    .await;
    recipient_status("03").await;

    // Both sides' chains and exchange logs verify.
    drop(_b);
    drop(_a);
    for (data, url) in [(&data_a, &ta.url), (&data_b, &tb.url)] {
        let out = sen(data, url, &["audit", "verify"]);
        assert!(
            out.contains("OK: ") && out.contains("exchange messages match"),
            "{out}"
        );
        let n: usize = out
            .lines()
            .find(|l| l.contains("exchange messages"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(n >= 3, "{out}");
    }
}
