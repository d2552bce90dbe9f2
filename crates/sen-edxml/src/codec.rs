//! The model to XML and back, with validation.

use std::str::FromStr;

use base64::Engine as _;
use chrono::{NaiveDate, NaiveDateTime};
use sha2::{Digest, Sha256};

use crate::dom::{self, Document, Element, Limits, Node};
use crate::model::*;
use crate::problem::{Problem, ProblemKind};
use crate::{
    EdxmlError, ATTACHMENT_NAME_MAX, CONTENT_MAX, DESCRIPTION_MAX, DOCUMENT_ID_MAX,
    EDXML_NAMESPACE, EDXML_PREFIX, EDXML_VERSION, MAX_ATTACHMENTS, ORGAN_ID_MAX, SUBJECT_MAX,
    TEXT_MAX,
};

const DATE_FORMAT: &str = "%Y/%m/%d";
const TIMESTAMP_FORMAT: &str = "%Y/%m/%d %H:%M:%S";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

// ------------------------------------------------------------------ write

fn el(local: &str) -> Element {
    Element::new(Some(EDXML_PREFIX), local, Some(EDXML_NAMESPACE))
}

fn leaf(parent: &mut Element, local: &str, value: &str) {
    let mut e = el(local);
    if !value.is_empty() {
        e.push_text(value);
    }
    parent.push(e);
}

fn opt_leaf(parent: &mut Element, local: &str, value: Option<&str>) {
    if let Some(v) = value {
        leaf(parent, local, v);
    }
}

fn date(d: NaiveDate) -> String {
    d.format(DATE_FORMAT).to_string()
}

fn timestamp(t: NaiveDateTime) -> String {
    t.format(TIMESTAMP_FORMAT).to_string()
}

fn organization(local: &str, o: &Organization) -> Element {
    let mut e = el(local);
    leaf(&mut e, "OrganId", &o.organ_id);
    opt_leaf(
        &mut e,
        "OrganizationInCharge",
        o.organization_in_charge.as_deref(),
    );
    leaf(&mut e, "OrganName", &o.organ_name);
    opt_leaf(&mut e, "OrganAdd", o.organ_add.as_deref());
    opt_leaf(&mut e, "Email", o.email.as_deref());
    opt_leaf(&mut e, "Telephone", o.telephone.as_deref());
    opt_leaf(&mut e, "Fax", o.fax.as_deref());
    opt_leaf(&mut e, "Website", o.website.as_deref());
    e
}

fn response_for(r: &ResponseFor) -> Element {
    let mut e = el("ResponseFor");
    leaf(&mut e, "OrganId", &r.organ_id);
    leaf(&mut e, "Code", &r.code);
    leaf(&mut e, "PromulgationDate", &date(r.promulgation_date));
    leaf(&mut e, "DocumentId", &r.document_id);
    e
}

fn message_header(h: &MessageHeader) -> Element {
    let mut e = el("MessageHeader");
    e.push(organization("From", &h.from));
    for to in &h.to {
        e.push(organization("To", to));
    }
    let mut code = el("Code");
    leaf(&mut code, "CodeNumber", &h.code.code_number);
    leaf(&mut code, "CodeNotation", &h.code.code_notation);
    e.push(code);
    let mut pi = el("PromulgationInfo");
    opt_leaf(&mut pi, "Place", h.promulgation_info.place.as_deref());
    leaf(
        &mut pi,
        "PromulgationDate",
        &date(h.promulgation_info.promulgation_date),
    );
    e.push(pi);
    let mut dt = el("DocumentType");
    leaf(&mut dt, "Type", &h.document_type.type_code);
    leaf(&mut dt, "TypeName", &h.document_type.type_name);
    e.push(dt);
    leaf(&mut e, "Subject", &h.subject);
    opt_leaf(&mut e, "Content", h.content.as_deref());
    let mut si = el("SignerInfo");
    opt_leaf(&mut si, "Competence", h.signer_info.competence.as_deref());
    opt_leaf(&mut si, "Position", h.signer_info.position.as_deref());
    leaf(&mut si, "FullName", &h.signer_info.full_name);
    e.push(si);
    opt_leaf(&mut e, "DueDate", h.due_date.map(date).as_deref());
    if !h.to_places.is_empty() {
        let mut tp = el("ToPlaces");
        for p in &h.to_places {
            leaf(&mut tp, "Place", p);
        }
        e.push(tp);
    }
    let o = &h.other_info;
    if *o != OtherInfo::default() {
        let mut oi = el("OtherInfo");
        opt_leaf(
            &mut oi,
            "Priority",
            o.priority.map(|v| v.to_string()).as_deref(),
        );
        opt_leaf(
            &mut oi,
            "SphereOfPromulgation",
            o.sphere_of_promulgation.as_deref(),
        );
        opt_leaf(&mut oi, "TyperNotation", o.typer_notation.as_deref());
        opt_leaf(
            &mut oi,
            "PromulgationAmount",
            o.promulgation_amount.map(|v| v.to_string()).as_deref(),
        );
        opt_leaf(
            &mut oi,
            "PageAmount",
            o.page_amount.map(|v| v.to_string()).as_deref(),
        );
        if !o.appendixes.is_empty() {
            let mut ap = el("Appendixes");
            for a in &o.appendixes {
                leaf(&mut ap, "Appendix", a);
            }
            oi.push(ap);
        }
        e.push(oi);
    }
    for r in &h.response_for {
        e.push(response_for(r));
    }
    opt_leaf(
        &mut e,
        "SteeringType",
        h.steering_type.map(|v| v.to_string()).as_deref(),
    );
    leaf(&mut e, "DocumentId", &h.document_id);
    e
}

fn status(s: &StatusMessage) -> Element {
    let mut e = el("Status");
    e.push(response_for(&s.response_for));
    e.push(organization("From", &s.from));
    leaf(&mut e, "StatusCode", s.status_code.code());
    opt_leaf(&mut e, "Description", s.description.as_deref());
    leaf(&mut e, "Timestamp", &timestamp(s.timestamp));
    if let Some(st) = &s.staff_info {
        let mut si = el("StaffInfo");
        opt_leaf(&mut si, "Department", st.department.as_deref());
        opt_leaf(&mut si, "Staff", st.staff.as_deref());
        opt_leaf(&mut si, "Email", st.email.as_deref());
        opt_leaf(&mut si, "Mobile", st.mobile.as_deref());
        e.push(si);
    }
    e
}

/// Puts each child element of a group on its own line, indented by two
/// spaces; elements holding text are left untouched.
fn indent(e: &mut Element, depth: usize) {
    if e.children.is_empty() || e.children.iter().any(|n| !matches!(n, Node::Element(_))) {
        return;
    }
    let inner = format!("\n{}", "  ".repeat(depth + 1));
    let outer = format!("\n{}", "  ".repeat(depth));
    let old = std::mem::take(&mut e.children);
    for n in old {
        e.children.push(Node::Text(inner.clone()));
        if let Node::Element(mut c) = n {
            indent(&mut c, depth + 1);
            e.children.push(Node::Element(c));
        }
    }
    e.children.push(Node::Text(outer));
}

pub(crate) fn to_document(m: MessageRef<'_>) -> Document {
    let mut root = el("edXML");
    root.ns_decls
        .push((Some(EDXML_PREFIX.to_owned()), EDXML_NAMESPACE.to_owned()));
    root.set_attr("version", EDXML_VERSION);
    let mut envelope = el("edXMLEnvelope");
    let mut header = el("edXMLHeader");
    match m {
        MessageRef::Document(d) => {
            header.push(message_header(&d.header));
            if !d.trace.is_empty() {
                let mut list = el("TraceHeaderList");
                for t in &d.trace {
                    let mut th = el("TraceHeader");
                    leaf(&mut th, "OrganId", &t.organ_id);
                    leaf(&mut th, "Timestamp", &timestamp(t.timestamp));
                    list.push(th);
                }
                header.push(list);
            }
            envelope.push(header);
            let mut body = el("edXMLBody");
            let mut manifest = el("edXMLManifest");
            manifest.set_attr("version", "1.0");
            for a in &d.attachments {
                let mut r = el("Reference");
                leaf(&mut r, "ContentId", &a.content_id);
                leaf(&mut r, "AttachmentName", &a.attachment_name);
                opt_leaf(&mut r, "Description", a.description.as_deref());
                leaf(&mut r, "ContentType", &a.content_type);
                leaf(&mut r, "Size", &a.content.len().to_string());
                leaf(&mut r, "Sha256", &hex(&Sha256::digest(&a.content)));
                manifest.push(r);
            }
            body.push(manifest);
            envelope.push(body);
            root.push(envelope);
            if !d.attachments.is_empty() {
                let mut enc = el("AttachmentEncoded");
                for a in &d.attachments {
                    let mut at = el("Attachment");
                    leaf(&mut at, "ContentId", &a.content_id);
                    leaf(&mut at, "ContentTransferEncoded", &B64.encode(&a.content));
                    enc.push(at);
                }
                root.push(enc);
            }
        }
        MessageRef::Status(s) => {
            header.push(status(s));
            envelope.push(header);
            root.push(envelope);
        }
    }
    indent(&mut root, 0);
    Document {
        prolog: Vec::new(),
        root,
        epilog: Vec::new(),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// --------------------------------------------------------------- validate

fn check_text(p: &mut Vec<Problem>, path: &str, value: &str, required: bool, max: usize) {
    if required && value.trim().is_empty() {
        p.push(Problem::new(path, ProblemKind::Missing));
        return;
    }
    let n = value.chars().count();
    if n > max {
        p.push(Problem::new(path, ProblemKind::TooLong { max, actual: n }));
    }
    if !dom::all_xml_chars(value) {
        p.push(Problem::new(path, ProblemKind::InvalidCharacters));
    }
}

fn check_opt(p: &mut Vec<Problem>, path: &str, value: Option<&String>, max: usize) {
    if let Some(v) = value {
        check_text(p, path, v, false, max);
    }
}

fn check_email(p: &mut Vec<Problem>, path: &str, value: Option<&String>) {
    let Some(v) = value else { return };
    check_text(p, path, v, false, TEXT_MAX);
    if v.is_empty() {
        return;
    }
    let ok = match v.split_once('@') {
        Some((user, host)) => {
            !user.is_empty()
                && !host.is_empty()
                && !host.contains('@')
                && !v.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !ok {
        p.push(Problem::new(
            path,
            ProblemKind::InvalidFormat {
                expected_vi: "địa chỉ thư điện tử",
                expected_en: "an e-mail address",
            },
        ));
    }
}

fn check_organ_id(p: &mut Vec<Problem>, path: &str, v: &str) {
    check_text(p, path, v, true, ORGAN_ID_MAX);
    if !v.trim().is_empty() && v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        p.push(Problem::new(
            path,
            ProblemKind::InvalidFormat {
                expected_vi: "mã định danh không chứa khoảng trắng",
                expected_en: "an identifier code without spaces",
            },
        ));
    }
}

fn check_org(p: &mut Vec<Problem>, path: &str, o: &Organization) {
    check_organ_id(p, &format!("{path}/OrganId"), &o.organ_id);
    check_opt(
        p,
        &format!("{path}/OrganizationInCharge"),
        o.organization_in_charge.as_ref(),
        TEXT_MAX,
    );
    check_text(
        p,
        &format!("{path}/OrganName"),
        &o.organ_name,
        true,
        TEXT_MAX,
    );
    check_opt(
        p,
        &format!("{path}/OrganAdd"),
        o.organ_add.as_ref(),
        TEXT_MAX,
    );
    check_email(p, &format!("{path}/Email"), o.email.as_ref());
    check_opt(
        p,
        &format!("{path}/Telephone"),
        o.telephone.as_ref(),
        TEXT_MAX,
    );
    check_opt(p, &format!("{path}/Fax"), o.fax.as_ref(), TEXT_MAX);
    check_opt(p, &format!("{path}/Website"), o.website.as_ref(), TEXT_MAX);
}

fn check_response_for(p: &mut Vec<Problem>, path: &str, r: &ResponseFor) {
    check_organ_id(p, &format!("{path}/OrganId"), &r.organ_id);
    check_text(p, &format!("{path}/Code"), &r.code, true, TEXT_MAX);
    check_text(
        p,
        &format!("{path}/DocumentId"),
        &r.document_id,
        true,
        DOCUMENT_ID_MAX,
    );
}

fn check_document(p: &mut Vec<Problem>, d: &DocumentMessage) {
    let h = &d.header;
    check_org(p, "MessageHeader/From", &h.from);
    if h.to.is_empty() {
        p.push(Problem::new("MessageHeader/To", ProblemKind::Missing));
    }
    for (i, to) in h.to.iter().enumerate() {
        let path = format!("MessageHeader/To[{}]", i + 1);
        check_org(p, &path, to);
        let id = to.organ_id.trim();
        if !id.is_empty() && h.to[..i].iter().any(|x| x.organ_id.trim() == id) {
            p.push(Problem::new(
                format!("{path}/OrganId"),
                ProblemKind::Duplicate,
            ));
        }
    }
    check_text(
        p,
        "MessageHeader/Code/CodeNumber",
        &h.code.code_number,
        false,
        TEXT_MAX,
    );
    check_text(
        p,
        "MessageHeader/Code/CodeNotation",
        &h.code.code_notation,
        true,
        TEXT_MAX,
    );
    check_opt(
        p,
        "MessageHeader/PromulgationInfo/Place",
        h.promulgation_info.place.as_ref(),
        TEXT_MAX,
    );
    check_text(
        p,
        "MessageHeader/DocumentType/Type",
        &h.document_type.type_code,
        true,
        TEXT_MAX,
    );
    check_text(
        p,
        "MessageHeader/DocumentType/TypeName",
        &h.document_type.type_name,
        true,
        TEXT_MAX,
    );
    check_text(p, "MessageHeader/Subject", &h.subject, true, SUBJECT_MAX);
    check_opt(p, "MessageHeader/Content", h.content.as_ref(), CONTENT_MAX);
    let s = &h.signer_info;
    check_opt(
        p,
        "MessageHeader/SignerInfo/Competence",
        s.competence.as_ref(),
        TEXT_MAX,
    );
    check_opt(
        p,
        "MessageHeader/SignerInfo/Position",
        s.position.as_ref(),
        TEXT_MAX,
    );
    check_text(
        p,
        "MessageHeader/SignerInfo/FullName",
        &s.full_name,
        true,
        TEXT_MAX,
    );
    for (i, place) in h.to_places.iter().enumerate() {
        check_text(
            p,
            &format!("MessageHeader/ToPlaces/Place[{}]", i + 1),
            place,
            false,
            TEXT_MAX,
        );
    }
    let o = &h.other_info;
    check_opt(
        p,
        "MessageHeader/OtherInfo/SphereOfPromulgation",
        o.sphere_of_promulgation.as_ref(),
        TEXT_MAX,
    );
    check_opt(
        p,
        "MessageHeader/OtherInfo/TyperNotation",
        o.typer_notation.as_ref(),
        TEXT_MAX,
    );
    for (i, a) in o.appendixes.iter().enumerate() {
        let path = format!("MessageHeader/OtherInfo/Appendixes/Appendix[{}]", i + 1);
        check_text(p, &path, a, false, TEXT_MAX);
    }
    for (i, r) in h.response_for.iter().enumerate() {
        check_response_for(p, &format!("MessageHeader/ResponseFor[{}]", i + 1), r);
    }
    check_text(
        p,
        "MessageHeader/DocumentId",
        &h.document_id,
        true,
        DOCUMENT_ID_MAX,
    );
    for (i, t) in d.trace.iter().enumerate() {
        let path = format!("TraceHeaderList/TraceHeader[{}]/OrganId", i + 1);
        check_organ_id(p, &path, &t.organ_id);
    }
    if d.attachments.len() > MAX_ATTACHMENTS {
        p.push(Problem::new(
            "Attachments",
            ProblemKind::TooLong {
                max: MAX_ATTACHMENTS,
                actual: d.attachments.len(),
            },
        ));
    }
    for (i, a) in d.attachments.iter().enumerate() {
        let path = format!("Attachments[{}]", i + 1);
        let cid = format!("{path}/ContentId");
        check_text(p, &cid, &a.content_id, true, ATTACHMENT_NAME_MAX);
        if !a.content_id.trim().is_empty()
            && d.attachments[..i]
                .iter()
                .any(|x| content_id_key(&x.content_id) == content_id_key(&a.content_id))
        {
            p.push(Problem::new(cid, ProblemKind::Duplicate));
        }
        check_text(
            p,
            &format!("{path}/AttachmentName"),
            &a.attachment_name,
            true,
            ATTACHMENT_NAME_MAX,
        );
        check_opt(
            p,
            &format!("{path}/Description"),
            a.description.as_ref(),
            DESCRIPTION_MAX,
        );
        let ct = format!("{path}/ContentType");
        check_text(p, &ct, &a.content_type, true, 255);
        if !a.content_type.trim().is_empty() && !is_mime_type(&a.content_type) {
            p.push(Problem::new(
                ct,
                ProblemKind::InvalidFormat {
                    expected_vi: "kiểu MIME dạng type/subtype",
                    expected_en: "a MIME type type/subtype",
                },
            ));
        }
    }
}

fn is_mime_type(s: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    let base = s.split(';').next().unwrap_or_default().trim();
    match base.split_once('/') {
        Some((a, b)) => token(a) && token(b),
        None => false,
    }
}

fn check_status(p: &mut Vec<Problem>, s: &StatusMessage) {
    check_response_for(p, "Status/ResponseFor", &s.response_for);
    check_org(p, "Status/From", &s.from);
    check_opt(
        p,
        "Status/Description",
        s.description.as_ref(),
        DESCRIPTION_MAX,
    );
    if let Some(st) = &s.staff_info {
        check_opt(
            p,
            "Status/StaffInfo/Department",
            st.department.as_ref(),
            TEXT_MAX,
        );
        check_opt(p, "Status/StaffInfo/Staff", st.staff.as_ref(), TEXT_MAX);
        check_email(p, "Status/StaffInfo/Email", st.email.as_ref());
        check_opt(p, "Status/StaffInfo/Mobile", st.mobile.as_ref(), TEXT_MAX);
    }
}

/// A message by reference, so that writing one does not copy its attachments.
#[derive(Clone, Copy)]
pub(crate) enum MessageRef<'a> {
    Document(&'a DocumentMessage),
    Status(&'a StatusMessage),
}

impl<'a> From<&'a Message> for MessageRef<'a> {
    fn from(m: &'a Message) -> Self {
        match m {
            Message::Document(d) => MessageRef::Document(d),
            Message::Status(s) => MessageRef::Status(s),
        }
    }
}

pub(crate) fn validate(m: MessageRef<'_>) -> Vec<Problem> {
    let mut p = Vec::new();
    match m {
        MessageRef::Document(d) => check_document(&mut p, d),
        MessageRef::Status(s) => check_status(&mut p, s),
    }
    p
}

// ------------------------------------------------------------------- read

struct Ctx {
    problems: Vec<Problem>,
}

impl Ctx {
    fn add(&mut self, path: impl Into<String>, kind: ProblemKind) {
        self.problems.push(Problem::new(path, kind));
    }

    fn all<'a>(parent: &'a Element, local: &str) -> Vec<&'a Element> {
        parent
            .elements()
            .filter(|c| c.is(EDXML_NAMESPACE, local))
            .collect()
    }

    fn group(&mut self, e: &Element, path: &str) {
        if e.has_significant_text() {
            self.add(path, ProblemKind::Unexpected);
        }
    }

    fn one<'a>(&mut self, parent: &'a Element, path: &str, local: &str) -> Option<&'a Element> {
        let v = Self::all(parent, local);
        if v.len() > 1 {
            self.add(format!("{path}/{local}"), ProblemKind::Duplicate);
        }
        v.first().copied()
    }

    fn required<'a>(
        &mut self,
        parent: &'a Element,
        path: &str,
        local: &str,
    ) -> Option<&'a Element> {
        let e = self.one(parent, path, local);
        if let Some(e) = e {
            self.group(e, &format!("{path}/{local}"));
        } else {
            self.add(format!("{path}/{local}"), ProblemKind::Missing);
        }
        e
    }

    fn leaf_text(&mut self, e: &Element, path: &str) -> String {
        if e.elements().next().is_some() {
            self.add(path, ProblemKind::Unexpected);
        }
        e.text()
    }

    fn opt_text(&mut self, parent: &Element, path: &str, local: &str) -> Option<String> {
        let e = self.one(parent, path, local)?;
        Some(self.leaf_text(e, &format!("{path}/{local}")))
    }

    /// A value whose absence the model validation reports.
    fn text(&mut self, parent: &Element, path: &str, local: &str) -> String {
        self.opt_text(parent, path, local).unwrap_or_default()
    }

    fn parsed<T>(
        &mut self,
        parent: &Element,
        path: &str,
        local: &str,
        required: bool,
        parse: impl Fn(&str) -> Option<T>,
        bad: ProblemKind,
    ) -> Option<T> {
        let full = format!("{path}/{local}");
        match self.opt_text(parent, path, local) {
            None if required => {
                self.add(full, ProblemKind::Missing);
                None
            }
            None => None,
            Some(v) if v.trim().is_empty() && required => {
                self.add(full, ProblemKind::Missing);
                None
            }
            Some(v) => {
                let r = parse(v.trim());
                if r.is_none() {
                    self.add(full, bad);
                }
                r
            }
        }
    }

    fn date(
        &mut self,
        parent: &Element,
        path: &str,
        local: &str,
        required: bool,
    ) -> Option<NaiveDate> {
        self.parsed(
            parent,
            path,
            local,
            required,
            parse_date,
            ProblemKind::InvalidDate,
        )
    }

    fn timestamp(&mut self, parent: &Element, path: &str, local: &str) -> Option<NaiveDateTime> {
        self.parsed(
            parent,
            path,
            local,
            true,
            parse_timestamp,
            ProblemKind::InvalidTimestamp,
        )
    }

    fn number<T: FromStr>(&mut self, parent: &Element, path: &str, local: &str) -> Option<T> {
        self.parsed(
            parent,
            path,
            local,
            false,
            |s| {
                if s.bytes().all(|b| b.is_ascii_digit()) {
                    s.parse().ok()
                } else {
                    None
                }
            },
            ProblemKind::InvalidNumber,
        )
    }

    fn organization(&mut self, e: &Element, path: &str) -> Organization {
        Organization {
            organ_id: self.text(e, path, "OrganId"),
            organization_in_charge: self.opt_text(e, path, "OrganizationInCharge"),
            organ_name: self.text(e, path, "OrganName"),
            organ_add: self.opt_text(e, path, "OrganAdd"),
            email: self.opt_text(e, path, "Email"),
            telephone: self.opt_text(e, path, "Telephone"),
            fax: self.opt_text(e, path, "Fax"),
            website: self.opt_text(e, path, "Website"),
        }
    }

    fn response_for(&mut self, e: &Element, path: &str) -> ResponseFor {
        ResponseFor {
            organ_id: self.text(e, path, "OrganId"),
            code: self.text(e, path, "Code"),
            promulgation_date: self
                .date(e, path, "PromulgationDate", true)
                .unwrap_or_default(),
            document_id: self.text(e, path, "DocumentId"),
        }
    }
}

/// `YYYY/MM/DD`, four, two and two digits.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'/'
        && b[7] == b'/'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, DATE_FORMAT).ok()
}

/// `YYYY/MM/DD HH:MM:SS`.
fn parse_timestamp(s: &str) -> Option<NaiveDateTime> {
    let (d, t) = s.split_once(' ')?;
    parse_date(d)?;
    let b = t.as_bytes();
    let shape = b.len() == 8
        && b[2] == b':'
        && b[5] == b':'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDateTime::parse_from_str(s, TIMESTAMP_FORMAT).ok()
}

/// Content ids are matched without a leading `cid:` (the manifest of some
/// senders writes it, their encoded part does not).
fn content_id_key(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix("cid:").unwrap_or(s)
}

fn read_attachments(ctx: &mut Ctx, root: &Element, envelope: &Element) -> Vec<Attachment> {
    let refs: Vec<&Element> = match ctx.one(envelope, "edXMLEnvelope", "edXMLBody") {
        Some(body) => match ctx.one(body, "edXMLBody", "edXMLManifest") {
            Some(m) => Ctx::all(m, "Reference"),
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    let encoded: Vec<&Element> = match ctx.one(root, "edXML", "AttachmentEncoded") {
        Some(e) => Ctx::all(e, "Attachment"),
        None => Vec::new(),
    };
    let mut used = vec![false; encoded.len()];
    let mut out = Vec::with_capacity(refs.len());
    for (i, r) in refs.iter().enumerate() {
        let path = format!("Attachments[{}]", i + 1);
        ctx.group(r, &path);
        let content_id = ctx.text(r, &path, "ContentId");
        let key = content_id_key(&content_id).to_owned();
        let matches: Vec<usize> = encoded
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.elements()
                    .find(|c| c.is(EDXML_NAMESPACE, "ContentId"))
                    .is_some_and(|c| content_id_key(&c.text()) == key)
            })
            .map(|(j, _)| j)
            .collect();
        let enc = match matches.as_slice() {
            [] => {
                if !key.is_empty() {
                    ctx.add(
                        format!("{path}/ContentTransferEncoded"),
                        ProblemKind::Missing,
                    );
                }
                None
            }
            [j, rest @ ..] => {
                if !rest.is_empty() {
                    ctx.add(format!("{path}/ContentId"), ProblemKind::Duplicate);
                }
                for k in &matches {
                    used[*k] = true;
                }
                Some(encoded[*j])
            }
        };
        let mut name = ctx.opt_text(r, &path, "AttachmentName");
        let mut content_type = ctx.opt_text(r, &path, "ContentType");
        let mut description = ctx.opt_text(r, &path, "Description");
        let size: Option<u64> = ctx.number(r, &path, "Size");
        let sha = ctx.opt_text(r, &path, "Sha256");
        let mut content = Vec::new();
        if let Some(enc) = enc {
            // Senders that repeat the metadata in the encoded part only.
            name = name.or_else(|| ctx.opt_text(enc, &path, "AttachmentName"));
            content_type = content_type.or_else(|| ctx.opt_text(enc, &path, "ContentType"));
            description = description.or_else(|| ctx.opt_text(enc, &path, "Description"));
            let b64 = ctx.text(enc, &path, "ContentTransferEncoded");
            let compact: Vec<u8> = b64.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            match B64.decode(&compact) {
                Ok(bytes) => {
                    content = bytes;
                    if let Some(declared) = size {
                        let actual = content.len() as u64;
                        if declared != actual {
                            ctx.add(
                                format!("{path}/Size"),
                                ProblemKind::SizeMismatch { declared, actual },
                            );
                        }
                    }
                    if let Some(d) = &sha {
                        if !d
                            .trim()
                            .eq_ignore_ascii_case(&hex(&Sha256::digest(&content)))
                        {
                            ctx.add(format!("{path}/Sha256"), ProblemKind::DigestMismatch);
                        }
                    }
                }
                Err(_) => ctx.add(
                    format!("{path}/ContentTransferEncoded"),
                    ProblemKind::InvalidBase64,
                ),
            }
        }
        out.push(Attachment {
            content_id,
            attachment_name: name.unwrap_or_default(),
            description,
            content_type: content_type.unwrap_or_default(),
            content,
        });
    }
    for (j, u) in used.iter().enumerate() {
        if !u {
            ctx.add(
                format!("AttachmentEncoded/Attachment[{}]", j + 1),
                ProblemKind::Unexpected,
            );
        }
    }
    out
}

fn read_message_header(ctx: &mut Ctx, h: &Element) -> MessageHeader {
    let p = "MessageHeader";
    ctx.group(h, p);
    let from = match ctx.required(h, p, "From") {
        Some(f) => ctx.organization(f, "MessageHeader/From"),
        None => Organization::default(),
    };
    let to = Ctx::all(h, "To")
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let path = format!("MessageHeader/To[{}]", i + 1);
            ctx.group(t, &path);
            ctx.organization(t, &path)
        })
        .collect();
    let code = match ctx.required(h, p, "Code") {
        Some(c) => Code {
            code_number: ctx.text(c, "MessageHeader/Code", "CodeNumber"),
            code_notation: ctx.text(c, "MessageHeader/Code", "CodeNotation"),
        },
        None => Code::default(),
    };
    let promulgation_info = match ctx.required(h, p, "PromulgationInfo") {
        Some(pi) => PromulgationInfo {
            place: ctx.opt_text(pi, "MessageHeader/PromulgationInfo", "Place"),
            promulgation_date: ctx
                .date(
                    pi,
                    "MessageHeader/PromulgationInfo",
                    "PromulgationDate",
                    true,
                )
                .unwrap_or_default(),
        },
        None => PromulgationInfo {
            place: None,
            promulgation_date: NaiveDate::default(),
        },
    };
    let document_type = match ctx.required(h, p, "DocumentType") {
        Some(dt) => DocumentType {
            type_code: ctx.text(dt, "MessageHeader/DocumentType", "Type"),
            type_name: ctx.text(dt, "MessageHeader/DocumentType", "TypeName"),
        },
        None => DocumentType::default(),
    };
    let subject = ctx.text(h, p, "Subject");
    let content = ctx.opt_text(h, p, "Content");
    let signer_info = match ctx.required(h, p, "SignerInfo") {
        Some(si) => SignerInfo {
            competence: ctx.opt_text(si, "MessageHeader/SignerInfo", "Competence"),
            position: ctx.opt_text(si, "MessageHeader/SignerInfo", "Position"),
            full_name: ctx.text(si, "MessageHeader/SignerInfo", "FullName"),
        },
        None => SignerInfo::default(),
    };
    let due_date = ctx.date(h, p, "DueDate", false);
    let to_places = match ctx.one(h, p, "ToPlaces") {
        Some(tp) => {
            ctx.group(tp, "MessageHeader/ToPlaces");
            Ctx::all(tp, "Place")
                .into_iter()
                .enumerate()
                .map(|(i, e)| ctx.leaf_text(e, &format!("MessageHeader/ToPlaces/Place[{}]", i + 1)))
                .collect()
        }
        None => Vec::new(),
    };
    let other_info = match ctx.one(h, p, "OtherInfo") {
        Some(oi) => {
            let q = "MessageHeader/OtherInfo";
            ctx.group(oi, q);
            OtherInfo {
                priority: ctx.number(oi, q, "Priority"),
                sphere_of_promulgation: ctx.opt_text(oi, q, "SphereOfPromulgation"),
                typer_notation: ctx.opt_text(oi, q, "TyperNotation"),
                promulgation_amount: ctx.number(oi, q, "PromulgationAmount"),
                page_amount: ctx.number(oi, q, "PageAmount"),
                appendixes: match ctx.one(oi, q, "Appendixes") {
                    Some(ap) => Ctx::all(ap, "Appendix")
                        .into_iter()
                        .enumerate()
                        .map(|(i, e)| {
                            ctx.leaf_text(e, &format!("{q}/Appendixes/Appendix[{}]", i + 1))
                        })
                        .collect(),
                    None => Vec::new(),
                },
            }
        }
        None => OtherInfo::default(),
    };
    let response_for = Ctx::all(h, "ResponseFor")
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let path = format!("MessageHeader/ResponseFor[{}]", i + 1);
            ctx.group(r, &path);
            ctx.response_for(r, &path)
        })
        .collect();
    let steering_type = ctx.number(h, p, "SteeringType");
    let document_id = ctx.text(h, p, "DocumentId");
    MessageHeader {
        from,
        to,
        code,
        promulgation_info,
        document_type,
        subject,
        content,
        signer_info,
        due_date,
        to_places,
        other_info,
        response_for,
        steering_type,
        document_id,
    }
}

fn read_status(ctx: &mut Ctx, s: &Element) -> StatusMessage {
    let p = "Status";
    ctx.group(s, p);
    let response_for = match ctx.required(s, p, "ResponseFor") {
        Some(r) => ctx.response_for(r, "Status/ResponseFor"),
        None => ResponseFor {
            organ_id: String::new(),
            code: String::new(),
            promulgation_date: NaiveDate::default(),
            document_id: String::new(),
        },
    };
    let from = match ctx.required(s, p, "From") {
        Some(f) => ctx.organization(f, "Status/From"),
        None => Organization::default(),
    };
    let code = ctx.opt_text(s, p, "StatusCode");
    let status_code = match code.as_deref().map(str::trim) {
        None | Some("") => {
            ctx.add("Status/StatusCode", ProblemKind::Missing);
            StatusCode::Arrived
        }
        Some(c) => StatusCode::from_code(c).unwrap_or_else(|| {
            ctx.add(
                "Status/StatusCode",
                ProblemKind::UnknownStatusCode(c.to_owned()),
            );
            StatusCode::Arrived
        }),
    };
    let description = ctx.opt_text(s, p, "Description");
    let timestamp = ctx.timestamp(s, p, "Timestamp").unwrap_or_default();
    let staff_info = ctx.one(s, p, "StaffInfo").map(|si| {
        let q = "Status/StaffInfo";
        ctx.group(si, q);
        StaffInfo {
            department: ctx.opt_text(si, q, "Department"),
            staff: ctx.opt_text(si, q, "Staff"),
            email: ctx.opt_text(si, q, "Email"),
            mobile: ctx.opt_text(si, q, "Mobile"),
        }
    });
    StatusMessage {
        response_for,
        from,
        status_code,
        description,
        timestamp,
        staff_info,
    }
}

fn invalid(problems: Vec<Problem>) -> EdxmlError {
    EdxmlError::Invalid(problems)
}

pub(crate) fn from_document(doc: &Document) -> Result<Message, EdxmlError> {
    let root = &doc.root;
    if !root.is(EDXML_NAMESPACE, "edXML") {
        return Err(invalid(vec![Problem::new(
            root.qname(),
            ProblemKind::NotEdxml,
        )]));
    }
    match root.attr("version") {
        None => {
            return Err(invalid(vec![Problem::new(
                "edXML/@version",
                ProblemKind::Missing,
            )]));
        }
        Some(v) => {
            let major = EDXML_VERSION.split('.').next().unwrap_or_default();
            if v.split('.').next() != Some(major) {
                return Err(invalid(vec![Problem::new(
                    "edXML/@version",
                    ProblemKind::UnsupportedVersion(v.to_owned()),
                )]));
            }
        }
    }
    let mut ctx = Ctx {
        problems: Vec::new(),
    };
    ctx.group(root, "edXML");
    let envelope = ctx
        .required(root, "edXML", "edXMLEnvelope")
        .ok_or_else(|| invalid(std::mem::take(&mut ctx.problems)))?;
    let header = ctx
        .required(envelope, "edXMLEnvelope", "edXMLHeader")
        .ok_or_else(|| invalid(std::mem::take(&mut ctx.problems)))?;
    let mh = ctx.one(header, "edXMLHeader", "MessageHeader");
    let st = ctx.one(header, "edXMLHeader", "Status");
    let message = match (mh, st) {
        (Some(h), None) => {
            let header_model = read_message_header(&mut ctx, h);
            let trace = match ctx.one(header, "edXMLHeader", "TraceHeaderList") {
                Some(list) => {
                    ctx.group(list, "TraceHeaderList");
                    Ctx::all(list, "TraceHeader")
                        .into_iter()
                        .enumerate()
                        .map(|(i, t)| {
                            let path = format!("TraceHeaderList/TraceHeader[{}]", i + 1);
                            ctx.group(t, &path);
                            TraceHeader {
                                organ_id: ctx.text(t, &path, "OrganId"),
                                timestamp: ctx.timestamp(t, &path, "Timestamp").unwrap_or_default(),
                            }
                        })
                        .collect()
                }
                None => Vec::new(),
            };
            let attachments = read_attachments(&mut ctx, root, envelope);
            Message::Document(DocumentMessage {
                header: header_model,
                trace,
                attachments,
            })
        }
        (None, Some(s)) => Message::Status(read_status(&mut ctx, s)),
        (Some(_), Some(_)) => {
            ctx.add("edXMLHeader/Status", ProblemKind::Unexpected);
            return Err(invalid(ctx.problems));
        }
        (None, None) => {
            ctx.add("edXMLHeader/MessageHeader", ProblemKind::Missing);
            return Err(invalid(ctx.problems));
        }
    };
    let mut problems = ctx.problems;
    for p in validate((&message).into()) {
        if !problems.contains(&p) {
            problems.push(p);
        }
    }
    if problems.is_empty() {
        Ok(message)
    } else {
        Err(invalid(problems))
    }
}

/// Parses and validates a message (a signature, if any, is ignored: see
/// [`crate::verify`]).
pub(crate) fn parse(xml: &[u8], limits: &Limits) -> Result<Message, EdxmlError> {
    let doc = dom::parse(xml, limits)?;
    from_document(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2026/02/28").is_some());
        assert!(parse_date("2026/02/30").is_none());
        assert!(parse_date("2026-02-28").is_none());
        assert!(parse_date("2026/2/28").is_none());
        assert!(parse_timestamp("2026/02/28 23:59:59").is_some());
        assert!(parse_timestamp("2026/02/28 24:00:00").is_none());
        assert!(parse_timestamp("2026/02/28T23:59:59").is_none());
    }

    #[test]
    fn mime_types() {
        assert!(is_mime_type("application/pdf"));
        assert!(is_mime_type("text/plain; charset=utf-8"));
        assert!(!is_mime_type("pdf"));
        assert!(!is_mime_type("a b/c"));
    }

    #[test]
    fn status_codes_round_trip() {
        for s in StatusCode::ALL {
            assert_eq!(StatusCode::from_code(s.code()), Some(s));
        }
        assert_eq!(StatusCode::from_code("07"), None);
        assert_eq!(StatusCode::from_code("1"), None);
    }
}
