//! The visible signature of Nghị định 30/2020: the signer's image and the
//! seal (PNG, embedded as image XObjects with their transparency as a soft
//! mask) and text lines in Vietnamese, set in an embedded subset of
//! Liberation Serif (the font `sen-forms` ships) with a ToUnicode map so
//! the text can be searched and copied.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};
use unicode_normalization::UnicodeNormalization;

use crate::pdf::{deflate, Dict, Object, Update};
use crate::{Appearance, SignError};

static FONT: &[u8] = include_bytes!("../../sen-forms/fonts/LiberationSerif-Regular.ttf");
const FONT_NAME: &str = "LiberationSerif";
/// The largest image side accepted, in pixels.
const MAX_SIDE: u32 = 4096;

fn font_err(e: impl std::fmt::Display) -> SignError {
    SignError::Font(e.to_string())
}

struct Font {
    face: Face<'static>,
    scale: f32,
    remapper: GlyphRemapper,
    to_unicode: BTreeMap<u16, char>,
    fallback: GlyphId,
}

impl Font {
    fn load() -> Result<Font, SignError> {
        let face = Face::parse(FONT, 0).map_err(font_err)?;
        let fallback = face
            .glyph_index('?')
            .ok_or_else(|| font_err("no '?' glyph"))?;
        Ok(Font {
            scale: 1000.0 / f32::from(face.units_per_em()),
            face,
            remapper: GlyphRemapper::new(),
            to_unicode: BTreeMap::new(),
            fallback,
        })
    }

    fn glyph(&self, c: char) -> (GlyphId, char) {
        let c = if c.is_whitespace() { ' ' } else { c };
        match self.face.glyph_index(c) {
            Some(g) if g.0 != 0 => (g, c),
            _ => (self.fallback, '?'),
        }
    }

    fn glyph_width(&self, g: GlyphId) -> f32 {
        f32::from(self.face.glyph_hor_advance(g).unwrap_or(0)) * self.scale
    }

    /// Width of `text` in points at `size`.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.glyph_width(self.glyph(c).0))
            .sum::<f32>()
            * size
            / 1000.0
    }

    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for c in text.chars() {
            let (g, shown) = self.glyph(c);
            let cid = self.remapper.remap(g.0);
            self.to_unicode.entry(cid).or_insert(shown);
            out.extend_from_slice(&cid.to_be_bytes());
        }
        out
    }

    fn scaled(&self, v: i16) -> f32 {
        f32::from(v) * self.scale
    }

    /// Writes the Type0 font and its parts; returns the Type0's id.
    fn embed(&self, update: &mut Update) -> Result<u32, SignError> {
        let type0 = update.alloc();
        let cid = update.alloc();
        let descriptor = update.alloc();
        let cmap = update.alloc();
        let file = update.alloc();
        // A subset tag from the glyph set, so that equal inputs give equal bytes.
        let mut h: u32 = 0x811c_9dc5;
        for g in self.remapper.remapped_gids() {
            for b in g.to_be_bytes() {
                h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
            }
        }
        let tag: String = (0..6)
            .map(|_| {
                let c = char::from(b'A' + (h % 26) as u8);
                h /= 26;
                c
            })
            .collect();
        let base = Object::name(&format!("{tag}+{FONT_NAME}"));
        update.put_object(
            type0,
            0,
            &Object::Dict(
                Dict::default()
                    .with("Type", Object::name("Font"))
                    .with("Subtype", Object::name("Type0"))
                    .with("BaseFont", base.clone())
                    .with("Encoding", Object::name("Identity-H"))
                    .with("DescendantFonts", Object::Array(vec![Object::Ref(cid, 0)]))
                    .with("ToUnicode", Object::Ref(cmap, 0)),
            ),
        );
        let widths: Vec<Object> = self
            .remapper
            .remapped_gids()
            .map(|g| Object::Int(self.glyph_width(GlyphId(g)).round() as i64))
            .collect();
        let system_info = Dict::default()
            .with("Registry", Object::Str(b"Adobe".to_vec()))
            .with("Ordering", Object::Str(b"Identity".to_vec()))
            .with("Supplement", Object::Int(0));
        update.put_object(
            cid,
            0,
            &Object::Dict(
                Dict::default()
                    .with("Type", Object::name("Font"))
                    .with("Subtype", Object::name("CIDFontType2"))
                    .with("BaseFont", base.clone())
                    .with("CIDSystemInfo", Object::Dict(system_info))
                    .with("FontDescriptor", Object::Ref(descriptor, 0))
                    .with("DW", Object::Int(0))
                    .with(
                        "W",
                        Object::Array(vec![Object::Int(0), Object::Array(widths)]),
                    )
                    .with("CIDToGIDMap", Object::name("Identity")),
            ),
        );
        let face = &self.face;
        let bbox = face.global_bounding_box();
        let real = |v: f32| Object::Real(format!("{v:.0}"));
        let cap = face.capital_height().unwrap_or(face.ascender());
        update.put_object(
            descriptor,
            0,
            &Object::Dict(
                Dict::default()
                    .with("Type", Object::name("FontDescriptor"))
                    .with("FontName", base)
                    // Serif (2) + Nonsymbolic (32).
                    .with("Flags", Object::Int(34))
                    .with(
                        "FontBBox",
                        Object::Array(vec![
                            real(self.scaled(bbox.x_min)),
                            real(self.scaled(bbox.y_min)),
                            real(self.scaled(bbox.x_max)),
                            real(self.scaled(bbox.y_max)),
                        ]),
                    )
                    .with("ItalicAngle", Object::Int(0))
                    .with("Ascent", real(self.scaled(face.ascender())))
                    .with("Descent", real(self.scaled(face.descender())))
                    .with("CapHeight", real(self.scaled(cap)))
                    .with("StemV", Object::Int(80))
                    .with("FontFile2", Object::Ref(file, 0)),
            ),
        );
        let mut cm = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Sen-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let pairs: Vec<(&u16, &char)> = self.to_unicode.iter().collect();
        for chunk in pairs.chunks(100) {
            let _ = writeln!(cm, "{} beginbfchar", chunk.len());
            for (cid, c) in chunk {
                let mut units = [0u16; 2];
                let hex: String = c
                    .encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("{u:04X}"))
                    .collect();
                let _ = writeln!(cm, "<{cid:04X}> <{hex}>");
            }
            cm.push_str("endbfchar\n");
        }
        cm.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        update.put_stream(
            cmap,
            Dict::default().with("Filter", Object::name("FlateDecode")),
            &deflate(cm.as_bytes()),
        );
        let subset = subsetter::subset(FONT, 0, &self.remapper).map_err(font_err)?;
        update.put_stream(
            file,
            Dict::default()
                .with("Filter", Object::name("FlateDecode"))
                .with("Length1", Object::Int(subset.len() as i64)),
            &deflate(&subset),
        );
        Ok(type0)
    }
}

/// A decoded PNG: 8-bit gray or RGB samples and an optional alpha channel.
struct Image {
    width: u32,
    height: u32,
    rgb: bool,
    color: Vec<u8>,
    alpha: Option<Vec<u8>>,
}

fn decode_png(bytes: &[u8], what: &str) -> Result<Image, SignError> {
    let bad = |e: &dyn std::fmt::Display| SignError::Image(format!("{what}: {e}"));
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| bad(&e))?;
    let (w, h) = (reader.info().width, reader.info().height);
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(bad(&format!("{w}×{h} pixels (at most {MAX_SIDE} a side)")));
    }
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(|e| bad(&e))?;
    buf.truncate(info.buffer_size());
    let (ct, depth) = reader.output_color_type();
    if depth != png::BitDepth::Eight {
        return Err(bad(&"unsupported bit depth"));
    }
    let (channels, rgb, has_alpha) = match ct {
        png::ColorType::Grayscale => (1, false, false),
        png::ColorType::GrayscaleAlpha => (2, false, true),
        png::ColorType::Rgb => (3, true, false),
        png::ColorType::Rgba => (4, true, true),
        png::ColorType::Indexed => return Err(bad(&"palette not expanded")),
    };
    let color_channels = if rgb { 3 } else { 1 };
    let mut color = Vec::with_capacity((w * h * color_channels) as usize);
    let mut alpha = has_alpha.then(|| Vec::with_capacity((w * h) as usize));
    for px in buf.chunks(channels) {
        color.extend_from_slice(&px[..color_channels as usize]);
        if let Some(a) = alpha.as_mut() {
            a.push(px[channels - 1]);
        }
    }
    Ok(Image {
        width: w,
        height: h,
        rgb,
        color,
        alpha,
    })
}

fn embed_image(update: &mut Update, img: &Image) -> u32 {
    let id = update.alloc();
    let base = |cs: &str| {
        Dict::default()
            .with("Type", Object::name("XObject"))
            .with("Subtype", Object::name("Image"))
            .with("Width", Object::Int(img.width.into()))
            .with("Height", Object::Int(img.height.into()))
            .with("ColorSpace", Object::name(cs))
            .with("BitsPerComponent", Object::Int(8))
            .with("Filter", Object::name("FlateDecode"))
    };
    let mut dict = base(if img.rgb { "DeviceRGB" } else { "DeviceGray" });
    if let Some(alpha) = &img.alpha {
        let mask = update.alloc();
        update.put_stream(mask, base("DeviceGray"), &deflate(alpha));
        dict.set("SMask", Object::Ref(mask, 0));
    }
    update.put_stream(id, dict, &deflate(&img.color));
    id
}

fn num(v: f32) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Draws `img` fitted (aspect kept, centred) into the box.
fn draw_fitted(ops: &mut String, name: &str, img: &Image, x: f32, y: f32, w: f32, h: f32) {
    let scale = (w / img.width as f32).min(h / img.height as f32);
    let (dw, dh) = (img.width as f32 * scale, img.height as f32 * scale);
    let (dx, dy) = (x + (w - dw) / 2.0, y + (h - dh) / 2.0);
    let _ = writeln!(
        ops,
        "q {} 0 0 {} {} {} cm /{name} Do Q",
        num(dw),
        num(dh),
        num(dx),
        num(dy)
    );
}

/// The text lines of the visible signature.
pub(crate) fn lines(app: &Appearance, time_text: &str) -> Vec<String> {
    let mut lines = vec![format!("Ký bởi: {}", app.signer_name.nfc())];
    if let Some(org) = app.organisation.as_deref().filter(|o| !o.trim().is_empty()) {
        lines.push(format!("Cơ quan: {}", org.nfc()));
    }
    lines.push(format!("Thời gian ký: {time_text}"));
    lines
}

/// Writes the appearance XObject of a visible signature and what it uses;
/// returns the XObject's id.
pub(crate) fn visible(
    update: &mut Update,
    app: &Appearance,
    time_text: &str,
) -> Result<u32, SignError> {
    let [x1, y1, x2, y2] = app.rect_pt;
    let (w, h) = (x2 - x1, y2 - y1);
    let seal = app
        .seal_image_png
        .as_deref()
        .map(|b| decode_png(b, "seal image"))
        .transpose()?;
    let sig = app
        .signer_image_png
        .as_deref()
        .map(|b| decode_png(b, "signer image"))
        .transpose()?;
    let mut font = Font::load()?;
    let text = lines(app, time_text);

    let pad = (h.min(w) * 0.04).clamp(1.0, 4.0);
    let image_w = if seal.is_some() || sig.is_some() {
        (h - 2.0 * pad).min(w * 0.4).max(0.0)
    } else {
        0.0
    };
    let tx = if image_w > 0.0 {
        pad + image_w + pad
    } else {
        pad
    };
    let tw = (w - tx - pad).max(1.0);
    let mut size = ((h - 2.0 * pad) / (text.len() as f32 * 1.25)).min(10.0);
    for l in &text {
        let lw = font.width(l, size);
        if lw > tw {
            size *= tw / lw;
        }
    }
    let size = size.max(2.0);
    let leading = size * 1.25;

    let mut ops = String::new();
    let mut xobjects = Dict::default();
    if let Some(img) = &seal {
        let id = embed_image(update, img);
        xobjects.set("Seal", Object::Ref(id, 0));
        draw_fitted(&mut ops, "Seal", img, pad, pad, image_w, h - 2.0 * pad);
    }
    if let Some(img) = &sig {
        let id = embed_image(update, img);
        xobjects.set("Sig", Object::Ref(id, 0));
        draw_fitted(&mut ops, "Sig", img, pad, pad, image_w, h - 2.0 * pad);
    }
    let block = leading * text.len() as f32;
    let mut y = h / 2.0 + block / 2.0 - size;
    ops.push_str("BT\n0 0 0 rg\n");
    for l in &text {
        let hex = hex::encode_upper(font.encode(l));
        let _ = writeln!(
            ops,
            "/F1 {} Tf 1 0 0 1 {} {} Tm <{hex}> Tj",
            num(size),
            num(tx),
            num(y)
        );
        y -= leading;
    }
    ops.push_str("ET\n");

    let font_id = font.embed(update)?;
    let mut resources = Dict::default().with(
        "Font",
        Object::Dict(Dict::default().with("F1", Object::Ref(font_id, 0))),
    );
    if !xobjects.0.is_empty() {
        resources.set("XObject", Object::Dict(xobjects));
    }
    let id = update.alloc();
    update.put_stream(
        id,
        form_dict(w, h).with("Resources", Object::Dict(resources)),
        &deflate(ops.as_bytes()),
    );
    Ok(id)
}

fn form_dict(w: f32, h: f32) -> Dict {
    Dict::default()
        .with("Type", Object::name("XObject"))
        .with("Subtype", Object::name("Form"))
        .with(
            "BBox",
            Object::Array(vec![
                Object::Int(0),
                Object::Int(0),
                Object::Real(num(w)),
                Object::Real(num(h)),
            ]),
        )
        .with("Filter", Object::name("FlateDecode"))
}

/// An empty appearance for an invisible signature.
pub(crate) fn invisible(update: &mut Update) -> u32 {
    let id = update.alloc();
    update.put_stream(id, form_dict(0.0, 0.0), &deflate(b""));
    id
}
