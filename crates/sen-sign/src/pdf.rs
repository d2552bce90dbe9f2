//! A small PDF reader and writer: just enough to read the objects of a
//! file's newest revision (classic cross-reference tables, cross-reference
//! streams, object streams) and to append an incremental update.
//!
//! The original bytes are never rewritten: an update is appended after
//! them with its own cross-reference section pointing back (`/Prev`) to the
//! previous one.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use crate::SignError;

fn err(msg: impl Into<String>) -> SignError {
    SignError::Pdf(msg.into())
}

/// A PDF object (direct).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Object {
    Null,
    Bool(bool),
    Int(i64),
    /// A real number, kept as written so that it is written back unchanged.
    Real(String),
    Str(Vec<u8>),
    HexStr(Vec<u8>),
    Name(Vec<u8>),
    Array(Vec<Object>),
    Dict(Dict),
    Ref(u32, u16),
}

impl Object {
    pub(crate) fn name(n: &str) -> Object {
        Object::Name(n.as_bytes().to_vec())
    }

    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Object::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub(crate) fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&[u8]> {
        match self {
            Object::Str(s) | Object::HexStr(s) => Some(s),
            _ => None,
        }
    }
}

/// A dictionary that keeps its keys in the order they were read.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct Dict(pub(crate) Vec<(Vec<u8>, Object)>);

impl Dict {
    pub(crate) fn get(&self, key: &str) -> Option<&Object> {
        self.0
            .iter()
            .find(|(k, _)| k == key.as_bytes())
            .map(|(_, v)| v)
    }

    pub(crate) fn set(&mut self, key: &str, value: Object) {
        match self.0.iter_mut().find(|(k, _)| k == key.as_bytes()) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.as_bytes().to_vec(), value)),
        }
    }

    pub(crate) fn with(mut self, key: &str, value: Object) -> Dict {
        self.set(key, value);
        self
    }

    pub(crate) fn name_is(&self, key: &str, name: &str) -> bool {
        self.get(key).and_then(Object::as_name) == Some(name.as_bytes())
    }
}

/// An indirect object as stored: a direct object, or a stream.
#[derive(Clone, Debug)]
pub(crate) enum Indirect {
    Obj(Object),
    Stream(Dict, Vec<u8>),
}

// ----- lexer and parser --------------------------------------------------

fn is_ws(c: u8) -> bool {
    matches!(c, 0 | 9 | 10 | 12 | 13 | 32)
}

fn is_delim(c: u8) -> bool {
    b"()<>[]{}/%".contains(&c)
}

struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn new(b: &'a [u8], pos: usize) -> Lexer<'a> {
        Lexer { b, pos }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if is_ws(c) {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.b[self.pos.min(self.b.len())..].starts_with(s)
    }

    /// A regular token (keyword or number) without consuming it.
    fn token(&self) -> &'a [u8] {
        let start = self.pos.min(self.b.len());
        let mut end = start;
        while end < self.b.len() && !is_ws(self.b[end]) && !is_delim(self.b[end]) {
            end += 1;
        }
        &self.b[start..end]
    }

    fn keyword(&mut self, kw: &[u8]) -> Result<(), SignError> {
        self.skip_ws();
        if self.token() == kw {
            self.pos += kw.len();
            Ok(())
        } else {
            Err(err(format!(
                "expected '{}' at offset {}",
                String::from_utf8_lossy(kw),
                self.pos
            )))
        }
    }

    fn uint(&mut self) -> Result<u64, SignError> {
        self.skip_ws();
        let t = self.token();
        if t.is_empty() || !t.iter().all(u8::is_ascii_digit) {
            return Err(err(format!("expected a number at offset {}", self.pos)));
        }
        self.pos += t.len();
        std::str::from_utf8(t)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| err("number out of range"))
    }

    fn object(&mut self, depth: usize) -> Result<Object, SignError> {
        if depth > 64 {
            return Err(err("objects nested too deeply"));
        }
        self.skip_ws();
        let c = self.peek().ok_or_else(|| err("unexpected end of file"))?;
        match c {
            b'/' => {
                self.pos += 1;
                let t = self.token();
                self.pos += t.len();
                let mut name = Vec::with_capacity(t.len());
                let mut i = 0;
                while i < t.len() {
                    if t[i] == b'#' && i + 2 < t.len() {
                        if let Ok(v) = u8::from_str_radix(
                            std::str::from_utf8(&t[i + 1..i + 3]).unwrap_or("zz"),
                            16,
                        ) {
                            name.push(v);
                            i += 3;
                            continue;
                        }
                    }
                    name.push(t[i]);
                    i += 1;
                }
                Ok(Object::Name(name))
            }
            b'<' if self.b.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut dict = Dict::default();
                loop {
                    self.skip_ws();
                    if self.starts_with(b">>") {
                        self.pos += 2;
                        return Ok(Object::Dict(dict));
                    }
                    let key = match self.object(depth + 1)? {
                        Object::Name(n) => n,
                        _ => {
                            return Err(err(format!(
                                "dictionary key is not a name at {}",
                                self.pos
                            )))
                        }
                    };
                    let value = self.object(depth + 1)?;
                    dict.0.push((key, value));
                }
            }
            b'<' => {
                self.pos += 1;
                let mut digits = Vec::new();
                loop {
                    let c = self.peek().ok_or_else(|| err("unterminated hex string"))?;
                    self.pos += 1;
                    match c {
                        b'>' => break,
                        c if c.is_ascii_hexdigit() => digits.push(c),
                        c if is_ws(c) => {}
                        _ => return Err(err("bad hex string")),
                    }
                }
                if digits.len() % 2 == 1 {
                    digits.push(b'0');
                }
                let bytes = hex::decode(&digits).map_err(|_| err("bad hex string"))?;
                Ok(Object::HexStr(bytes))
            }
            b'(' => {
                self.pos += 1;
                let mut out = Vec::new();
                let mut level = 0usize;
                loop {
                    let c = self.peek().ok_or_else(|| err("unterminated string"))?;
                    self.pos += 1;
                    match c {
                        b'(' => {
                            level += 1;
                            out.push(c);
                        }
                        b')' => {
                            if level == 0 {
                                break;
                            }
                            level -= 1;
                            out.push(c);
                        }
                        b'\\' => {
                            let e = self.peek().ok_or_else(|| err("unterminated string"))?;
                            self.pos += 1;
                            match e {
                                b'n' => out.push(b'\n'),
                                b'r' => out.push(b'\r'),
                                b't' => out.push(b'\t'),
                                b'b' => out.push(8),
                                b'f' => out.push(12),
                                b'\r' => {
                                    if self.peek() == Some(b'\n') {
                                        self.pos += 1;
                                    }
                                }
                                b'\n' => {}
                                b'0'..=b'7' => {
                                    let mut v = u32::from(e - b'0');
                                    for _ in 0..2 {
                                        match self.peek() {
                                            Some(d @ b'0'..=b'7') => {
                                                v = v * 8 + u32::from(d - b'0');
                                                self.pos += 1;
                                            }
                                            _ => break,
                                        }
                                    }
                                    out.push((v & 0xff) as u8);
                                }
                                other => out.push(other),
                            }
                        }
                        _ => out.push(c),
                    }
                }
                Ok(Object::Str(out))
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        return Ok(Object::Array(items));
                    }
                    items.push(self.object(depth + 1)?);
                }
            }
            _ => {
                let t = self.token();
                if t.is_empty() {
                    return Err(err(format!(
                        "unexpected byte {c:#04x} at offset {}",
                        self.pos
                    )));
                }
                self.pos += t.len();
                match t {
                    b"true" => return Ok(Object::Bool(true)),
                    b"false" => return Ok(Object::Bool(false)),
                    b"null" => return Ok(Object::Null),
                    _ => {}
                }
                let s = std::str::from_utf8(t).map_err(|_| err("bad token"))?;
                if let Ok(n) = s.parse::<i64>() {
                    // "n g R"?
                    if n >= 0 && !s.starts_with('+') {
                        let save = self.pos;
                        if let Ok(g) = self.uint() {
                            self.skip_ws();
                            if self.token() == b"R" {
                                self.pos += 1;
                                return Ok(Object::Ref(
                                    u32::try_from(n).map_err(|_| err("object number"))?,
                                    u16::try_from(g).map_err(|_| err("generation"))?,
                                ));
                            }
                        }
                        self.pos = save;
                    }
                    Ok(Object::Int(n))
                } else if s.parse::<f64>().is_ok() || s == "-" || s == "." {
                    Ok(Object::Real(s.to_string()))
                } else {
                    Err(err(format!("unknown token '{s}' at offset {}", self.pos)))
                }
            }
        }
    }
}

/// Parses one direct object at `pos`.
pub(crate) fn parse_object_at(data: &[u8], pos: usize) -> Result<Object, SignError> {
    Lexer::new(data, pos).object(0)
}

// ----- filters -----------------------------------------------------------

fn inflate(data: &[u8]) -> Result<Vec<u8>, SignError> {
    miniz_oxide::inflate::decompress_to_vec_zlib(data)
        .or_else(|_| miniz_oxide::inflate::decompress_to_vec(data))
        .map_err(|e| err(format!("FlateDecode: {e:?}")))
}

pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

fn unpredict(data: Vec<u8>, parms: Option<&Dict>) -> Result<Vec<u8>, SignError> {
    let Some(parms) = parms else { return Ok(data) };
    let predictor = parms.get("Predictor").and_then(Object::as_int).unwrap_or(1);
    if predictor < 10 {
        if predictor == 1 {
            return Ok(data);
        }
        return Err(err(format!("unsupported predictor {predictor}")));
    }
    let colors = parms
        .get("Colors")
        .and_then(Object::as_int)
        .unwrap_or(1)
        .max(1) as usize;
    let bpc = parms
        .get("BitsPerComponent")
        .and_then(Object::as_int)
        .unwrap_or(8)
        .max(1) as usize;
    let columns = parms
        .get("Columns")
        .and_then(Object::as_int)
        .unwrap_or(1)
        .max(1) as usize;
    let bpp = (colors * bpc).div_ceil(8).max(1);
    let row_len = (colors * bpc * columns).div_ceil(8);
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row_len];
    for chunk in data.chunks(row_len + 1) {
        if chunk.len() < row_len + 1 {
            break;
        }
        let filter = chunk[0];
        let mut row = chunk[1..].to_vec();
        for i in 0..row_len {
            let left = if i >= bpp { row[i - bpp] } else { 0 };
            let up = prev[i];
            let up_left = if i >= bpp { prev[i - bpp] } else { 0 };
            row[i] = match filter {
                0 => row[i],
                1 => row[i].wrapping_add(left),
                2 => row[i].wrapping_add(up),
                3 => row[i].wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                4 => {
                    let p = i16::from(left) + i16::from(up) - i16::from(up_left);
                    let (pa, pb, pc) = (
                        (p - i16::from(left)).abs(),
                        (p - i16::from(up)).abs(),
                        (p - i16::from(up_left)).abs(),
                    );
                    let pred = if pa <= pb && pa <= pc {
                        left
                    } else if pb <= pc {
                        up
                    } else {
                        up_left
                    };
                    row[i].wrapping_add(pred)
                }
                _ => return Err(err("bad PNG predictor row")),
            };
        }
        out.extend_from_slice(&row);
        prev = row;
    }
    Ok(out)
}

/// The decoded data of a stream (FlateDecode with predictors, or none).
pub(crate) fn decode_stream(dict: &Dict, raw: &[u8]) -> Result<Vec<u8>, SignError> {
    let filters: Vec<&[u8]> = match dict.get("Filter") {
        None => vec![],
        Some(Object::Name(n)) => vec![n],
        Some(Object::Array(a)) => a.iter().filter_map(Object::as_name).collect(),
        Some(_) => return Err(err("bad /Filter")),
    };
    let parms: Vec<Option<&Dict>> = match dict.get("DecodeParms") {
        Some(Object::Dict(d)) => vec![Some(d)],
        Some(Object::Array(a)) => a
            .iter()
            .map(|o| match o {
                Object::Dict(d) => Some(d),
                _ => None,
            })
            .collect(),
        _ => vec![],
    };
    let mut data = raw.to_vec();
    for (i, f) in filters.iter().enumerate() {
        match *f {
            b"FlateDecode" => {
                data = unpredict(inflate(&data)?, parms.get(i).copied().flatten())?;
            }
            other => {
                return Err(err(format!(
                    "unsupported filter {}",
                    String::from_utf8_lossy(other)
                )))
            }
        }
    }
    Ok(data)
}

// ----- document ----------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Entry {
    Free,
    Offset(u64, u16),
    Compressed(u32, u32),
}

type ObjStm = Rc<(Vec<u8>, Vec<(u32, usize)>)>;

/// The newest revision of a PDF file, read through its cross-reference
/// sections.
pub(crate) struct Document<'a> {
    pub(crate) data: &'a [u8],
    xref: BTreeMap<u32, Entry>,
    pub(crate) trailer: Dict,
    pub(crate) startxref: u64,
    /// Whether the newest cross-reference section is a stream (an update
    /// then writes a stream too).
    pub(crate) xref_is_stream: bool,
    objstms: RefCell<HashMap<u32, ObjStm>>,
}

fn find_startxref(data: &[u8]) -> Result<u64, SignError> {
    let tail_start = data.len().saturating_sub(2048);
    let tail = &data[tail_start..];
    let at = tail
        .windows(9)
        .rposition(|w| w == b"startxref")
        .ok_or_else(|| err("no startxref: not a PDF file"))?;
    let mut lx = Lexer::new(data, tail_start + at + 9);
    lx.uint()
}

impl<'a> Document<'a> {
    pub(crate) fn load(data: &'a [u8]) -> Result<Document<'a>, SignError> {
        if !data.starts_with(b"%PDF-") {
            let head = &data[..data.len().min(1024)];
            if !head.windows(5).any(|w| w == b"%PDF-") {
                return Err(err("not a PDF file (no %PDF- header)"));
            }
        }
        let startxref = find_startxref(data)?;
        let mut doc = Document {
            data,
            xref: BTreeMap::new(),
            trailer: Dict::default(),
            startxref,
            xref_is_stream: false,
            objstms: RefCell::new(HashMap::new()),
        };
        let mut seen = HashSet::new();
        let mut next = Some(startxref);
        let mut first = true;
        while let Some(offset) = next.take() {
            if !seen.insert(offset) || seen.len() > 10_000 {
                break;
            }
            let (trailer, is_stream) = doc.read_section(offset)?;
            if first {
                doc.trailer = trailer.clone();
                doc.xref_is_stream = is_stream;
                first = false;
            }
            if let Some(stm) = trailer.get("XRefStm").and_then(Object::as_int) {
                if !is_stream && seen.insert(stm as u64) {
                    doc.read_section(stm as u64)?;
                }
            }
            next = trailer
                .get("Prev")
                .and_then(Object::as_int)
                .map(|p| p as u64);
        }
        if doc.trailer.get("Encrypt").is_some() {
            return Err(SignError::Unsupported("encrypted PDF files".into()));
        }
        Ok(doc)
    }

    fn insert(&mut self, id: u32, e: Entry) {
        self.xref.entry(id).or_insert(e);
    }

    fn read_section(&mut self, offset: u64) -> Result<(Dict, bool), SignError> {
        let offset = usize::try_from(offset).map_err(|_| err("offset"))?;
        if offset >= self.data.len() {
            return Err(err("cross-reference offset past the end of the file"));
        }
        let mut lx = Lexer::new(self.data, offset);
        lx.skip_ws();
        if lx.token() == b"xref" {
            lx.pos += 4;
            loop {
                lx.skip_ws();
                if lx.token() == b"trailer" {
                    lx.pos += 7;
                    break;
                }
                let start = lx.uint()? as u32;
                let count = lx.uint()? as u32;
                for i in 0..count {
                    let off = lx.uint()?;
                    let gen = lx.uint()? as u16;
                    lx.skip_ws();
                    let kind = lx.token();
                    lx.pos += kind.len();
                    let e = match kind {
                        b"n" => Entry::Offset(off, gen),
                        b"f" => Entry::Free,
                        _ => return Err(err("bad cross-reference entry")),
                    };
                    self.insert(start + i, e);
                }
            }
            match lx.object(0)? {
                Object::Dict(d) => Ok((d, false)),
                _ => Err(err("trailer is not a dictionary")),
            }
        } else {
            let (_, obj) = self.parse_indirect_at(offset, false)?;
            let Indirect::Stream(dict, raw) = obj else {
                return Err(err("startxref points neither to a table nor to a stream"));
            };
            if !dict.name_is("Type", "XRef") {
                return Err(err("cross-reference stream without /Type /XRef"));
            }
            let data = decode_stream(&dict, &raw)?;
            let w: Vec<usize> = match dict.get("W") {
                Some(Object::Array(a)) => a
                    .iter()
                    .map(|o| o.as_int().unwrap_or(0).max(0) as usize)
                    .collect(),
                _ => return Err(err("cross-reference stream without /W")),
            };
            if w.len() != 3 || w.iter().any(|x| *x > 8) {
                return Err(err("bad /W"));
            }
            let size = dict.get("Size").and_then(Object::as_int).unwrap_or(0);
            let index: Vec<i64> = match dict.get("Index") {
                Some(Object::Array(a)) => a.iter().filter_map(Object::as_int).collect(),
                _ => vec![0, size],
            };
            let entry_len: usize = w.iter().sum();
            let field = |bytes: &[u8]| bytes.iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b));
            let mut pos = 0usize;
            for pair in index.chunks(2) {
                let [start, count] = pair else { break };
                for i in 0..*count {
                    if pos + entry_len > data.len() {
                        break;
                    }
                    let e = &data[pos..pos + entry_len];
                    pos += entry_len;
                    let kind = if w[0] == 0 { 1 } else { field(&e[..w[0]]) };
                    let f2 = field(&e[w[0]..w[0] + w[1]]);
                    let f3 = field(&e[w[0] + w[1]..]);
                    let entry = match kind {
                        0 => Entry::Free,
                        1 => Entry::Offset(f2, f3 as u16),
                        2 => Entry::Compressed(f2 as u32, f3 as u32),
                        _ => continue,
                    };
                    self.insert((start + i) as u32, entry);
                }
            }
            Ok((dict, true))
        }
    }

    /// Parses "n g obj … endobj" at `offset`.
    fn parse_indirect_at(
        &self,
        offset: usize,
        resolve_length: bool,
    ) -> Result<((u32, u16), Indirect), SignError> {
        let mut lx = Lexer::new(self.data, offset);
        let id = lx.uint()? as u32;
        let gen = lx.uint()? as u16;
        lx.keyword(b"obj")?;
        let obj = lx.object(0)?;
        lx.skip_ws();
        if lx.token() != b"stream" {
            return Ok(((id, gen), Indirect::Obj(obj)));
        }
        let Object::Dict(dict) = obj else {
            return Err(err("stream without a dictionary"));
        };
        lx.pos += 6;
        if lx.peek() == Some(b'\r') {
            lx.pos += 1;
        }
        if lx.peek() == Some(b'\n') {
            lx.pos += 1;
        }
        let start = lx.pos;
        let declared = match dict.get("Length") {
            Some(Object::Int(n)) => Some(*n as usize),
            Some(Object::Ref(i, _)) if resolve_length => match self.get(*i) {
                Ok(Indirect::Obj(Object::Int(n))) => Some(n as usize),
                _ => None,
            },
            _ => None,
        };
        let end = match declared {
            Some(len)
                if start + len <= self.data.len() && {
                    let mut l2 = Lexer::new(self.data, start + len);
                    l2.skip_ws();
                    l2.token() == b"endstream"
                } =>
            {
                start + len
            }
            _ => {
                let rel = self.data[start..]
                    .windows(9)
                    .position(|w| w == b"endstream")
                    .ok_or_else(|| err("stream without endstream"))?;
                let mut end = start + rel;
                if end > start && self.data[end - 1] == b'\n' {
                    end -= 1;
                }
                if end > start && self.data[end - 1] == b'\r' {
                    end -= 1;
                }
                end
            }
        };
        Ok((
            (id, gen),
            Indirect::Stream(dict, self.data[start..end].to_vec()),
        ))
    }

    /// The generation number an update must use to replace object `id`.
    pub(crate) fn generation(&self, id: u32) -> u16 {
        match self.xref.get(&id) {
            Some(Entry::Offset(_, g)) => *g,
            _ => 0,
        }
    }

    /// The value of trailer /Size: the first free object number.
    pub(crate) fn size(&self) -> u32 {
        let declared = self
            .trailer
            .get("Size")
            .and_then(Object::as_int)
            .unwrap_or(0) as u32;
        let max = self.xref.keys().next_back().map(|k| k + 1).unwrap_or(0);
        declared.max(max)
    }

    pub(crate) fn get(&self, id: u32) -> Result<Indirect, SignError> {
        match self.xref.get(&id) {
            None | Some(Entry::Free) => Ok(Indirect::Obj(Object::Null)),
            Some(Entry::Offset(off, _)) => {
                let off = usize::try_from(*off).map_err(|_| err("offset"))?;
                let (found, obj) = self.parse_indirect_at(off, true)?;
                if found.0 != id {
                    return Err(err(format!(
                        "cross-reference entry of object {id} points to object {}",
                        found.0
                    )));
                }
                Ok(obj)
            }
            Some(Entry::Compressed(stm, idx)) => {
                let stm = self.objstm(*stm)?;
                let (num, off) = *stm
                    .1
                    .get(*idx as usize)
                    .ok_or_else(|| err("object stream index out of range"))?;
                if num != id {
                    return Err(err("object stream entry mismatch"));
                }
                let mut lx = Lexer::new(&stm.0, off);
                Ok(Indirect::Obj(lx.object(0)?))
            }
        }
    }

    fn objstm(&self, id: u32) -> Result<ObjStm, SignError> {
        if let Some(s) = self.objstms.borrow().get(&id) {
            return Ok(s.clone());
        }
        let Indirect::Stream(dict, raw) = self.get(id)? else {
            return Err(err("object stream is not a stream"));
        };
        let data = decode_stream(&dict, &raw)?;
        let n = dict.get("N").and_then(Object::as_int).unwrap_or(0) as usize;
        let first = dict.get("First").and_then(Object::as_int).unwrap_or(0) as usize;
        let mut lx = Lexer::new(&data, 0);
        let mut table = Vec::with_capacity(n);
        for _ in 0..n {
            let num = lx.uint()? as u32;
            let off = lx.uint()? as usize;
            table.push((num, first + off));
        }
        let s: ObjStm = Rc::new((data, table));
        self.objstms.borrow_mut().insert(id, s.clone());
        Ok(s)
    }

    /// Object `o`, with a reference followed (streams give their dictionary).
    pub(crate) fn resolve(&self, o: &Object) -> Result<Object, SignError> {
        match o {
            Object::Ref(id, _) => match self.get(*id)? {
                Indirect::Obj(o) => Ok(o),
                Indirect::Stream(d, _) => Ok(Object::Dict(d)),
            },
            other => Ok(other.clone()),
        }
    }

    pub(crate) fn dict(&self, o: &Object) -> Result<Dict, SignError> {
        match self.resolve(o)? {
            Object::Dict(d) => Ok(d),
            _ => Err(err("expected a dictionary")),
        }
    }

    pub(crate) fn catalog_ref(&self) -> Result<(u32, u16), SignError> {
        match self.trailer.get("Root") {
            Some(Object::Ref(i, g)) => Ok((*i, *g)),
            _ => Err(err("trailer without /Root")),
        }
    }

    /// The page objects, in order.
    pub(crate) fn pages(&self) -> Result<Vec<u32>, SignError> {
        let (root, _) = self.catalog_ref()?;
        let catalog = self.dict(&Object::Ref(root, 0))?;
        let tree = catalog
            .get("Pages")
            .ok_or_else(|| err("catalog without /Pages"))?
            .clone();
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.walk_pages(&tree, &mut out, &mut seen, 0)?;
        Ok(out)
    }

    fn walk_pages(
        &self,
        node: &Object,
        out: &mut Vec<u32>,
        seen: &mut HashSet<u32>,
        depth: usize,
    ) -> Result<(), SignError> {
        let Object::Ref(id, _) = node else {
            return Err(err("page tree node is not an indirect object"));
        };
        if depth > 64 || !seen.insert(*id) {
            return Err(err("page tree has a cycle"));
        }
        let d = self.dict(node)?;
        match d.get("Kids") {
            Some(kids) if !d.name_is("Type", "Page") => {
                let Object::Array(kids) = self.resolve(kids)? else {
                    return Err(err("/Kids is not an array"));
                };
                for k in &kids {
                    self.walk_pages(k, out, seen, depth + 1)?;
                }
            }
            _ => out.push(*id),
        }
        Ok(())
    }
}

// ----- writer ------------------------------------------------------------

pub(crate) fn write_name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &c in n {
        if c <= b' ' || c > b'~' || is_delim(c) || c == b'#' {
            out.extend_from_slice(format!("#{c:02X}").as_bytes());
        } else {
            out.push(c);
        }
    }
}

pub(crate) fn write_str(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'(');
    for &c in s {
        match c {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(c);
            }
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            c if !(b' '..=b'~').contains(&c) => {
                out.extend_from_slice(format!("\\{c:03o}").as_bytes())
            }
            c => out.push(c),
        }
    }
    out.push(b')');
}

pub(crate) fn write_object(out: &mut Vec<u8>, o: &Object) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => out.extend_from_slice(r.as_bytes()),
        Object::Str(s) => write_str(out, s),
        Object::HexStr(s) => {
            out.push(b'<');
            out.extend_from_slice(hex::encode_upper(s).as_bytes());
            out.push(b'>');
        }
        Object::Name(n) => write_name(out, n),
        Object::Array(a) => {
            out.push(b'[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dict(d) => {
            out.extend_from_slice(b"<<");
            for (k, v) in &d.0 {
                write_name(out, k);
                out.push(b' ');
                write_object(out, v);
            }
            out.extend_from_slice(b">>");
        }
        Object::Ref(i, g) => out.extend_from_slice(format!("{i} {g} R").as_bytes()),
    }
}

/// A PDF text string: ASCII as is, anything else as UTF-16BE with a BOM.
pub(crate) fn text_string(s: &str) -> Object {
    if s.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        Object::Str(s.as_bytes().to_vec())
    } else {
        let mut v = vec![0xfe, 0xff];
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_be_bytes());
        }
        Object::Str(v)
    }
}

/// Decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM, or
/// PDFDocEncoding read as Latin-1).
pub(crate) fn decode_text(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .filter(|c| c.len() == 2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = b.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        b.iter().map(|&c| char::from(c)).collect()
    }
}

/// An incremental update being assembled: objects whose bodies are already
/// serialised.
pub(crate) struct Update {
    next_id: u32,
    objects: Vec<(u32, u16, Vec<u8>)>,
}

impl Update {
    pub(crate) fn new(doc: &Document<'_>) -> Update {
        Update {
            next_id: doc.size().max(1),
            objects: Vec::new(),
        }
    }

    pub(crate) fn alloc(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub(crate) fn put(&mut self, id: u32, gen: u16, body: Vec<u8>) {
        self.objects.retain(|(i, _, _)| *i != id);
        self.objects.push((id, gen, body));
    }

    pub(crate) fn put_object(&mut self, id: u32, gen: u16, o: &Object) {
        let mut body = Vec::new();
        write_object(&mut body, o);
        self.put(id, gen, body);
    }

    pub(crate) fn put_stream(&mut self, id: u32, dict: Dict, data: &[u8]) {
        let dict = dict.with("Length", Object::Int(data.len() as i64));
        let mut body = Vec::new();
        write_object(&mut body, &Object::Dict(dict));
        body.extend_from_slice(b"\nstream\n");
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.put(id, 0, body);
    }

    /// Appends the update to `doc`'s bytes. Returns the new file and the
    /// offset of each object's body.
    pub(crate) fn finish(mut self, doc: &Document<'_>) -> (Vec<u8>, HashMap<u32, usize>) {
        let mut out = doc.data.to_vec();
        if !out.ends_with(b"\n") && !out.ends_with(b"\r") {
            out.push(b'\n');
        }
        let mut offsets = HashMap::new();
        let mut entries: BTreeMap<u32, (u64, u16)> = BTreeMap::new();
        for (id, gen, body) in &self.objects {
            let start = out.len();
            out.extend_from_slice(format!("{id} {gen} obj\n").as_bytes());
            offsets.insert(*id, out.len());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
            entries.insert(*id, (start as u64, *gen));
        }
        let mut trailer = Dict::default();
        for key in ["Root", "Info", "ID"] {
            if let Some(v) = doc.trailer.get(key) {
                trailer.set(key, v.clone());
            }
        }
        trailer.set("Prev", Object::Int(doc.startxref as i64));
        let xref_offset = out.len();
        if doc.xref_is_stream {
            let id = self.alloc();
            entries.insert(id, (xref_offset as u64, 0));
            let mut index = Vec::new();
            let mut data = Vec::new();
            let mut run: Option<(u32, u32)> = None;
            for (&eid, &(off, gen)) in &entries {
                match run {
                    Some((s, n)) if s + n == eid => run = Some((s, n + 1)),
                    _ => {
                        if let Some((s, n)) = run {
                            index.extend([Object::Int(s.into()), Object::Int(n.into())]);
                        }
                        run = Some((eid, 1));
                    }
                }
                data.push(1u8);
                data.extend_from_slice(&(off as u32).to_be_bytes());
                data.extend_from_slice(&gen.to_be_bytes());
            }
            if let Some((s, n)) = run {
                index.extend([Object::Int(s.into()), Object::Int(n.into())]);
            }
            let dict = trailer
                .with("Type", Object::name("XRef"))
                .with("Size", Object::Int(self.next_id.into()))
                .with("Index", Object::Array(index))
                .with(
                    "W",
                    Object::Array(vec![Object::Int(1), Object::Int(4), Object::Int(2)]),
                )
                .with("Length", Object::Int(data.len() as i64));
            out.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
            write_object(&mut out, &Object::Dict(dict));
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&data);
            out.extend_from_slice(b"\nendstream\nendobj\n");
        } else {
            out.extend_from_slice(b"xref\n");
            let ids: Vec<u32> = entries.keys().copied().collect();
            let mut i = 0;
            while i < ids.len() {
                let mut j = i + 1;
                while j < ids.len() && ids[j] == ids[j - 1] + 1 {
                    j += 1;
                }
                out.extend_from_slice(format!("{} {}\n", ids[i], j - i).as_bytes());
                for id in &ids[i..j] {
                    let (off, gen) = entries[id];
                    out.extend_from_slice(format!("{off:010} {gen:05} n\r\n").as_bytes());
                }
                i = j;
            }
            let trailer = trailer.with("Size", Object::Int(self.next_id.into()));
            out.extend_from_slice(b"trailer\n");
            write_object(&mut out, &Object::Dict(trailer));
            out.push(b'\n');
        }
        out.extend_from_slice(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());
        (out, offsets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_round_trip() {
        let src = b"<</A [1 2.5 -3 (a\\(b\\)\\n) <4142> /N#20x 7 0 R true null] /B<</C/D>>>>";
        let o = Lexer::new(src, 0).object(0).unwrap();
        let mut out = Vec::new();
        write_object(&mut out, &o);
        let again = Lexer::new(&out, 0).object(0).unwrap();
        assert_eq!(o, again);
        let Object::Dict(d) = o else { panic!() };
        let Some(Object::Array(a)) = d.get("A") else {
            panic!()
        };
        assert_eq!(a[3], Object::Str(b"a(b)\n".to_vec()));
        assert_eq!(a[5], Object::Name(b"N x".to_vec()));
        assert_eq!(a[6], Object::Ref(7, 0));
    }

    #[test]
    fn png_up_predictor() {
        let parms = Dict::default()
            .with("Predictor", Object::Int(12))
            .with("Columns", Object::Int(2));
        let data = vec![2, 1, 2, 2, 1, 1];
        assert_eq!(unpredict(data, Some(&parms)).unwrap(), vec![1, 2, 2, 3]);
    }

    #[test]
    fn text_strings() {
        assert_eq!(
            decode_text(text_string("Hà Nội").as_str().unwrap()),
            "Hà Nội"
        );
        assert_eq!(text_string("abc"), Object::Str(b"abc".to_vec()));
    }
}
