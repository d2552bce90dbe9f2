//! Digital signatures through the application, on the backend under test.
//!
//! The test builds its own PKI with the `openssl` CLI (root, issuing CA, an
//! official's token certificate, the organisation's seal as PKCS#12, a TSA
//! with the critical timeStamping usage), runs a real RFC 3161 TSA
//! (`openssl ts -reply` behind sen-sign's `tests/tsa.py`), seals a
//! Nghị định 30 document rendered by `sen-forms`, and has pyHanko (PyPI,
//! sen-sign's `tests/pyhanko_validate.py`) accept it. Then an issued
//! document goes through the token flow with `openssl dgst -sha256 -sign`
//! as the token, and `verify_pdf` and pyHanko see both signatures.
//!
//! Debian: openssl; PyPI: pyhanko, pyhanko-cli. A missing tool fails the
//! test when `SEN_TEST_BACKEND` is set (CI) and skips it otherwise.

use base64::Engine as _;
use sen_app::office::{DocAction, NewDraft, RecipientSpec};
use sen_app::signing::SigningSettings;
use sen_app::{Actor, App, AppError};
use sen_store::testing::TestDb;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use uuid::Uuid;

// ----- tools and the PKI ------------------------------------------------------

fn tools_present(test: &str) -> bool {
    let checks: [(&str, &[&str]); 2] = [
        ("openssl", &["openssl", "version"]),
        (
            "pyhanko (PyPI)",
            &["python3", "-c", "import pyhanko.sign.validation"],
        ),
    ];
    let missing: Vec<&str> = checks
        .iter()
        .filter(|(_, cmd)| {
            !Command::new(cmd[0])
                .args(&cmd[1..])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        })
        .map(|(n, _)| *n)
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("SEN_TEST_BACKEND").is_some() {
        panic!("{test}: missing {missing:?} (install them: see scripts/test)");
    }
    eprintln!("NOTICE: {test} skipped: missing {missing:?}");
    false
}

fn run(dir: &Path, cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sign_tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sen-sign/tests")
}

const PKI: &str = r#"
set -eu
cat > ext.cnf <<'X'
[inter]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[signer]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[tsa]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
extendedKeyUsage=critical,timeStamping
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
X
openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3650 -sha256 -utf8 \
  -subj "/C=VN/O=Sen Test CA/CN=Sen Test Root CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
issue() {
  openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -utf8 -subj "$2" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 825 -sha256 \
    -out "$1.pem" -extfile ext.cnf -extensions "$4" 2>/dev/null
}
issue inter "/C=VN/O=Sen Test CA/CN=Sen Test Issuing CA" root inter
issue token "/C=VN/O=Sở Xây dựng tỉnh Hòa Bình/CN=Trần Văn Lãnh" inter signer
issue seal "/C=VN/O=Sở Xây dựng tỉnh Hòa Bình/CN=Sở Xây dựng tỉnh Hòa Bình" inter signer
issue tsa "/C=VN/O=Sen Test CA/CN=Sen Test TSA" root tsa
cat token.pem inter.pem > token-chain.pem
openssl pkcs12 -export -inkey seal.key -in seal.pem -certfile inter.pem -out seal.p12 -passout pass:matkhau-123
# A certificate from no CA the server trusts.
openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 30 -sha256 -utf8 \
  -subj "/C=VN/CN=Người lạ" 2>/dev/null
echo 01 > tsaserial
cat > tsa.cnf <<'X'
[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = .
serial = ./tsaserial
crypto_device = builtin
signer_cert = ./tsa.pem
certs = ./root.pem
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
X
"#;

struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn new() -> Pki {
        let dir = std::env::temp_dir().join(format!("sen-app-signing-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        run(&dir, "bash", &["-c", PKI]);
        Pki { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    /// The "USB token": `openssl dgst -sha256 -sign` over the bytes to sign
    /// (RSA PKCS#1 v1.5 with SHA-256).
    fn token_sign(&self, key: &str, bytes_to_sign_b64: &str) -> Vec<u8> {
        let tbs = base64::engine::general_purpose::STANDARD
            .decode(bytes_to_sign_b64)
            .unwrap();
        let name = format!("tbs-{}.der", Uuid::now_v7());
        self.write(&name, &tbs);
        run(
            &self.dir,
            "openssl",
            &["dgst", "-sha256", "-sign", key, "-out", "sig.bin", &name],
        );
        self.read("sig.bin")
    }
    /// pyHanko's verdict on every signature of `pdf`, trusting root.pem.
    fn pyhanko(&self, pdf: &[u8]) -> Vec<serde_json::Value> {
        let file = self.write(&format!("check-{}.pdf", Uuid::now_v7()), pdf);
        let script = sign_tests_dir().join("pyhanko_validate.py");
        let out = run(
            &self.dir,
            "python3",
            &[
                script.to_str().unwrap(),
                file.to_str().unwrap(),
                self.path("root.pem").to_str().unwrap(),
            ],
        );
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("pyHanko output {out}: {e}"))
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// `openssl ts -reply` over HTTP on loopback (sen-sign's tests/tsa.py).
struct Tsa {
    child: Child,
    url: String,
}

impl Tsa {
    fn start(pki: &Pki) -> Tsa {
        let mut child = Command::new("python3")
            .arg(sign_tests_dir().join("tsa.py"))
            .arg(&pki.dir)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 tsa.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .expect("TSA port")
            .to_string();
        Tsa {
            child,
            url: format!("http://127.0.0.1:{port}/"),
        }
    }
}

impl Drop for Tsa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A red ring with transparency (RGBA), the seal's image.
fn seal_png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 120, 120);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().unwrap();
        let mut data = Vec::new();
        for y in 0..120 {
            for x in 0..120 {
                let (dx, dy) = (x as f32 - 60.0, y as f32 - 60.0);
                let r = (dx * dx + dy * dy).sqrt();
                if (44.0..56.0).contains(&r) || r < 12.0 {
                    data.extend([220, 20, 30, 230]);
                } else {
                    data.extend([0, 0, 0, 0]);
                }
            }
        }
        wr.write_image_data(&data).unwrap();
    }
    out
}

fn assert_pyhanko_valid(reports: &[serde_json::Value], expect: usize) {
    assert_eq!(
        reports.len(),
        expect,
        "pyHanko signature count: {reports:#?}"
    );
    for r in reports {
        for key in ["intact", "valid", "trusted", "bottom_line"] {
            assert_eq!(r[key], true, "pyHanko {key}: {r:#}");
        }
        let t = &r["timestamp"];
        for key in ["intact", "valid", "trusted"] {
            assert_eq!(t[key], true, "pyHanko time-stamp {key}: {r:#}");
        }
    }
}

// ----- the province -------------------------------------------------------------

struct World {
    app: App,
    _t: TestDb,
}

impl World {
    async fn new(signing: SigningSettings) -> World {
        let t = TestDb::new().await;
        let settings = sen_app::Settings {
            signing,
            ..Default::default()
        };
        let app = App::new(t.db.clone(), settings);
        app.load_demo().await.unwrap();
        World { app, _t: t }
    }
    async fn staff(&self, username: &str) -> Actor {
        let a = self.app.account_by_username(username).await.unwrap();
        Actor::Staff {
            id: a.id,
            tenant_id: a.tenant_id,
            username: a.username.clone(),
            grants: sen_store::accounts::grants(&self.app.db, a.id)
                .await
                .unwrap(),
        }
    }
    async fn unit(&self, code: &str) -> Uuid {
        let t = self.app.public_overview().await.unwrap().0.unwrap().id;
        sen_store::org::unit_by_code(&self.app.db, t, code)
            .await
            .unwrap()
            .unwrap()
            .id
    }
    /// A Sở Xây dựng document drafted, approved by its director
    /// (`lanhdaoxd`) and issued by its clerk.
    async fn issued_document(&self) -> Uuid {
        let author = self.staff("chuyenvienxd").await;
        let leader = self.staff("lanhdaoxd").await;
        let clerk = self.staff("vanthuxd").await;
        let d = self
            .app
            .create_draft(
                &author,
                NewDraft {
                    unit_id: self.unit("H99.03").await,
                    doc_type: "to_trinh".into(),
                    subject: "Đề nghị phê duyệt kế hoạch xây dựng nhà ở xã hội năm 2027".into(),
                    body: "Căn cứ Luật Nhà ở năm 2023;\nSở Xây dựng kính trình Ủy ban nhân dân tỉnh xem xét, phê duyệt.".into(),
                    urgency: None,
                    recipients: vec![RecipientSpec::Unit {
                        unit_id: self.unit("H99").await,
                    }],
                    responds_to: None,
                    signer_title: Some("GIÁM ĐỐC".into()),
                    signer_authority: None,
                },
            )
            .await
            .unwrap();
        let id = d.row.id;
        let to = self.app.account_by_username("lanhdaoxd").await.unwrap().id;
        self.app
            .act_on_document(&author, id, DocAction::Submit { to, note: None })
            .await
            .unwrap();
        self.app
            .act_on_document(&leader, id, DocAction::Approve { note: None })
            .await
            .unwrap();
        let issued = self
            .app
            .act_on_document(&clerk, id, DocAction::Issue)
            .await
            .unwrap();
        assert_eq!(issued.row.status, "issued");
        id
    }
}

fn decision() -> sen_forms::OfficialDocument {
    sen_forms::OfficialDocument {
        agency: sen_forms::Agency {
            parent: Some("Ủy ban nhân dân tỉnh Hòa Bình".into()),
            name: "Sở Xây dựng".into(),
            place: "Hòa Bình".into(),
        },
        number: Some("12/QĐ-SXD".into()),
        issued_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 24),
        type_name: Some("Quyết định".into()),
        subject: "Về việc công nhận kết quả thẩm định thiết kế xây dựng".into(),
        addressees: vec![],
        body: "Căn cứ Luật Xây dựng năm 2014;\nĐiều 1. Công nhận kết quả thẩm định.\nĐiều 2. Quyết định có hiệu lực kể từ ngày ký.".into(),
        recipients: vec!["Như Điều 2;".into(), "Lưu: VT.".into()],
        signer: sen_forms::Signer {
            authority: None,
            title: "GIÁM ĐỐC".into(),
            name: "Trần Văn Lãnh".into(),
        },
        draft: false,
    }
}

// ----- the tests ---------------------------------------------------------------------

#[tokio::test]
async fn nothing_configured_means_no_seal_and_untrusted_signatures() {
    let w = World::new(SigningSettings::default()).await;
    let (pdf, place) = decision().render_with_place().unwrap();
    let sealed = w
        .app
        .seal_pdf(&pdf, Some(place), "Sở Xây dựng", chrono::Utc::now())
        .await
        .unwrap();
    assert!(sealed.is_none());
    assert!(w.app.verify_pdf(&pdf).is_empty());
    let report = w.app.verify_upload(&pdf).unwrap();
    assert_eq!(report.verdict, "unsigned");
    let err = w.app.verify_upload(b"not a pdf at all").unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref i) if i.field == "file"),
        "{err:?}"
    );
    // The settings never print the key.
    let dbg = format!("{:?}", w.app.settings);
    assert!(dbg.contains("SigningSettings"), "{dbg}");
}

#[tokio::test]
async fn seal_and_token_signatures_are_accepted_by_pyhanko() {
    if !tools_present("seal_and_token_signatures_are_accepted_by_pyhanko") {
        return;
    }
    let pki = Pki::new();
    let tsa = Tsa::start(&pki);
    let png_path = pki.write("seal.png", &seal_png());
    // Loading: a wrong password and a non-PNG image are refused clearly.
    let err = SigningSettings::from_files(
        Some(&pki.path("seal.p12")),
        Some("sai-mat-khau"),
        None,
        None,
        None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("Sai mật khẩu"), "{err}");
    assert!(err.to_string().contains("wrong password"), "{err}");
    let err = SigningSettings::from_files(None, None, None, None, Some(&pki.path("root.pem")))
        .unwrap_err();
    assert!(err.to_string().contains("not a PNG"), "{err}");
    let settings = SigningSettings::from_files(
        Some(&pki.path("seal.p12")),
        Some("matkhau-123"),
        Some(&tsa.url),
        Some(&pki.path("root.pem")),
        Some(&png_path),
    )
    .unwrap();
    let dbg = format!("{settings:?}");
    assert!(dbg.contains("Sở Xây dựng"), "{dbg}");
    assert!(!dbg.contains("matkhau"), "{dbg}");
    let w = World::new(settings).await;

    // (1) The organisation's seal, visible at the signer's place, B-T.
    let (pdf, place) = decision().render_with_place().unwrap();
    let sealed = w
        .app
        .seal_pdf(
            &pdf,
            Some(place),
            "Sở Xây dựng tỉnh Hòa Bình",
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .expect("a seal is configured");
    assert!(sealed.starts_with(&pdf), "an incremental update");
    assert_pyhanko_valid(&pki.pyhanko(&sealed), 1);
    let ours = w.app.verify_pdf(&sealed);
    assert_eq!(ours.len(), 1);
    let s = &ours[0];
    assert!(s.valid && s.trusted && s.intact && !s.modified, "{s:#?}");
    assert_eq!(s.level, "B-T");
    assert_eq!(s.verdict, "valid");
    assert!(s.time_from_timestamp, "{s:#?}");
    assert_eq!(s.signer_name.as_deref(), Some("Sở Xây dựng tỉnh Hòa Bình"));
    assert!(
        s.signing_time.as_deref().unwrap().ends_with("+07:00"),
        "{s:#?}"
    );
    // Years later, the seal's certificate has expired: the time-stamp
    // shows it was valid when used.
    let later = chrono::Utc::now() + chrono::Duration::days(900);
    let future = w.app.clone().with_clock(std::sync::Arc::new(move || later));
    let old = future.verify_pdf(&sealed);
    assert!(old[0].valid && old[0].trusted, "{old:#?}");
    assert!(
        old[0]
            .checks
            .iter()
            .any(|c| c.en.contains("time-stamp's time")),
        "{old:#?}"
    );
    // Invisible without a place.
    let invisible = w
        .app
        .seal_pdf(&pdf, None, "Sở Xây dựng tỉnh Hòa Bình", chrono::Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_pyhanko_valid(&pki.pyhanko(&invisible), 1);

    // (2) An issued document signed with the director's token.
    let id = w.issued_document().await;
    let leader = w.staff("lanhdaoxd").await;
    let author = w.staff("chuyenvienxd").await;
    let clerk = w.staff("vanthuxd").await;
    let issued = w
        .app
        .document_files(&leader, id)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.role == "issued")
        .unwrap();
    let (_, issued_pdf) = w.app.document_file(&leader, id, issued.id).await.unwrap();
    // The issue flow sealed the PDF (a `signed` copy beside the `issued`
    // one) when the seal is configured; otherwise seal it here as it would.
    let sealed_by_issue = w
        .app
        .document_files(&leader, id)
        .await
        .unwrap()
        .iter()
        .any(|f| f.role == "signed");
    if !sealed_by_issue {
        let sealed = w
            .app
            .seal_pdf(
                &issued_pdf,
                None,
                "Sở Xây dựng tỉnh Hòa Bình",
                chrono::Utc::now(),
            )
            .await
            .unwrap()
            .unwrap();
        let meta = sen_store::office::DocumentFile {
            id: sen_store::new_id(),
            document_id: id,
            role: "signed".into(),
            name: "dau-co-quan.pdf".into(),
            content_type: "application/pdf".into(),
            size: sealed.len() as i64,
            sha256: String::new(),
            created_by: "system".into(),
            created_at: sen_store::now_utc(),
        };
        let mut tx = w.app.db.begin().await.unwrap();
        sen_store::office::insert_file(&mut tx, &meta, &sealed)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let chain = pki.read("token-chain.pem");

    // Only the signer or an approver of the unit may sign; the author may not.
    let err = w
        .app
        .prepare_document_signature(&author, id, &chain)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    let err = w
        .app
        .prepare_document_signature(&clerk, id, &chain)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    // Garbage instead of a certificate.
    let err = w
        .app
        .prepare_document_signature(
            &leader,
            id,
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref i) if i.field == "chain"),
        "{err:?}"
    );

    let p = w
        .app
        .prepare_document_signature(&leader, id, &chain)
        .await
        .unwrap();
    assert!(p.signer_subject.contains("CN=Trần Văn Lãnh"), "{p:?}");
    assert!(p.timestamp);
    // A key that is not the certificate's is refused, and nothing stored.
    let wrong = pki.token_sign("seal.key", &p.bytes_to_sign);
    let err = w
        .app
        .finalise_document_signature(&leader, p.id, &wrong)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref i) if i.field == "signature_value"),
        "{err:?}"
    );
    let value = pki.token_sign("token.key", &p.bytes_to_sign);
    // Someone else cannot finalise the director's request.
    let chairman = w.staff("chutich").await;
    let err = w
        .app
        .finalise_document_signature(&chairman, p.id, &value)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound { .. }), "{err:?}");

    // A second request on the same file goes stale once the first is done.
    let p2 = w
        .app
        .prepare_document_signature(&leader, id, &chain)
        .await
        .unwrap();
    assert_ne!(p2.id, p.id);
    let value2 = pki.token_sign("token.key", &p2.bytes_to_sign);

    let file = w
        .app
        .finalise_document_signature(&leader, p.id, &value)
        .await
        .unwrap();
    assert_eq!(file.role, "signed");
    assert_eq!(file.document_id, id);
    let err = w
        .app
        .finalise_document_signature(&leader, p.id, &value)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict { .. }), "{err:?}");
    let err = w
        .app
        .finalise_document_signature(&leader, p2.id, &value2)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict { .. }), "{err:?}");

    let (meta, signed) = w.app.document_file(&author, id, file.id).await.unwrap();
    assert_eq!(meta.sha256, hex_sha256(&signed));
    // Both signatures, by pyHanko and by Sen.
    assert_pyhanko_valid(&pki.pyhanko(&signed), 2);
    let ours = w.app.verify_pdf(&signed);
    assert_eq!(ours.len(), 2, "{ours:#?}");
    assert!(
        ours.iter().all(|s| s.valid && s.level == "B-T"),
        "{ours:#?}"
    );
    assert_eq!(
        ours[0].organisation.as_deref(),
        Some("Sở Xây dựng tỉnh Hòa Bình")
    );
    assert!(ours[0].updated_after_signing);
    assert_eq!(ours[1].signer_name.as_deref(), Some("Trần Văn Lãnh"));
    assert_eq!(ours[1].field_name, "KySo1");
    let report = w.app.verify_upload(&signed).unwrap();
    assert_eq!(report.verdict, "valid");
    assert!(report.all_valid);

    // One flipped byte in the signed content: both signatures see it.
    let at = signed.windows(7).position(|w| w == b"stream\n").unwrap() + 7 + 20;
    let mut tampered = signed.clone();
    tampered[at] ^= 0x01;
    let ours = w.app.verify_pdf(&tampered);
    assert_eq!(ours.len(), 2);
    assert!(
        ours.iter()
            .all(|s| s.modified && !s.valid && s.verdict == "modified"),
        "{ours:#?}"
    );
    assert_eq!(w.app.verify_upload(&tampered).unwrap().verdict, "modified");
    for r in pki.pyhanko(&tampered) {
        assert_eq!(
            r["bottom_line"], false,
            "pyHanko accepted a tampered file: {r:#}"
        );
    }

    // The event, with the signer and the new file's hash, in the chain.
    let evs = w.app.document_events(&author, id).await.unwrap();
    let ev = evs
        .iter()
        .find(|e| e.action == "document.signed")
        .expect("document.signed");
    let payload: serde_json::Value = serde_json::from_str(&ev.payload).unwrap();
    assert_eq!(payload["sha256"], meta.sha256);
    assert!(payload["signer_subject"]
        .as_str()
        .unwrap()
        .contains("Trần Văn Lãnh"));
    assert_eq!(payload["level"], "B-T");
    assert!(sen_store::events::verify(&w.app.db)
        .await
        .unwrap()
        .tamper
        .is_none());

    // A certificate from a CA the server does not trust is refused at
    // finalise, and a draft cannot be signed at all.
    let rogue = w
        .app
        .prepare_document_signature(&leader, id, &pki.read("rogue.pem"))
        .await
        .unwrap();
    let v = pki.token_sign("rogue.key", &rogue.bytes_to_sign);
    let err = w
        .app
        .finalise_document_signature(&leader, rogue.id, &v)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref i) if i.field == "chain"),
        "{err:?}"
    );
    assert_eq!(
        w.app
            .document_files(&author, id)
            .await
            .unwrap()
            .iter()
            .filter(|f| f.role == "signed")
            .count(),
        2,
        "the seal's copy and the token's"
    );
    let draft = w
        .app
        .create_draft(
            &author,
            NewDraft {
                unit_id: w.unit("H99.03").await,
                doc_type: "cong_van".into(),
                subject: "Về việc báo cáo tiến độ".into(),
                body: "Sở Xây dựng báo cáo.".into(),
                urgency: None,
                recipients: vec![RecipientSpec::Unit {
                    unit_id: w.unit("H99").await,
                }],
                responds_to: None,
                signer_title: None,
                signer_authority: None,
            },
        )
        .await
        .unwrap();
    let err = w
        .app
        .prepare_document_signature(&leader, draft.row.id, &chain)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict { .. }), "{err:?}");
    drop(tsa);
}

fn hex_sha256(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}
