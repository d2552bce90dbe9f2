//! Signatures against an independent implementation: xmlsec1 (Debian
//! `xmlsec1`, on libxml2 and OpenSSL) verifies what Sen signs and signs what
//! Sen verifies; xmllint (Debian `libxml2-utils`) canonicalises the same
//! documents as Sen. The test PKI (a root CA and a signer it issued) is made
//! with the `openssl` command.
//!
//! Without those tools the tests print a notice and pass, unless
//! `SEN_TEST_BACKEND` is set (as `scripts/test` does), when they fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::*;
use sen_edxml::*;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
        || Command::new(tool)
            .arg("version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
}

/// Whether the independent tools are here; fails under `SEN_TEST_BACKEND`
/// when they are not.
fn tools() -> bool {
    let missing: Vec<&str> = ["xmlsec1", "xmllint", "openssl"]
        .into_iter()
        .filter(|t| !have(t))
        .collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!("missing {missing:?}: apt-get install xmlsec1 libxml2-utils openssl");
    if std::env::var_os("SEN_TEST_BACKEND").is_some() {
        panic!("{msg}");
    }
    eprintln!("SKIPPED (no independent XML-DSig implementation): {msg}");
    false
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

struct Pki {
    dir: PathBuf,
    key: rsa::RsaPrivateKey,
    cert_der: Vec<u8>,
    ca_der: Vec<u8>,
    /// A self-signed certificate with its own key: not the signer.
    other_cert_der: Vec<u8>,
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("sen-edxml-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let d = |n: &str| dir.join(n);
        std::fs::write(
            d("leaf.ext"),
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
        )
        .expect("write ext");
        ok(Command::new("openssl").args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-utf8", "-days", "3650"])
            .args(["-subj", "/C=VN/O=Sen thử nghiệm/CN=Sen Test Root CA"])
            .args(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
            .arg("-keyout").arg(d("ca.key")).arg("-out").arg(d("ca.pem")));
        ok(Command::new("openssl").args(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-utf8"])
            .args(["-subj", "/C=VN/O=UBND tỉnh Hòa Bình/CN=Văn phòng UBND tỉnh"])
            .arg("-keyout").arg(d("leaf.key")).arg("-out").arg(d("leaf.csr")));
        ok(Command::new("openssl").args(["x509", "-req", "-days", "365", "-set_serial", "4242"])
            .arg("-in").arg(d("leaf.csr")).arg("-CA").arg(d("ca.pem")).arg("-CAkey").arg(d("ca.key"))
            .arg("-extfile").arg(d("leaf.ext")).arg("-out").arg(d("leaf.pem")));
        ok(Command::new("openssl").args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30"])
            .args(["-subj", "/CN=Mallory"])
            .arg("-keyout").arg(d("other.key")).arg("-out").arg(d("other.pem")));
        let read = |n: &str| std::fs::read_to_string(d(n)).expect("read pem");
        Pki {
            key: load_pkcs8_pem(&read("leaf.key")).expect("leaf key"),
            cert_der: load_cert_pem(&read("leaf.pem")).expect("leaf cert"),
            ca_der: load_cert_pem(&read("ca.pem")).expect("ca cert"),
            other_cert_der: load_cert_pem(&read("other.pem")).expect("other cert"),
            dir,
        }
    })
}

fn write(p: &Pki, name: &str, data: &[u8]) -> PathBuf {
    let path = p.path(name);
    std::fs::write(&path, data).expect("write test file");
    path
}

fn xmlsec_verify(p: &Pki, file: &Path) -> Output {
    run(Command::new("xmlsec1")
        .args(["--verify", "--enabled-reference-uris", "empty"])
        .arg("--trusted-pem")
        .arg(p.path("ca.pem"))
        .arg(file))
}

fn messages() -> Vec<(&'static str, Message)> {
    vec![
        ("full", full_document().into()),
        ("minimal", minimal_document().into()),
        ("status", status(StatusCode::RecallRefused).into()),
    ]
}

fn change_subject_char(xml: &[u8]) -> Vec<u8> {
    let s = String::from_utf8(xml.to_vec()).expect("utf-8");
    let start = s.find("<edXML:Subject>").expect("a subject") + "<edXML:Subject>".len();
    let mut out = s.clone();
    // "Về việc …" → "Vè việc …": one character changed.
    let ch = s[start..].chars().nth(1).expect("a second character");
    let at = start + s[start..].chars().next().expect("a character").len_utf8();
    out.replace_range(at..at + ch.len_utf8(), if ch == 'è' { "ề" } else { "è" });
    assert_ne!(out, s);
    out.into_bytes()
}

#[test]
fn xmlsec1_verifies_what_sen_signs() {
    if !tools() {
        return;
    }
    let p = pki();
    for (name, m) in messages() {
        let xml = m.to_xml().expect("valid");
        let signed = sign(&xml, &p.key, &p.cert_der).expect("sign");
        let file = write(p, &format!("sen-{name}.xml"), &signed);
        let out = xmlsec_verify(p, &file);
        assert!(
            out.status.success(),
            "xmlsec1 refused Sen's signature on {name}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Sen agrees, and the message inside is the one signed.
        let (back, signer) = open(&signed).expect("Sen verifies its own signature");
        assert_eq!(back, m);
        assert_eq!(signer.certificate_der, p.cert_der);
        assert!(
            signer.subject.contains("CN=Văn phòng UBND tỉnh"),
            "{}",
            signer.subject
        );
        assert_eq!(signer.serial_hex, "1092");
        check_chain(
            &signer.certificate_der,
            &[],
            std::slice::from_ref(&p.ca_der),
            chrono::Utc::now(),
        )
        .expect("chains to the test CA");
    }
}

#[test]
fn sen_verifies_what_xmlsec1_signs() {
    if !tools() {
        return;
    }
    let p = pki();
    let template = format!(
        "<ds:Signature xmlns:ds=\"{DSIG_NAMESPACE}\"><ds:SignedInfo>\
         <ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/>\
         <ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"/>\
         <ds:Reference URI=\"\"><ds:Transforms>\
         <ds:Transform Algorithm=\"{ENVELOPED_SIGNATURE}\"/>\
         <ds:Transform Algorithm=\"{EXC_C14N}\"/></ds:Transforms>\
         <ds:DigestMethod Algorithm=\"{SHA256}\"/><ds:DigestValue/></ds:Reference>\
         </ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>\n"
    );
    for (name, m) in messages() {
        let xml = String::from_utf8(m.to_xml().expect("valid")).expect("utf-8");
        let tmpl = xml.replacen("</edXML:edXML>", &format!("  {template}</edXML:edXML>"), 1);
        let tmpl_file = write(p, &format!("tmpl-{name}.xml"), tmpl.as_bytes());
        let out_file = p.path(&format!("xmlsec-{name}.xml"));
        let key_arg = format!(
            "{},{}",
            p.path("leaf.key").display(),
            p.path("leaf.pem").display()
        );
        ok(Command::new("xmlsec1")
            .args([
                "--sign",
                "--enabled-reference-uris",
                "empty",
                "--privkey-pem",
                &key_arg,
            ])
            .arg("--output")
            .arg(&out_file)
            .arg(&tmpl_file));
        let signed = std::fs::read(&out_file).expect("xmlsec1 output");
        let signer = verify(&signed).unwrap_or_else(|e| {
            panic!(
                "Sen refused xmlsec1's signature on {name}: {e}\n{}",
                String::from_utf8_lossy(&signed)
            )
        });
        assert_eq!(signer.certificate_der, p.cert_der);
        let (back, _) = open(&signed).expect("open");
        assert_eq!(back, m);

        // (c) one changed character in the subject: both refuse.
        if name != "status" {
            let tampered = change_subject_char(&signed);
            assert!(matches!(
                verify(&tampered),
                Err(SignatureError::DigestMismatch)
            ));
            let file = write(p, &format!("xmlsec-{name}-tampered.xml"), &tampered);
            assert!(
                !xmlsec_verify(p, &file).status.success(),
                "xmlsec1 accepted a tampered message"
            );
        }
    }
}

#[test]
fn both_refuse_tampered_messages() {
    if !tools() {
        return;
    }
    let p = pki();
    let signed = sign(
        &full_document().to_xml().expect("valid"),
        &p.key,
        &p.cert_der,
    )
    .expect("sign");
    let s = String::from_utf8(signed.clone()).expect("utf-8");

    // One character of the subject.
    let tampered = change_subject_char(&signed);
    assert!(matches!(
        verify(&tampered),
        Err(SignatureError::DigestMismatch)
    ));
    assert!(open(&tampered).is_err());
    let file = write(p, "tampered-subject.xml", &tampered);
    assert!(
        !xmlsec_verify(p, &file).status.success(),
        "xmlsec1 accepted a changed subject"
    );

    // One character of an attachment's content.
    let at = s.find("<edXML:ContentTransferEncoded>JVBE").expect("pdf") + 31;
    let mut t = s.clone();
    t.replace_range(at..at + 1, "W");
    assert!(matches!(
        verify(t.as_bytes()),
        Err(SignatureError::DigestMismatch)
    ));
    let file = write(p, "tampered-attachment.xml", t.as_bytes());
    assert!(!xmlsec_verify(p, &file).status.success());

    // The signature value.
    let at = s.find("<ds:SignatureValue>").expect("value") + 19;
    let mut t = s.clone();
    let c = if &s[at..at + 1] == "A" { "B" } else { "A" };
    t.replace_range(at..at + 1, c);
    assert!(matches!(
        verify(t.as_bytes()),
        Err(SignatureError::BadSignature)
    ));
    let file = write(p, "tampered-value.xml", t.as_bytes());
    assert!(!xmlsec_verify(p, &file).status.success());

    // Another certificate in KeyInfo.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let t = s.replace(&b64.encode(&p.cert_der), &b64.encode(&p.other_cert_der));
    assert!(matches!(
        verify(t.as_bytes()),
        Err(SignatureError::BadSignature)
    ));

    // Whitespace added inside the message is a change too.
    let t = s.replacen("<edXML:Subject>", "<edXML:Subject> ", 1);
    assert!(matches!(
        verify(t.as_bytes()),
        Err(SignatureError::DigestMismatch)
    ));

    // A second signature, or none.
    let sig_start = s.find("<ds:Signature").expect("signature");
    let sig_end = s.find("</ds:Signature>").expect("end") + "</ds:Signature>".len();
    let twice = format!(
        "{}{}{}",
        &s[..sig_end],
        &s[sig_start..sig_end],
        &s[sig_end..]
    );
    assert!(matches!(
        verify(twice.as_bytes()),
        Err(SignatureError::MultipleSignatures)
    ));
    let none = format!("{}{}", &s[..sig_start], &s[sig_end..]);
    assert!(matches!(
        verify(none.as_bytes()),
        Err(SignatureError::NoSignature)
    ));

    // Signing twice, or with a key that does not match the certificate.
    assert!(matches!(
        sign(&signed, &p.key, &p.cert_der),
        Err(SignatureError::AlreadySigned)
    ));
    let xml = minimal_document().to_xml().expect("valid");
    assert!(matches!(
        sign(&xml, &p.key, &p.other_cert_der),
        Err(SignatureError::KeyMismatch)
    ));
}

#[test]
fn algorithms_outside_the_profile_are_refused() {
    if !tools() {
        return;
    }
    let p = pki();
    let s = String::from_utf8(
        sign(
            &minimal_document().to_xml().expect("valid"),
            &p.key,
            &p.cert_der,
        )
        .expect("sign"),
    )
    .expect("utf-8");
    for (from, to) in [
        (RSA_SHA256, "http://www.w3.org/2000/09/xmldsig#rsa-sha1"),
        (SHA256, "http://www.w3.org/2000/09/xmldsig#sha1"),
        (EXC_C14N, "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"),
    ] {
        let t = s.replacen(from, to, 1);
        assert!(
            matches!(
                verify(t.as_bytes()),
                Err(SignatureError::UnsupportedAlgorithm(_))
            ),
            "{to} accepted"
        );
    }
    let t = s.replacen("URI=\"\"", "URI=\"#x\"", 1);
    assert!(matches!(
        verify(t.as_bytes()),
        Err(SignatureError::Malformed(_))
    ));
}

#[test]
fn chain_checks() {
    if !tools() {
        return;
    }
    let p = pki();
    let now = chrono::Utc::now();
    check_chain(&p.cert_der, &[], std::slice::from_ref(&p.ca_der), now).expect("issued by the CA");
    assert!(matches!(
        check_chain(
            &p.cert_der,
            &[],
            std::slice::from_ref(&p.other_cert_der),
            now
        ),
        Err(ChainError::UnknownIssuer(_))
    ));
    assert!(matches!(
        check_chain(
            &p.cert_der,
            &[],
            std::slice::from_ref(&p.ca_der),
            now + chrono::Duration::days(400)
        ),
        Err(ChainError::Expired(_))
    ));
    assert!(matches!(
        check_chain(
            &p.cert_der,
            &[],
            std::slice::from_ref(&p.ca_der),
            now - chrono::Duration::days(2)
        ),
        Err(ChainError::NotYetValid(_))
    ));
    // A certificate that is itself an anchor is trusted directly.
    check_chain(
        &p.other_cert_der,
        &[],
        std::slice::from_ref(&p.other_cert_der),
        now,
    )
    .expect("anchor");
    // The leaf is not a CA: it cannot vouch for another certificate.
    assert!(matches!(
        check_chain(&p.ca_der, &[], std::slice::from_ref(&p.cert_der), now),
        Err(ChainError::UnknownIssuer(_))
    ));
}

#[test]
fn canonical_form_matches_libxml2() {
    if !tools() {
        return;
    }
    let p = pki();
    let mut docs: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, m) in messages() {
        let xml = m.to_xml().expect("valid");
        docs.push((
            format!("c14n-signed-{name}.xml"),
            sign(&xml, &p.key, &p.cert_der).expect("sign"),
        ));
        docs.push((format!("c14n-{name}.xml"), xml));
    }
    // Namespace and escaping corner cases written by hand.
    docs.push((
        "c14n-corners.xml".into(),
        "<?xml version=\"1.0\"?>\n<?pi one?>\n<r xmlns=\"urn:d\" xmlns:a=\"urn:a\" xmlns:b=\"urn:b\" z=\"1\" a:y=\"&#9;&#10;&#13;&quot;&lt;&gt;\" b:x=\"'\">\r\n\
         <x xmlns=\"\"><a:y xmlns:a=\"urn:a2\" a:k=\"v\"/><b:y/></x>\r\
         <a:e xmlns:a=\"urn:a\">&amp;&lt;&gt;\"'&#13;<![CDATA[<&>]]></a:e><e xml:lang=\"vi\">Tiếng Việt</e>\n\
         <?pi two  ?></r>"
            .into(),
    ));
    for (name, xml) in docs {
        let file = write(p, &name, &xml);
        let theirs = ok(Command::new("xmllint").arg("--exc-c14n").arg(&file)).stdout;
        let ours = exc_c14n(&xml).expect("parse");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs),
            "canonical forms differ for {name}"
        );
    }
}

#[test]
fn signing_elsewhere_prepare_then_finish() {
    if !tools() {
        return;
    }
    let p = pki();
    let xml = full_document().to_xml().expect("valid");
    // The octets go to the signer (here the openssl command, as a token
    // plug-in would), and the signature comes back.
    let request = prepare(&xml, &p.cert_der).expect("prepare");
    let tbs = write(p, "to-be-signed.bin", request.to_be_signed());
    let signature = ok(Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(p.path("leaf.key"))
        .arg(&tbs))
    .stdout;
    // A signature by another key is refused before anything is written.
    let other = ok(Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(p.path("other.key"))
        .arg(&tbs))
    .stdout;
    assert!(matches!(
        request.clone().finish(&other),
        Err(SignatureError::BadSignature)
    ));
    let signed = request.finish(&signature).expect("finish");
    let file = write(p, "sen-external.xml", &signed);
    assert!(xmlsec_verify(p, &file).status.success(), "xmlsec1 refused");
    let (back, signer) = open(&signed).expect("open");
    assert_eq!(back, Message::from(full_document()));
    assert_eq!(signer.certificate_der, p.cert_der);
}
