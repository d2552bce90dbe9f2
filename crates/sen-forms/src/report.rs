//! A monitoring report (the Quyết định 766 index and dossier figures) as a
//! landscape PDF: the national header, a title with the period, then
//! sections, each a heading, an optional note and a ruled table. Built from
//! the same layout parts as the forms, so it shares their fonts, rules and
//! determinism.

use crate::layout::{bold, col, italic, reg, Align, Composer, Para, Table};
use crate::{Agency, FormError};

/// One section: a heading, an optional note under it, and a table.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportSection {
    pub heading: String,
    pub note: Option<String>,
    /// Column headings with their relative widths; a `true` flag centres the
    /// column (figures).
    pub columns: Vec<(String, f32, bool)>,
    pub rows: Vec<Vec<String>>,
}

/// The report.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub agency: Agency,
    pub title: String,
    /// Lines under the title (the period, the basis, when computed).
    pub subtitle: Vec<String>,
    pub sections: Vec<ReportSection>,
}

impl Report {
    /// Renders the report as a PDF file on landscape A4 pages.
    pub fn render(&self) -> Result<Vec<u8>, FormError> {
        if self.title.trim().is_empty() {
            return Err(FormError::Invalid {
                field: "title",
                message: "không được để trống (must not be empty)".into(),
            });
        }
        for s in &self.sections {
            if s.rows.iter().any(|r| r.len() != s.columns.len()) {
                return Err(FormError::Invalid {
                    field: "sections.rows",
                    message: format!(
                        "«{}»: số ô khác số cột (cells do not match the columns)",
                        s.heading
                    ),
                });
            }
        }
        let mut c = Composer::new(true)?;
        c.national_header(self.agency.parent.as_deref(), &self.agency.name, None, None);
        let under: Vec<_> = self
            .subtitle
            .iter()
            .map(|l| vec![italic(l.trim())])
            .collect();
        c.title(&self.title, &under);
        for s in &self.sections {
            c.ensure(60.0);
            c.para(
                &[bold(s.heading.trim())],
                Para {
                    align: Align::Left,
                    before: 6.0,
                    after: 2.0,
                    ..Para::default()
                },
            );
            if let Some(n) = s.note.as_deref().filter(|n| !n.trim().is_empty()) {
                c.para(
                    &[reg(n.trim())],
                    Para {
                        size: 11.0,
                        align: Align::Left,
                        after: 3.0,
                        ..Para::default()
                    },
                );
            }
            if !s.columns.is_empty() {
                c.table(&Table {
                    columns: s
                        .columns
                        .iter()
                        .map(|(t, w, centre)| {
                            col(t, *w, if *centre { Align::Center } else { Align::Left })
                        })
                        .collect(),
                    groups: Vec::new(),
                    rows: s.rows.clone(),
                    size: 10.0,
                    header_size: 10.0,
                });
            }
        }
        c.finish(&self.title)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(rows: usize) -> Report {
        Report {
            agency: Agency {
                parent: None,
                name: "Ủy ban nhân dân tỉnh Sen Hồng".into(),
                place: "Sen Hồng".into(),
            },
            title: "Báo cáo chỉ số phục vụ người dân, doanh nghiệp".into(),
            subtitle: vec!["Từ ngày 01/01/2026 đến ngày 31/03/2026".into()],
            sections: vec![ReportSection {
                heading: "Xếp hạng đơn vị".into(),
                note: Some("Tiêu chí chưa có dữ liệu không tính điểm.".into()),
                columns: vec![
                    ("Hạng".into(), 1.0, true),
                    ("Đơn vị".into(), 6.0, false),
                    ("Điểm".into(), 2.0, true),
                ],
                rows: (0..rows)
                    .map(|i| vec![(i + 1).to_string(), format!("Sở thứ {i}"), "81,5".into()])
                    .collect(),
            }],
        }
    }

    #[test]
    fn renders_deterministically_over_pages() {
        let a = report(80).render().unwrap();
        assert!(a.starts_with(b"%PDF-"));
        assert_eq!(a, report(80).render().unwrap());
        assert!(a.len() > report(2).render().unwrap().len());
    }

    #[test]
    fn refuses_rows_that_do_not_match_the_columns() {
        let mut r = report(2);
        r.sections[0].rows[1].pop();
        assert!(r.render().is_err());
        let mut r = report(1);
        r.title = " ".into();
        assert!(r.render().is_err());
    }
}
