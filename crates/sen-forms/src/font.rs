//! The embedded fonts: Liberation Serif (metric-compatible with Times New
//! Roman, which Nghị định 30/2020 asks for), compiled into the binary.
//!
//! Text is "shaped" one glyph per character: Vietnamese in NFC uses
//! precomposed letters (ế, ộ, ữ, Đ…) that the font carries as single glyphs,
//! so no complex shaping is needed. Callers normalise to NFC first
//! ([`crate::layout`] does).

use std::collections::BTreeMap;

use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

use crate::FormError;

/// A text style. `BoldItalic` is drawn with the italic face and a thin
/// stroke around the glyphs (a "synthetic bold"), which keeps the binary to
/// three font files; Nghị định 30/2020 needs it only for "Nơi nhận:".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

impl Style {
    pub(crate) fn face(self) -> usize {
        match self {
            Style::Regular => 0,
            Style::Bold => 1,
            Style::Italic | Style::BoldItalic => 2,
        }
    }

    pub(crate) fn synthetic_bold(self) -> bool {
        self == Style::BoldItalic
    }
}

/// One font file compiled into the binary.
pub(crate) struct FontFile {
    pub(crate) data: &'static [u8],
    pub(crate) postscript_name: &'static str,
    pub(crate) italic: bool,
    pub(crate) bold: bool,
}

pub(crate) const FILES: [FontFile; 3] = [
    FontFile {
        data: include_bytes!("../fonts/LiberationSerif-Regular.ttf"),
        postscript_name: "LiberationSerif",
        italic: false,
        bold: false,
    },
    FontFile {
        data: include_bytes!("../fonts/LiberationSerif-Bold.ttf"),
        postscript_name: "LiberationSerif-Bold",
        italic: false,
        bold: true,
    },
    FontFile {
        data: include_bytes!("../fonts/LiberationSerif-Italic.ttf"),
        postscript_name: "LiberationSerif-Italic",
        italic: true,
        bold: false,
    },
];

/// A parsed font and the glyphs one document uses from it.
pub(crate) struct Font {
    pub(crate) file: &'static FontFile,
    pub(crate) face: Face<'static>,
    /// Font units to thousandths of an em (PDF glyph space).
    scale: f32,
    /// Old glyph id → new glyph id in the subset (the new id is the CID).
    pub(crate) remapper: GlyphRemapper,
    /// New glyph id → the character it stands for, for the ToUnicode CMap.
    pub(crate) to_unicode: BTreeMap<u16, char>,
    fallback: GlyphId,
}

impl Font {
    pub(crate) fn load(file: &'static FontFile) -> Result<Font, FormError> {
        let face = Face::parse(file.data, 0)
            .map_err(|e| FormError::Font(format!("{}: {e}", file.postscript_name)))?;
        let fallback = face
            .glyph_index('?')
            .ok_or_else(|| FormError::Font(format!("{}: no '?' glyph", file.postscript_name)))?;
        Ok(Font {
            file,
            scale: 1000.0 / f32::from(face.units_per_em()),
            face,
            remapper: GlyphRemapper::new(),
            to_unicode: BTreeMap::new(),
            fallback,
        })
    }

    /// The glyph drawn for `c`, and the character it will be extracted as.
    /// A character the font lacks is drawn (and extracted) as '?', so that
    /// a stray emoji in an address never makes a form unprintable.
    fn glyph(&self, c: char) -> (GlyphId, char) {
        let c = if c.is_whitespace() { ' ' } else { c };
        match self.face.glyph_index(c) {
            Some(g) if g.0 != 0 => (g, c),
            _ => (self.fallback, '?'),
        }
    }

    /// Whether the font has a real glyph for `c`.
    #[cfg(test)]
    pub(crate) fn covers(&self, c: char) -> bool {
        matches!(self.face.glyph_index(c), Some(g) if g.0 != 0)
    }

    /// Advance width of a glyph in thousandths of an em.
    pub(crate) fn glyph_width(&self, g: GlyphId) -> f32 {
        f32::from(self.face.glyph_hor_advance(g).unwrap_or(0)) * self.scale
    }

    /// Advance width of `c` in thousandths of an em.
    pub(crate) fn char_width(&self, c: char) -> f32 {
        self.glyph_width(self.glyph(c).0)
    }

    /// Registers the glyphs of `text` for the subset and returns them as
    /// two-byte CIDs (Identity-H encoding).
    pub(crate) fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let (g, shown) = self.glyph(c);
            let cid = self.remapper.remap(g.0);
            self.to_unicode.entry(cid).or_insert(shown);
            out.extend_from_slice(&cid.to_be_bytes());
        }
        out
    }

    /// Font units scaled to thousandths of an em.
    pub(crate) fn scaled(&self, v: i16) -> f32 {
        f32::from(v) * self.scale
    }

    pub(crate) fn used(&self) -> bool {
        self.remapper.num_gids() > 1
    }
}

/// The three faces of one document.
pub(crate) struct Fonts {
    pub(crate) faces: [Font; 3],
}

impl Fonts {
    pub(crate) fn load() -> Result<Fonts, FormError> {
        Ok(Fonts {
            faces: [
                Font::load(&FILES[0])?,
                Font::load(&FILES[1])?,
                Font::load(&FILES[2])?,
            ],
        })
    }

    pub(crate) fn get(&self, style: Style) -> &Font {
        &self.faces[style.face()]
    }

    pub(crate) fn get_mut(&mut self, style: Style) -> &mut Font {
        &mut self.faces[style.face()]
    }

    /// Width of `text` in points at `size`.
    pub(crate) fn width(&self, style: Style, size: f32, text: &str) -> f32 {
        let font = self.get(style);
        text.chars().map(|c| font.char_width(c)).sum::<f32>() * size / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every letter of the Vietnamese alphabet with every tone, both cases.
    pub(crate) const VIETNAMESE: &str =
        "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ";

    #[test]
    fn every_face_has_every_vietnamese_letter() {
        let fonts = Fonts::load().unwrap();
        for font in &fonts.faces {
            for c in VIETNAMESE.chars().chain(VIETNAMESE.to_uppercase().chars()) {
                assert!(font.covers(c), "{} lacks {c:?}", font.file.postscript_name);
            }
        }
    }

    #[test]
    fn missing_characters_become_question_marks() {
        let mut fonts = Fonts::load().unwrap();
        let font = fonts.get_mut(Style::Regular);
        let q = font.encode("?");
        assert_eq!(font.encode("😀"), q);
        assert_eq!(font.to_unicode.values().copied().collect::<Vec<_>>(), ['?']);
    }

    #[test]
    fn widths_are_measured_from_the_font() {
        let fonts = Fonts::load().unwrap();
        // Times New Roman metrics: "m" is 778/1000 em, "i" 278/1000.
        assert!((fonts.width(Style::Regular, 10.0, "m") - 7.78).abs() < 0.01);
        assert!((fonts.width(Style::Regular, 10.0, "i") - 2.78).abs() < 0.01);
        assert!(fonts.width(Style::Bold, 13.0, "Đồng") > fonts.width(Style::Regular, 13.0, "Đ"));
    }
}
