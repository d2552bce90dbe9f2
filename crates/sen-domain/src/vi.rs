//! Vietnamese conventions for dates and numbers.

use chrono::{Datelike, FixedOffset, NaiveDate, Timelike};

/// Vietnam's time zone, UTC+7 (no daylight saving).
pub fn vn_offset() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// "ngày 05 tháng 3 năm 2026": the form used in official documents
/// (day zero-padded, month written as a plain number, as in Nghị định 30/2020;
/// months 1 and 2 are zero-padded there: "tháng 01", "tháng 02").
pub fn long_date(d: NaiveDate) -> String {
    let month = if d.month() <= 2 {
        format!("{:02}", d.month())
    } else {
        d.month().to_string()
    };
    format!("ngày {:02} tháng {} năm {}", d.day(), month, d.year())
}

/// "05/03/2026".
pub fn short_date(d: NaiveDate) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// "14 giờ 05 phút, ngày 05 tháng 3 năm 2026" (Form 06 of Thông tư 03/2025).
pub fn long_datetime(dt: chrono::NaiveDateTime) -> String {
    format!(
        "{:02} giờ {:02} phút, {}",
        dt.hour(),
        dt.minute(),
        long_date(dt.date())
    )
}

/// Groups thousands with a dot, as Vietnamese does: 1234567 → "1.234.567".
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn long_dates() {
        assert_eq!(long_date(d(2026, 3, 5)), "ngày 05 tháng 3 năm 2026");
        assert_eq!(long_date(d(2026, 1, 15)), "ngày 15 tháng 01 năm 2026");
        assert_eq!(long_date(d(2026, 2, 1)), "ngày 01 tháng 02 năm 2026");
        assert_eq!(long_date(d(2026, 12, 31)), "ngày 31 tháng 12 năm 2026");
    }

    #[test]
    fn short_dates_and_times() {
        assert_eq!(short_date(d(2026, 3, 5)), "05/03/2026");
        let dt = d(2026, 3, 5).and_hms_opt(14, 5, 0).unwrap();
        assert_eq!(
            long_datetime(dt),
            "14 giờ 05 phút, ngày 05 tháng 3 năm 2026"
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(1000), "1.000");
        assert_eq!(number(1234567), "1.234.567");
        assert_eq!(number(-45873), "-45.873");
    }
}
