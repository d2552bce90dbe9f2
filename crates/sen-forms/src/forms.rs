//! The seven forms, each composed from the parts in [`crate::layout`].

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use sen_domain::vi::{long_date, long_datetime, short_date};

use crate::layout::{
    bold, col, italic, reg, Align, Beside, Composer, Para, Signature, Span, Table,
};
use crate::{
    Agency, Apology, Applicant, ControlSlip, FormError, Receipt, Refusal, Register, Signer,
    StopNotice, SupplementRequest,
};

pub const TITLE_01: &str = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ";
pub const TITLE_02: &str = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ";
pub const TITLE_03: &str = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ";
pub const TITLE_04: &str = "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT";
pub const TITLE_05: &str = "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ";
pub const TITLE_06: &str = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ";
pub const TITLE_07: &str = "SỔ THEO DÕI HỒ SƠ";

const SIGN_NOTE: &str = "(Ký và ghi rõ họ tên)";

fn require(field: &'static str, value: &str) -> Result<(), FormError> {
    if value.trim().is_empty() {
        return Err(FormError::Invalid {
            field,
            message: "không được để trống (must not be empty)".into(),
        });
    }
    Ok(())
}

fn check_common(
    agency: &Agency,
    dossier_code: &str,
    applicant_name: &str,
    procedure: &str,
) -> Result<(), FormError> {
    require("agency.name", &agency.name)?;
    require("dossier_code", dossier_code)?;
    require("applicant.name", applicant_name)?;
    require("procedure", procedure)
}

fn check_signer(field: &'static str, s: &Signer) -> Result<(), FormError> {
    require(field, &s.title)?;
    require(field, &s.name)
}

/// "Hòa Bình, ngày 05 tháng 3 năm 2026" ("Ngày 05 …" without a place).
fn place_date(agency: &Agency, d: NaiveDate) -> String {
    let date = long_date(d);
    if agency.place.trim().is_empty() {
        let mut c = date.chars();
        c.next()
            .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
    } else {
        format!("{}, {date}", agency.place.trim())
    }
}

fn signature(s: &Signer) -> Signature {
    let mut heading = Vec::new();
    if let Some(a) = s.authority.as_ref().filter(|a| !a.trim().is_empty()) {
        heading.push(a.clone());
    }
    heading.push(s.title.clone());
    Signature {
        heading,
        note: None,
        name: s.name.clone(),
    }
}

fn recipients(applicant: &Applicant) -> Beside {
    Beside::Recipients(vec![
        format!("- Ông/bà {};", applicant.name.trim()),
        "- Lưu: VT.".into(),
    ])
}

/// A body paragraph: justified, 13 pt.
fn body(c: &mut Composer, spans: &[Span]) {
    c.para(spans, Para::default());
}

/// A paragraph indented as the first line of running text.
fn running(c: &mut Composer, spans: &[Span]) {
    c.para(
        spans,
        Para {
            indent: 28.0,
            after: 4.0,
            ..Para::default()
        },
    );
}

fn kính_gửi(c: &mut Composer, applicant: &Applicant) {
    c.para(
        &[
            reg("Kính gửi: "),
            reg(format!("ông/bà {}", applicant.name.trim())).keep(),
            reg("."),
        ],
        Para {
            align: Align::Center,
            after: 8.0,
            ..Para::default()
        },
    );
}

fn contact_lines(c: &mut Composer, a: &Applicant, width: Option<f32>) {
    let p = Para {
        width,
        ..Para::default()
    };
    if let Some(addr) = a.address.as_ref().filter(|s| !s.trim().is_empty()) {
        c.para(&[reg("Địa chỉ: "), reg(addr.trim())], p);
    }
    let mut spans = Vec::new();
    if let Some(phone) = a.phone.as_ref().filter(|s| !s.trim().is_empty()) {
        spans.push(reg("Số điện thoại: "));
        spans.push(reg(phone.trim()).keep());
    }
    if let Some(email) = a.email.as_ref().filter(|s| !s.trim().is_empty()) {
        if !spans.is_empty() {
            spans.push(reg("; "));
        }
        spans.push(reg("Thư điện tử: "));
        spans.push(reg(email.trim()).keep());
    }
    if !spans.is_empty() {
        c.para(&spans, p);
    }
}

/// "ông/bà Nguyễn Thị Hà, mã hồ sơ …" introduction shared by Mẫu 02–05.
fn dossier_intro(
    agency: &Agency,
    applicant: &Applicant,
    code: &str,
    procedure: &str,
    received: NaiveDateTime,
) -> Vec<Span> {
    vec![
        reg("Ngày "),
        reg(long_date(received.date())
            .trim_start_matches("ngày ")
            .to_string()),
        reg(format!(
            ", {} đã tiếp nhận hồ sơ của ông/bà ",
            agency.name.trim()
        )),
        bold(applicant.name.trim()).keep(),
        reg(", mã hồ sơ "),
        bold(code.trim()).keep(),
        reg(format!(
            ", đề nghị giải quyết thủ tục: {}.",
            procedure.trim()
        )),
    ]
}

fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

fn hhmm(t: NaiveDateTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

impl Receipt {
    /// Renders Mẫu 01 as a PDF file.
    pub fn render(&self) -> Result<Vec<u8>, FormError> {
        check_common(
            &self.agency,
            &self.dossier_code,
            &self.applicant.name,
            &self.procedure,
        )?;
        require("officer_name", &self.officer_name)?;
        require("lookup_url", &self.lookup_url)?;
        if self.due_at < self.received_at {
            return Err(FormError::Invalid {
                field: "due_at",
                message: "trước thời gian nhận hồ sơ (before received_at)".into(),
            });
        }
        let mut c = Composer::new(false)?;
        c.national_header(
            self.agency.parent.as_deref(),
            &self.agency.name,
            self.number.as_deref(),
            Some(&place_date(&self.agency, self.received_at.date())),
        );
        c.title(
            TITLE_01,
            &[vec![
                reg("Mã hồ sơ: "),
                bold(self.dossier_code.trim()).keep(),
            ]],
        );

        // The applicant beside the QR code for looking the dossier up.
        let qr_size = 76.0;
        let tw = c.text_width();
        let top = c.y;
        c.qr(&self.lookup_url, tw - qr_size, top, qr_size)?;
        let caption_h = c.block_at(
            top + qr_size + 2.0,
            &[italic("Quét mã để tra cứu hồ sơ")],
            tw - qr_size,
            qr_size,
            9.0,
            Align::Center,
        );
        let qr_bottom = top + qr_size + 2.0 + caption_h;
        let beside = Some(tw - qr_size - 14.0);
        let p = Para {
            width: beside,
            ..Para::default()
        };
        c.para(
            &[
                reg("Bộ phận Một cửa "),
                reg(self.agency.name.trim()),
                reg(" tiếp nhận hồ sơ của:"),
            ],
            p,
        );
        c.para(
            &[reg("Ông/bà: "), bold(self.applicant.name.trim()).keep()],
            p,
        );
        contact_lines(&mut c, &self.applicant, beside);
        c.para(
            &[
                reg("Nội dung yêu cầu giải quyết: "),
                reg(self.procedure.trim()),
            ],
            p,
        );
        c.y = c.y.max(qr_bottom + 4.0);
        c.para(
            &[
                italic("Tra cứu tình trạng giải quyết hồ sơ tại: "),
                italic(self.lookup_url.trim()),
            ],
            Para {
                size: 11.0,
                align: Align::Left,
                after: 6.0,
                ..Para::default()
            },
        );

        let mut n = 0;
        let mut item = |c: &mut Composer, spans: Vec<Span>| {
            n += 1;
            let mut all = vec![reg(format!("{n}. "))];
            all.extend(spans);
            body(c, &all);
        };
        item(&mut c, vec![reg("Thành phần hồ sơ nộp gồm:")]);
        c.table(&Table {
            columns: vec![
                col("STT", 6.0, Align::Center),
                col("Tên giấy tờ", 62.0, Align::Left),
                col("Bản chính", 14.0, Align::Center),
                col("Bản sao", 14.0, Align::Center),
            ],
            groups: vec![],
            rows: self
                .components
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    vec![
                        (i + 1).to_string(),
                        k.name.trim().to_string(),
                        format!("{:02}", k.originals),
                        format!("{:02}", k.copies),
                    ]
                })
                .collect(),
            size: 12.0,
            header_size: 12.0,
        });
        item(
            &mut c,
            vec![
                reg("Số lượng hồ sơ: "),
                reg(format!("{:02} (bộ).", self.sets)).keep(),
            ],
        );
        if let Some(t) = self
            .processing_time
            .as_ref()
            .filter(|t| !t.trim().is_empty())
        {
            item(
                &mut c,
                vec![
                    reg("Thời gian giải quyết hồ sơ theo quy định là: "),
                    reg(format!("{}.", t.trim())).keep(),
                ],
            );
        }
        item(
            &mut c,
            vec![
                reg("Thời gian nhận hồ sơ: "),
                reg(long_datetime(self.received_at)),
                reg("."),
            ],
        );
        item(
            &mut c,
            vec![
                reg("Thời gian trả kết quả giải quyết hồ sơ: "),
                bold(long_datetime(self.due_at)),
                reg("."),
            ],
        );
        item(
            &mut c,
            vec![
                reg("Hình thức nhận kết quả: "),
                reg(self.result_delivery.trim()),
                reg("."),
            ],
        );

        c.signatures(
            &Beside::Signature(Signature {
                heading: vec!["Người nộp hồ sơ".into()],
                note: Some(SIGN_NOTE.into()),
                name: self.applicant.name.trim().to_string(),
            }),
            &Signature {
                heading: vec!["Người tiếp nhận hồ sơ".into()],
                note: Some(SIGN_NOTE.into()),
                name: self.officer_name.trim().to_string(),
            },
        );
        c.finish(TITLE_01)
    }
}

impl SupplementRequest {
    /// Renders Mẫu 02 as a PDF file.
    pub fn render(&self) -> Result<Vec<u8>, FormError> {
        check_common(
            &self.agency,
            &self.dossier_code,
            &self.applicant.name,
            &self.procedure,
        )?;
        check_signer("signer", &self.signer)?;
        if self.items.is_empty() {
            return Err(FormError::Invalid {
                field: "items",
                message: "cần ít nhất một nội dung (at least one item)".into(),
            });
        }
        let mut c = Composer::new(false)?;
        c.national_header(
            self.agency.parent.as_deref(),
            &self.agency.name,
            self.number.as_deref(),
            Some(&place_date(&self.agency, self.issued_on)),
        );
        c.title(TITLE_02, &[]);
        kính_gửi(&mut c, &self.applicant);
        running(
            &mut c,
            &dossier_intro(
                &self.agency,
                &self.applicant,
                &self.dossier_code,
                &self.procedure,
                self.received_at,
            ),
        );
        running(
            &mut c,
            &[reg(
                "Sau khi xem xét, hồ sơ của ông/bà cần được bổ sung, hoàn thiện các nội dung sau:",
            )],
        );
        c.table(&Table {
            columns: vec![
                col("STT", 6.0, Align::Center),
                col("Nội dung cần bổ sung, hoàn thiện", 34.0, Align::Left),
                col("Lý do", 30.0, Align::Left),
                col("Cách thức bổ sung, hoàn thiện", 30.0, Align::Left),
            ],
            groups: vec![],
            rows: self
                .items
                .iter()
                .enumerate()
                .map(|(i, it)| {
                    vec![
                        (i + 1).to_string(),
                        it.what.trim().into(),
                        it.why.trim().into(),
                        it.how.trim().into(),
                    ]
                })
                .collect(),
            size: 12.0,
            header_size: 12.0,
        });
        if let Some(contact) = self.contact.as_ref().filter(|s| !s.trim().is_empty()) {
            running(
                &mut c,
                &[reg(format!(
                    "Trong quá trình bổ sung, hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ {} để được hướng dẫn.",
                    contact.trim()
                ))],
            );
        }
        running(&mut c, &[reg("Xin trân trọng cảm ơn.")]);
        c.signatures(&recipients(&self.applicant), &signature(&self.signer));
        c.finish(TITLE_02)
    }
}

impl Refusal {
    /// Renders Mẫu 03 as a PDF file.
    pub fn render(&self) -> Result<Vec<u8>, FormError> {
        check_common(
            &self.agency,
            &self.dossier_code,
            &self.applicant.name,
            &self.procedure,
        )?;
        check_signer("signer", &self.signer)?;
        require("reason", &self.reason)?;
        let mut c = Composer::new(false)?;
        c.national_header(
            self.agency.parent.as_deref(),
            &self.agency.name,
            self.number.as_deref(),
            Some(&place_date(&self.agency, self.issued_on)),
        );
        c.title(TITLE_03, &[]);
        kính_gửi(&mut c, &self.applicant);
        running(
            &mut c,
            &dossier_intro(
                &self.agency,
                &self.applicant,
                &self.dossier_code,
                &self.procedure,
                self.received_at,
            ),
        );
        running(
            &mut c,
            &[reg(format!(
                "Qua xem xét, {} thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
                self.agency.name.trim()
            ))],
        );
        for p in paragraphs(&self.reason) {
            running(&mut c, &[reg(p)]);
        }
        running(
            &mut c,
            &[reg("Xin thông báo để ông/bà được biết và thực hiện.")],
        );
        c.signatures(&recipients(&self.applicant), &signature(&self.signer));
        c.finish(TITLE_03)
    }
}

impl Apology {
    /// Renders Mẫu 04 as a PDF file.
    pub fn render(&self) -> Result<Vec<u8>, FormError> {
        check_common(
            &self.agency,
            &self.dossier_code,
            &self.applicant.name,
            &self.procedure,
        )?;
        check_signer("signer", &self.signer)?;
        require("reason", &self.reason)?;
        if self.new_due <= self.original_due {
            return Err(FormError::Invalid {
                field: "new_due",
                message: "phải sau thời hạn cũ (must be after original_due)".into(),
            });
        }
        let mut c = Composer::new(false)?;
        c.national_header(
            self.agency.parent.as_deref(),
            &self.agency.name,
            self.number.as_deref(),
            Some(&place_date(&self.agency, self.issued_on)),
        );
        c.title(TITLE_04, &[]);
        kính_gửi(&mut c, &self.applicant);
        let mut intro = dossier_intro(
            &self.agency,
            &self.applicant,
            &self.dossier_code,
            &self.procedure,
            self.received_at,
        );
        intro.extend([
            reg(" Thời hạn trả kết quả theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả là "),
            reg(long_datetime(self.original_due)),
            reg("."),
        ]);
        running(&mut c, &intro);
        running(
            &mut c,
            &[reg(format!(
                "Tuy nhiên, đến nay {} chưa trả kết quả giải quyết hồ sơ của ông/bà. Lý do:",
                self.agency.name.trim()
            ))],
        );
        for p in paragraphs(&self.reason) {
            running(&mut c, &[reg(p)]);
        }
        running(
            &mut c,
            &[
                reg(format!(
                    "Sự chậm trễ này đã gây phiền hà cho ông/bà. {} trân trọng xin lỗi ông/bà và đề nghị gia hạn thời gian giải quyết hồ sơ; thời gian trả kết quả được hẹn lại vào ",
                    self.agency.name.trim()
                )),
                bold(long_datetime(self.new_due)),
                reg("."),
            ],
        );
        running(
            &mut c,
            &[reg("Rất mong nhận được sự thông cảm của ông/bà.")],
        );
        c.signatures(&recipients(&self.applicant), &signature(&self.signer));
        c.finish(TITLE_04)
    }
}

impl StopNotice {
    /// Renders Mẫu 05 as a PDF file.
    pub fn render(&self) -> Result<Vec<u8>, FormError> {
        check_common(
            &self.agency,
            &self.dossier_code,
            &self.applicant.name,
            &self.procedure,
        )?;
        check_signer("signer", &self.signer)?;
        require("reason", &self.reason)?;
        let mut c = Composer::new(false)?;
        c.national_header(
            self.agency.parent.as_deref(),
            &self.agency.name,
            self.number.as_deref(),
            Some(&place_date(&self.agency, self.issued_on)),
        );
        c.title(TITLE_05, &[]);
        kính_gửi(&mut c, &self.applicant);
        running(
            &mut c,
            &dossier_intro(
                &self.agency,
                &self.applicant,
                &self.dossier_code,
                &self.procedure,
                self.received_at,
            ),
        );
        running(
            &mut c,
            &[
                reg(format!(
                    "{} thông báo dừng giải quyết hồ sơ nêu trên kể từ ",
                    self.agency.name.trim()
                )),
                reg(long_date(self.issued_on)),
                reg(". Lý do:"),
            ],
        );
        for p in paragraphs(&self.reason) {
            running(&mut c, &[reg(p)]);
        }
        if let Some(g) = self.guidance.as_ref().filter(|g| !g.trim().is_empty()) {
            for (i, p) in paragraphs(g).enumerate() {
                if i == 0 {
                    running(&mut c, &[bold("Hướng dẫn: "), reg(p)]);
                } else {
                    running(&mut c, &[reg(p)]);
                }
            }
        }
        running(&mut c, &[reg("Xin thông báo để ông/bà được biết.")]);
        c.signatures(&recipients(&self.applicant), &signature(&self.signer));
        c.finish(TITLE_05)
    }
}

impl ControlSlip {
    /// Renders Mẫu 06 as a PDF file.
    pub fn render(&self) -> Result<Vec<u8>, FormError> {
        check_common(
            &self.agency,
            &self.dossier_code,
            &self.applicant_name,
            &self.procedure,
        )?;
        require("lead_unit", &self.lead_unit)?;
        if let Some(s) = &self.signer {
            check_signer("signer", s)?;
        }
        let mut c = Composer::new(false)?;
        c.national_header(self.agency.parent.as_deref(), &self.agency.name, None, None);
        c.title(
            TITLE_06,
            &[
                vec![reg("Mã hồ sơ: "), bold(self.dossier_code.trim()).keep()],
                vec![italic("(Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả)")],
            ],
        );
        body(
            &mut c,
            &[
                reg("Người nộp hồ sơ: "),
                bold(self.applicant_name.trim()).keep(),
            ],
        );
        body(
            &mut c,
            &[reg("Thủ tục hành chính: "), reg(self.procedure.trim())],
        );
        body(
            &mut c,
            &[
                reg("Cơ quan (bộ phận) giải quyết hồ sơ: "),
                reg(self.lead_unit.trim()),
            ],
        );
        let coordinating: Vec<&str> = self
            .coordinating_units
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        if !coordinating.is_empty() {
            body(
                &mut c,
                &[
                    reg("Cơ quan phối hợp giải quyết hồ sơ: "),
                    reg(coordinating.join("; ")),
                ],
            );
        }
        body(
            &mut c,
            &[
                reg("Thời gian nhận hồ sơ: "),
                reg(long_datetime(self.received_at)),
            ],
        );
        body(
            &mut c,
            &[
                reg("Thời gian hẹn trả kết quả: "),
                reg(long_datetime(self.due_at)),
            ],
        );
        c.y += 4.0;
        c.table(&Table {
            columns: vec![
                col("STT", 6.5, Align::Center),
                col("Giao (bộ phận, người giao)", 21.0, Align::Left),
                col("Nhận (bộ phận, người nhận)", 21.0, Align::Left),
                col("Thời gian giao, nhận hồ sơ", 23.5, Align::Left),
                col(
                    "Kết quả giải quyết hồ sơ (trước hạn, đúng hạn, quá hạn)",
                    16.0,
                    Align::Center,
                ),
                col("Ghi chú", 12.0, Align::Left),
            ],
            groups: vec![],
            rows: self
                .handoffs
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    vec![
                        (i + 1).to_string(),
                        format!("{}\n{}", h.from_step.trim(), h.from_officer.trim()),
                        format!("{}\n{}", h.to_step.trim(), h.to_officer.trim()),
                        long_datetime(h.at),
                        h.result.map(|r| r.label().to_string()).unwrap_or_default(),
                        h.note.as_deref().unwrap_or("").trim().to_string(),
                    ]
                })
                .collect(),
            size: 11.0,
            header_size: 11.0,
        });
        if let Some(s) = &self.signer {
            c.signatures(&Beside::Nothing, &signature(s));
        }
        c.finish(TITLE_06)
    }
}

impl Register {
    /// Renders Mẫu 07 as a PDF file, on landscape pages.
    pub fn render(&self) -> Result<Vec<u8>, FormError> {
        require("agency.name", &self.agency.name)?;
        if self.to < self.from {
            return Err(FormError::Invalid {
                field: "to",
                message: "trước ngày bắt đầu (before from)".into(),
            });
        }
        for e in &self.entries {
            require("entries.dossier_code", &e.dossier_code)?;
        }
        if let Some(s) = &self.signer {
            check_signer("signer", s)?;
        }
        let mut c = Composer::new(true)?;
        c.national_header(self.agency.parent.as_deref(), &self.agency.name, None, None);
        let mut under = vec![vec![italic(format!(
            "(Từ {} đến {})",
            long_date(self.from),
            long_date(self.to)
        ))]];
        if let Some(book) = self.book.as_ref().filter(|b| !b.trim().is_empty()) {
            under.push(vec![reg("Quyển số: "), reg(book.trim())]);
        }
        c.title(TITLE_07, &under);
        let date = |d: Option<NaiveDate>| d.map(short_date).unwrap_or_default();
        c.table(&Table {
            columns: vec![
                col("STT", 4.0, Align::Center),
                col("Mã hồ sơ", 13.5, Align::Left),
                col("Tên thủ tục hành chính", 11.0, Align::Left),
                col("Số lượng hồ sơ (bộ)", 5.0, Align::Center),
                col("Tên cá nhân, tổ chức", 9.0, Align::Left),
                col("Địa chỉ, số điện thoại", 10.0, Align::Left),
                col("Cơ quan chủ trì giải quyết", 8.5, Align::Left),
                col("Nhận hồ sơ", 7.5, Align::Center),
                col("Hẹn trả kết quả", 7.5, Align::Center),
                col("Chuyển hồ sơ đến cơ quan giải quyết", 7.5, Align::Center),
                col("Nhận kết quả từ cơ quan giải quyết", 7.5, Align::Center),
                col("Trả kết quả cho cá nhân, tổ chức", 7.5, Align::Center),
                col("Ghi chú", 6.0, Align::Left),
            ],
            groups: vec![(7, 5, "Ngày, tháng, năm".into())],
            rows: self
                .entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    vec![
                        (i + 1).to_string(),
                        e.dossier_code.trim().into(),
                        e.procedure.trim().into(),
                        format!("{:02}", e.sets),
                        e.applicant_name.trim().into(),
                        e.applicant_contact.trim().into(),
                        e.handling_unit.trim().into(),
                        format!(
                            "{}\n{}",
                            short_date(e.received_at.date()),
                            hhmm(e.received_at)
                        ),
                        format!("{}\n{}", short_date(e.due_at.date()), hhmm(e.due_at)),
                        date(e.transferred_on),
                        date(e.result_received_on),
                        date(e.returned_on),
                        e.note.as_deref().unwrap_or("").trim().into(),
                    ]
                })
                .collect(),
            size: 10.0,
            header_size: 10.0,
        });
        if let Some(s) = &self.signer {
            c.signatures(&Beside::Nothing, &signature(s));
        }
        c.finish(TITLE_07)
    }
}

impl crate::OfficialDocument {
    /// Renders the document as a PDF file.
    pub fn render(&self) -> Result<Vec<u8>, FormError> {
        Ok(self.render_with_place()?.0)
    }

    /// Renders the document and says where the signer's blank is.
    pub fn render_with_place(&self) -> Result<(Vec<u8>, crate::SignaturePlace), FormError> {
        require("agency", &self.agency.name)?;
        require("subject", &self.subject)?;
        require("body", &self.body)?;
        check_signer("signer", &self.signer)?;
        let mut c = Composer::new(false)?;
        let date = match self.issued_on {
            Some(d) => place_date(&self.agency, d),
            None => format!("{}, ngày     tháng     năm     ", self.agency.place.trim()),
        };
        c.national_header(
            self.agency.parent.as_deref(),
            &self.agency.name,
            self.number.as_deref(),
            Some(&date),
        );
        if self.draft {
            c.para(
                &[bold("DỰ THẢO")],
                Para {
                    align: Align::Left,
                    after: 4.0,
                    ..Para::default()
                },
            );
        }
        let title = match &self.type_name {
            Some(t) => {
                c.title(t, &[vec![bold(self.subject.trim())]]);
                t.clone()
            }
            None => {
                c.para(
                    &[reg(format!("V/v {}", self.subject.trim()))],
                    Para {
                        align: Align::Left,
                        after: 8.0,
                        ..Para::default()
                    },
                );
                if !self.addressees.is_empty() {
                    let mut spans = vec![reg("Kính gửi: ")];
                    spans.push(reg(self.addressees.join("; ")));
                    c.para(
                        &spans,
                        Para {
                            align: Align::Center,
                            after: 8.0,
                            ..Para::default()
                        },
                    );
                }
                self.subject.clone()
            }
        };
        for p in paragraphs(&self.body) {
            running(&mut c, &[reg(p)]);
        }
        let mut list: Vec<String> = self
            .recipients
            .iter()
            .map(|r| format!("- {};", r.trim()))
            .collect();
        list.push("- Lưu: VT.".into());
        c.signatures(&Beside::Recipients(list), &signature(&self.signer));
        let (page, rect) = c.sign_space.ok_or_else(|| FormError::Invalid {
            field: "signer",
            message: "không có chỗ ký (no signature space)".into(),
        })?;
        let bytes = c.finish(&title)?;
        Ok((bytes, crate::SignaturePlace { page, rect }))
    }
}

#[cfg(test)]
mod official_tests {
    use crate::{Agency, OfficialDocument, Signer};
    use chrono::NaiveDate;

    pub(crate) fn decision() -> OfficialDocument {
        OfficialDocument {
            agency: Agency {
                parent: None,
                name: "Ủy ban nhân dân tỉnh Sen Hồng".into(),
                place: "Sen Hồng".into(),
            },
            number: Some("05/QĐ-UBND".into()),
            issued_on: NaiveDate::from_ymd_opt(2026, 3, 5),
            type_name: Some("Quyết định".into()),
            subject: "Về việc công bố danh mục thủ tục hành chính".into(),
            addressees: vec![],
            body: "Điều 1. Công bố kèm theo Quyết định này danh mục thủ tục hành chính.\nĐiều 2. Quyết định có hiệu lực kể từ ngày ký.".into(),
            recipients: vec!["Như Điều 2".into(), "Sở Tư pháp".into()],
            signer: Signer {
                authority: Some("TM. ỦY BAN NHÂN DÂN".into()),
                title: "CHỦ TỊCH".into(),
                name: "Trương Văn Tỉnh".into(),
            },
            draft: false,
        }
    }

    #[test]
    fn official_documents_render_with_a_signature_place_inside_the_page() {
        let (pdf, place) = decision().render_with_place().unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(place.page, 0);
        let [x1, y1, x2, y2] = place.rect;
        assert!(
            x1 > 0.0 && x2 <= 595.5 && x2 - x1 > 100.0,
            "{:?}",
            place.rect
        );
        assert!(
            y1 > 0.0 && y2 < 842.0 && (y2 - y1 - 72.0).abs() < 0.01,
            "{:?}",
            place.rect
        );
        // A letter: no title, the subject under the number, addressees.
        let mut letter = decision();
        letter.type_name = None;
        letter.number = None;
        letter.issued_on = None;
        letter.draft = true;
        letter.addressees = vec!["Sở Xây dựng".into()];
        assert!(letter.render().unwrap().starts_with(b"%PDF-"));
        let mut bad = decision();
        bad.body = " ".into();
        assert!(bad.render().is_err());
    }
}
