//! Assembles the PDF file: pages, compressed content streams, and each used
//! face embedded as a subset Type0 / CIDFontType2 font with Identity-H
//! encoding, a /W widths array and a ToUnicode CMap.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::font::{Font, Fonts};
use crate::FormError;

/// One finished page.
pub(crate) struct Page {
    pub(crate) width: f32,
    pub(crate) height: f32,
    pub(crate) content: Vec<u8>,
}

/// The resource name of face `i` in content streams.
pub(crate) fn font_name(i: usize) -> Name<'static> {
    const NAMES: [&[u8]; 3] = [b"F0", b"F1", b"F2"];
    Name(NAMES[i])
}

fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

struct Ids(i32);

impl Ids {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

pub(crate) fn assemble(title: &str, pages: &[Page], fonts: &Fonts) -> Result<Vec<u8>, FormError> {
    let mut pdf = Pdf::new();
    let mut ids = Ids(0);
    let catalog_id = ids.next();
    let tree_id = ids.next();
    let info_id = ids.next();

    let font_ids: Vec<(usize, Ref)> = fonts
        .faces
        .iter()
        .enumerate()
        .filter(|(_, f)| f.used())
        .map(|(i, _)| (i, ids.next()))
        .collect();

    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (ids.next(), ids.next())).collect();

    pdf.catalog(catalog_id)
        .pages(tree_id)
        .lang(TextStr("vi-VN"))
        .viewer_preferences()
        .display_doc_title(true);
    pdf.document_info(info_id)
        .title(TextStr(title))
        .producer(TextStr("Sen (sen-forms)"));
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|(p, _)| *p))
        .count(pages.len() as i32);

    for (page, (page_id, content_id)) in pages.iter().zip(&page_ids) {
        let mut p = pdf.page(*page_id);
        p.parent(tree_id)
            .media_box(Rect::new(0.0, 0.0, page.width, page.height))
            .contents(*content_id);
        let mut res = p.resources();
        let mut fonts_dict = res.fonts();
        for (i, id) in &font_ids {
            fonts_dict.pair(font_name(*i), *id);
        }
        fonts_dict.finish();
        res.finish();
        p.finish();
        pdf.stream(*content_id, &deflate(&page.content))
            .filter(Filter::FlateDecode);
    }

    for (i, type0_id) in &font_ids {
        embed(&mut pdf, &mut ids, *type0_id, &fonts.faces[*i])?;
    }

    Ok(pdf.finish())
}

/// A six-letter subset tag derived from the glyph set, so that the same
/// document always gives the same bytes and different subsets differ.
fn subset_tag(font: &Font) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for g in font.remapper.remapped_gids() {
        for b in g.to_be_bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
    (0..6)
        .map(|_| {
            let c = char::from(b'A' + (h % 26) as u8);
            h /= 26;
            c
        })
        .collect()
}

fn embed(pdf: &mut Pdf, ids: &mut Ids, type0_id: Ref, font: &Font) -> Result<(), FormError> {
    let cid_id = ids.next();
    let descriptor_id = ids.next();
    let cmap_id = ids.next();
    let file_id = ids.next();

    let base = format!("{}+{}", subset_tag(font), font.file.postscript_name);
    let base = Name(base.as_bytes());
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };

    pdf.type0_font(type0_id)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);

    // The subset numbers its glyphs 0..n in remapping order, and the subsetter
    // makes CID = GID, so the new glyph id is both the CID in the content
    // streams and the index into this widths array.
    let widths: Vec<f32> = font
        .remapper
        .remapped_gids()
        .map(|g| font.glyph_width(ttf_parser::GlyphId(g)).round())
        .collect();
    let mut cid = pdf.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(base)
        .system_info(system_info)
        .font_descriptor(descriptor_id)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid.widths().consecutive(0, widths);
    cid.finish();

    let face = &font.face;
    let bbox = face.global_bounding_box();
    let mut flags = FontFlags::SERIF | FontFlags::NON_SYMBOLIC;
    if font.file.italic {
        flags |= FontFlags::ITALIC;
    }
    let cap_height = face.capital_height().unwrap_or(face.ascender());
    pdf.font_descriptor(descriptor_id)
        .name(base)
        .flags(flags)
        .bbox(Rect::new(
            font.scaled(bbox.x_min),
            font.scaled(bbox.y_min),
            font.scaled(bbox.x_max),
            font.scaled(bbox.y_max),
        ))
        .italic_angle(face.italic_angle())
        .ascent(font.scaled(face.ascender()))
        .descent(font.scaled(face.descender()))
        .cap_height(font.scaled(cap_height))
        .stem_v(if font.file.bold { 140.0 } else { 80.0 })
        .font_file2(file_id);

    let mut cmap = pdf_writer::types::UnicodeCmap::new(
        Name(b"Sen-UCS"),
        SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"UCS"),
            supplement: 0,
        },
    );
    for (cid, c) in &font.to_unicode {
        cmap.pair(*cid, *c);
    }
    pdf.cmap(cmap_id, &cmap.finish());

    let subset = subsetter::subset(font.file.data, 0, &font.remapper)
        .map_err(|e| FormError::Font(format!("{}: subsetting: {e}", font.file.postscript_name)))?;
    pdf.stream(file_id, &deflate(&subset))
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), subset.len() as i32);
    Ok(())
}
