//! The Vietnamese lunar calendar (âm lịch).
//!
//! This is a port of Hồ Ngọc Đức's published algorithm ("Thuật toán tính âm
//! lịch"), which is the de-facto reference for the Vietnamese calendar:
//!
//! * a lunar month begins on the civil day that contains the astronomical new
//!   moon (*sóc*);
//! * the 11th month is the one that contains the December solstice (*Đông chí*);
//! * when 13 months separate two 11th months, the first month after the 11th
//!   that contains no major solar term (*trung khí*, the sun crossing a multiple
//!   of 30° of longitude) is the leap month (*tháng nhuận*); it takes the number
//!   of the month before it.
//!
//! New moons and solar longitudes use the truncated astronomical series of the
//! algorithm, and **civil days are taken in UTC+7** (Vietnam). That is the only
//! difference from the Chinese calendar, which uses UTC+8, and it is enough to
//! move Tết in some years: 1985 (21 Jan in Vietnam, 20 Feb in China) and 2007
//! (17 Feb in Vietnam, 18 Feb in China).
//!
//! # Range and accuracy
//!
//! The functions are total over `chrono`'s date range and never panic, but the
//! results are validated only for 1900–2100: the test suite compares every
//! Tết and Hùng Kings day of 1900–2100 with an independent ephemeris-based
//! computation, and every lunar month start with a third-party port of the
//! same algorithm. Within that range the algorithm's month starts differ from a
//! precise ephemeris for only three months (1944/5, 2072/11, 2077/10), never for
//! a Tết or a Hùng Kings day. Note also that before 1968 the calendar actually
//! used in Vietnam was computed for UTC+8; this module always uses UTC+7.

use std::f64::consts::PI;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Vietnam's civil time zone, hours east of UTC.
const VIETNAM_UTC_OFFSET_HOURS: f64 = 7.0;

/// Julian day number of 0000-12-31 (proleptic Gregorian), so that
/// `jdn = num_days_from_ce + JDN_OF_CE_DAY_ZERO`.
const JDN_OF_CE_DAY_ZERO: i64 = 1_721_425;

/// Mean synodic month in days, as used by the algorithm.
const SYNODIC_MONTH: f64 = 29.530_588_853;

/// Julian date of the new moon of 1900-01-01 (`k = 0`) in the algorithm.
const NEW_MOON_EPOCH: f64 = 2_415_021.076_998_695;

/// A date in the Vietnamese lunar calendar.
///
/// Fields are ordered so that the derived `Ord` is chronological: a leap month
/// comes right after the ordinary month with the same number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LunarDate {
    /// Lunar year (*năm âm lịch*); it begins on Tết, so January dates before
    /// Tết belong to the previous lunar year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Whether this is the leap month (*tháng nhuận*) that follows month `month`.
    pub leap: bool,
    /// Day of the month, 1–30.
    pub day: u8,
}

impl LunarDate {
    /// An ordinary (non-leap) lunar date. Existence is checked only by
    /// [`lunar_to_solar`].
    #[must_use]
    pub const fn new(year: i32, month: u8, day: u8) -> Self {
        Self {
            year,
            month,
            leap: false,
            day,
        }
    }

    /// A date in the leap month that follows month `month`.
    #[must_use]
    pub const fn new_leap(year: i32, month: u8, day: u8) -> Self {
        Self {
            year,
            month,
            leap: true,
            day,
        }
    }
}

impl fmt::Display for LunarDate {
    /// `dd/mm/yyyy`, with ` nhuận` after the month of a leap month
    /// (e.g. `01/06 nhuận/2025`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let leap = if self.leap { " nhuận" } else { "" };
        write!(
            f,
            "{:02}/{:02}{leap}/{:04}",
            self.day, self.month, self.year
        )
    }
}

/// Converts a solar (Gregorian) date to the Vietnamese lunar calendar.
#[must_use]
pub fn solar_to_lunar(date: NaiveDate) -> LunarDate {
    solar_to_lunar_in(date, VIETNAM_UTC_OFFSET_HOURS)
}

/// Converts a Vietnamese lunar date to the solar (Gregorian) calendar.
///
/// Returns `None` when the lunar date does not exist: month outside 1–12, day
/// outside 1–30, day 30 of a 29-day month, a leap month in a year whose leap
/// month has another number (or that has none), or a result outside `chrono`'s
/// range.
#[must_use]
pub fn lunar_to_solar(date: LunarDate) -> Option<NaiveDate> {
    lunar_to_solar_in(date, VIETNAM_UTC_OFFSET_HOURS)
}

/// Tết Nguyên đán: the 1st day of the 1st lunar month of `year`.
///
/// `None` only when the date is outside `chrono`'s range.
#[must_use]
pub fn tet(year: i32) -> Option<NaiveDate> {
    lunar_to_solar(LunarDate::new(year, 1, 1))
}

/// Giỗ Tổ Hùng Vương: the 10th day of the 3rd lunar month of `year`.
///
/// `None` only when the date is outside `chrono`'s range.
#[must_use]
pub fn hung_kings(year: i32) -> Option<NaiveDate> {
    lunar_to_solar(LunarDate::new(year, 3, 10))
}

/// The number of the leap month of lunar year `year`, if it has one
/// (e.g. 4 for 2020, 2 for 2023, 6 for 2025, 11 for 2033).
#[must_use]
pub fn leap_month(year: i32) -> Option<u8> {
    leap_month_in(year, VIETNAM_UTC_OFFSET_HOURS)
}

/// Length (29 or 30 days) of a lunar month, or `None` if the month does not
/// exist (see [`lunar_to_solar`]).
#[must_use]
pub fn month_length(year: i32, month: u8, leap: bool) -> Option<u8> {
    let first = month_start_in(year, month, leap, VIETNAM_UTC_OFFSET_HOURS)?;
    u8::try_from(first.next - first.start).ok()
}

// ---------------------------------------------------------------------------
// The algorithm, parameterised by the time zone so that the tests can check
// the Chinese (UTC+8) dates as well.

pub(crate) fn solar_to_lunar_in(date: NaiveDate, tz: f64) -> LunarDate {
    let day = jdn(date);
    // Locate the new moon that starts the month containing `day`. The initial
    // guess is within one month; the loops make it exact.
    let mut k = floor((day as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH) + 1;
    while new_moon_day(k, tz) > day {
        k -= 1;
    }
    while new_moon_day(k + 1, tz) <= day {
        k += 1;
    }
    let month_start = new_moon_day(k, tz);

    let year = date.year();
    let mut a11 = lunar_month_11(year, tz);
    let mut b11 = a11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = year;
        a11 = lunar_month_11(year - 1, tz);
    } else {
        lunar_year = year + 1;
        b11 = lunar_month_11(year + 1, tz);
    }
    let lunar_day = day - month_start + 1;
    let diff = (month_start - a11).div_euclid(29);
    let mut leap = false;
    let mut month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11, tz);
        if diff >= leap_diff {
            month = diff + 10;
            leap = diff == leap_diff;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate {
        year: lunar_year,
        // Both are within their ranges for any sane astronomy; clamping keeps
        // the function total for far-away dates where the series break down.
        month: u8::try_from(month.clamp(1, 12)).unwrap_or(1),
        leap,
        day: u8::try_from(lunar_day.clamp(1, 30)).unwrap_or(1),
    }
}

pub(crate) fn lunar_to_solar_in(date: LunarDate, tz: f64) -> Option<NaiveDate> {
    if !(1..=30).contains(&date.day) {
        return None;
    }
    let month = month_start_in(date.year, date.month, date.leap, tz)?;
    if i64::from(date.day) > month.next - month.start {
        return None;
    }
    date_from_jdn(month.start + i64::from(date.day) - 1)
}

/// First day (JDN) of a lunar month and first day of the following month.
struct MonthSpan {
    start: i64,
    next: i64,
}

fn month_start_in(year: i32, month: u8, leap: bool, tz: f64) -> Option<MonthSpan> {
    if !(1..=12).contains(&month) {
        return None;
    }
    let (a11, b11) = if month < 11 {
        (
            lunar_month_11(year.checked_sub(1)?, tz),
            lunar_month_11(year, tz),
        )
    } else {
        (
            lunar_month_11(year, tz),
            lunar_month_11(year.checked_add(1)?, tz),
        )
    };
    let k = floor(0.5 + (a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH);
    let mut off = (i64::from(month) - 11).rem_euclid(12);
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11, tz);
        let leap_number = (leap_off - 2).rem_euclid(12);
        if leap && i64::from(month) != leap_number {
            return None;
        }
        if leap || off >= leap_off {
            off += 1;
        }
    } else if leap {
        return None;
    }
    Some(MonthSpan {
        start: new_moon_day(k + off, tz),
        next: new_moon_day(k + off + 1, tz),
    })
}

fn leap_month_in(year: i32, tz: f64) -> Option<u8> {
    // The span from month 11 of `year - 1` to month 11 of `year` holds months
    // 11 and 12 of lunar year `year - 1` and months 1–10 of `year`; the next
    // span holds months 11 and 12 of `year`.
    let number_in_span = |y: i32| -> Option<i64> {
        let a11 = lunar_month_11(y.checked_sub(1)?, tz);
        let b11 = lunar_month_11(y, tz);
        (b11 - a11 > 365).then(|| (leap_month_offset(a11, tz) - 2).rem_euclid(12))
    };
    let number = match number_in_span(year) {
        Some(n @ 1..=10) => Some(n),
        _ => number_in_span(year.checked_add(1)?).filter(|n| *n == 11 || *n == 0),
    }?;
    // `rem_euclid(12)` maps month 12 to 0.
    u8::try_from(if number == 0 { 12 } else { number }).ok()
}

/// Julian day number of the civil day (at `tz`) of the `k`-th new moon after
/// the one of 1900-01-01.
fn new_moon_day(k: i64, tz: f64) -> i64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd1 += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    let m = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    let mpr = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    let f = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let mut c1 = (0.1734 - 0.000_393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    let jd_new = jd1 + c1 - delta_t;
    floor(jd_new + 0.5 + tz / 24.0)
}

/// Which 30° arc (0–11) of the sun's longitude the sun is in at local midnight
/// starting the civil day `day`; arc 9 begins at the December solstice.
fn sun_longitude_arc(day: i64, tz: f64) -> i64 {
    let t = (day as f64 - 2_451_545.5 - tz / 24.0) / 36_525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let mut dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin();
    dl += (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let mut l = (l0 + dl) * dr;
    l -= PI * 2.0 * (l / (PI * 2.0)).floor();
    floor(l / PI * 6.0)
}

/// First day (JDN) of the 11th lunar month that contains the December solstice
/// of solar year `year`.
fn lunar_month_11(year: i32, tz: f64) -> i64 {
    let off = jdn_from_ymd(i64::from(year), 12, 31) - 2_415_021;
    let k = floor(off as f64 / SYNODIC_MONTH);
    let new_moon = new_moon_day(k, tz);
    if sun_longitude_arc(new_moon, tz) >= 9 {
        new_moon_day(k - 1, tz)
    } else {
        new_moon
    }
}

/// Position (in months after month 11 starting on `a11`) of the leap month of
/// a 13-month span.
fn leap_month_offset(a11: i64, tz: f64) -> i64 {
    let k = floor((a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5);
    let mut i = 1;
    let mut arc = sun_longitude_arc(new_moon_day(k + i, tz), tz);
    loop {
        let last = arc;
        i += 1;
        arc = sun_longitude_arc(new_moon_day(k + i, tz), tz);
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

fn floor(x: f64) -> i64 {
    // `as` saturates; finite inputs within chrono's range are far from the
    // limits.
    x.floor() as i64
}

fn jdn(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JDN_OF_CE_DAY_ZERO
}

fn date_from_jdn(day: i64) -> Option<NaiveDate> {
    i32::try_from(day - JDN_OF_CE_DAY_ZERO)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// Julian day number of a proleptic Gregorian date, for any year.
fn jdn_from_ymd(year: i64, month: i64, day: i64) -> i64 {
    let a = (14 - month).div_euclid(12);
    let y = year + 4800 - a;
    let m = month + 12 * a - 3;
    day + (153 * m + 2).div_euclid(5) + 365 * y + y.div_euclid(4) - y.div_euclid(100)
        + y.div_euclid(400)
        - 32_045
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    const CHINA_UTC_OFFSET_HOURS: f64 = 8.0;

    #[test]
    fn julian_day_numbers() {
        assert_eq!(jdn(ymd(2000, 1, 1)), 2_451_545);
        assert_eq!(jdn(ymd(1900, 1, 1)), 2_415_021);
        assert_eq!(jdn_from_ymd(2000, 1, 1), 2_451_545);
        assert_eq!(jdn_from_ymd(1900, 1, 1), 2_415_021);
        assert_eq!(date_from_jdn(2_451_545), Some(ymd(2000, 1, 1)));
        assert_eq!(date_from_jdn(i64::MAX / 2), None);
        for date in [
            ymd(1, 1, 1),
            ymd(1582, 10, 15),
            ymd(2024, 2, 29),
            ymd(2100, 12, 31),
        ] {
            let (y, m, d) = (date.year(), date.month(), date.day());
            assert_eq!(
                jdn(date),
                jdn_from_ymd(i64::from(y), i64::from(m), i64::from(d))
            );
            assert_eq!(date_from_jdn(jdn(date)), Some(date));
        }
    }

    #[test]
    fn well_known_tet() {
        assert_eq!(tet(2024), Some(ymd(2024, 2, 10)));
        assert_eq!(tet(2025), Some(ymd(2025, 1, 29)));
        assert_eq!(tet(2026), Some(ymd(2026, 2, 17)));
        assert_eq!(tet(2020), Some(ymd(2020, 1, 25)));
        assert_eq!(tet(2000), Some(ymd(2000, 2, 5)));
    }

    #[test]
    fn well_known_hung_kings() {
        assert_eq!(hung_kings(2025), Some(ymd(2025, 4, 7)));
        assert_eq!(hung_kings(2026), Some(ymd(2026, 4, 26)));
        assert_eq!(hung_kings(2024), Some(ymd(2024, 4, 18)));
    }

    #[test]
    fn vietnam_differs_from_china() {
        // 1985: Vietnam celebrated Tết on 21 Jan, China on 20 Feb.
        assert_eq!(tet(1985), Some(ymd(1985, 1, 21)));
        let cn = lunar_to_solar_in(LunarDate::new(1985, 1, 1), CHINA_UTC_OFFSET_HOURS);
        assert_eq!(cn, Some(ymd(1985, 2, 20)));
        // 2007: 17 Feb in Vietnam, 18 Feb in China.
        assert_eq!(tet(2007), Some(ymd(2007, 2, 17)));
        let cn = lunar_to_solar_in(LunarDate::new(2007, 1, 1), CHINA_UTC_OFFSET_HOURS);
        assert_eq!(cn, Some(ymd(2007, 2, 18)));
        // Seen from the solar side: 17 Feb 2007 is the last day of the old
        // year in China but New Year's Day in Vietnam.
        assert_eq!(
            solar_to_lunar_in(ymd(2007, 2, 17), CHINA_UTC_OFFSET_HOURS),
            LunarDate::new(2006, 12, 30)
        );
        assert_eq!(solar_to_lunar(ymd(2007, 2, 17)), LunarDate::new(2007, 1, 1));
        // Years where both calendars agree.
        for year in [2020, 2024, 2025, 2026] {
            assert_eq!(
                tet(year),
                lunar_to_solar_in(LunarDate::new(year, 1, 1), CHINA_UTC_OFFSET_HOURS)
            );
        }
    }

    #[test]
    fn solar_to_lunar_examples() {
        assert_eq!(solar_to_lunar(ymd(2025, 1, 29)), LunarDate::new(2025, 1, 1));
        // The day before Tết 2025 is the 29th of the 12th month of 2024.
        assert_eq!(
            solar_to_lunar(ymd(2025, 1, 28)),
            LunarDate::new(2024, 12, 29)
        );
        // The day before Tết 2024 is the 30th.
        assert_eq!(
            solar_to_lunar(ymd(2024, 2, 9)),
            LunarDate::new(2023, 12, 30)
        );
        // 1 Jan 1900 is the 1st day of the 12th month of lunar year 1899.
        assert_eq!(solar_to_lunar(ymd(1900, 1, 1)), LunarDate::new(1899, 12, 1));
        // Year boundary: the last solar day of 2100 and the first one.
        assert_eq!(solar_to_lunar(ymd(2100, 12, 31)).year, 2100);
        assert_eq!(
            solar_to_lunar(ymd(2000, 1, 1)),
            LunarDate::new(1999, 11, 25)
        );
        // Mid-autumn 2025 (15/8).
        assert_eq!(
            solar_to_lunar(ymd(2025, 10, 6)),
            LunarDate::new(2025, 8, 15)
        );
    }

    #[test]
    fn leap_months() {
        assert_eq!(leap_month(2020), Some(4));
        assert_eq!(leap_month(2023), Some(2));
        assert_eq!(leap_month(2025), Some(6));
        assert_eq!(leap_month(2033), Some(11));
        assert_eq!(leap_month(2024), None);
        assert_eq!(leap_month(2026), None);
        assert_eq!(leap_month(2032), None);
        assert_eq!(leap_month(2034), None);

        // 2020: leap 4th month began 23 May 2020.
        assert_eq!(
            solar_to_lunar(ymd(2020, 5, 23)),
            LunarDate::new_leap(2020, 4, 1)
        );
        assert_eq!(solar_to_lunar(ymd(2020, 4, 23)), LunarDate::new(2020, 4, 1));
        assert_eq!(
            lunar_to_solar(LunarDate::new_leap(2020, 4, 1)),
            Some(ymd(2020, 5, 23))
        );
        // 2023: leap 2nd month began 22 Mar 2023.
        assert_eq!(
            solar_to_lunar(ymd(2023, 3, 22)),
            LunarDate::new_leap(2023, 2, 1)
        );
        assert_eq!(
            lunar_to_solar(LunarDate::new_leap(2023, 2, 1)),
            Some(ymd(2023, 3, 22))
        );
        // 2025: leap 6th month began 25 Jul 2025.
        assert_eq!(
            solar_to_lunar(ymd(2025, 7, 25)),
            LunarDate::new_leap(2025, 6, 1)
        );
        assert_eq!(
            solar_to_lunar(ymd(2025, 7, 24)),
            LunarDate::new(2025, 6, 30)
        );
        assert_eq!(
            lunar_to_solar(LunarDate::new_leap(2025, 6, 1)),
            Some(ymd(2025, 7, 25))
        );
        // 2033: the rare leap 11th month, 22 Dec 2033.
        assert_eq!(
            solar_to_lunar(ymd(2033, 12, 22)),
            LunarDate::new_leap(2033, 11, 1)
        );
        assert_eq!(
            lunar_to_solar(LunarDate::new_leap(2033, 11, 1)),
            Some(ymd(2033, 12, 22))
        );
    }

    #[test]
    fn nonexistent_lunar_dates() {
        // Wrong leap month, or a leap month in a year without one.
        assert_eq!(lunar_to_solar(LunarDate::new_leap(2025, 5, 1)), None);
        assert_eq!(lunar_to_solar(LunarDate::new_leap(2024, 1, 1)), None);
        // Out-of-range fields.
        assert_eq!(lunar_to_solar(LunarDate::new(2025, 0, 1)), None);
        assert_eq!(lunar_to_solar(LunarDate::new(2025, 13, 1)), None);
        assert_eq!(lunar_to_solar(LunarDate::new(2025, 1, 0)), None);
        assert_eq!(lunar_to_solar(LunarDate::new(2025, 1, 31)), None);
        // Day 30 of a 29-day month: month 12 of 2024 has 29 days.
        assert_eq!(month_length(2024, 12, false), Some(29));
        assert_eq!(lunar_to_solar(LunarDate::new(2024, 12, 30)), None);
        assert_eq!(
            lunar_to_solar(LunarDate::new(2024, 12, 29)),
            Some(ymd(2025, 1, 28))
        );
        assert_eq!(month_length(2023, 12, false), Some(30));
        assert_eq!(month_length(2025, 5, true), None);
        assert_eq!(month_length(2025, 6, true), Some(29));
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        for date in [
            NaiveDate::MIN,
            NaiveDate::MAX,
            ymd(-5000, 6, 1),
            ymd(9999, 12, 31),
        ] {
            let l = solar_to_lunar(date);
            assert!((1..=12).contains(&l.month) && (1..=30).contains(&l.day));
        }
        assert_eq!(tet(i32::MAX), None);
        assert_eq!(tet(i32::MIN), None);
        assert_eq!(hung_kings(i32::MAX), None);
        // Meaningless far from 1900–2100, but must not panic.
        let _ = leap_month(i32::MAX);
        let _ = leap_month(i32::MIN);
        let _ = month_length(i32::MIN, 1, false);
        assert_eq!(lunar_to_solar(LunarDate::new(i32::MAX, 11, 1)), None);
    }

    #[test]
    fn display() {
        assert_eq!(LunarDate::new(2025, 3, 10).to_string(), "10/03/2025");
        assert_eq!(
            LunarDate::new_leap(2025, 6, 1).to_string(),
            "01/06 nhuận/2025"
        );
    }

    #[test]
    fn ordering_is_chronological() {
        let mut dates = [
            LunarDate::new(2025, 7, 1),
            LunarDate::new_leap(2025, 6, 1),
            LunarDate::new(2025, 6, 29),
            LunarDate::new(2024, 12, 29),
        ];
        dates.sort();
        let solar: Vec<_> = dates.iter().map(|d| lunar_to_solar(*d)).collect();
        let mut sorted = solar.clone();
        sorted.sort();
        assert_eq!(solar, sorted);
    }
}
