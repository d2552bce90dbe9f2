//! Sample messages shared by the tests.
#![allow(dead_code)]

use chrono::{NaiveDate, NaiveDateTime};
use sen_edxml::*;

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

pub fn at(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
    date(y, m, d)
        .and_hms_opt(h, mi, s)
        .expect("valid test time")
}

pub fn org(id: &str, name: &str) -> Organization {
    Organization {
        organ_id: id.into(),
        organ_name: name.into(),
        ..Organization::default()
    }
}

/// A document with every field set, Vietnamese text, characters XML must
/// escape, carriage returns and attachments (one binary, one empty).
pub fn full_document() -> DocumentMessage {
    let mut pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    pdf.extend((0u8..=255).cycle().take(3000));
    DocumentMessage {
        header: MessageHeader {
            from: Organization {
                organ_id: "000.00.00.H12".into(),
                organization_in_charge: Some("Ủy ban nhân dân tỉnh Hòa Bình".into()),
                organ_name: "Văn phòng UBND tỉnh Hòa Bình".into(),
                organ_add: Some("Số 1, đường Trần Hưng Đạo, phường Phương Lâm".into()),
                email: Some("vanphong@hoabinh.gov.vn".into()),
                telephone: Some("0218 3852 111".into()),
                fax: Some("0218 3852 112".into()),
                website: Some("https://hoabinh.gov.vn/?a=1&b=2".into()),
            },
            to: vec![
                org("000.00.12.H12", "Sở Tư pháp"),
                Organization {
                    organ_id: "000.00.13.H12".into(),
                    organ_name: "Sở Giáo dục & Đào tạo <SGDĐT>".into(),
                    email: Some("sgddt@hoabinh.gov.vn".into()),
                    ..Organization::default()
                },
            ],
            code: Code {
                code_number: "05".into(),
                code_notation: "QĐ-UBND".into(),
            },
            promulgation_info: PromulgationInfo {
                place: Some("Hòa Bình".into()),
                promulgation_date: date(2026, 3, 5),
            },
            document_type: DocumentType {
                type_code: "1".into(),
                type_name: "Quyết định".into(),
            },
            subject: "Về việc \"phê duyệt\" kế hoạch số hóa hồ sơ & <tài liệu> năm 2026 'đợt 1'"
                .into(),
            content: Some(
                "Dòng một\r\nDòng hai\rDòng ba\n\tThụt lề; ký tự đặc biệt: ]]> &amp; ".into(),
            ),
            signer_info: SignerInfo {
                competence: Some("TM.".into()),
                position: Some("Chủ tịch".into()),
                full_name: "Nguyễn Văn Ánh".into(),
            },
            due_date: Some(date(2026, 3, 20)),
            to_places: vec!["Như trên;".into(), "Lưu: VT, KSTT.".into()],
            other_info: OtherInfo {
                priority: Some(1),
                sphere_of_promulgation: Some("Lưu hành nội bộ".into()),
                typer_notation: Some("NVA".into()),
                promulgation_amount: Some(10),
                page_amount: Some(3),
                appendixes: vec!["Phụ lục I".into(), "Phụ lục II — danh mục".into()],
            },
            response_for: vec![ResponseFor {
                organ_id: "000.00.12.H12".into(),
                code: "12/STP-HCTP".into(),
                promulgation_date: date(2026, 2, 27),
                document_id: "000.00.12.H12,2026/02/27,0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
            }],
            steering_type: Some(0),
            document_id: "000.00.00.H12,2026/03/05,0190a1b2-c3d4-7e5f-8a9b-aaaaaaaaaaaa".into(),
        },
        trace: vec![TraceHeader {
            organ_id: "000.00.00.H12".into(),
            timestamp: at(2026, 3, 5, 14, 5, 9),
        }],
        attachments: vec![
            Attachment {
                content_id: "cid:1".into(),
                attachment_name: "Quyết định 05 - phê duyệt & ký số.pdf".into(),
                description: Some("Bản ký số <chính thức>".into()),
                content_type: "application/pdf".into(),
                content: pdf,
            },
            Attachment {
                content_id: "2".into(),
                attachment_name: "trống.txt".into(),
                description: None,
                content_type: "text/plain; charset=utf-8".into(),
                content: Vec::new(),
            },
        ],
    }
}

/// A document with only the required fields.
pub fn minimal_document() -> DocumentMessage {
    DocumentMessage {
        header: MessageHeader {
            from: org("H12.01", "UBND xã A"),
            to: vec![org("H12.02", "UBND xã B")],
            code: Code {
                code_number: String::new(),
                code_notation: "CV".into(),
            },
            promulgation_info: PromulgationInfo {
                place: None,
                promulgation_date: date(2026, 1, 2),
            },
            document_type: DocumentType {
                type_code: "2".into(),
                type_name: "Công văn".into(),
            },
            subject: "Họp".into(),
            content: None,
            signer_info: SignerInfo {
                full_name: "Lê Thị B".into(),
                ..SignerInfo::default()
            },
            due_date: None,
            to_places: Vec::new(),
            other_info: OtherInfo::default(),
            response_for: Vec::new(),
            steering_type: None,
            document_id: "H12.01,2026/01/02,x".into(),
        },
        trace: Vec::new(),
        attachments: Vec::new(),
    }
}

pub fn status(code: StatusCode) -> StatusMessage {
    StatusMessage {
        response_for: ResponseFor {
            organ_id: "000.00.00.H12".into(),
            code: "05/QĐ-UBND".into(),
            promulgation_date: date(2026, 3, 5),
            document_id: "000.00.00.H12,2026/03/05,0190a1b2-c3d4-7e5f-8a9b-aaaaaaaaaaaa".into(),
        },
        from: org("000.00.12.H12", "Sở Tư pháp tỉnh Hòa Bình"),
        status_code: code,
        description: Some(format!(
            "{} — lý do: \"đủ\" & <hợp lệ>\r\n",
            code.label_vi()
        )),
        timestamp: at(2026, 3, 6, 8, 0, 0),
        staff_info: Some(StaffInfo {
            department: Some("Phòng Hành chính tư pháp".into()),
            staff: Some("Trần Văn C".into()),
            email: Some("tvc@stp.hoabinh.gov.vn".into()),
            mobile: Some("0912345678".into()),
        }),
    }
}
