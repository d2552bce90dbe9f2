//! Exclusive XML Canonicalization 1.0 without comments
//! (<http://www.w3.org/2001/10/xml-exc-c14n#>), over the tree of [`crate::dom`].
//!
//! What it does, per the W3C recommendations (C14N 1.0 §2 and Exc-C14N §3):
//! no XML declaration; elements written `<a ...></a>` (never empty-element
//! tags); a namespace declaration is written on an element only where that
//! element or one of its attributes *visibly uses* the prefix and the
//! nearest output ancestor has not already written the same binding;
//! `xmlns=""` where an unprefixed element has no namespace but its output
//! ancestor wrote a default namespace; declarations sorted by prefix
//! (default first), then attributes sorted by (namespace URI, local name),
//! values in double quotes; text escaped as `&amp; &lt; &gt; &#xD;`,
//! attributes as `&amp; &lt; &quot; &#x9; &#xA; &#xD;`; comments dropped;
//! processing instructions kept (outside the document element, separated from
//! it by a line feed); all other whitespace kept as it is. `InclusiveNamespaces`
//! prefix lists are not supported (the verifier refuses them).

use std::collections::BTreeMap;

use crate::dom::{Document, Element, Node, XML_NS};

/// In-scope namespace bindings (prefix `""` = default namespace; an empty
/// URI means "no default namespace").
pub(crate) type NsMap = BTreeMap<String, String>;

/// Canonicalises the whole document (the node set of a same-document
/// reference `URI=""`: all nodes but comments), leaving out the element
/// `exclude` and its subtree (the enveloped-signature transform).
pub(crate) fn canonicalize_document(doc: &Document, exclude: Option<&Element>) -> Vec<u8> {
    let mut out = String::new();
    for n in &doc.prolog {
        if let Node::Pi { .. } = n {
            write_pi(n, &mut out);
            out.push('\n');
        }
    }
    write_element(&doc.root, &NsMap::new(), &NsMap::new(), exclude, &mut out);
    for n in &doc.epilog {
        if let Node::Pi { .. } = n {
            out.push('\n');
            write_pi(n, &mut out);
        }
    }
    out.into_bytes()
}

/// Canonicalises the subtree rooted at `apex`, whose ancestors declare the
/// bindings `in_scope` (used only for the prefixes the subtree visibly uses).
pub(crate) fn canonicalize_subtree(apex: &Element, in_scope: &NsMap) -> Vec<u8> {
    let mut out = String::new();
    write_element(apex, in_scope, &NsMap::new(), None, &mut out);
    out.into_bytes()
}

/// The bindings in scope for the children of `el`, given those in scope for it.
pub(crate) fn scope_of(el: &Element, parent_scope: &NsMap) -> NsMap {
    let mut scope = parent_scope.clone();
    for (p, uri) in &el.ns_decls {
        scope.insert(p.clone().unwrap_or_default(), uri.clone());
    }
    scope
}

fn write_pi(n: &Node, out: &mut String) {
    if let Node::Pi { target, data } = n {
        out.push_str("<?");
        out.push_str(target);
        if !data.is_empty() {
            out.push(' ');
            out.push_str(data);
        }
        out.push_str("?>");
    }
}

fn write_element(
    el: &Element,
    parent_scope: &NsMap,
    rendered: &NsMap,
    exclude: Option<&Element>,
    out: &mut String,
) {
    let scope = scope_of(el, parent_scope);

    // Visibly utilised prefixes: the element's own, then its attributes'.
    let mut used: Vec<String> = vec![el.prefix.clone().unwrap_or_default()];
    for a in &el.attrs {
        if let Some(p) = &a.prefix {
            if p != "xml" && !used.contains(p) {
                used.push(p.clone());
            }
        }
    }
    let mut decls: Vec<(String, String)> = Vec::new();
    let mut now_rendered = rendered.clone();
    for p in used {
        let uri = scope.get(&p).cloned().unwrap_or_default();
        let already = rendered.get(&p);
        let write = if p.is_empty() {
            // xmlns="" only to undo a default namespace an output ancestor wrote.
            match already {
                Some(prev) => *prev != uri,
                None => !uri.is_empty(),
            }
        } else {
            already != Some(&uri)
        };
        if write {
            now_rendered.insert(p.clone(), uri.clone());
            decls.push((p, uri));
        }
    }
    decls.sort_by(|a, b| a.0.cmp(&b.0));

    let mut attrs: Vec<(&str, &str, String, &str)> = el
        .attrs
        .iter()
        .map(|a| {
            let ns = match a.prefix.as_deref() {
                Some("xml") => XML_NS,
                _ => a.ns.as_deref().unwrap_or(""),
            };
            (
                ns,
                a.local.as_str(),
                crate::dom::qname(a.prefix.as_deref(), &a.local),
                a.value.as_str(),
            )
        })
        .collect();
    attrs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

    let name = el.qname();
    out.push('<');
    out.push_str(&name);
    for (p, uri) in &decls {
        if p.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(p);
            out.push_str("=\"");
        }
        escape_attr(uri, out);
        out.push('"');
    }
    for (_, _, qn, value) in &attrs {
        out.push(' ');
        out.push_str(qn);
        out.push_str("=\"");
        escape_attr(value, out);
        out.push('"');
    }
    out.push('>');
    for child in &el.children {
        match child {
            Node::Element(c) => {
                if exclude.is_some_and(|x| std::ptr::eq(x, c)) {
                    continue;
                }
                write_element(c, &scope, &now_rendered, exclude, out);
            }
            Node::Text(t) => escape_text(t, out),
            Node::Comment(_) => {}
            pi @ Node::Pi { .. } => write_pi(pi, out),
        }
    }
    out.push_str("</");
    out.push_str(&name);
    out.push('>');
}

fn escape_text(s: &str, out: &mut String) {
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

fn escape_attr(s: &str, out: &mut String) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dom::{parse, Limits};

    fn c14n(s: &str) -> String {
        let d = parse(s.as_bytes(), &Limits::default()).unwrap();
        String::from_utf8(canonicalize_document(&d, None)).unwrap()
    }

    #[test]
    fn exclusive_namespace_rules() {
        // Unused declarations vanish; used ones move to where they are used.
        assert_eq!(
            c14n(r#"<a:r xmlns:a="urn:a" xmlns:b="urn:b" xmlns:u="urn:u"><b:x/><c/></a:r>"#),
            r#"<a:r xmlns:a="urn:a"><b:x xmlns:b="urn:b"></b:x><c></c></a:r>"#
        );
        // Default namespace, and its undeclaration.
        assert_eq!(
            c14n(r#"<r xmlns="urn:d"><x xmlns=""><y/></x><z/></r>"#),
            r#"<r xmlns="urn:d"><x xmlns=""><y></y></x><z></z></r>"#
        );
        // xmlns="" is not written where no default namespace was rendered.
        assert_eq!(
            c14n(r#"<p:r xmlns:p="urn:p"><x xmlns=""/></p:r>"#),
            r#"<p:r xmlns:p="urn:p"><x></x></p:r>"#
        );
        // Redundant redeclarations are dropped; changed ones kept.
        assert_eq!(
            c14n(r#"<p:r xmlns:p="urn:p"><p:x xmlns:p="urn:p"><p:y xmlns:p="urn:q"/></p:x></p:r>"#),
            r#"<p:r xmlns:p="urn:p"><p:x><p:y xmlns:p="urn:q"></p:y></p:x></p:r>"#
        );
    }

    #[test]
    fn attribute_order_and_escaping() {
        assert_eq!(
            c14n("<?xml version=\"1.0\"?>\r\n<!--c--><r b='2' a=\"&lt;&quot;&#9;&#10;&#13;'\" xmlns:z=\"urn:z\" xmlns:a=\"urn:a\" z:c=\"3\" a:d=\"4\">&amp;&lt;&gt;\"'&#13;<!-- x --><?pi  data ?></r>"),
            "<r xmlns:a=\"urn:a\" xmlns:z=\"urn:z\" a=\"&lt;&quot;&#x9;&#xA;&#xD;'\" b=\"2\" a:d=\"4\" z:c=\"3\">&amp;&lt;&gt;\"'&#xD;<?pi data ?></r>"
        );
    }

    #[test]
    fn whitespace_and_prolog() {
        assert_eq!(
            c14n("<?a x?>\n<r>\n  <s> t </s>\n</r>\n<?b?>"),
            "<?a x?>\n<r>\n  <s> t </s>\n</r>\n<?b?>"
        );
    }
}
