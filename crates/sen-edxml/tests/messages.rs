//! Model → XML → model, and validation of every limit.

mod common;

use common::*;
use sen_edxml::*;

fn round_trip(m: Message) {
    let xml = m.to_xml().expect("valid message");
    let back = parse(&xml).unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&xml)));
    assert_eq!(back, m);
    // Writing it again gives the same bytes.
    assert_eq!(back.to_xml().expect("still valid"), xml);
}

#[test]
fn documents_round_trip() {
    round_trip(full_document().into());
    round_trip(minimal_document().into());
}

#[test]
fn status_messages_round_trip() {
    for code in StatusCode::ALL {
        round_trip(status(code).into());
    }
    let mut bare = status(StatusCode::Recall);
    bare.description = None;
    bare.staff_info = None;
    round_trip(bare.into());
}

#[test]
fn written_form_is_the_documented_one() {
    let xml = String::from_utf8(full_document().to_xml().unwrap()).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<edXML:edXML xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\" version=\"2.0\">"));
    for needle in [
        "<edXML:edXMLEnvelope>",
        "<edXML:MessageHeader>",
        "<edXML:OrganId>000.00.12.H12</edXML:OrganId>",
        "<edXML:PromulgationDate>2026/03/05</edXML:PromulgationDate>",
        "<edXML:Timestamp>2026/03/05 14:05:09</edXML:Timestamp>",
        "Sở Giáo dục &amp; Đào tạo &lt;SGDĐT&gt;",
        "Dòng một&#xD;\nDòng hai&#xD;Dòng ba",
        "<edXML:edXMLManifest version=\"1.0\">",
        "<edXML:Size>0</edXML:Size>",
        "<edXML:Sha256>e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855</edXML:Sha256>",
        "<edXML:AttachmentEncoded>",
    ] {
        assert!(xml.contains(needle), "missing {needle} in\n{xml}");
    }
    let status = String::from_utf8(status(StatusCode::Done).to_xml().unwrap()).unwrap();
    assert!(status.contains("<edXML:StatusCode>06</edXML:StatusCode>"));
}

#[test]
fn foreign_prefixes_default_namespaces_and_unknown_elements_are_read() {
    // A partner writing the default namespace, other indentation, wrapped
    // base64, a `cid:` prefix only in the manifest and extra elements.
    let xml = "<?xml version='1.0' encoding='utf-8'?>
<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016' version='2.1'>
 <edXMLEnvelope>
  <edXMLHeader>
   <MessageHeader>
    <From><OrganId>A.1</OrganId><OrganName>Cơ quan A</OrganName></From>
    <To><OrganId>B.2</OrganId><OrganName>Cơ quan B</OrganName></To>
    <Code><CodeNumber>7</CodeNumber><CodeNotation>CV-A</CodeNotation></Code>
    <PromulgationInfo><PromulgationDate>2026/04/01</PromulgationDate></PromulgationInfo>
    <DocumentType><Type>2</Type><TypeName>Công văn</TypeName><TypeDetail>0</TypeDetail></DocumentType>
    <Subject><![CDATA[Giấy mời <họp>]]></Subject>
    <SignerInfo><FullName>Ông X</FullName></SignerInfo>
    <DocumentId>A.1,2026/04/01,abc</DocumentId>
   </MessageHeader>
   <Bussiness><BussinessDocType>0</BussinessDocType></Bussiness>
  </edXMLHeader>
  <edXMLBody><edXMLManifest version='1.0'>
   <Reference><ContentId>cid:f1</ContentId><AttachmentName>a.txt</AttachmentName><ContentType>text/plain</ContentType></Reference>
  </edXMLManifest></edXMLBody>
 </edXMLEnvelope>
 <AttachmentEncoded><Attachment><ContentId>f1</ContentId><ContentTransferEncoded>
  aGVs
  bG8=
 </ContentTransferEncoded></Attachment></AttachmentEncoded>
</edXML>";
    let Message::Document(d) = parse(xml.as_bytes()).unwrap() else {
        panic!("not a document")
    };
    assert_eq!(d.header.subject, "Giấy mời <họp>");
    assert_eq!(d.attachments[0].content, b"hello");
    assert_eq!(d.attachments[0].content_id, "cid:f1");
}

fn kinds(e: &EdxmlError) -> Vec<(String, ProblemKind)> {
    e.problems()
        .iter()
        .map(|p| (p.path.clone(), p.kind.clone()))
        .collect()
}

fn has(e: &EdxmlError, path: &str, kind: ProblemKind) {
    assert!(
        kinds(e).contains(&(path.to_owned(), kind.clone())),
        "expected {path}: {kind:?} in {e}"
    );
}

#[test]
fn model_limits_are_enforced_before_writing() {
    let mut d = full_document();
    d.header.subject = "ệ".repeat(501);
    d.header.content = Some("a".repeat(501));
    d.attachments[0].attachment_name = format!("{}.pdf", "t".repeat(197));
    d.header
        .to
        .push(org("000.00.12.H12", "Sở Tư pháp (lần hai)"));
    d.header.from.email = Some("không phải thư".into());
    d.header.signer_info.full_name = "  ".into();
    d.header.document_type.type_name = "a\u{7}b".into();
    d.attachments[1].content_type = "text".into();
    d.attachments[1].content_id = "cid:1".into();
    let e = Message::from(d.clone()).to_xml().unwrap_err();
    has(
        &e,
        "MessageHeader/Subject",
        ProblemKind::TooLong {
            max: 500,
            actual: 501,
        },
    );
    has(
        &e,
        "MessageHeader/Content",
        ProblemKind::TooLong {
            max: 500,
            actual: 501,
        },
    );
    has(
        &e,
        "Attachments[1]/AttachmentName",
        ProblemKind::TooLong {
            max: 200,
            actual: 201,
        },
    );
    has(&e, "MessageHeader/To[3]/OrganId", ProblemKind::Duplicate);
    has(
        &e,
        "MessageHeader/SignerInfo/FullName",
        ProblemKind::Missing,
    );
    has(
        &e,
        "MessageHeader/DocumentType/TypeName",
        ProblemKind::InvalidCharacters,
    );
    has(&e, "Attachments[2]/ContentId", ProblemKind::Duplicate);
    assert!(kinds(&e)
        .iter()
        .any(|(p, _)| p == "MessageHeader/From/Email"));
    assert!(kinds(&e)
        .iter()
        .any(|(p, _)| p == "Attachments[2]/ContentType"));
    assert_eq!(e.problems().len(), 9, "{e}");
    // Every problem speaks both languages.
    let text = e.to_string();
    assert!(text.contains("vượt quá giới hạn 500 ký tự"));
    assert!(text.contains("more than the limit of 500"));

    // Exactly at the limits is fine.
    d = full_document();
    d.header.subject = "ệ".repeat(500);
    d.header.content = Some("a".repeat(500));
    d.attachments[0].attachment_name = "t".repeat(200);
    assert!(Message::from(d).to_xml().is_ok());

    let mut d = minimal_document();
    d.header.to.clear();
    let e = d.to_xml().unwrap_err();
    has(&e, "MessageHeader/To", ProblemKind::Missing);
}

fn valid_xml() -> String {
    String::from_utf8(full_document().to_xml().unwrap()).unwrap()
}

fn replace_once(xml: &str, from: &str, to: &str) -> String {
    assert!(xml.contains(from), "{from} not in the document");
    xml.replacen(from, to, 1)
}

fn parse_err(xml: &str) -> EdxmlError {
    parse(xml.as_bytes()).expect_err("should be refused")
}

#[test]
fn parse_reports_every_problem_it_finds() {
    let xml = valid_xml();
    let bad = replace_once(
        &xml,
        "2026/03/05</edXML:PromulgationDate>",
        "2026/02/30</edXML:PromulgationDate>",
    );
    let bad = replace_once(
        &bad,
        "<edXML:DueDate>2026/03/20<",
        "<edXML:DueDate>20/03/2026<",
    );
    let bad = replace_once(&bad, "14:05:09", "25:05:09");
    let bad = replace_once(
        &bad,
        "<edXML:OrganId>000.00.13.H12<",
        "<edXML:OrganId>000.00.12.H12<",
    );
    let bad = replace_once(&bad, "<edXML:PageAmount>3<", "<edXML:PageAmount>ba<");
    let bad = replace_once(
        &bad,
        "<edXML:Subject>",
        &format!("<edXML:Subject>{}", "x".repeat(490)),
    );
    let e = parse_err(&bad);
    has(
        &e,
        "MessageHeader/PromulgationInfo/PromulgationDate",
        ProblemKind::InvalidDate,
    );
    has(&e, "MessageHeader/DueDate", ProblemKind::InvalidDate);
    has(
        &e,
        "TraceHeaderList/TraceHeader[1]/Timestamp",
        ProblemKind::InvalidTimestamp,
    );
    has(&e, "MessageHeader/To[2]/OrganId", ProblemKind::Duplicate);
    has(
        &e,
        "MessageHeader/OtherInfo/PageAmount",
        ProblemKind::InvalidNumber,
    );
    assert!(kinds(&e)
        .iter()
        .any(|(p, k)| p == "MessageHeader/Subject"
            && matches!(k, ProblemKind::TooLong { max: 500, .. })));
    assert_eq!(e.problems().len(), 6, "{e}");

    // Missing required elements, all at once.
    let bad = replace_once(&xml, "<edXML:DocumentId>000.00.00.H12,2026/03/05,0190a1b2-c3d4-7e5f-8a9b-aaaaaaaaaaaa</edXML:DocumentId>", "");
    let bad = replace_once(&bad, "<edXML:Subject>", "<edXML:Subjekt>");
    let bad = replace_once(&bad, "</edXML:Subject>", "</edXML:Subjekt>");
    let e = parse_err(&bad);
    has(&e, "MessageHeader/DocumentId", ProblemKind::Missing);
    has(&e, "MessageHeader/Subject", ProblemKind::Missing);

    // No recipient.
    let start = xml.find("<edXML:To>").unwrap();
    let end = xml.rfind("</edXML:To>").unwrap() + "</edXML:To>".len();
    let bad = format!("{}{}", &xml[..start], &xml[end..]);
    has(&parse_err(&bad), "MessageHeader/To", ProblemKind::Missing);
}

#[test]
fn attachments_are_checked() {
    let xml = valid_xml();
    let digest_pos = xml.find("<edXML:Sha256>").unwrap() + "<edXML:Sha256>".len();
    let mut bad = xml.clone();
    let c = if &bad[digest_pos..digest_pos + 1] == "0" {
        "1"
    } else {
        "0"
    };
    bad.replace_range(digest_pos..digest_pos + 1, c);
    has(
        &parse_err(&bad),
        "Attachments[1]/Sha256",
        ProblemKind::DigestMismatch,
    );

    let bad = replace_once(&xml, "<edXML:Size>0<", "<edXML:Size>1<");
    has(
        &parse_err(&bad),
        "Attachments[2]/Size",
        ProblemKind::SizeMismatch {
            declared: 1,
            actual: 0,
        },
    );

    let bad = replace_once(
        &xml,
        "<edXML:ContentTransferEncoded>JVBE",
        "<edXML:ContentTransferEncoded>J*BE",
    );
    has(
        &parse_err(&bad),
        "Attachments[1]/ContentTransferEncoded",
        ProblemKind::InvalidBase64,
    );

    let bad = replace_once(
        &xml,
        "<edXML:ContentId>2</edXML:ContentId>\n      <edXML:ContentTransferEncoded",
        "<edXML:ContentId>3</edXML:ContentId>\n      <edXML:ContentTransferEncoded",
    );
    let e = parse_err(&bad);
    has(
        &e,
        "Attachments[2]/ContentTransferEncoded",
        ProblemKind::Missing,
    );
    has(
        &e,
        "AttachmentEncoded/Attachment[2]",
        ProblemKind::Unexpected,
    );
}

#[test]
fn status_codes_are_checked() {
    let xml = String::from_utf8(status(StatusCode::Accepted).to_xml().unwrap()).unwrap();
    let e = parse_err(&replace_once(&xml, ">03<", ">07<"));
    has(
        &e,
        "Status/StatusCode",
        ProblemKind::UnknownStatusCode("07".into()),
    );
    assert!(e
        .to_string()
        .contains("mã trạng thái \"07\" không được hỗ trợ"));
    let e = parse_err(&replace_once(&xml, "2026/03/06 08:00:00", "hôm nay"));
    has(&e, "Status/Timestamp", ProblemKind::InvalidTimestamp);
    let e = parse_err(&replace_once(
        &xml,
        "<edXML:StatusCode>03</edXML:StatusCode>",
        "",
    ));
    has(&e, "Status/StatusCode", ProblemKind::Missing);
}

#[test]
fn versions_and_foreign_documents() {
    let xml = valid_xml();
    let e = parse_err(&replace_once(&xml, "version=\"2.0\"", "version=\"3.0\""));
    has(
        &e,
        "edXML/@version",
        ProblemKind::UnsupportedVersion("3.0".into()),
    );
    let e = parse_err(&replace_once(&xml, " version=\"2.0\"", ""));
    has(&e, "edXML/@version", ProblemKind::Missing);
    let e = parse_err("<edXML version=\"2.0\"/>");
    has(&e, "edXML", ProblemKind::NotEdxml);
}

#[test]
fn xml_attacks_are_refused() {
    let xml = valid_xml();
    let body = xml.split_once('\n').unwrap().1;
    // Entity expansion ("billion laughs") and external entities need a DTD.
    let lol = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE edXML [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n{}",
        body.replacen("Về việc", "&b;", 1)
    );
    assert!(matches!(parse(lol.as_bytes()), Err(EdxmlError::Xml(_))));
    let xxe = format!(
        "<!DOCTYPE edXML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n{}",
        body.replacen("Về việc", "&x;", 1)
    );
    assert!(matches!(parse(xxe.as_bytes()), Err(EdxmlError::Xml(_))));
    // An undeclared entity without a DTD.
    assert!(matches!(
        parse(replace_once(&xml, "Về việc", "&nbsp;").as_bytes()),
        Err(EdxmlError::Xml(_))
    ));
    // Size and depth limits.
    let small = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    assert!(matches!(
        parse_with_limits(xml.as_bytes(), &small),
        Err(EdxmlError::Xml(_))
    ));
    let deep = format!(
        "<edXML:edXML xmlns:edXML=\"{EDXML_NAMESPACE}\" version=\"2.0\">{}{}</edXML:edXML>",
        "<a>".repeat(100),
        "</a>".repeat(100)
    );
    assert!(matches!(parse(deep.as_bytes()), Err(EdxmlError::Xml(_))));
    // Not UTF-8.
    assert!(parse(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>").is_err());
}
