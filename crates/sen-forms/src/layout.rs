//! A small page composer: measured line breaking of styled text (justified
//! or aligned), ruled tables with repeated headers and page breaks, the
//! national header and signature blocks of Nghị định 30/2020, and QR codes.
//!
//! Distances are in PDF points (1/72 inch). The composer keeps a cursor `y`
//! measured from the top of the page; it converts to PDF's bottom-up
//! coordinates only when writing operators.

use std::collections::VecDeque;

use pdf_writer::types::TextRenderingMode;
use pdf_writer::{Content, Str};
use unicode_normalization::UnicodeNormalization;

use crate::font::{Fonts, Style};
use crate::pdf::{self, font_name, Page};
use crate::FormError;

/// One millimetre in points.
pub(crate) const MM: f32 = 72.0 / 25.4;
/// Liberation Serif's ascender (1825/2048 em): from the top of a line box to
/// its baseline.
const ASCENT: f32 = 0.891;
/// Width of rules and table borders.
const RULE: f32 = 0.6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Justify,
}

/// A run of text in one style. A `keep` span is not broken at its spaces
/// unless it is wider than a whole line (dates, codes, names).
#[derive(Clone, Debug)]
pub(crate) struct Span {
    pub(crate) style: Style,
    pub(crate) text: String,
    pub(crate) keep: bool,
}

impl Span {
    pub(crate) fn keep(mut self) -> Span {
        self.keep = true;
        self
    }
}

pub(crate) fn span(style: Style, text: impl Into<String>) -> Span {
    Span {
        style,
        text: text.into(),
        keep: false,
    }
}

pub(crate) fn reg(text: impl Into<String>) -> Span {
    span(Style::Regular, text)
}

pub(crate) fn bold(text: impl Into<String>) -> Span {
    span(Style::Bold, text)
}

pub(crate) fn italic(text: impl Into<String>) -> Span {
    span(Style::Italic, text)
}

/// A measured piece of a line in one style.
#[derive(Clone, Debug)]
pub(crate) struct Piece {
    pub(crate) style: Style,
    pub(crate) text: String,
    pub(crate) width: f32,
    /// An inter-word space, which justification may stretch.
    pub(crate) space: bool,
}

/// One broken line.
#[derive(Clone, Debug, Default)]
pub(crate) struct Line {
    pub(crate) pieces: Vec<Piece>,
    pub(crate) width: f32,
    pub(crate) spaces: usize,
    /// The last line of a paragraph (not justified).
    pub(crate) last: bool,
}

impl Line {
    #[cfg(test)]
    pub(crate) fn text(&self) -> String {
        self.pieces.iter().map(|p| p.text.as_str()).collect()
    }
}

enum Token {
    Word {
        pieces: Vec<Piece>,
        width: f32,
        /// Holds spaces of a `keep` span: may be re-broken there if needed.
        glued: bool,
    },
    Space(Style),
    Break,
}

/// How a paragraph is set.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Para {
    pub(crate) size: f32,
    pub(crate) align: Align,
    /// First-line indent.
    pub(crate) indent: f32,
    /// Line height as a multiple of the size.
    pub(crate) leading: f32,
    pub(crate) before: f32,
    pub(crate) after: f32,
    /// Offset from the left margin, and width (the rest of the line if None).
    pub(crate) x: f32,
    pub(crate) width: Option<f32>,
}

impl Default for Para {
    fn default() -> Para {
        Para {
            size: 13.0,
            align: Align::Justify,
            indent: 0.0,
            leading: 1.25,
            before: 0.0,
            after: 3.0,
            x: 0.0,
            width: None,
        }
    }
}

/// A table column: its heading, its share of the width, and how its cells
/// are aligned.
pub(crate) struct Column {
    pub(crate) title: String,
    pub(crate) weight: f32,
    pub(crate) align: Align,
}

pub(crate) fn col(title: &str, weight: f32, align: Align) -> Column {
    Column {
        title: title.to_string(),
        weight,
        align,
    }
}

/// A ruled table. `groups` are headings over consecutive columns
/// (first column, number of columns, heading).
pub(crate) struct Table {
    pub(crate) columns: Vec<Column>,
    pub(crate) groups: Vec<(usize, usize, String)>,
    pub(crate) rows: Vec<Vec<String>>,
    pub(crate) size: f32,
    pub(crate) header_size: f32,
}

/// A signature block: the signer's authority and title in bold capitals, an
/// optional italic note, space to sign, then the name in bold.
pub(crate) struct Signature {
    pub(crate) heading: Vec<String>,
    pub(crate) note: Option<String>,
    pub(crate) name: String,
}

/// What stands left of the signature block.
pub(crate) enum Beside {
    Nothing,
    Signature(Signature),
    /// "Nơi nhận:" and its list.
    Recipients(Vec<String>),
}

pub(crate) struct Composer {
    pub(crate) fonts: Fonts,
    page_w: f32,
    page_h: f32,
    left: f32,
    right: f32,
    top: f32,
    bottom: f32,
    pages: Vec<Page>,
    content: Content,
    /// The cursor: distance from the top edge of the page to the next line.
    pub(crate) y: f32,
    page_no: u32,
    /// Where the last right-hand signature block left its space to sign:
    /// page index (from 0) and rectangle in PDF points from the page's
    /// bottom-left corner `[x1, y1, x2, y2]`.
    pub(crate) sign_space: Option<(usize, [f32; 4])>,
}

impl Composer {
    /// An A4 page, portrait or landscape, with the margins of Nghị định
    /// 30/2020 (top and bottom 20 mm, left 30 mm, right 15 mm).
    pub(crate) fn new(landscape: bool) -> Result<Composer, FormError> {
        let (w, h) = (210.0 * MM, 297.0 * MM);
        let (page_w, page_h, left) = if landscape {
            (h, w, 25.0 * MM)
        } else {
            (w, h, 30.0 * MM)
        };
        let mut c = Composer {
            fonts: Fonts::load()?,
            page_w,
            page_h,
            left,
            right: 15.0 * MM,
            top: 20.0 * MM,
            bottom: 20.0 * MM,
            pages: Vec::new(),
            content: Content::new(),
            y: 0.0,
            page_no: 0,
            sign_space: None,
        };
        c.start_page();
        Ok(c)
    }

    pub(crate) fn text_width(&self) -> f32 {
        self.page_w - self.left - self.right
    }

    fn limit(&self) -> f32 {
        self.page_h - self.bottom
    }

    fn start_page(&mut self) {
        self.page_no += 1;
        self.y = self.top;
        self.content.set_line_width(RULE);
        if self.page_no > 1 {
            // Page numbers from the second page on, centred in the top margin.
            let n = self.page_no.to_string();
            let size = 13.0;
            let w = self.fonts.width(Style::Regular, size, &n);
            let x = self.left + (self.text_width() - w) / 2.0;
            self.draw_text(x, self.top * 0.55, Style::Regular, size, &n);
        }
    }

    pub(crate) fn new_page(&mut self) {
        let content = std::mem::replace(&mut self.content, Content::new());
        self.pages.push(Page {
            width: self.page_w,
            height: self.page_h,
            content: content.finish().into_vec(),
        });
        self.start_page();
    }

    /// Starts a new page unless `h` more points fit on this one.
    pub(crate) fn ensure(&mut self, h: f32) {
        if self.y + h > self.limit() && self.y > self.top {
            self.new_page();
        }
    }

    pub(crate) fn finish(mut self, title: &str) -> Result<Vec<u8>, FormError> {
        let content = std::mem::replace(&mut self.content, Content::new());
        self.pages.push(Page {
            width: self.page_w,
            height: self.page_h,
            content: content.finish().into_vec(),
        });
        pdf::assemble(title, &self.pages, &self.fonts)
    }

    // ----- text -------------------------------------------------------

    fn measure(&self, style: Style, size: f32, text: &str) -> f32 {
        self.fonts.width(style, size, text)
    }

    fn tokenize(&self, spans: &[Span], size: f32, honour_keep: bool) -> Vec<Token> {
        let mut tokens = Vec::new();
        let mut word: Vec<Piece> = Vec::new();
        let mut glued = false;
        let flush = |tokens: &mut Vec<Token>, word: &mut Vec<Piece>, glued: &mut bool| {
            if word.is_empty() {
                return;
            }
            let mut pieces = std::mem::take(word);
            // A kept span's trailing space is an ordinary break opportunity.
            let mut trailing = None;
            if let Some(last) = pieces.last_mut() {
                if last.text.ends_with(' ') {
                    last.text.truncate(last.text.trim_end().len());
                    trailing = Some(last.style);
                }
            }
            pieces.retain(|p| !p.text.is_empty());
            for p in &mut pieces {
                p.width = self.measure(p.style, size, &p.text);
            }
            if !pieces.is_empty() {
                tokens.push(Token::Word {
                    width: pieces.iter().map(|p| p.width).sum(),
                    pieces,
                    glued: std::mem::take(glued),
                });
            }
            if let Some(style) = trailing {
                tokens.push(Token::Space(style));
            }
        };
        for s in spans {
            let keep = s.keep && honour_keep;
            // Spaces inside a kept span glue; its leading spaces do not.
            let mut seen = false;
            for c in s.text.nfc() {
                if c == '\r' {
                    continue;
                }
                if c == '\n' {
                    flush(&mut tokens, &mut word, &mut glued);
                    tokens.push(Token::Break);
                } else if c.is_whitespace() && !(keep && seen) {
                    flush(&mut tokens, &mut word, &mut glued);
                    if !matches!(
                        tokens.last(),
                        None | Some(Token::Space(_)) | Some(Token::Break)
                    ) {
                        tokens.push(Token::Space(s.style));
                    }
                } else {
                    let c = if c.is_whitespace() {
                        if word.last().is_some_and(|p| p.text.ends_with(' ')) {
                            continue;
                        }
                        glued = true;
                        ' '
                    } else if c.is_control() {
                        continue;
                    } else {
                        seen = true;
                        c
                    };
                    match word.last_mut() {
                        Some(p) if p.style == s.style => p.text.push(c),
                        _ => word.push(Piece {
                            style: s.style,
                            text: c.to_string(),
                            width: 0.0,
                            space: false,
                        }),
                    }
                }
            }
            // A kept span ending in a space ends its word there.
            if keep && word.last().is_some_and(|p| p.text.ends_with(' ')) {
                flush(&mut tokens, &mut word, &mut glued);
            }
        }
        flush(&mut tokens, &mut word, &mut glued);
        tokens
    }

    /// Breaks styled text into lines of at most `width` points (the first
    /// line `indent` narrower), measuring every glyph.
    pub(crate) fn wrap(&self, spans: &[Span], size: f32, width: f32, indent: f32) -> Vec<Line> {
        let mut queue: VecDeque<Token> = self.tokenize(spans, size, true).into();
        let mut lines: Vec<Line> = Vec::new();
        let mut cur = Line::default();
        let mut pending: Option<Style> = None;
        let eps = 0.01;
        while let Some(tok) = queue.pop_front() {
            let avail = if lines.is_empty() {
                width - indent
            } else {
                width
            };
            match tok {
                Token::Break => {
                    cur.last = true;
                    lines.push(std::mem::take(&mut cur));
                    pending = None;
                }
                Token::Space(s) => {
                    if !cur.pieces.is_empty() {
                        pending = Some(s);
                    }
                }
                Token::Word {
                    pieces,
                    width: w,
                    glued,
                } => {
                    if !cur.pieces.is_empty() {
                        let sw = pending.map_or(0.0, |s| self.measure(s, size, " "));
                        if cur.width + sw + w <= avail + eps {
                            if let Some(s) = pending.take() {
                                cur.pieces.push(Piece {
                                    style: s,
                                    text: " ".into(),
                                    width: sw,
                                    space: true,
                                });
                                cur.spaces += 1;
                                cur.width += sw;
                            }
                            cur.width += w;
                            cur.pieces.extend(pieces);
                            continue;
                        }
                        lines.push(std::mem::take(&mut cur));
                        pending = None;
                    }
                    let avail = if lines.is_empty() {
                        width - indent
                    } else {
                        width
                    };
                    if w <= avail + eps {
                        cur.width = w;
                        cur.pieces = pieces;
                    } else if glued {
                        // Too wide to keep together: break it at its spaces.
                        let spans: Vec<Span> =
                            pieces.into_iter().map(|p| span(p.style, p.text)).collect();
                        for t in self.tokenize(&spans, size, false).into_iter().rev() {
                            queue.push_front(t);
                        }
                    } else {
                        // A single word wider than the line (a long code or
                        // address): break after a hyphen, slash or dot if
                        // one fits, else between any two characters.
                        let mut chars: Vec<(Style, char, f32)> = Vec::new();
                        for p in &pieces {
                            let font = self.fonts.get(p.style);
                            chars.extend(
                                p.text
                                    .chars()
                                    .map(|c| (p.style, c, font.char_width(c) * size / 1000.0)),
                            );
                        }
                        let mut avail = avail;
                        let mut rest = &chars[..];
                        loop {
                            let mut w = 0.0;
                            let mut fit = 0;
                            while fit < rest.len() && (fit == 0 || w + rest[fit].2 <= avail + eps) {
                                w += rest[fit].2;
                                fit += 1;
                            }
                            let cut = if fit == rest.len() {
                                fit
                            } else {
                                rest[..fit]
                                    .iter()
                                    .rposition(|&(_, c, _)| {
                                        matches!(c, '-' | '/' | '.' | '_' | ',')
                                    })
                                    .map_or(fit, |i| i + 1)
                            };
                            for &(style, c, cw) in &rest[..cut] {
                                match cur.pieces.last_mut() {
                                    Some(last) if last.style == style => {
                                        last.text.push(c);
                                        last.width += cw;
                                    }
                                    _ => cur.pieces.push(Piece {
                                        style,
                                        text: c.to_string(),
                                        width: cw,
                                        space: false,
                                    }),
                                }
                                cur.width += cw;
                            }
                            rest = &rest[cut..];
                            if rest.is_empty() {
                                break;
                            }
                            lines.push(std::mem::take(&mut cur));
                            avail = width;
                        }
                    }
                }
            }
        }
        if !cur.pieces.is_empty() || lines.is_empty() {
            cur.last = true;
            lines.push(cur);
        } else if let Some(l) = lines.last_mut() {
            l.last = true;
        }
        lines
    }

    /// Like [`Composer::wrap`], but a text that needs several lines gets
    /// lines of even length ("ỦY BAN NHÂN DÂN / TỈNH HÒA BÌNH" rather than
    /// a lone last word), as headings are set.
    pub(crate) fn wrap_balanced(&self, spans: &[Span], size: f32, width: f32) -> Vec<Line> {
        let lines = self.wrap(spans, size, width, 0.0);
        if lines.len() < 2 {
            return lines;
        }
        let (mut lo, mut hi) = (width / lines.len() as f32, width);
        let mut best = lines;
        for _ in 0..12 {
            let mid = (lo + hi) / 2.0;
            let tried = self.wrap(spans, size, mid, 0.0);
            if tried.len() <= best.len() {
                hi = mid;
                best = tried;
            } else {
                lo = mid;
            }
        }
        best
    }

    /// Writes one line of text in one style with its baseline at `baseline`
    /// (from the top of the page).
    pub(crate) fn draw_text(&mut self, x: f32, baseline: f32, style: Style, size: f32, text: &str) {
        let line = Line {
            pieces: vec![Piece {
                style,
                text: text.to_string(),
                width: 0.0,
                space: false,
            }],
            width: 0.0,
            spaces: 0,
            last: true,
        };
        self.draw_line(&line, x, baseline, size, 0.0);
    }

    /// Writes a broken line starting at `x`, stretching each inter-word
    /// space by `extra` points.
    fn draw_line(&mut self, line: &Line, x: f32, baseline: f32, size: f32, extra: f32) {
        let encoded: Vec<(Style, Vec<u8>, bool)> = line
            .pieces
            .iter()
            .map(|p| {
                (
                    p.style,
                    self.fonts.get_mut(p.style).encode(&p.text),
                    p.space,
                )
            })
            .collect();
        if encoded.is_empty() {
            return;
        }
        let synthetic = encoded.iter().any(|e| e.0.synthetic_bold());
        let c = &mut self.content;
        if synthetic {
            c.save_state();
            c.set_line_width(size * 0.03);
        }
        c.begin_text();
        c.next_line(x, self.page_h - baseline);
        let mut face = None;
        let mut stroked = false;
        let mut i = 0;
        while i < encoded.len() {
            let style = encoded[i].0;
            if face != Some(style.face()) {
                c.set_font(font_name(style.face()), size);
                face = Some(style.face());
            }
            if stroked != style.synthetic_bold() {
                stroked = style.synthetic_bold();
                c.set_text_rendering_mode(if stroked {
                    TextRenderingMode::FillStroke
                } else {
                    TextRenderingMode::Fill
                });
            }
            let mut shown = c.show_positioned();
            let mut items = shown.items();
            while i < encoded.len() && encoded[i].0 == style {
                items.show(Str(&encoded[i].1));
                if encoded[i].2 && extra > 0.0 {
                    items.adjust(-extra * 1000.0 / size);
                }
                i += 1;
            }
        }
        c.end_text();
        if synthetic {
            c.restore_state();
        }
    }

    /// Draws `lines` as a block at `top` without breaking pages; returns the
    /// height used.
    /// `(x, width)` is the column.
    fn draw_lines(
        &mut self,
        lines: &[Line],
        (x, width): (f32, f32),
        top: f32,
        size: f32,
        lead: f32,
        align: Align,
    ) -> f32 {
        let mut y = top;
        for line in lines {
            self.draw_aligned(line, (x, width), y + size * ASCENT, size, align, 0.0);
            y += lead;
        }
        y - top
    }

    fn draw_aligned(
        &mut self,
        line: &Line,
        (x, width): (f32, f32),
        baseline: f32,
        size: f32,
        align: Align,
        indent: f32,
    ) {
        let (start, extra) = match align {
            Align::Left => (x + indent, 0.0),
            Align::Center => (x + (width - line.width) / 2.0, 0.0),
            Align::Justify => {
                let extra = if line.spaces > 0 {
                    (width - indent - line.width) / line.spaces as f32
                } else {
                    0.0
                };
                // A line with too few spaces to stretch stays ragged rather
                // than showing gaps that read as columns.
                if !line.last && extra > 0.0 && extra <= size * 0.6 {
                    (x + indent, extra)
                } else {
                    (x + indent, 0.0)
                }
            }
        };
        self.draw_line(line, start, baseline, size, extra);
    }

    /// Draws a block of text at the cursor's height in a column, without
    /// moving the cursor or breaking pages; returns its height.
    pub(crate) fn block_at(
        &mut self,
        top: f32,
        spans: &[Span],
        x: f32,
        width: f32,
        size: f32,
        align: Align,
    ) -> f32 {
        let lines = if align == Align::Center {
            self.wrap_balanced(spans, size, width)
        } else {
            self.wrap(spans, size, width, 0.0)
        };
        let lead = size * 1.2;
        self.draw_lines(&lines, (self.left + x, width), top, size, lead, align)
    }

    /// A paragraph at the cursor, breaking pages between lines.
    pub(crate) fn para(&mut self, spans: &[Span], p: Para) {
        self.y += p.before;
        let width = p.width.unwrap_or(self.text_width() - p.x);
        let x = self.left + p.x;
        let lines = self.wrap(spans, p.size, width, p.indent);
        let lead = p.size * p.leading;
        for (i, line) in lines.iter().enumerate() {
            if self.y + lead > self.limit() {
                self.new_page();
            }
            let indent = if i == 0 { p.indent } else { 0.0 };
            self.draw_aligned(
                line,
                (x, width),
                self.y + p.size * ASCENT,
                p.size,
                p.align,
                indent,
            );
            self.y += lead;
        }
        self.y += p.after;
    }

    /// A horizontal rule at `y` (from the top) from `x1` to `x2` (absolute).
    pub(crate) fn rule(&mut self, x1: f32, x2: f32, y: f32) {
        let h = self.page_h;
        self.content.move_to(x1, h - y).line_to(x2, h - y).stroke();
    }

    // ----- document parts ----------------------------------------------

    /// The header of Nghị định 30/2020, Phụ lục I: the agency (its superior
    /// in regular capitals, itself in bold capitals, a short rule under) at
    /// top left; the national name and motto (ruled under) at top right;
    /// then the number under the agency and the place and date, in italics,
    /// under the motto.
    pub(crate) fn national_header(
        &mut self,
        parent: Option<&str>,
        agency: &str,
        number: Option<&str>,
        place_date: Option<&str>,
    ) {
        const NATION: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
        const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";
        let tw = self.text_width();
        let nation_w = self.measure(Style::Bold, 12.0, NATION);
        let right_w = (nation_w + 16.0).max(tw * 0.56);
        let left_w = (tw - right_w).min(tw * 0.45).max(tw * 0.38);
        let right_x = tw - right_w;
        let top = self.y;

        // Left: the agency.
        let mut y = top;
        if let Some(parent) = parent.filter(|p| !p.trim().is_empty()) {
            y += self.block_at(
                y,
                &[reg(parent.to_uppercase())],
                0.0,
                left_w,
                12.0,
                Align::Center,
            );
        }
        let name = [bold(agency.to_uppercase())];
        let name_lines = self.wrap(&name, 12.0, left_w, 0.0);
        let name_w = name_lines.iter().map(|l| l.width).fold(0.0, f32::max);
        y += self.block_at(y, &name, 0.0, left_w, 12.0, Align::Center);
        let rule_w = (name_w * 0.4).max(40.0);
        let cx = self.left + left_w / 2.0;
        self.rule(cx - rule_w / 2.0, cx + rule_w / 2.0, y + 2.0);
        let left_bottom = y + 2.0;

        // Right: the nation and the motto.
        let mut y = top;
        y += self.block_at(y, &[bold(NATION)], right_x, right_w, 12.0, Align::Center);
        y += self.block_at(y, &[bold(MOTTO)], right_x, right_w, 13.0, Align::Center);
        let motto_w = self.measure(Style::Bold, 13.0, MOTTO);
        let cx = self.left + right_x + right_w / 2.0;
        self.rule(cx - motto_w / 2.0, cx + motto_w / 2.0, y + 2.0);
        let right_bottom = y + 2.0;

        let y = left_bottom.max(right_bottom) + 8.0;
        let mut bottom = y;
        if let Some(number) = number.filter(|n| !n.trim().is_empty()) {
            let h = self.block_at(
                y,
                &[reg(format!("Số: {number}")).keep()],
                0.0,
                left_w,
                13.0,
                Align::Center,
            );
            bottom = bottom.max(y + h);
        }
        if let Some(pd) = place_date {
            let h = self.block_at(
                y,
                &[italic(pd).keep()],
                right_x,
                right_w,
                13.0,
                Align::Center,
            );
            bottom = bottom.max(y + h);
        }
        self.y = bottom + 14.0;
    }

    /// The form's title: bold capitals, centred, and optional lines under it.
    pub(crate) fn title(&mut self, title: &str, under: &[Vec<Span>]) {
        self.para(
            &[bold(title.to_uppercase())],
            Para {
                size: 14.0,
                align: Align::Center,
                leading: 1.2,
                after: 2.0,
                ..Para::default()
            },
        );
        for spans in under {
            self.para(
                spans,
                Para {
                    align: Align::Center,
                    after: 1.0,
                    ..Para::default()
                },
            );
        }
        self.y += 8.0;
    }

    /// A ruled table at the cursor. Rows that do not fit go to the next page
    /// under a repeated header; a row taller than a page is split.
    pub(crate) fn table(&mut self, t: &Table) {
        let tw = self.text_width();
        let total: f32 = t.columns.iter().map(|c| c.weight).sum();
        let (pad_x, pad_y) = (3.0, 2.5);
        let mut widths: Vec<f32> = t.columns.iter().map(|c| c.weight / total * tw).collect();
        // No column narrower than the longest word of its heading ("STT"):
        // the others give up the difference in proportion.
        let min: Vec<f32> = t
            .columns
            .iter()
            .map(|c| {
                c.title
                    .split_whitespace()
                    .map(|w| self.measure(Style::Bold, t.header_size, w))
                    .fold(0.0, f32::max)
                    + 2.0 * pad_x
                    + 0.5
            })
            .collect();
        let short: f32 = widths.iter().zip(&min).map(|(w, m)| (m - w).max(0.0)).sum();
        if short > 0.0 {
            let spare: f32 = widths.iter().zip(&min).map(|(w, m)| (w - m).max(0.0)).sum();
            let ratio = (short / spare).min(1.0);
            for (w, m) in widths.iter_mut().zip(&min) {
                *w = if *w < *m { *m } else { *w - (*w - m) * ratio };
            }
        }
        let mut xs = Vec::with_capacity(widths.len());
        let mut x = self.left;
        for w in &widths {
            xs.push(x);
            x += w;
        }
        let hlead = t.header_size * 1.2;
        let lead = t.size * 1.2;

        // The header's layout.
        let group_of = |i: usize| t.groups.iter().position(|g| i >= g.0 && i < g.0 + g.1);
        let head_lines: Vec<Vec<Line>> = t
            .columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| {
                self.wrap_balanced(&[bold(c.title.as_str())], t.header_size, w - 2.0 * pad_x)
            })
            .collect();
        let group_lines: Vec<Vec<Line>> = t
            .groups
            .iter()
            .map(|g| {
                let w: f32 = widths[g.0..g.0 + g.1].iter().sum();
                self.wrap_balanced(&[bold(g.2.as_str())], t.header_size, w - 2.0 * pad_x)
            })
            .collect();
        let cell_h = |n: usize, lead: f32| n as f32 * lead + 2.0 * pad_y;
        let group_h = group_lines
            .iter()
            .map(|l| cell_h(l.len(), hlead))
            .fold(0.0, f32::max);
        let mut sub_h: f32 = 0.0;
        let mut plain_h: f32 = 0.0;
        for (i, lines) in head_lines.iter().enumerate() {
            let h = cell_h(lines.len(), hlead);
            if group_of(i).is_some() {
                sub_h = sub_h.max(h);
            } else {
                plain_h = plain_h.max(h);
            }
        }
        let header_h = plain_h.max(group_h + sub_h);
        let sub_h = header_h - group_h;

        let draw_header = |me: &mut Composer| {
            let top = me.y;
            let ph = me.page_h;
            for (gi, g) in t.groups.iter().enumerate() {
                let w: f32 = widths[g.0..g.0 + g.1].iter().sum();
                let x = xs[g.0];
                me.content.rect(x, ph - top - group_h, w, group_h);
                let lines = &group_lines[gi];
                let text_h = lines.len() as f32 * hlead;
                me.draw_lines(
                    lines,
                    (x + pad_x, w - 2.0 * pad_x),
                    top + (group_h - text_h) / 2.0,
                    t.header_size,
                    hlead,
                    Align::Center,
                );
            }
            for (i, lines) in head_lines.iter().enumerate() {
                let (cell_top, h) = if group_of(i).is_some() {
                    (top + group_h, sub_h)
                } else {
                    (top, header_h)
                };
                me.content.rect(xs[i], ph - cell_top - h, widths[i], h);
                let text_h = lines.len() as f32 * hlead;
                me.draw_lines(
                    lines,
                    (xs[i] + pad_x, widths[i] - 2.0 * pad_x),
                    cell_top + (h - text_h) / 2.0,
                    t.header_size,
                    hlead,
                    Align::Center,
                );
            }
            me.content.stroke();
            me.y = top + header_h;
        };

        self.ensure(header_h + cell_h(1, lead));
        draw_header(self);
        let mut rows_on_page = 0;
        let fresh = self.limit() - self.top - header_h;
        for row in &t.rows {
            let cells: Vec<Vec<Line>> = t
                .columns
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (_, w))| {
                    let text = row.get(i).map(String::as_str).unwrap_or("");
                    self.wrap(&[reg(text)], t.size, w - 2.0 * pad_x, 0.0)
                })
                .collect();
            let n = cells.iter().map(Vec::len).max().unwrap_or(1);
            let mut from = 0;
            while from < n {
                let need = cell_h(n - from, lead);
                let avail = self.limit() - self.y;
                let take = if need <= avail {
                    n - from
                } else if rows_on_page > 0 && need <= fresh {
                    0
                } else {
                    (((avail - 2.0 * pad_y) / lead).floor().max(0.0) as usize).min(n - from)
                };
                if take == 0 {
                    self.new_page();
                    draw_header(self);
                    rows_on_page = 0;
                    continue;
                }
                let h = cell_h(take, lead);
                let top = self.y;
                let ph = self.page_h;
                for (i, lines) in cells.iter().enumerate() {
                    self.content.rect(xs[i], ph - top - h, widths[i], h);
                    let end = lines.len().min(from + take);
                    if from < end {
                        let align = match t.columns[i].align {
                            Align::Justify => Align::Left,
                            a => a,
                        };
                        self.draw_lines(
                            &lines[from..end],
                            (xs[i] + pad_x, widths[i] - 2.0 * pad_x),
                            top + pad_y,
                            t.size,
                            lead,
                            align,
                        );
                    }
                }
                self.content.stroke();
                self.y = top + h;
                rows_on_page += 1;
                from += take;
                if from < n {
                    self.new_page();
                    draw_header(self);
                    rows_on_page = 0;
                }
            }
        }
        self.y += 6.0;
    }

    /// The signature block in the right half, and beside it another
    /// signature or the list of recipients. Never split across pages.
    pub(crate) fn signatures(&mut self, beside: &Beside, right: &Signature) {
        let half = self.text_width() / 2.0;
        let sig_h = |me: &Composer, s: &Signature| {
            let mut n = 0;
            for h in &s.heading {
                n += me.wrap(&[bold(h.to_uppercase())], 13.0, half, 0.0).len();
            }
            if let Some(note) = &s.note {
                n += me.wrap(&[italic(note.as_str())], 13.0, half, 0.0).len();
            }
            n as f32 * 13.0 * 1.2 + 72.0 + 13.0 * 1.2
        };
        let mut h = sig_h(self, right);
        match beside {
            Beside::Nothing => {}
            Beside::Signature(s) => h = h.max(sig_h(self, s)),
            Beside::Recipients(list) => h = h.max(12.0 * 1.2 + list.len() as f32 * 11.0 * 1.3),
        }
        self.y += 10.0;
        self.ensure(h);
        let top = self.y;
        let bottom_right = self.signature_at(right, half, half, top);
        // The blank between the title and the name is where the signature
        // (and its visible appearance when signed digitally) goes.
        let name_h = 13.0 * 1.2;
        let space_bottom = bottom_right - name_h;
        let space_top = space_bottom - 72.0;
        self.sign_space = Some((
            self.pages.len(),
            [
                self.left + half,
                self.page_h - space_bottom,
                self.left + 2.0 * half,
                self.page_h - space_top,
            ],
        ));
        let bottom_left = match beside {
            Beside::Nothing => top,
            Beside::Signature(s) => self.signature_at(s, 0.0, half, top),
            Beside::Recipients(list) => {
                let mut y = top + 2.0;
                y += self.block_at(
                    y,
                    &[span(Style::BoldItalic, "Nơi nhận:")],
                    0.0,
                    half,
                    12.0,
                    Align::Left,
                );
                for item in list {
                    let lines = self.wrap(&[reg(item.as_str())], 11.0, half - 12.0, 0.0);
                    y += self.draw_lines(
                        &lines,
                        (self.left, half - 12.0),
                        y,
                        11.0,
                        11.0 * 1.3,
                        Align::Left,
                    );
                }
                y
            }
        };
        self.y = bottom_right.max(bottom_left) + 6.0;
    }

    fn signature_at(&mut self, s: &Signature, x: f32, width: f32, top: f32) -> f32 {
        let mut y = top;
        for h in &s.heading {
            y += self.block_at(y, &[bold(h.to_uppercase())], x, width, 13.0, Align::Center);
        }
        if let Some(note) = &s.note {
            y += self.block_at(y, &[italic(note.as_str())], x, width, 13.0, Align::Center);
        }
        y += 72.0;
        y += self.block_at(y, &[bold(s.name.as_str())], x, width, 13.0, Align::Center);
        y
    }

    /// A QR code of `data`, `size` points wide, with its top-left corner at
    /// `x` (from the left margin) and `top`; dark modules are filled
    /// rectangles (one per horizontal run). Returns the number of modules
    /// per side.
    pub(crate) fn qr(
        &mut self,
        data: &str,
        x: f32,
        top: f32,
        size: f32,
    ) -> Result<usize, FormError> {
        let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| FormError::Qr(e.to_string()))?;
        let n = code.width();
        let colors = code.to_colors();
        let m = size / n as f32;
        let x0 = self.left + x;
        let ph = self.page_h;
        let c = &mut self.content;
        c.save_state();
        c.set_fill_gray(0.0);
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if colors[row * n + col] == qrcode::Color::Dark {
                    let start = col;
                    while col < n && colors[row * n + col] == qrcode::Color::Dark {
                        col += 1;
                    }
                    let y = top + (row + 1) as f32 * m;
                    c.rect(x0 + start as f32 * m, ph - y, (col - start) as f32 * m, m);
                } else {
                    col += 1;
                }
            }
        }
        c.fill_nonzero();
        c.restore_state();
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn composer() -> Composer {
        Composer::new(false).unwrap()
    }

    #[test]
    fn lines_never_exceed_the_width_and_keep_every_word() {
        let c = composer();
        let text = "Trong quá trình bổ sung, hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ Bộ phận Một cửa để được hướng dẫn. Siêu-dài-không-có-khoảng-trắng-nào-cả-để-ngắt-dòng-ở-đâu-hết-một-chút-nào.";
        for width in [60.0, 120.0, 250.0, 467.0] {
            let lines = c.wrap(&[reg(text)], 13.0, width, 0.0);
            for l in &lines {
                let measured = c.measure(Style::Regular, 13.0, &l.text());
                assert!((measured - l.width).abs() < 0.01, "width bookkeeping");
                assert!(
                    l.width <= width + 0.01,
                    "{:?} is {} wide > {width}",
                    l.text(),
                    l.width
                );
            }
            let kept: String = lines.iter().map(Line::text).collect::<String>();
            let visible = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            assert_eq!(visible(&kept), visible(text));
            assert!(lines.last().unwrap().last);
        }
    }

    #[test]
    fn kept_spans_stay_on_one_line_when_they_fit() {
        let c = composer();
        let spans = [
            reg("Thời gian trả kết quả giải quyết hồ sơ là vào lúc"),
            reg(" "),
            reg("16 giờ 00 phút, ngày 19 tháng 3 năm 2026").keep(),
            reg("."),
        ];
        let lines = c.wrap(&spans, 13.0, 300.0, 0.0);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].text(), "16 giờ 00 phút, ngày 19 tháng 3 năm 2026.");
        // Too narrow to keep: it is broken at its spaces after all.
        let lines = c.wrap(&spans[2..], 13.0, 100.0, 0.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.width <= 100.01));
    }

    #[test]
    fn input_is_normalised_to_nfc() {
        let c = composer();
        let nfd = "Nguye\u{302}\u{303}n Thi\u{323} Ha\u{300}";
        let lines = c.wrap(&[reg(nfd)], 13.0, 400.0, 0.0);
        assert_eq!(lines[0].text(), "Nguyễn Thị Hà");
    }

    #[test]
    fn hard_breaks_and_spaces() {
        let c = composer();
        let lines = c.wrap(
            &[reg("  Giao:  Bộ phận Một cửa\nNgười giao: Trần Văn Bình ")],
            11.0,
            400.0,
            0.0,
        );
        let texts: Vec<String> = lines.iter().map(Line::text).collect();
        assert_eq!(
            texts,
            ["Giao: Bộ phận Một cửa", "Người giao: Trần Văn Bình"]
        );
        assert!(lines[0].last && lines[1].last);
        assert_eq!(lines[0].spaces, 4);
    }
}
