//! Rules for files the public uploads: what is accepted and how it is named.

use crate::Invalid;

/// The largest file accepted, in bytes (10 MiB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The most files one dossier may carry.
pub const MAX_FILES_PER_DOSSIER: usize = 30;

/// Checks an uploaded file by its content (not by the name the browser
/// sends): PDF, PNG or JPEG, not empty, at most [`MAX_FILE_BYTES`]. Returns
/// the cleaned file name and the content type.
pub fn check_upload(name: &str, bytes: &[u8]) -> Result<(String, &'static str), Invalid> {
    let clean = clean_name(name);
    if bytes.is_empty() {
        return Err(Invalid::new(
            "file",
            format!("Tệp «{clean}» rỗng; vui lòng chọn lại tệp"),
            format!("file «{clean}» is empty; please choose it again"),
        ));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Invalid::new(
            "file",
            format!("Tệp «{clean}» lớn hơn 10 MB; vui lòng quét lại với độ phân giải thấp hơn"),
            format!("file «{clean}» is larger than 10 MB; please scan it at a lower resolution"),
        ));
    }
    let kind = if bytes.starts_with(b"%PDF-") {
        "application/pdf"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else {
        return Err(Invalid::new(
            "file",
            format!("Tệp «{clean}» không phải PDF, PNG hay JPEG; chỉ nhận các định dạng này"),
            format!("file «{clean}» is not a PDF, PNG or JPEG; only these formats are accepted"),
        ));
    };
    Ok((clean, kind))
}

/// The last path component, without control characters, at most 200
/// characters; "tep" (file) when nothing is left.
pub fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "tep".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_pdf_png_jpeg_by_content() {
        assert_eq!(
            check_upload("CCCD.pdf", b"%PDF-1.7\n...").unwrap(),
            ("CCCD.pdf".into(), "application/pdf")
        );
        assert_eq!(
            check_upload("a.png", b"\x89PNG\r\n\x1a\nxxxx").unwrap().1,
            "image/png"
        );
        assert_eq!(
            check_upload("a.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 0])
                .unwrap()
                .1,
            "image/jpeg"
        );
        // The name does not decide: an executable renamed to .pdf is refused.
        assert!(check_upload("to-khai.pdf", b"MZ\x90\x00").is_err());
        assert!(check_upload("x.pdf", b"").is_err());
        let big = vec![b'%'; MAX_FILE_BYTES + 1];
        let err = check_upload("scan.pdf", &big).unwrap_err();
        assert!(err.message_vi.contains("10 MB"));
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("C:\\Users\\An\\Tờ khai.pdf"), "Tờ khai.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name(".hidden"), "hidden");
        assert_eq!(clean_name("a\u{0000}b.pdf"), "ab.pdf");
        assert_eq!(clean_name(""), "tep");
        assert_eq!(clean_name(&"ơ".repeat(300)).chars().count(), 200);
    }
}
