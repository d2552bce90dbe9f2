//! Renders every form with Vietnamese sample data and reads the PDFs back
//! with poppler's tools (pdftotext, pdffonts, pdfinfo, pdftoppm; Debian's
//! poppler-utils, which scripts/test installs): the text must come back
//! exactly, the fonts must be embedded subsets, long tables must paginate,
//! and the receipt's QR code must decode to its lookup URL.
//!
//! PNG previews of every form are written to target/forms-preview/.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use sen_forms::*;

// ----- sample data -------------------------------------------------------

fn dt(y: i32, m: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, mi, 0)
        .unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const CODE: &str = "H12.01-260305-0001";
const URL: &str = "https://dichvucong.hoabinh.gov.vn/tra-cuu/H12.01-260305-0001";

fn agency() -> Agency {
    Agency {
        parent: Some("Ủy ban nhân dân tỉnh Hòa Bình".into()),
        name: "Sở Tư pháp".into(),
        place: "Hòa Bình".into(),
    }
}

fn applicant() -> Applicant {
    Applicant {
        name: "Nguyễn Thị Hà".into(),
        phone: Some("0912 345 678".into()),
        email: Some("ha.nguyen@example.vn".into()),
        address: Some("Số 12, đường Trần Hưng Đạo, phường Phương Lâm, tỉnh Hòa Bình".into()),
    }
}

fn director() -> Signer {
    Signer {
        authority: Some("KT. Giám đốc".into()),
        title: "Phó Giám đốc".into(),
        name: "Đặng Quốc Việt".into(),
    }
}

const PROCEDURE: &str = "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam";

fn receipt() -> Receipt {
    Receipt {
        agency: agency(),
        number: Some("125/GTN-BPMC".into()),
        dossier_code: CODE.into(),
        applicant: applicant(),
        procedure: PROCEDURE.into(),
        components: vec![
            Component {
                name: "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (Mẫu số 03/2013/TT-LLTP)".into(),
                originals: 1,
                copies: 0,
            },
            Component {
                name: "Căn cước công dân của người được cấp Phiếu lý lịch tư pháp".into(),
                originals: 0,
                copies: 1,
            },
            Component {
                name: "Giấy tờ chứng minh nơi thường trú hoặc tạm trú".into(),
                originals: 0,
                copies: 2,
            },
        ],
        sets: 1,
        processing_time: Some("10 ngày làm việc".into()),
        received_at: dt(2026, 3, 5, 9, 30),
        due_at: dt(2026, 3, 19, 16, 0),
        result_delivery: "Nhận trực tiếp tại Bộ phận Một cửa".into(),
        officer_name: "Lê Thị Thu Hương".into(),
        lookup_url: URL.into(),
    }
}

fn supplement() -> SupplementRequest {
    SupplementRequest {
        agency: agency(),
        number: Some("18/PYCBS-BPMC".into()),
        issued_on: date(2026, 3, 6),
        dossier_code: CODE.into(),
        applicant: applicant(),
        procedure: PROCEDURE.into(),
        received_at: dt(2026, 3, 5, 9, 30),
        items: vec![
            SupplementItem {
                what: "Bản sao Giấy khai sinh".into(),
                why: "Hồ sơ chưa có giấy tờ chứng minh quan hệ cha, mẹ, con".into(),
                how: "Nộp bản sao có chứng thực hoặc xuất trình bản chính để đối chiếu".into(),
            },
            SupplementItem {
                what: "Tờ khai (mục nơi cư trú)".into(),
                why: "Ghi chưa đầy đủ địa chỉ thường trú".into(),
                how: "Khai bổ sung trực tiếp tại Bộ phận Một cửa hoặc trên Cổng Dịch vụ công"
                    .into(),
            },
        ],
        contact: Some("Bộ phận Một cửa, số điện thoại 0218 3852 123".into()),
        signer: Signer {
            authority: None,
            title: "Người hướng dẫn".into(),
            name: "Lê Thị Thu Hương".into(),
        },
    }
}

fn refusal() -> Refusal {
    Refusal {
        agency: agency(),
        number: Some("07/PTC-BPMC".into()),
        issued_on: date(2026, 3, 5),
        dossier_code: CODE.into(),
        applicant: applicant(),
        procedure: PROCEDURE.into(),
        received_at: dt(2026, 3, 5, 9, 30),
        reason: "Yêu cầu không thuộc thẩm quyền giải quyết của Sở Tư pháp tỉnh Hòa Bình.\nĐề nghị ông/bà liên hệ Trung tâm Lý lịch tư pháp quốc gia.".into(),
        signer: director(),
    }
}

fn apology() -> Apology {
    Apology {
        agency: agency(),
        number: Some("03/XL-STP".into()),
        issued_on: date(2026, 3, 18),
        dossier_code: CODE.into(),
        applicant: applicant(),
        procedure: PROCEDURE.into(),
        received_at: dt(2026, 3, 5, 9, 30),
        original_due: dt(2026, 3, 19, 16, 0),
        reason: "Cần xác minh thông tin về án tích tại cơ quan quản lý cơ sở dữ liệu lý lịch tư pháp của tỉnh khác.".into(),
        new_due: dt(2026, 3, 26, 16, 0),
        signer: director(),
    }
}

fn stop_notice() -> StopNotice {
    StopNotice {
        agency: agency(),
        number: Some("02/TB-STP".into()),
        issued_on: date(2026, 3, 12),
        dossier_code: CODE.into(),
        applicant: applicant(),
        procedure: PROCEDURE.into(),
        received_at: dt(2026, 3, 5, 9, 30),
        reason: "Ông/bà đã có văn bản đề nghị rút hồ sơ ngày 11 tháng 3 năm 2026.".into(),
        guidance: Some("Khi có nhu cầu, ông/bà nộp lại hồ sơ mới tại Bộ phận Một cửa hoặc trên Cổng Dịch vụ công quốc gia.".into()),
        signer: director(),
    }
}

fn control_slip(rows: usize) -> ControlSlip {
    let start = dt(2026, 3, 5, 9, 30);
    let steps = [
        ("Bộ phận Một cửa", "Lê Thị Thu Hương"),
        ("Phòng Hành chính tư pháp", "Trần Văn Bình"),
        ("Lãnh đạo Sở", "Đặng Quốc Việt"),
    ];
    ControlSlip {
        agency: agency(),
        dossier_code: CODE.into(),
        applicant_name: "Nguyễn Thị Hà".into(),
        procedure: PROCEDURE.into(),
        received_at: start,
        due_at: dt(2026, 3, 19, 16, 0),
        lead_unit: "Phòng Hành chính tư pháp, Sở Tư pháp".into(),
        coordinating_units: vec!["Công an tỉnh Hòa Bình".into()],
        handoffs: (0..rows)
            .map(|i| {
                let (from, from_officer) = steps[i % 3];
                let (to, to_officer) = steps[(i + 1) % 3];
                Handoff {
                    from_step: from.into(),
                    from_officer: from_officer.into(),
                    to_step: to.into(),
                    to_officer: to_officer.into(),
                    at: start + Duration::minutes(35 * i as i64),
                    result: Some([Timeliness::Early, Timeliness::OnTime, Timeliness::Late][i % 3]),
                    note: Some(format!("Lượt số {}", i + 1)),
                }
            })
            .collect(),
        signer: None,
    }
}

fn register(rows: usize) -> Register {
    Register {
        agency: agency(),
        from: date(2026, 3, 1),
        to: date(2026, 3, 31),
        book: Some("01".into()),
        entries: (0..rows)
            .map(|i| RegisterEntry {
                dossier_code: format!("H12.01-260305-{:04}", i + 1),
                procedure: PROCEDURE.into(),
                sets: 1,
                applicant_name: if i % 2 == 0 {
                    "Nguyễn Thị Hà"
                } else {
                    "Phạm Đức Thắng"
                }
                .into(),
                applicant_contact: "Phường Phương Lâm, tỉnh Hòa Bình; 0912 345 678".into(),
                handling_unit: "Phòng Hành chính tư pháp".into(),
                received_at: dt(2026, 3, 5, 9, 30),
                due_at: dt(2026, 3, 19, 16, 0),
                transferred_on: Some(date(2026, 3, 5)),
                result_received_on: (i % 3 != 0).then(|| date(2026, 3, 18)),
                returned_on: (i % 3 == 1).then(|| date(2026, 3, 19)),
                note: None,
            })
            .collect(),
        signer: None,
    }
}

fn all_forms() -> Vec<(&'static str, Form)> {
    vec![
        ("01-receipt", Form::Receipt(receipt())),
        (
            "02-supplement-request",
            Form::SupplementRequest(supplement()),
        ),
        ("03-refusal", Form::Refusal(refusal())),
        ("04-apology", Form::Apology(apology())),
        ("05-stop-notice", Form::StopNotice(stop_notice())),
        ("06-control-slip", Form::ControlSlip(control_slip(6))),
        ("07-register", Form::Register(register(12))),
    ]
}

// ----- poppler ---------------------------------------------------------------

static SEQ: AtomicU32 = AtomicU32::new(0);

/// A PDF written to a temporary file, removed on drop.
struct TempPdf(PathBuf);

impl TempPdf {
    fn new(bytes: &[u8]) -> TempPdf {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("sen-forms-{}-{n}.pdf", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        TempPdf(path)
    }
}

impl Drop for TempPdf {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn run(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {tool} ({e}): install Debian's poppler-utils (scripts/test does)")
    });
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // poppler reports damaged files on stderr but may still exit 0.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("Syntax Error") && !stderr.contains("rror"),
        "{tool}: {stderr}"
    );
    out.stdout
}

/// The text of the PDF (or of one page), whitespace collapsed to single spaces.
fn text_of(pdf: &[u8], page: Option<u32>) -> String {
    let f = TempPdf::new(pdf);
    let p = page.map(|p| p.to_string());
    let mut args = vec!["-enc", "UTF-8"];
    if let Some(p) = &p {
        args.extend(["-f", p, "-l", p]);
    }
    let path = f.0.to_str().unwrap();
    args.extend([path, "-"]);
    let raw = String::from_utf8(run("pdftotext", &args)).unwrap();
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text(pdf: &[u8]) -> String {
    text_of(pdf, None)
}

fn assert_contains(text: &str, needles: &[&str]) {
    for n in needles {
        assert!(text.contains(n), "missing {n:?} in:\n{text}");
    }
}

fn info(pdf: &[u8], key: &str) -> String {
    let f = TempPdf::new(pdf);
    let out = String::from_utf8(run("pdfinfo", &[f.0.to_str().unwrap()])).unwrap();
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no {key} in pdfinfo output:\n{out}"))
        .trim()
        .to_string()
}

fn pages(pdf: &[u8]) -> u32 {
    info(pdf, "Pages").parse().unwrap()
}

#[derive(Debug)]
struct FontRow {
    name: String,
    kind: String,
    encoding: String,
    emb: String,
    sub: String,
    uni: String,
}

fn fonts(pdf: &[u8]) -> Vec<FontRow> {
    let f = TempPdf::new(pdf);
    let out = String::from_utf8(run("pdffonts", &[f.0.to_str().unwrap()])).unwrap();
    out.lines()
        .skip(2)
        .map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            let n = t.len();
            assert!(n >= 8, "unexpected pdffonts line {l:?}");
            FontRow {
                name: t[0].into(),
                kind: t[1..n - 6].join(" "),
                encoding: t[n - 6].into(),
                emb: t[n - 5].into(),
                sub: t[n - 4].into(),
                uni: t[n - 3].into(),
            }
        })
        .collect()
}

/// Page 1 as an 8-bit grey image.
fn rasterise(pdf: &[u8], dpi: u32) -> (usize, usize, Vec<u8>) {
    let f = TempPdf::new(pdf);
    let prefix = f.0.with_extension("");
    let dpi = dpi.to_string();
    run(
        "pdftoppm",
        &[
            "-gray",
            "-r",
            &dpi,
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            f.0.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let pgm_path = prefix.with_extension("pgm");
    let pgm = std::fs::read(&pgm_path).unwrap();
    let _ = std::fs::remove_file(&pgm_path);
    // P5 <w> <h> <max> then the raster.
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(std::str::from_utf8(&pgm[start..i]).unwrap().to_string());
    }
    assert_eq!(fields[0], "P5");
    assert_eq!(fields[3], "255");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let data = pgm[i + 1..].to_vec();
    assert_eq!(data.len(), w * h);
    (w, h, data)
}

fn preview_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("forms-preview")
}

// ----- tests -----------------------------------------------------------------

const HEADER: [&str; 2] = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
];

#[test]
fn receipt_text_comes_back_exactly() {
    let pdf = receipt().render().unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let t = text(&pdf);
    assert_contains(&t, &HEADER);
    assert_contains(
        &t,
        &[
            "ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH",
            "SỞ TƯ PHÁP",
            "Số: 125/GTN-BPMC",
            "Hòa Bình, ngày 05 tháng 3 năm 2026",
            TITLE_01,
            "Mã hồ sơ: H12.01-260305-0001",
            "Nguyễn Thị Hà",
            "Số điện thoại: 0912 345 678",
            "Số 12, đường Trần Hưng Đạo, phường Phương Lâm",
            "Nội dung yêu cầu giải quyết: Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
            "Thành phần hồ sơ nộp gồm:",
            "Tên giấy tờ",
            "Giấy tờ chứng minh nơi thường trú hoặc tạm trú",
            "Số lượng hồ sơ: 01 (bộ).",
            "Thời gian giải quyết hồ sơ theo quy định là: 10 ngày làm việc.",
            "Thời gian nhận hồ sơ: 09 giờ 30 phút, ngày 05 tháng 3 năm 2026.",
            "Thời gian trả kết quả giải quyết hồ sơ: 16 giờ 00 phút, ngày 19 tháng 3 năm 2026.",
            "Hình thức nhận kết quả: Nhận trực tiếp tại Bộ phận Một cửa.",
            "NGƯỜI NỘP HỒ SƠ",
            "NGƯỜI TIẾP NHẬN HỒ SƠ",
            "(Ký và ghi rõ họ tên)",
            "Lê Thị Thu Hương",
            URL,
        ],
    );
    assert!(!t.contains('?'), "a character was not in the font:\n{t}");
    assert_eq!(info(&pdf, "Title"), TITLE_01);
    assert!(info(&pdf, "Page size").starts_with("595.276 x 841.89"));
    assert_eq!(pages(&pdf), 1);
}

#[test]
fn receipt_qr_code_decodes_to_the_lookup_url() {
    let pdf = receipt().render().unwrap();
    let (w, h, grey) = rasterise(&pdf, 150);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| grey[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "expected exactly one QR code on the page");
    let (meta, content) = grids[0].decode().expect("the QR code decodes");
    assert_eq!(content, URL);
    // The version the writer chose is the one drawn: same module count.
    let expected = qrcode::QrCode::with_error_correction_level(URL, qrcode::EcLevel::M).unwrap();
    assert_eq!(17 + 4 * meta.version.0, expected.width());
}

#[test]
fn other_letters_come_back_exactly() {
    let t = text(&supplement().render().unwrap());
    assert_contains(&t, &HEADER);
    assert_contains(
        &t,
        &[
            TITLE_02,
            "Số: 18/PYCBS-BPMC",
            "Hòa Bình, ngày 06 tháng 3 năm 2026",
            "Kính gửi: ông/bà Nguyễn Thị Hà.",
            "Ngày 05 tháng 3 năm 2026, Sở Tư pháp đã tiếp nhận hồ sơ của ông/bà Nguyễn Thị Hà, mã hồ sơ H12.01-260305-0001",
            "STT",
            "Nội dung cần bổ sung, hoàn thiện",
            "Bản sao Giấy khai sinh",
            "Lý do",
            "Cách thức bổ sung, hoàn thiện",
            "liên hệ Bộ phận Một cửa, số điện thoại 0218 3852 123 để được hướng dẫn.",
            "NGƯỜI HƯỚNG DẪN",
            "Nơi nhận:",
            "- Lưu: VT.",
        ],
    );

    let t = text(&refusal().render().unwrap());
    assert_contains(
        &t,
        &[
            TITLE_03,
            "Yêu cầu không thuộc thẩm quyền giải quyết của Sở Tư pháp tỉnh Hòa Bình.",
            "Đề nghị ông/bà liên hệ Trung tâm Lý lịch tư pháp quốc gia.",
            "KT. GIÁM ĐỐC",
            "PHÓ GIÁM ĐỐC",
            "Đặng Quốc Việt",
        ],
    );

    let t = text(&apology().render().unwrap());
    assert_contains(
        &t,
        &[
            TITLE_04,
            "Hòa Bình, ngày 18 tháng 3 năm 2026",
            "Giấy tiếp nhận hồ sơ và hẹn trả kết quả là 16 giờ 00 phút, ngày 19 tháng 3 năm 2026.",
            "Cần xác minh thông tin về án tích",
            "trân trọng xin lỗi ông/bà",
            "được hẹn lại vào 16 giờ 00 phút, ngày 26 tháng 3 năm 2026.",
            "PHÓ GIÁM ĐỐC",
            "Đặng Quốc Việt",
        ],
    );

    let t = text(&stop_notice().render().unwrap());
    assert_contains(
        &t,
        &[
            TITLE_05,
            "thông báo dừng giải quyết hồ sơ nêu trên kể từ ngày 12 tháng 3 năm 2026.",
            "Ông/bà đã có văn bản đề nghị rút hồ sơ ngày 11 tháng 3 năm 2026.",
            "Hướng dẫn: Khi có nhu cầu",
        ],
    );
}

#[test]
fn control_slip_text_and_times() {
    let pdf = control_slip(6).render().unwrap();
    let t = text(&pdf);
    assert_contains(&t, &HEADER);
    assert_contains(
        &t,
        &[
            TITLE_06,
            "Mã hồ sơ: H12.01-260305-0001",
            "(Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả)",
            "Người nộp hồ sơ: Nguyễn Thị Hà",
            "Cơ quan phối hợp giải quyết hồ sơ: Công an tỉnh Hòa Bình",
            "Thời gian nhận hồ sơ: 09 giờ 30 phút, ngày 05 tháng 3 năm 2026",
            "Thời gian hẹn trả kết quả: 16 giờ 00 phút, ngày 19 tháng 3 năm 2026",
            "Trước hạn",
            "Đúng hạn",
            "Quá hạn",
            "Phòng Hành chính tư pháp",
            "Trần Văn Bình",
        ],
    );
    // Each hand-off's time in the layout of Form 06, cell by cell.
    let f = TempPdf::new(&pdf);
    let raw = String::from_utf8(run(
        "pdftotext",
        &["-enc", "UTF-8", "-layout", f.0.to_str().unwrap(), "-"],
    ))
    .unwrap();
    assert!(raw.contains("10 giờ 05 phút"), "{raw}");
    assert!(raw.contains("tháng 3 năm 2026"), "{raw}");
}

#[test]
fn every_form_embeds_subset_fonts_with_unicode_maps() {
    for (name, form) in all_forms() {
        let pdf = render(&form).unwrap();
        let rows = fonts(&pdf);
        assert!(rows.len() >= 2, "{name}: {rows:?}");
        for r in &rows {
            let (tag, base) = r
                .name
                .split_once('+')
                .unwrap_or_else(|| panic!("{name}: {r:?} is not a subset"));
            assert!(
                tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
                "{name}: {r:?}"
            );
            assert!(base.starts_with("LiberationSerif"), "{name}: {r:?}");
            assert_eq!(r.kind, "CID TrueType", "{name}: {r:?}");
            assert_eq!(r.encoding, "Identity-H", "{name}: {r:?}");
            assert_eq!(
                (r.emb.as_str(), r.sub.as_str(), r.uni.as_str()),
                ("yes", "yes", "yes"),
                "{name}: {r:?}"
            );
        }
        assert!(
            rows.iter()
                .any(|r| r.name.ends_with("+LiberationSerif-Bold")),
            "{name}"
        );
        // Subsets: far smaller than the three fonts (1.1 MB).
        assert!(pdf.len() < 120_000, "{name}: {} bytes", pdf.len());
    }
}

#[test]
fn a_long_control_slip_paginates_and_repeats_its_header() {
    let pdf = control_slip(120).render().unwrap();
    let n = pages(&pdf);
    assert!(n > 1, "120 hand-offs on {n} page(s)");
    let t = text(&pdf);
    assert_eq!(
        t.matches("Lượt số ").count(),
        120,
        "every row is printed once"
    );
    assert_contains(&t, &["Lượt số 1 ", "Lượt số 120"]);
    for p in 2..=n {
        let page = text_of(&pdf, Some(p));
        assert!(
            page.starts_with(&p.to_string()),
            "page {p} is numbered: {page}"
        );
        assert_contains(
            &page,
            &[
                "Giao (bộ phận, người giao)",
                "Nhận (bộ phận, người nhận)",
                "Ghi chú",
            ],
        );
    }
}

#[test]
fn a_long_register_paginates_in_landscape() {
    let pdf = register(120).render().unwrap();
    let n = pages(&pdf);
    assert!(n > 1, "120 dossiers on {n} page(s)");
    assert!(info(&pdf, "Page size").starts_with("841.89 x 595.276"));
    let t = text(&pdf);
    assert_contains(
        &t,
        &[
            HEADER[0],
            TITLE_07,
            "(Từ ngày 01 tháng 3 năm 2026 đến ngày 31 tháng 3 năm 2026)",
            "Quyển số: 01",
            "Ngày, tháng, năm",
        ],
    );
    for i in 1..=120 {
        let code = format!("H12.01-260305-{i:04}");
        assert_eq!(t.matches(&code).count(), 1, "{code}");
    }
    for p in 2..=n {
        assert_contains(&text_of(&pdf, Some(p)), &["Mã hồ sơ", "Ngày, tháng, năm"]);
    }
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(receipt().render().unwrap(), receipt().render().unwrap());
    assert_eq!(
        register(30).render().unwrap(),
        register(30).render().unwrap()
    );
}

#[test]
fn invalid_data_is_refused() {
    let mut r = receipt();
    r.dossier_code = "  ".into();
    assert!(matches!(
        r.render(),
        Err(FormError::Invalid {
            field: "dossier_code",
            ..
        })
    ));
    let mut a = apology();
    a.new_due = a.original_due;
    assert!(matches!(
        a.render(),
        Err(FormError::Invalid {
            field: "new_due",
            ..
        })
    ));
    let mut s = supplement();
    s.items.clear();
    assert!(matches!(
        s.render(),
        Err(FormError::Invalid { field: "items", .. })
    ));
    let mut r = receipt();
    r.lookup_url = "x".repeat(3000);
    assert!(matches!(r.render(), Err(FormError::Qr(_))));
}

#[test]
fn previews() {
    let dir = preview_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut forms = all_forms();
    forms.push(("06-control-slip-long", Form::ControlSlip(control_slip(40))));
    for (name, form) in forms {
        let pdf = render(&form).unwrap();
        std::fs::write(dir.join(format!("{name}.pdf")), &pdf).unwrap();
        let prefix = dir.join(name);
        run(
            "pdftoppm",
            &[
                "-png",
                "-r",
                "80",
                dir.join(format!("{name}.pdf")).to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
    }
    assert!(std::fs::read_dir(&dir).unwrap().any(|e| e
        .unwrap()
        .path()
        .extension()
        .is_some_and(|x| x == "png")));
}
