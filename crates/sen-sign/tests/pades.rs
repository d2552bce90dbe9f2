//! PAdES signatures checked by independent validators.
//!
//! Each test builds its own PKI with the `openssl` CLI (a root, an issuing
//! CA, an official's token certificate, an organisation's seal in PKCS#12,
//! and a TSA certificate with the critical extendedKeyUsage timeStamping),
//! runs a real RFC 3161 TSA (`openssl ts -reply` behind `tests/tsa.py` on
//! loopback), signs forms rendered by `sen-forms`, and then requires that
//! - poppler's `pdfsig` (trusting the root through an NSS database made with
//!   `certutil`) finds every signature valid and trusted,
//! - pyHanko (`tests/pyhanko_validate.py`) finds every signature intact,
//!   valid and trusted, with a valid trusted time-stamp for B-T,
//! - `qpdf --check` finds the file sound,
//! - Sen's own `verify` agrees,
//!
//! and that all of them reject a file with one flipped byte.
//!
//! Debian: openssl, poppler-utils, libnss3-tools, qpdf; PyPI: pyhanko,
//! pyhanko-cli. A missing tool fails the test when `SEN_TEST_BACKEND` is
//! set (CI) and skips it with a notice otherwise. Signed files and page
//! previews are left in target/sign-preview/.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use sen_sign::*;

// ----- tools --------------------------------------------------------------

/// Whether every tool is there; panics in CI (`SEN_TEST_BACKEND` set).
fn tools_present(test: &str) -> bool {
    let checks: [(&str, &[&str]); 7] = [
        ("openssl", &["openssl", "version"]),
        ("python3", &["python3", "--version"]),
        ("pdfsig (poppler-utils)", &["pdfsig", "-v"]),
        ("certutil (libnss3-tools)", &["certutil", "-H"]),
        ("qpdf", &["qpdf", "--version"]),
        (
            "pyhanko (PyPI)",
            &["python3", "-c", "import pyhanko.sign.validation"],
        ),
        ("pdftoppm (poppler-utils)", &["pdftoppm", "-v"]),
    ];
    let mut missing = Vec::new();
    for (name, cmd) in checks {
        let ok = Command::new(cmd[0])
            .args(&cmd[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success() || name.starts_with("certutil") || name.starts_with("pd"))
            .unwrap_or(false);
        if !ok {
            missing.push(name);
        }
    }
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

/// Runs and returns stdout + stderr whatever the exit status.
fn run_any(dir: &Path, cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn preview_dir() -> PathBuf {
    let d = manifest().join("../../target/sign-preview");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "sen-sign-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

// ----- the test PKI ----------------------------------------------------------

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
issue token "/C=VN/O=Sở Tư pháp tỉnh Hòa Bình/CN=Nguyễn Văn An" root signer
issue seal "/C=VN/O=Ủy ban nhân dân tỉnh Hòa Bình/CN=Ủy ban nhân dân tỉnh Hòa Bình" inter signer
issue tsa "/C=VN/O=Sen Test CA/CN=Sen Test TSA" root tsa
cat inter.pem root.pem > seal-chain.pem
cat token.pem root.pem > token-chain.pem
openssl pkcs12 -export -inkey seal.key -in seal.pem -certfile seal-chain.pem -out seal.p12 -passout pass:matkhau-123
openssl pkcs12 -export -inkey seal.key -in seal.pem -certfile seal-chain.pem -out seal-3des.p12 -passout pass:secret \
  -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1
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
mkdir nss
certutil -N -d sql:nss --empty-password
certutil -A -d sql:nss -n sen-test-root -t "CT,C,C" -i root.pem
"#;

struct Pki {
    dir: PathBuf,
    root: Certificate,
}

impl Pki {
    fn new() -> Pki {
        let dir = temp_dir("pki");
        run(&dir, "bash", &["-c", PKI]);
        let root = certificates_from_pem(&std::fs::read(dir.join("root.pem")).unwrap())
            .unwrap()
            .remove(0);
        Pki { dir, root }
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(name)).unwrap()
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        // Kept for a look when the test failed.
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// `openssl ts -reply` served over HTTP on loopback.
struct Tsa {
    child: Child,
    url: String,
}

impl Tsa {
    fn start(pki: &Pki) -> Tsa {
        let mut child = Command::new("python3")
            .arg(manifest().join("tests/tsa.py"))
            .arg(&pki.dir)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 tests/tsa.py");
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

// ----- inputs ----------------------------------------------------------------

fn refusal_pdf() -> Vec<u8> {
    let dt = |d: u32, h: u32, m: u32| {
        NaiveDate::from_ymd_opt(2026, 3, d)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    };
    sen_forms::Refusal {
        agency: sen_forms::Agency {
            parent: Some("Ủy ban nhân dân tỉnh Hòa Bình".into()),
            name: "Sở Tư pháp".into(),
            place: "Hòa Bình".into(),
        },
        number: Some("07/PTC-BPMC".into()),
        issued_on: NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
        dossier_code: "H12.01-260305-0001".into(),
        applicant: sen_forms::Applicant {
            name: "Nguyễn Thị Hà".into(),
            phone: Some("0912 345 678".into()),
            email: None,
            address: Some("Số 12, đường Trần Hưng Đạo, tỉnh Hòa Bình".into()),
        },
        procedure: "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam".into(),
        received_at: dt(5, 9, 30),
        reason: "Yêu cầu không thuộc thẩm quyền giải quyết của Sở Tư pháp tỉnh Hòa Bình.".into(),
        signer: sen_forms::Signer {
            authority: Some("KT. Giám đốc".into()),
            title: "Phó Giám đốc".into(),
            name: "Nguyễn Văn An".into(),
        },
    }
    .render()
    .unwrap()
}

/// A PNG of `w`×`h` from a pixel function.
fn png(w: u32, h: u32, color: png::ColorType, px: impl Fn(u32, u32) -> Vec<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(color);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().unwrap();
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                data.extend(px(x, y));
            }
        }
        wr.write_image_data(&data).unwrap();
    }
    out
}

/// A red seal: a ring with transparency around it (RGBA).
fn seal_png() -> Vec<u8> {
    png(120, 120, png::ColorType::Rgba, |x, y| {
        let (dx, dy) = (x as f32 - 60.0, y as f32 - 60.0);
        let r = (dx * dx + dy * dy).sqrt();
        if (44.0..56.0).contains(&r) || (r < 12.0) {
            vec![220, 20, 30, 230]
        } else {
            vec![0, 0, 0, 0]
        }
    })
}

/// A blue signature stroke on white (RGB).
fn signature_png() -> Vec<u8> {
    png(160, 60, png::ColorType::Rgb, |x, y| {
        let curve = 30.0 + 18.0 * ((x as f32) / 12.0).sin();
        if (y as f32 - curve).abs() < 3.0 {
            vec![20, 40, 200]
        } else {
            vec![255, 255, 255]
        }
    })
}

/// A gray signature with alpha (GrayscaleAlpha) and one plain gray.
fn gray_png(alpha: bool) -> Vec<u8> {
    let ct = if alpha {
        png::ColorType::GrayscaleAlpha
    } else {
        png::ColorType::Grayscale
    };
    png(80, 40, ct, move |x, y| {
        let on = (x + y) % 9 < 3;
        match (alpha, on) {
            (true, true) => vec![30, 255],
            (true, false) => vec![0, 0],
            (false, true) => vec![30],
            (false, false) => vec![255],
        }
    })
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

// ----- validators ------------------------------------------------------------

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    let _ = std::fs::write(preview_dir().join(name), bytes);
    p.to_string_lossy().into_owned()
}

/// pdfsig's report, one block per signature.
fn pdfsig(pki: &Pki, file: &str) -> Vec<String> {
    let out = run_any(
        &pki.dir,
        "pdfsig",
        &["-nssdir", &format!("sql:{}", pki.path("nss")), file],
    );
    let blocks: Vec<String> = out
        .split("\nSignature #")
        .skip(1)
        .map(str::to_string)
        .collect();
    assert!(!blocks.is_empty(), "pdfsig found no signature:\n{out}");
    blocks
}

fn pyhanko(pki: &Pki, file: &str) -> Vec<serde_json::Value> {
    let script = manifest().join("tests/pyhanko_validate.py");
    let out = run(
        &pki.dir,
        "python3",
        &[script.to_str().unwrap(), file, &pki.path("root.pem")],
    );
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("pyHanko output {out}: {e}"))
}

fn qpdf_check(pki: &Pki, file: &str) {
    let out = run_any(&pki.dir, "qpdf", &["--check", file]);
    assert!(
        out.contains("No syntax or stream encoding errors found"),
        "qpdf --check {file}:\n{out}"
    );
}

fn assert_all_valid(pki: &Pki, file: &str, bytes: &[u8], expect: usize, timestamped: &[bool]) {
    // poppler
    let blocks = pdfsig(pki, file);
    assert_eq!(blocks.len(), expect, "pdfsig signature count");
    for b in &blocks {
        assert!(
            b.contains("Signature Validation: Signature is Valid."),
            "pdfsig:\n{b}"
        );
        assert!(
            b.contains("Certificate Validation: Certificate is Trusted."),
            "pdfsig:\n{b}"
        );
        assert!(b.contains("ETSI.CAdES.detached"), "pdfsig:\n{b}");
    }
    // pyHanko
    let reports = pyhanko(pki, file);
    assert_eq!(
        reports.len(),
        expect,
        "pyHanko signature count: {reports:?}"
    );
    for (r, ts) in reports.iter().zip(timestamped) {
        for key in ["intact", "valid", "trusted", "bottom_line"] {
            assert_eq!(r[key], true, "pyHanko {key}: {r:#}");
        }
        if *ts {
            let t = &r["timestamp"];
            for key in ["intact", "valid", "trusted"] {
                assert_eq!(t[key], true, "pyHanko time-stamp {key}: {r:#}");
            }
        } else {
            assert!(r["timestamp"].is_null(), "{r:#}");
        }
    }
    // qpdf
    qpdf_check(pki, file);
    // Sen
    let ours = verify(bytes, std::slice::from_ref(&pki.root));
    assert_eq!(ours.len(), expect);
    for (r, ts) in ours.iter().zip(timestamped) {
        assert!(r.is_valid(), "sen verify: {r:#?}");
        assert_eq!(r.timestamp.is_some(), *ts, "{r:#?}");
    }
}

/// Flips one bit of a byte inside the first stream of the original file.
fn tamper(bytes: &[u8]) -> Vec<u8> {
    let at = bytes.windows(7).position(|w| w == b"stream\n").unwrap() + 7 + 20;
    let mut t = bytes.to_vec();
    t[at] ^= 0x01;
    t
}

fn assert_all_reject(pki: &Pki, file: &str, bytes: &[u8]) {
    for b in pdfsig(pki, file) {
        assert!(
            b.contains("Digest Mismatch") || !b.contains("Signature is Valid"),
            "pdfsig accepted a tampered file:\n{b}"
        );
    }
    for r in pyhanko(pki, file) {
        assert_eq!(
            r["intact"], false,
            "pyHanko accepted a tampered file: {r:#}"
        );
        assert_eq!(r["bottom_line"], false, "{r:#}");
    }
    for r in verify(bytes, std::slice::from_ref(&pki.root)) {
        assert!(
            !r.intact && !r.is_valid(),
            "sen verify accepted a tampered file: {r:#?}"
        );
        assert!(
            r.problems
                .iter()
                .any(|p| p.contains("modified after signing")),
            "{r:#?}"
        );
    }
}

// ----- tests -------------------------------------------------------------------

#[tokio::test]
async fn visible_b_t_seal_on_a_sen_form_is_accepted_by_pdfsig_pyhanko_and_sen() {
    if !tools_present("visible_b_t_seal") {
        return;
    }
    let pki = Pki::new();
    let tsa = Tsa::start(&pki);
    let original = refusal_pdf();
    let seal = Signer::from_pkcs12(&pki.read("seal.p12"), "matkhau-123").unwrap();
    assert_eq!(seal.chain().len(), 3, "seal, issuing CA, root");
    let options = SignOptions {
        field_name: "DauCoQuan".into(),
        reason: Some("Phát hành văn bản".into()),
        location: Some("Hòa Bình".into()),
        appearance: Some(Appearance {
            page_index: 0,
            rect_pt: [330.0, 60.0, 560.0, 140.0],
            signer_name: "Ủy ban nhân dân tỉnh Hòa Bình".into(),
            organisation: Some("Văn phòng UBND tỉnh Hòa Bình".into()),
            signer_image_png: Some(signature_png()),
            seal_image_png: Some(seal_png()),
        }),
        timestamp: true,
        ..SignOptions::default()
    };
    let now = Utc::now();
    let stamper = HttpTimeStamper::new(&tsa.url);
    let signed = sign(&original, &seal, &options, now, Some(&stamper))
        .await
        .unwrap();
    assert!(
        signed.starts_with(&original),
        "incremental update: original bytes kept"
    );

    let file = write(&pki.dir, "seal-b-t.pdf", &signed);
    assert_all_valid(&pki, &file, &signed, 1, &[true]);

    let pdfsig_out = pdfsig(&pki, &file).remove(0);
    assert!(
        pdfsig_out.contains("Ủy ban nhân dân tỉnh Hòa Bình"),
        "{pdfsig_out}"
    );
    let py = &pyhanko(&pki, &file)[0];
    assert_eq!(
        py["coverage"], "SignatureCoverageLevel.ENTIRE_FILE",
        "{py:#}"
    );

    let r = &verify(&signed, std::slice::from_ref(&pki.root))[0];
    assert_eq!(r.field_name, "DauCoQuan");
    assert_eq!(
        r.signer_common_name.as_deref(),
        Some("Ủy ban nhân dân tỉnh Hòa Bình")
    );
    assert_eq!(
        r.signer_organisation.as_deref(),
        Some("Ủy ban nhân dân tỉnh Hòa Bình")
    );
    assert!(r.covers_revision && !r.updated_after_signing);
    let ts_time = r.timestamp.as_ref().and_then(|t| t.time).unwrap();
    assert!(
        (ts_time - now).num_seconds().abs() < 120,
        "{ts_time} vs {now}"
    );
    assert_eq!(r.claimed_time.unwrap().timestamp(), now.timestamp());
    assert_eq!(r.claimed_time.unwrap().offset().local_minus_utc(), 7 * 3600);

    // The appearance: the Vietnamese text is drawn with the embedded font
    // and can be extracted; the page is rendered for a look.
    let png_base = pki.path("page");
    run(
        &pki.dir,
        "pdftoppm",
        &["-png", "-r", "100", "-f", "1", "-l", "1", &file, &png_base],
    );
    for f in std::fs::read_dir(&pki.dir).unwrap().flatten() {
        let name = f.file_name().to_string_lossy().into_owned();
        if name.starts_with("page") && name.ends_with(".png") {
            std::fs::copy(f.path(), preview_dir().join("seal-b-t-page1.png")).unwrap();
        }
    }
    let fonts = run(&pki.dir, "pdffonts", &[&file]);
    assert!(fonts.contains("LiberationSerif"), "{fonts}");
    let text = run(&pki.dir, "pdftotext", &["-layout", &file, "-"]);
    let time_text = now
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap())
        .format("%Y-%m-%dT%H:%M:%S+07:00")
        .to_string();
    for want in [
        "Ký bởi: Ủy ban nhân dân tỉnh Hòa Bình",
        "Cơ quan: Văn phòng UBND tỉnh Hòa Bình",
        &format!("Thời gian ký: {time_text}"),
    ] {
        assert!(text.contains(want), "pdftotext lacks {want:?}:\n{text}");
    }

    // One flipped byte in the signed range: everyone must reject it.
    let bad = tamper(&signed);
    let bad_file = write(&pki.dir, "seal-b-t-tampered.pdf", &bad);
    assert_all_reject(&pki, &bad_file, &bad);

    // Without the root among the anchors the chain is not trusted.
    let r = &verify(&signed, &[])[0];
    assert!(r.intact && r.signature_valid && !r.trusted && !r.is_valid());
}

#[tokio::test]
async fn token_flow_then_seal_on_an_xref_stream_pdf_keeps_both_signatures_valid() {
    if !tools_present("token_flow_then_seal") {
        return;
    }
    let pki = Pki::new();
    let tsa = Tsa::start(&pki);
    // The same form rewritten with object streams and a cross-reference stream.
    let plain = write(&pki.dir, "plain.pdf", &refusal_pdf());
    let xref_stream = pki.path("xref-stream.pdf");
    run(
        &pki.dir,
        "qpdf",
        &["--object-streams=generate", &plain, &xref_stream],
    );
    let original = std::fs::read(&xref_stream).unwrap();
    let has = |s: &[u8]| original.windows(s.len()).any(|w| w == s);
    assert!(
        has(b"/Type /XRef") || has(b"/Type/XRef"),
        "qpdf wrote no xref stream"
    );
    assert!(
        has(b"/Type /ObjStm") || has(b"/Type/ObjStm"),
        "qpdf wrote no object stream"
    );

    // 1. An official's token: prepare on the server...
    let chain = certificates_from_pem(&pki.read("token-chain.pem")).unwrap();
    let options = SignOptions {
        field_name: "ChuKyLanhDao".into(),
        reason: Some("Duyệt".into()),
        appearance: Some(Appearance {
            page_index: 0,
            rect_pt: [300.0, 150.0, 540.0, 210.0],
            signer_name: "Nguyễn Văn An".into(),
            organisation: Some("Sở Tư pháp tỉnh Hòa Bình".into()),
            signer_image_png: Some(gray_png(true)),
            seal_image_png: None,
        }),
        timestamp: true,
        ..SignOptions::default()
    };
    let t1 = at("2026-11-24T09:05:09Z");
    let prepared = prepare(&original, &options, &chain, t1).unwrap();
    assert!(prepared.pdf_with_placeholder.starts_with(&original));
    // ...stored between the two requests...
    let json = serde_json::to_string(&prepared).unwrap();
    let prepared: Prepared = serde_json::from_str(&json).unwrap();
    // ...signed elsewhere by an independent implementation (OpenSSL with the
    // token's key: RSA PKCS#1 v1.5 over SHA-256 of bytes_to_sign)...
    std::fs::write(pki.dir.join("tbs.der"), &prepared.bytes_to_sign).unwrap();
    run(
        &pki.dir,
        "openssl",
        &[
            "dgst",
            "-sha256",
            "-sign",
            "token.key",
            "-out",
            "tbs.sig",
            "tbs.der",
        ],
    );
    let signature_value = pki.read("tbs.sig");
    // ...a wrong value (another key) is refused...
    run(
        &pki.dir,
        "openssl",
        &[
            "dgst",
            "-sha256",
            "-sign",
            "seal.key",
            "-out",
            "wrong.sig",
            "tbs.der",
        ],
    );
    let stamper = HttpTimeStamper::new(&tsa.url);
    let err = finalise(&prepared, &pki.read("wrong.sig"), Some(&stamper))
        .await
        .unwrap_err();
    assert!(matches!(err, SignError::SignatureMismatch), "{err}");
    // ...and the right one finalised.
    let once = finalise(&prepared, &signature_value, Some(&stamper))
        .await
        .unwrap();
    let file1 = write(&pki.dir, "token-b-t-xref-stream.pdf", &once);
    assert_all_valid(&pki, &file1, &once, 1, &[true]);
    let r = &verify(&once, std::slice::from_ref(&pki.root))[0];
    assert_eq!(r.signer_common_name.as_deref(), Some("Nguyễn Văn An"));
    assert_eq!(
        r.signer_organisation.as_deref(),
        Some("Sở Tư pháp tỉnh Hòa Bình")
    );
    assert_eq!(
        r.claimed_time.unwrap().to_rfc3339(),
        "2026-11-24T16:05:09+07:00"
    );

    // 2. Then the organisation's seal (legacy 3DES PKCS#12), B-B, visible
    // with a plain gray image, as a second incremental update.
    let seal = Signer::from_pkcs12(&pki.read("seal-3des.p12"), "secret").unwrap();
    let options2 = SignOptions {
        field_name: "DauCoQuan".into(),
        appearance: Some(Appearance {
            page_index: 0,
            rect_pt: [60.0, 150.0, 280.0, 210.0],
            signer_name: "Ủy ban nhân dân tỉnh Hòa Bình".into(),
            organisation: None,
            signer_image_png: None,
            seal_image_png: Some(gray_png(false)),
        }),
        ..SignOptions::default()
    };
    let twice = sign(&once, &seal, &options2, at("2026-11-24T09:30:00Z"), None)
        .await
        .unwrap();
    assert!(twice.starts_with(&once));
    let file2 = write(&pki.dir, "token-then-seal.pdf", &twice);
    assert_all_valid(&pki, &file2, &twice, 2, &[true, false]);
    let py = pyhanko(&pki, &file2);
    assert_eq!(py[0]["docmdp_ok"], true, "{:#}", py[0]);
    assert_eq!(py[1]["coverage"], "SignatureCoverageLevel.ENTIRE_FILE");
    let ours = verify(&twice, std::slice::from_ref(&pki.root));
    assert!(ours[0].updated_after_signing && !ours[1].updated_after_signing);
    assert_eq!(ours[1].field_name, "DauCoQuan");

    // A field name that exists is refused.
    let err = prepare(&twice, &options2, seal.chain(), t1).unwrap_err();
    assert!(
        matches!(
            err,
            SignError::Invalid {
                field: "field_name",
                ..
            }
        ),
        "{err}"
    );

    // Tampering with the original revision breaks both signatures.
    let bad = tamper(&twice);
    let bad_file = write(&pki.dir, "token-then-seal-tampered.pdf", &bad);
    assert_all_reject(&pki, &bad_file, &bad);

    // Tampering with the second revision only breaks the second signature.
    let mut bad2 = twice.clone();
    let in_second = once.len() + 40;
    bad2[in_second] ^= 0x01;
    let ours = verify(&bad2, std::slice::from_ref(&pki.root));
    assert!(ours[0].intact && ours[0].signature_valid, "{:#?}", ours[0]);
    assert!(!ours[1].intact && !ours[1].is_valid(), "{:#?}", ours[1]);
    let bad2_file = write(&pki.dir, "second-revision-tampered.pdf", &bad2);
    let blocks = pdfsig(&pki, &bad2_file);
    assert!(blocks[1].contains("Digest Mismatch"), "{}", blocks[1]);
}

#[tokio::test]
async fn invisible_b_b_and_refusals() {
    if !tools_present("invisible_b_b") {
        return;
    }
    let pki = Pki::new();
    let original = refusal_pdf();
    assert!(matches!(
        Signer::from_pkcs12(&pki.read("seal.p12"), "wrong"),
        Err(SignError::Pkcs12Password)
    ));
    assert!(matches!(
        Signer::from_pkcs12(&pki.read("seal-3des.p12"), "wrong"),
        Err(SignError::Pkcs12Password)
    ));
    let seal = Signer::from_pkcs12(&pki.read("seal.p12"), "matkhau-123").unwrap();
    // B-T without a time-stamper is refused.
    let err = sign(
        &original,
        &seal,
        &SignOptions {
            timestamp: true,
            ..SignOptions::default()
        },
        at("2026-11-24T09:05:09Z"),
        None,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            SignError::Invalid {
                field: "timestamp",
                ..
            }
        ),
        "{err}"
    );
    // A CMS that does not fit the placeholder is refused, not truncated.
    let prepared = prepare(
        &original,
        &SignOptions {
            contents_size: 4096,
            ..SignOptions::default()
        },
        // The seal's chain padded with more certificates than 4 KiB hold.
        &[
            seal.chain().to_vec(),
            certificates_from_pem(&pki.read("token.pem")).unwrap(),
            certificates_from_pem(&pki.read("tsa.pem")).unwrap(),
            certificates_from_pem(&pki.read("seal.pem")).unwrap(),
        ]
        .concat(),
        at("2026-11-24T09:05:09Z"),
    )
    .unwrap();
    let sig = seal.sign_raw(&prepared.bytes_to_sign).unwrap();
    let err = finalise(&prepared, &sig, None).await.unwrap_err();
    assert!(
        matches!(err, SignError::PlaceholderTooSmall { .. }),
        "{err}"
    );
    // An altered Prepared is refused.
    let mut altered = prepared.clone();
    altered.pdf_with_placeholder[100] ^= 1;
    let err = finalise(&altered, &sig, None).await.unwrap_err();
    assert!(matches!(err, SignError::PreparedAltered), "{err}");

    // An invisible B-B signature.
    let signed = sign(
        &original,
        &seal,
        &SignOptions {
            field_name: "Seal".into(),
            ..SignOptions::default()
        },
        at("2026-11-24T09:05:09Z"),
        None,
    )
    .await
    .unwrap();
    let file = write(&pki.dir, "invisible-b-b.pdf", &signed);
    assert_all_valid(&pki, &file, &signed, 1, &[false]);
    let r = &verify(&signed, std::slice::from_ref(&pki.root))[0];
    assert_eq!(r.signing_time().unwrap(), at("2026-11-24T09:05:09Z"));
    // Not a PDF.
    let r = verify(b"hello", std::slice::from_ref(&pki.root));
    assert!(r.len() == 1 && !r[0].is_valid());
}
