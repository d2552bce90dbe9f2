//! Digital signatures over HTTP: the public verification endpoint and page
//! (a sealed PDF is valid and trusted, a copy with one byte changed is
//! "modified", a file that is not a PDF gets a bilingual 422), and the
//! token flow (prepare, `openssl dgst -sha256 -sign` as the token,
//! finalise).
//!
//! The PKI comes from the `openssl` CLI (Debian `openssl`); without it the
//! test skips, or fails when `SEN_TEST_BACKEND` is set (CI).

use base64::Engine as _;
use reqwest::{Method, StatusCode};
use sen_app::App;
use sen_store::testing::TestDb;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn openssl_present() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var_os("SEN_TEST_BACKEND").is_some() {
            panic!("openssl is required (see scripts/test)");
        }
        eprintln!("NOTICE: signing tests skipped: no openssl");
    }
    ok
}

fn run(dir: &Path, cmd: &str, args: &[&str]) {
    let out = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const PKI: &str = r#"
set -eu
cat > ext.cnf <<'X'
[signer]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
X
openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3650 -sha256 -utf8 \
  -subj "/C=VN/O=Sen Test CA/CN=Sen Test Root CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
issue() {
  openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -utf8 -subj "$2" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA root.pem -CAkey root.key -CAcreateserial -days 825 -sha256 \
    -out "$1.pem" -extfile ext.cnf -extensions signer 2>/dev/null
}
issue seal "/C=VN/O=Sở Xây dựng tỉnh Hòa Bình/CN=Sở Xây dựng tỉnh Hòa Bình"
issue token "/C=VN/O=Sở Xây dựng tỉnh Hòa Bình/CN=Trần Văn Lãnh"
openssl pkcs12 -export -inkey seal.key -in seal.pem -out seal.p12 -passout pass:matkhau-123
"#;

struct Server {
    base: String,
    http: reqwest::Client,
    app: App,
    dir: PathBuf,
    _t: TestDb,
}

impl Drop for Server {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The demo province behind a real server, with a seal (B-B, no TSA) and
/// the test root as trust anchor.
async fn spawn() -> Server {
    let dir = std::env::temp_dir().join(format!("sen-web-signing-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    run(&dir, "bash", &["-c", PKI]);
    let signing = sen_app::signing::SigningSettings::from_files(
        Some(&dir.join("seal.p12")),
        Some("matkhau-123"),
        None,
        Some(&dir.join("root.pem")),
        None,
    )
    .unwrap();
    let t = TestDb::new().await;
    let app = App::new(
        t.db.clone(),
        sen_app::Settings {
            signing,
            ..Default::default()
        },
    );
    app.load_demo().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(sen_web::serve(
        listener,
        sen_web::WebState::new(app.clone(), false),
        std::future::pending(),
    ));
    Server {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        app,
        dir,
        _t: t,
    }
}

fn render() -> (Vec<u8>, sen_forms::SignaturePlace) {
    sen_forms::OfficialDocument {
        agency: sen_forms::Agency {
            parent: Some("Ủy ban nhân dân tỉnh Hòa Bình".into()),
            name: "Sở Xây dựng".into(),
            place: "Hòa Bình".into(),
        },
        number: Some("12/QĐ-SXD".into()),
        issued_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 24),
        type_name: Some("Quyết định".into()),
        subject: "Về việc công nhận kết quả thẩm định".into(),
        addressees: vec![],
        body: "Điều 1. Công nhận kết quả thẩm định.".into(),
        recipients: vec!["Lưu: VT.".into()],
        signer: sen_forms::Signer {
            authority: None,
            title: "GIÁM ĐỐC".into(),
            name: "Trần Văn Lãnh".into(),
        },
        draft: false,
    }
    .render_with_place()
    .unwrap()
}

impl Server {
    async fn sealed_pdf(&self) -> Vec<u8> {
        let (pdf, place) = render();
        self.app
            .seal_pdf(
                &pdf,
                Some(place),
                "Sở Xây dựng tỉnh Hòa Bình",
                chrono::Utc::now(),
            )
            .await
            .unwrap()
            .expect("seal configured")
    }

    async fn verify_multipart(&self, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
        let r = self
            .http
            .post(format!("{}/api/v1/signatures/verify", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap())
    }

    async fn verify_body(&self, ctype: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let r = self
            .http
            .post(format!("{}/api/v1/signatures/verify", self.base))
            .header("content-type", ctype)
            .body(bytes)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap())
    }

    async fn page(&self, bytes: Option<Vec<u8>>, en: bool) -> (StatusCode, String) {
        let url = format!("{}/xac-thuc{}", self.base, if en { "?lang=en" } else { "" });
        let r = match bytes {
            None => self.http.get(url).send().await.unwrap(),
            Some(b) => {
                let form = reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(b).file_name("van-ban.pdf"),
                );
                self.http.post(url).multipart(form).send().await.unwrap()
            }
        };
        (r.status(), r.text().await.unwrap())
    }

    async fn login(&self, user: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": user, "password": sen_app::demo::DEMO_PASSWORD, "want_token": true}))
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn call(&self, m: Method, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .request(m, format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let s = r.status();
        let text = r.text().await.unwrap();
        assert_ne!(s, 500, "{path}: {text}");
        (
            s,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

fn tamper(pdf: &[u8]) -> Vec<u8> {
    let at = pdf.windows(7).position(|w| w == b"stream\n").unwrap() + 7 + 20;
    let mut t = pdf.to_vec();
    t[at] ^= 0x01;
    t
}

#[tokio::test]
async fn the_public_verification_endpoint_and_page() {
    if !openssl_present() {
        return;
    }
    let s = spawn().await;
    let signed = s.sealed_pdf().await;

    // A sealed PDF: valid and trusted (multipart, and as a raw body).
    let (st, v) = s.verify_multipart("quyet-dinh.pdf", signed.clone()).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["verdict"], "valid", "{v:#}");
    assert_eq!(v["all_valid"], true);
    let sig = &v["signatures"][0];
    assert_eq!(sig["trusted"], true, "{v:#}");
    assert_eq!(sig["intact"], true);
    assert_eq!(sig["level"], "B-B");
    assert_eq!(sig["signer_name"], "Sở Xây dựng tỉnh Hòa Bình");
    assert!(sig["signing_time"].as_str().unwrap().ends_with("+07:00"));
    assert!(v["summary_vi"].as_str().unwrap().contains("hợp lệ"));
    let (st, v) = s.verify_body("application/pdf", signed.clone()).await;
    assert_eq!(
        (st.as_u16(), v["verdict"].as_str()),
        (200, Some("valid")),
        "{v}"
    );

    // One byte changed: modified.
    let (st, v) = s.verify_body("application/pdf", tamper(&signed)).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["verdict"], "modified", "{v:#}");
    assert_eq!(v["signatures"][0]["verdict"], "modified");
    assert_eq!(v["signatures"][0]["intact"], false);
    assert!(v["summary_en"].as_str().unwrap().contains("modified"));

    // Not a PDF: 422 with a Vietnamese and an English message.
    let (st, v) = s
        .verify_multipart("anh.png", b"\x89PNG\r\n\x1a\nnot a pdf".to_vec())
        .await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["error"]["field"], "file");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("không phải"),
        "{v}"
    );
    assert!(
        v["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("not a PDF"),
        "{v}"
    );
    // Wrong content type, no file, too large.
    let (st, v) = s.verify_body("application/json", b"{}".to_vec()).await;
    assert_eq!(st, 415, "{v}");
    let (st, v) = s.verify_body("application/pdf", Vec::new()).await;
    assert_eq!(st, 422, "{v}");
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(sen_domain::files::MAX_FILE_BYTES + 10, b' ');
    let (st, v) = s.verify_body("application/pdf", big).await;
    assert_eq!(st, 413, "{v}");
    // An unsigned PDF is reported as such.
    let (st, v) = s.verify_body("application/pdf", render().0).await;
    assert_eq!(
        (st.as_u16(), v["verdict"].as_str()),
        (200, Some("unsigned")),
        "{v}"
    );
    let (st, v) = s
        .verify_body("application/pdf", b"%PDF-1.4\ngarbage".to_vec())
        .await;
    assert_eq!(st, 422, "{v}");

    // The page, without JavaScript: a labelled file input, the result in
    // a live region, errors in the summary.
    let (st, html) = s.page(None, false).await;
    assert_eq!(st, 200);
    assert!(html.contains(r#"<label for="file">"#), "{html}");
    assert!(html.contains(r#"enctype="multipart/form-data""#));
    assert!(html.contains(r#"aria-live="polite""#));
    assert!(html.contains(r#"href="/xac-thuc""#), "footer link");
    let (st, html) = s.page(Some(signed.clone()), false).await;
    assert_eq!(st, 200);
    assert!(html.contains("Chữ ký hợp lệ, văn bản nguyên vẹn"), "{html}");
    assert!(html.contains("Sở Xây dựng tỉnh Hòa Bình"));
    assert!(html.contains("+07:00"));
    let (st, html) = s.page(Some(tamper(&signed)), true).await;
    assert_eq!(st, 200);
    assert!(
        html.contains("The document was modified after signing"),
        "{html}"
    );
    let (st, html) = s.page(Some(b"hello".to_vec()), false).await;
    assert_eq!(st, 422);
    assert!(html.contains("error-summary"), "{html}");
    assert!(html.contains(r##"href="#file""##), "{html}");
    assert!(html.contains("không phải là tệp PDF"), "{html}");
}

#[tokio::test]
async fn an_official_signs_an_issued_document_with_a_token() {
    if !openssl_present() {
        return;
    }
    let s = spawn().await;
    let author = s.login("chuyenvienxd").await;
    let leader = s.login("lanhdaoxd").await;
    let clerk = s.login("vanthuxd").await;
    let (_, units) = s
        .call(Method::GET, "/api/v1/units", &author, Value::Null)
        .await;
    let unit = |code: &str| {
        units["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["code"] == code)
            .unwrap()["id"]
            .clone()
    };
    let (st, d) = s
        .call(
            Method::POST,
            "/api/v1/documents",
            &author,
            json!({
                "unit_id": unit("H99.03"), "doc_type": "quyet_dinh",
                "subject": "Về việc ban hành quy chế làm việc",
                "body": "Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc.",
                "recipients": [{"kind": "unit", "unit_id": unit("H99")}],
                "signer_title": "GIÁM ĐỐC"
            }),
        )
        .await;
    assert_eq!(st, 201, "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    let (_, me) = s
        .call(Method::GET, "/api/v1/me", &leader, Value::Null)
        .await;
    let leader_id = me["id"]
        .as_str()
        .or(me["account"]["id"].as_str())
        .unwrap()
        .to_string();
    let actions = format!("/api/v1/documents/{id}/actions");
    let prepare = format!("/api/v1/documents/{id}/signatures/prepare");
    let chain = std::fs::read_to_string(s.dir.join("token.pem")).unwrap();
    for (token, body) in [
        (&author, json!({"action": "submit", "to": leader_id})),
        (&leader, json!({"action": "approve"})),
    ] {
        let (st, v) = s.call(Method::POST, &actions, token, body).await;
        assert_eq!(st, 200, "{v}");
    }
    // Not issued yet.
    let (st, v) = s
        .call(
            Method::POST,
            &prepare,
            &leader,
            json!({"certificate": chain}),
        )
        .await;
    assert_eq!(st, 409, "{v}");
    let (st, v) = s
        .call(Method::POST, &actions, &clerk, json!({"action": "issue"}))
        .await;
    assert_eq!(st, 200, "{v}");
    // Only the signer (or an approver): not the clerk.
    let (st, v) = s
        .call(
            Method::POST,
            &prepare,
            &clerk,
            json!({"certificate": chain}),
        )
        .await;
    assert_eq!(st, 403, "{v}");
    let (st, p) = s
        .call(
            Method::POST,
            &prepare,
            &leader,
            json!({"certificate": chain}),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    assert_eq!(p["digest_algorithm"], "SHA-256");
    // The token.
    let tbs = base64::engine::general_purpose::STANDARD
        .decode(p["bytes_to_sign"].as_str().unwrap())
        .unwrap();
    std::fs::write(s.dir.join("tbs.der"), &tbs).unwrap();
    run(
        &s.dir,
        "openssl",
        &[
            "dgst",
            "-sha256",
            "-sign",
            "token.key",
            "-out",
            "sig.bin",
            "tbs.der",
        ],
    );
    let value = base64::engine::general_purpose::STANDARD
        .encode(std::fs::read(s.dir.join("sig.bin")).unwrap());
    let finalise = format!("/api/v1/signatures/{}/finalise", p["id"].as_str().unwrap());
    let (st, v) = s
        .call(
            Method::POST,
            &finalise,
            &leader,
            json!({"signature_value": "***"}),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["error"]["field"].as_str()),
        (422, Some("signature_value")),
        "{v}"
    );
    let (st, v) = s
        .call(
            Method::POST,
            &finalise,
            &leader,
            json!({"signature_value": value}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["file"]["role"], "signed");
    // The signed file downloads and verifies publicly.
    let r = s
        .http
        .get(format!(
            "{}/api/v1/documents/{id}/files/{}",
            s.base,
            v["file"]["id"].as_str().unwrap()
        ))
        .bearer_auth(&author)
        .send()
        .await
        .unwrap();
    let pdf = r.bytes().await.unwrap().to_vec();
    let (st, v) = s.verify_body("application/pdf", pdf).await;
    assert_eq!(st, 200, "{v}");
    let sigs = v["signatures"].as_array().unwrap();
    let token_sig = sigs.last().unwrap();
    assert_eq!(token_sig["signer_name"], "Trần Văn Lãnh", "{v:#}");
    assert_eq!(token_sig["valid"], true, "{v:#}");
    assert_eq!(v["all_valid"], true, "{v:#}");
}
