//! A small namespace-aware XML tree: the parser (on `quick-xml`'s tokenizer,
//! hardened: no DTD, no entities but the five predefined ones and character
//! references, size/depth/count limits) and a serializer that writes back the
//! same information set, so that canonicalising a document before and after a
//! round trip through bytes gives the same octets.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The `xml` prefix, bound by definition.
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Bounds on what the parser accepts: a message is refused before it can
/// exhaust memory or the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted document, in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting.
    pub max_depth: usize,
    /// Most elements in a document.
    pub max_elements: usize,
    /// Most attributes (namespace declarations included) on one element.
    pub max_attributes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: crate::DEFAULT_MAX_MESSAGE_BYTES,
            max_depth: 32,
            max_elements: 100_000,
            max_attributes: 64,
        }
    }
}

/// Why a document is not (acceptable) XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("XML không hợp lệ / malformed XML (byte {position}): {message}")]
pub struct XmlError {
    /// Byte offset in the input where the problem was found (approximate).
    pub position: u64,
    /// What is wrong, in English.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attr {
    pub prefix: Option<String>,
    pub local: String,
    /// Namespace name; `None` for unprefixed attributes.
    pub ns: Option<String>,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    pub prefix: Option<String>,
    pub local: String,
    /// Namespace name of the element; `None` when it has none.
    pub ns: Option<String>,
    /// Namespace declarations written on this element: (prefix, URI);
    /// prefix `None` is the default namespace.
    pub ns_decls: Vec<(Option<String>, String)>,
    pub attrs: Vec<Attr>,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
    Comment(String),
    Pi { target: String, data: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Document {
    /// Processing instructions and comments before the document element.
    pub prolog: Vec<Node>,
    pub root: Element,
    /// Processing instructions and comments after it.
    pub epilog: Vec<Node>,
}

impl Element {
    /// A new element in namespace `ns` with the given prefix (no declaration
    /// is added: the caller declares the prefix where it belongs).
    pub fn new(prefix: Option<&str>, local: &str, ns: Option<&str>) -> Element {
        Element {
            prefix: prefix.map(str::to_owned),
            local: local.to_owned(),
            ns: ns.map(str::to_owned),
            ns_decls: Vec::new(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    pub fn qname(&self) -> String {
        qname(self.prefix.as_deref(), &self.local)
    }

    pub fn set_attr(&mut self, local: &str, value: &str) {
        self.attrs.push(Attr {
            prefix: None,
            local: local.to_owned(),
            ns: None,
            value: value.to_owned(),
        });
    }

    /// The value of the unprefixed attribute `local`.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }

    pub fn push(&mut self, child: Element) {
        self.children.push(Node::Element(child));
    }

    pub fn push_text(&mut self, text: &str) {
        self.children.push(Node::Text(text.to_owned()));
    }

    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.local == local
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// All character data directly inside this element.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s
    }

    /// Whether the element holds non-whitespace text besides child elements.
    pub fn has_significant_text(&self) -> bool {
        self.children.iter().any(|n| match n {
            Node::Text(t) => !t.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')),
            _ => false,
        })
    }
}

pub(crate) fn qname(prefix: Option<&str>, local: &str) -> String {
    match prefix {
        Some(p) => format!("{p}:{local}"),
        None => local.to_owned(),
    }
}

// ---------------------------------------------------------------- parsing

struct Scope {
    /// (prefix, uri) bindings, innermost last; `None` prefix = default namespace
    /// (an empty URI undeclares it).
    bindings: Vec<(Option<String>, String)>,
    /// Number of bindings per open element, to pop them.
    marks: Vec<usize>,
}

impl Scope {
    fn lookup(&self, prefix: Option<&str>) -> Option<&str> {
        if prefix == Some("xml") {
            return Some(XML_NS);
        }
        self.bindings
            .iter()
            .rev()
            .find(|(p, _)| p.as_deref() == prefix)
            .map(|(_, u)| u.as_str())
            .filter(|u| !u.is_empty())
    }
}

fn err(position: u64, message: impl Into<String>) -> XmlError {
    XmlError {
        position,
        message: message.into(),
    }
}

/// Parses `input` into a tree, refusing DTDs, entity references other than
/// the predefined five and character references, undeclared prefixes and
/// anything beyond `limits`.
pub(crate) fn parse(input: &[u8], limits: &Limits) -> Result<Document, XmlError> {
    if input.len() > limits.max_bytes {
        return Err(err(
            0,
            format!(
                "document of {} bytes exceeds the limit of {} bytes",
                input.len(),
                limits.max_bytes
            ),
        ));
    }
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    if std::str::from_utf8(input).is_err() {
        return Err(err(0, "document is not valid UTF-8"));
    }
    let mut reader = Reader::from_reader(input);
    {
        let c = reader.config_mut();
        c.check_end_names = true;
        c.expand_empty_elements = false;
        c.trim_text(false);
        c.check_comments = true;
        c.allow_unmatched_ends = false;
    }
    let mut scope = Scope {
        bindings: Vec::new(),
        marks: Vec::new(),
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut prolog = Vec::new();
    let mut epilog = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    let mut first = true;

    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| err(reader.error_position(), e.to_string()))?;
        let is_first = std::mem::replace(&mut first, false);
        let (event, empty) = match event {
            Event::Empty(s) => (Event::Start(s), true),
            other => (other, false),
        };
        match event {
            Event::Decl(d) => {
                if !is_first {
                    return Err(err(pos, "XML declaration not at the start"));
                }
                let version = d.version().map_err(|e| err(pos, e.to_string()))?;
                if version.as_ref() != b"1.0" {
                    return Err(err(pos, "only XML 1.0 is accepted"));
                }
                if let Some(enc) = d.encoding() {
                    let enc = enc.map_err(|e| err(pos, e.to_string()))?;
                    if !enc.eq_ignore_ascii_case(b"utf-8") {
                        return Err(err(pos, "only UTF-8 documents are accepted"));
                    }
                }
            }
            Event::DocType(_) => {
                return Err(err(pos, "DTDs (<!DOCTYPE>) are not allowed"));
            }
            Event::Start(s) => {
                if root.is_some() {
                    return Err(err(pos, "content after the document element"));
                }
                elements += 1;
                if elements > limits.max_elements {
                    return Err(err(pos, "too many elements"));
                }
                if stack.len() >= limits.max_depth {
                    return Err(err(pos, "elements nested too deeply"));
                }
                let el = start_element(&s, &mut scope, limits, pos)?;
                if empty {
                    close_element(el, &mut stack, &mut root, &mut scope);
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(err(pos, "unexpected end tag"));
                };
                close_element(el, &mut stack, &mut root, &mut scope);
            }
            Event::Text(t) => {
                let raw = std::str::from_utf8(&t).map_err(|_| err(pos, "invalid UTF-8"))?;
                let text = normalize_newlines(raw);
                check_chars(&text, pos)?;
                if text.contains("]]>") {
                    return Err(err(pos, "']]>' is not allowed in text"));
                }
                match stack.last_mut() {
                    Some(parent) => push_text(parent, &text),
                    None => {
                        if !text.chars().all(|c| matches!(c, ' ' | '\t' | '\n')) {
                            return Err(err(pos, "text outside the document element"));
                        }
                    }
                }
            }
            Event::CData(c) => {
                let raw = std::str::from_utf8(&c).map_err(|_| err(pos, "invalid UTF-8"))?;
                let text = normalize_newlines(raw);
                check_chars(&text, pos)?;
                match stack.last_mut() {
                    Some(parent) => push_text(parent, &text),
                    None => return Err(err(pos, "CDATA outside the document element")),
                }
            }
            Event::GeneralRef(r) => {
                let name = std::str::from_utf8(&r).map_err(|_| err(pos, "invalid UTF-8"))?;
                let ch = resolve_reference(name)
                    .ok_or_else(|| err(pos, format!("entity reference &{name}; is not allowed")))?;
                let mut s = String::new();
                s.push(ch);
                match stack.last_mut() {
                    Some(parent) => push_text(parent, &s),
                    None => return Err(err(pos, "reference outside the document element")),
                }
            }
            Event::Comment(c) => {
                let raw = std::str::from_utf8(&c).map_err(|_| err(pos, "invalid UTF-8"))?;
                let node = Node::Comment(normalize_newlines(raw));
                match (stack.last_mut(), &root) {
                    (Some(parent), _) => parent.children.push(node),
                    (None, None) => prolog.push(node),
                    (None, Some(_)) => epilog.push(node),
                }
            }
            Event::PI(p) => {
                let target = std::str::from_utf8(p.target())
                    .map_err(|_| err(pos, "invalid UTF-8"))?
                    .to_owned();
                if target.eq_ignore_ascii_case("xml") {
                    return Err(err(pos, "misplaced XML declaration"));
                }
                let data =
                    std::str::from_utf8(p.content()).map_err(|_| err(pos, "invalid UTF-8"))?;
                let data = normalize_newlines(data.trim_start_matches([' ', '\t', '\r', '\n']));
                let node = Node::Pi { target, data };
                match (stack.last_mut(), &root) {
                    (Some(parent), _) => parent.children.push(node),
                    (None, None) => prolog.push(node),
                    (None, Some(_)) => epilog.push(node),
                }
            }
            Event::Eof => break,
            Event::Empty(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(err(input.len() as u64, "unclosed element at end of input"));
    }
    let root = root.ok_or_else(|| err(0, "no document element"))?;
    Ok(Document {
        prolog,
        root,
        epilog,
    })
}

fn push_text(parent: &mut Element, text: &str) {
    if let Some(Node::Text(t)) = parent.children.last_mut() {
        t.push_str(text);
    } else {
        parent.children.push(Node::Text(text.to_owned()));
    }
}

fn close_element(
    el: Element,
    stack: &mut [Element],
    root: &mut Option<Element>,
    scope: &mut Scope,
) {
    if let Some(n) = scope.marks.pop() {
        let keep = scope.bindings.len().saturating_sub(n);
        scope.bindings.truncate(keep);
    }
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(el)),
        None => *root = Some(el),
    }
}

fn split_qname(name: &str, pos: u64) -> Result<(Option<String>, String), XmlError> {
    let mut parts = name.splitn(3, ':');
    let a = parts.next().unwrap_or_default();
    match (parts.next(), parts.next()) {
        (None, _) if !a.is_empty() => Ok((None, a.to_owned())),
        (Some(b), None) if !a.is_empty() && !b.is_empty() => Ok((Some(a.to_owned()), b.to_owned())),
        _ => Err(err(pos, format!("invalid name '{name}'"))),
    }
}

fn start_element(
    s: &BytesStart<'_>,
    scope: &mut Scope,
    limits: &Limits,
    pos: u64,
) -> Result<Element, XmlError> {
    let name = std::str::from_utf8(s.name().as_ref())
        .map_err(|_| err(pos, "invalid UTF-8 in a name"))?
        .to_owned();
    let (prefix, local) = split_qname(&name, pos)?;
    let mut ns_decls: Vec<(Option<String>, String)> = Vec::new();
    let mut raw_attrs: Vec<(Option<String>, String, String)> = Vec::new();
    let mut count = 0usize;
    for a in s.attributes().with_checks(true) {
        let a = a.map_err(|e| err(pos, e.to_string()))?;
        count += 1;
        if count > limits.max_attributes {
            return Err(err(pos, "too many attributes"));
        }
        let key = std::str::from_utf8(a.key.as_ref())
            .map_err(|_| err(pos, "invalid UTF-8 in a name"))?
            .to_owned();
        let raw = std::str::from_utf8(&a.value).map_err(|_| err(pos, "invalid UTF-8"))?;
        let value = normalize_attribute(raw, pos)?;
        if key == "xmlns" {
            if value == XML_NS || value == "http://www.w3.org/2000/xmlns/" {
                return Err(err(pos, "reserved namespace bound to the default prefix"));
            }
            ns_decls.push((None, value));
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            if p.is_empty() || p.contains(':') {
                return Err(err(pos, format!("invalid namespace declaration '{key}'")));
            }
            if value.is_empty() {
                return Err(err(
                    pos,
                    format!("prefix '{p}' bound to an empty namespace"),
                ));
            }
            if p == "xmlns" || (p == "xml") != (value == XML_NS) {
                return Err(err(pos, format!("reserved prefix or namespace in '{key}'")));
            }
            if p != "xml" {
                ns_decls.push((Some(p.to_owned()), value));
            }
        } else {
            let (p, l) = split_qname(&key, pos)?;
            raw_attrs.push((p, l, value));
        }
    }
    scope.marks.push(ns_decls.len());
    scope.bindings.extend(ns_decls.iter().cloned());
    let ns = match &prefix {
        Some(p) => Some(
            scope
                .lookup(Some(p))
                .ok_or_else(|| err(pos, format!("undeclared prefix '{p}'")))?
                .to_owned(),
        ),
        None => scope.lookup(None).map(str::to_owned),
    };
    let mut attrs: Vec<Attr> = Vec::with_capacity(raw_attrs.len());
    for (p, l, value) in raw_attrs {
        let ans = match &p {
            Some(p) => Some(
                scope
                    .lookup(Some(p))
                    .ok_or_else(|| err(pos, format!("undeclared prefix '{p}'")))?
                    .to_owned(),
            ),
            None => None,
        };
        if attrs.iter().any(|x| x.ns == ans && x.local == l) {
            return Err(err(pos, format!("duplicate attribute '{l}'")));
        }
        attrs.push(Attr {
            prefix: p,
            local: l,
            ns: ans,
            value,
        });
    }
    Ok(Element {
        prefix,
        local,
        ns,
        ns_decls,
        attrs,
        children: Vec::new(),
    })
}

/// XML 1.0 §2.11: `\r\n` and a lone `\r` become `\n`.
fn normalize_newlines(s: &str) -> String {
    if !s.contains('\r') {
        return s.to_owned();
    }
    s.replace("\r\n", "\n").replace('\r', "\n")
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether every character of `s` may appear in an XML 1.0 document.
pub(crate) fn all_xml_chars(s: &str) -> bool {
    s.chars().all(is_xml_char)
}

fn check_chars(s: &str, pos: u64) -> Result<(), XmlError> {
    if all_xml_chars(s) {
        Ok(())
    } else {
        Err(err(pos, "character not allowed in XML"))
    }
}

fn resolve_reference(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = if let Some(hex) = num.strip_prefix('x') {
                if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                u32::from_str_radix(hex, 16).ok()?
            } else {
                if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                num.parse::<u32>().ok()?
            };
            char::from_u32(code).filter(|c| is_xml_char(*c))
        }
    }
}

/// Attribute-value normalisation for CDATA attributes (XML 1.0 §3.3.3):
/// newlines normalised, each literal whitespace character becomes a space,
/// references resolved (a referenced character is kept as is).
fn normalize_attribute(raw: &str, pos: u64) -> Result<String, XmlError> {
    let raw = normalize_newlines(raw);
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw.as_str();
    while let Some(i) = rest.find(['&', '<', '\t', '\n']) {
        out.push_str(&rest[..i]);
        let c = rest.as_bytes()[i];
        match c {
            b'<' => return Err(err(pos, "'<' is not allowed in an attribute value")),
            b'\t' | b'\n' => {
                out.push(' ');
                rest = &rest[i + 1..];
            }
            _ => {
                let end = rest[i..]
                    .find(';')
                    .ok_or_else(|| err(pos, "unterminated reference in an attribute"))?;
                let name = &rest[i + 1..i + end];
                let ch = resolve_reference(name)
                    .ok_or_else(|| err(pos, format!("entity reference &{name}; is not allowed")))?;
                out.push(ch);
                rest = &rest[i + end + 1..];
            }
        }
    }
    out.push_str(rest);
    check_chars(&out, pos)?;
    Ok(out)
}

// ------------------------------------------------------------ serializing

/// Escapes character data so that a parser gives back exactly `s`.
pub(crate) fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// Escapes an attribute value (double-quoted) so that a parser gives back
/// exactly `s`, whitespace characters included.
pub(crate) fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn write_element(el: &Element, out: &mut String) {
    out.push('<');
    out.push_str(&el.qname());
    for (p, uri) in &el.ns_decls {
        match p {
            Some(p) => {
                out.push_str(" xmlns:");
                out.push_str(p);
            }
            None => out.push_str(" xmlns"),
        }
        out.push_str("=\"");
        escape_attr(uri, out);
        out.push('"');
    }
    for a in &el.attrs {
        out.push(' ');
        out.push_str(&qname(a.prefix.as_deref(), &a.local));
        out.push_str("=\"");
        escape_attr(&a.value, out);
        out.push('"');
    }
    if el.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for n in &el.children {
        write_node(n, out);
    }
    out.push_str("</");
    out.push_str(&el.qname());
    out.push('>');
}

fn write_node(n: &Node, out: &mut String) {
    match n {
        Node::Element(e) => write_element(e, out),
        Node::Text(t) => escape_text(t, out),
        Node::Comment(c) => {
            out.push_str("<!--");
            out.push_str(c);
            out.push_str("-->");
        }
        Node::Pi { target, data } => {
            out.push_str("<?");
            out.push_str(target);
            if !data.is_empty() {
                out.push(' ');
                out.push_str(data);
            }
            out.push_str("?>");
        }
    }
}

/// Writes the document as UTF-8 with an XML declaration.
pub(crate) fn serialize(doc: &Document) -> Vec<u8> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    for n in &doc.prolog {
        write_node(n, &mut out);
        out.push('\n');
    }
    write_element(&doc.root, &mut out);
    for n in &doc.epilog {
        out.push('\n');
        write_node(n, &mut out);
    }
    out.push('\n');
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Document, XmlError> {
        parse(s.as_bytes(), &Limits::default())
    }

    #[test]
    fn refuses_dtds_and_entities() {
        assert!(p("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>").is_err());
        assert!(p("<a>&x;</a>").is_err());
        assert!(p("<a b=\"&x;\"/>").is_err());
        assert!(p("<a>&#0;</a>").is_err());
        assert!(p("<a>\u{1}</a>").is_err());
    }

    #[test]
    fn limits_hold() {
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert!(p(&deep).is_err());
        let small = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        assert!(parse(b"<a>0123456789</a>", &small).is_err());
    }

    #[test]
    fn namespaces_resolve_and_undeclared_prefixes_fail() {
        let d = p("<x:a xmlns:x=\"urn:x\" xmlns=\"urn:d\"><b/><x:c y=\"1\"/></x:a>").unwrap();
        assert_eq!(d.root.ns.as_deref(), Some("urn:x"));
        let kids: Vec<_> = d.root.elements().collect();
        assert_eq!(kids[0].ns.as_deref(), Some("urn:d"));
        assert_eq!(kids[1].ns.as_deref(), Some("urn:x"));
        assert!(p("<x:a/>").is_err());
        assert!(p("<a q:b=\"1\"/>").is_err());
        assert!(p("<a xmlns:x=\"urn:1\" xmlns:y=\"urn:1\" x:b=\"1\" y:b=\"2\"/>").is_err());
    }

    #[test]
    fn newlines_and_references_round_trip() {
        let d = p("<a b=\"1&#xD;\r\n2\t3\">x\r\ny&#13;z&amp;&lt;<![CDATA[<&>]]></a>").unwrap();
        assert_eq!(d.root.attr("b"), Some("1\r 2 3"));
        assert_eq!(d.root.text(), "x\ny\rz&<<&>");
        let again = parse(&serialize(&d), &Limits::default()).unwrap();
        assert_eq!(again, d);
    }

    #[test]
    fn empty_and_start_tags_with_slashes_in_attributes() {
        let d = p("<a><b c=\"/>\"></b><d e='x/'/></a>").unwrap();
        let kids: Vec<_> = d.root.elements().collect();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0].attr("c"), Some("/>"));
    }
}
