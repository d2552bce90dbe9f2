//! Statutory public holidays (Bộ luật Lao động 2019, Điều 112) and the
//! default rules this crate applies to them.
//!
//! Điều 112 khoản 1 grants 11 paid days:
//!
//! | Holiday | Days | Date |
//! | --- | --- | --- |
//! | Tết Dương lịch (New Year's Day) | 1 | 1 January |
//! | Tết Âm lịch (Lunar New Year) | 5 | decided yearly |
//! | Ngày Chiến thắng (Reunification Day) | 1 | 30 April |
//! | Ngày Quốc tế lao động (International Workers' Day) | 1 | 1 May |
//! | Quốc khánh (National Day) | 2 | 2 September and one adjacent day |
//! | Giỗ Tổ Hùng Vương (Hùng Kings' Commemoration) | 1 | 10th day of the 3rd lunar month |
//!
//! Two of them are fixed each year by the government; this module computes a
//! **default** that an administrator overrides with
//! [`Decision`](crate::Decision)s once the official notice is out:
//!
//! * **Tết** — the last day of the old lunar year (the 30th, or the 29th when
//!   the 12th month is short) and the first four days of the new year.
//! * **National Day's adjacent day** — see [`NationalDayAdjacent`]; by default
//!   the day that joins the holiday with the weekend, which reproduces the
//!   official choices of 2021–2026.
//!
//! **Compensatory days off** (*nghỉ bù*, Điều 112 khoản 3): a holiday that falls
//! on a weekly rest day is made up on the next working day, i.e. the next day
//! that is neither a rest day, nor a holiday, nor already a compensatory day.
//! Several holidays on the same date (possible only in 1947, when Hùng Kings'
//! day was 30 April) count once.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::lunar;
use crate::WeeklyRest;

/// Where a day off comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// A holiday of Điều 112 khoản 1 (with this crate's default dates).
    Statutory,
    /// A compensatory day off for a holiday on a weekly rest day.
    Compensatory,
    /// An extra day off entered by an administrator from an official decision.
    Decision,
}

/// A day off other than the weekly rest days.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Holiday {
    /// The date.
    pub date: NaiveDate,
    /// Vietnamese name, e.g. `Tết Nguyên đán (mùng 1)`.
    pub name_vi: String,
    /// English name, e.g. `Lunar New Year (day 1)`.
    pub name_en: String,
    /// Where it comes from.
    pub kind: HolidayKind,
}

impl Holiday {
    fn statutory(date: NaiveDate, name_vi: &str, name_en: &str) -> Self {
        Self {
            date,
            name_vi: name_vi.to_owned(),
            name_en: name_en.to_owned(),
            kind: HolidayKind::Statutory,
        }
    }
}

/// Which day next to 2 September is the second day of National Day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NationalDayAdjacent {
    /// Always 1 September.
    DayBefore,
    /// Always 3 September.
    DayAfter,
    /// The default: among 1 and 3 September, the one that is a working day
    /// and has a weekly rest day on its other side, so that the holiday joins
    /// the weekend; otherwise the one that is a working day; 1 September when
    /// both qualify equally. With Saturday–Sunday rest this gives:
    ///
    /// | 2 Sep falls on | Mon | Tue | Wed | Thu | Fri | Sat | Sun |
    /// | --- | --- | --- | --- | --- | --- | --- | --- |
    /// | adjacent day | 3 Sep | 1 Sep | 1 Sep | 3 Sep | 1 Sep | 1 Sep | 3 Sep |
    ///
    /// which matches the government's choices of 2021 (Thu, 3 Sep), 2022
    /// (Fri, 1 Sep), 2023 (Sat, 1 Sep), 2024 (Mon, 3 Sep), 2025 (Tue, 1 Sep)
    /// and 2026 (Wed, 1 Sep).
    #[default]
    JoinWeekend,
}

/// The default holiday rules, see the [module documentation](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct HolidayRules {
    /// Choice of National Day's adjacent day.
    pub national_day_adjacent: NationalDayAdjacent,
    /// Whether holidays on weekly rest days get a compensatory day
    /// (Điều 112 khoản 3). Default `true`.
    pub compensate_rest_days: bool,
}

impl Default for HolidayRules {
    fn default() -> Self {
        Self {
            national_day_adjacent: NationalDayAdjacent::default(),
            compensate_rest_days: true,
        }
    }
}

/// The statutory holidays of `year` under the default rules, sorted by date;
/// no compensatory days, no decisions.
///
/// Tết and Hùng Kings' day are omitted only for years outside `chrono`'s
/// range, where the lunar dates cannot be represented.
#[must_use]
pub fn statutory_holidays(year: i32, rules: &HolidayRules, weekly: WeeklyRest) -> Vec<Holiday> {
    let mut days = Vec::with_capacity(11);
    let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day);

    if let Some(d) = fixed(1, 1) {
        days.push(Holiday::statutory(d, "Tết Dương lịch", "New Year's Day"));
    }
    if let Some(tet) = lunar::tet(year) {
        if let Some(eve) = tet.pred_opt() {
            days.push(Holiday::statutory(
                eve,
                "Tết Nguyên đán (ngày cuối năm)",
                "Lunar New Year (New Year's Eve)",
            ));
        }
        for n in 0..4u8 {
            if let Some(d) = tet.checked_add_days(Days::new(u64::from(n))) {
                days.push(Holiday::statutory(
                    d,
                    &format!("Tết Nguyên đán (mùng {})", n + 1),
                    &format!("Lunar New Year (day {})", n + 1),
                ));
            }
        }
    }
    if let Some(d) = lunar::hung_kings(year) {
        days.push(Holiday::statutory(
            d,
            "Giỗ Tổ Hùng Vương",
            "Hung Kings' Commemoration Day",
        ));
    }
    if let Some(d) = fixed(4, 30) {
        days.push(Holiday::statutory(
            d,
            "Ngày Chiến thắng",
            "Reunification Day",
        ));
    }
    if let Some(d) = fixed(5, 1) {
        days.push(Holiday::statutory(
            d,
            "Ngày Quốc tế lao động",
            "International Workers' Day",
        ));
    }
    if let (Some(before), Some(national), Some(after)) = (fixed(9, 1), fixed(9, 2), fixed(9, 3)) {
        days.push(Holiday::statutory(national, "Quốc khánh", "National Day"));
        let adjacent = match rules.national_day_adjacent {
            NationalDayAdjacent::DayBefore => before,
            NationalDayAdjacent::DayAfter => after,
            NationalDayAdjacent::JoinWeekend => join_weekend(before, after, weekly),
        };
        days.push(Holiday::statutory(
            adjacent,
            "Quốc khánh (ngày liền kề)",
            "National Day (adjacent day)",
        ));
    }
    // Stable: holidays on the same date keep the order above.
    days.sort_by_key(|h| h.date);
    days
}

/// Compensatory days for the `holidays` (any order) that fall on weekly rest
/// days, sorted by date. Each date counts once, however many holidays it has.
#[must_use]
pub fn compensatory_days(holidays: &[Holiday], weekly: WeeklyRest) -> Vec<Holiday> {
    let mut sorted: Vec<&Holiday> = holidays.iter().collect();
    sorted.sort_by_key(|h| h.date);
    sorted.dedup_by_key(|h| h.date);
    let off: BTreeSet<NaiveDate> = sorted.iter().map(|h| h.date).collect();
    let mut taken = BTreeSet::new();
    let mut result = Vec::new();
    for holiday in sorted {
        if !weekly.is_rest_day(holiday.date) {
            continue;
        }
        // Terminates: `weekly` has a working weekday and `off`/`taken` are
        // finite; `None` only at the end of chrono's range.
        let mut day = holiday.date.succ_opt();
        while let Some(d) = day {
            if weekly.is_rest_day(d) || off.contains(&d) || taken.contains(&d) {
                day = d.succ_opt();
            } else {
                break;
            }
        }
        if let Some(d) = day {
            taken.insert(d);
            result.push(Holiday {
                date: d,
                name_vi: format!("Nghỉ bù {}", holiday.name_vi),
                name_en: format!("Day off in lieu of {}", holiday.name_en),
                kind: HolidayKind::Compensatory,
            });
        }
    }
    result.sort_by_key(|h| h.date);
    result
}

/// Statutory holidays of `year` plus, if the rules say so, their compensatory
/// days, sorted by date.
#[must_use]
pub fn default_holidays(year: i32, rules: &HolidayRules, weekly: WeeklyRest) -> Vec<Holiday> {
    let mut days = statutory_holidays(year, rules, weekly);
    if rules.compensate_rest_days {
        let extra = compensatory_days(&days, weekly);
        days.extend(extra);
        days.sort_by_key(|h| (h.date, h.kind));
    }
    days
}

fn join_weekend(before: NaiveDate, after: NaiveDate, weekly: WeeklyRest) -> NaiveDate {
    let score = |day: NaiveDate, far_side: Option<NaiveDate>| -> u8 {
        if weekly.is_rest_day(day) {
            0
        } else if far_side.is_some_and(|d| weekly.is_rest_day(d)) {
            2
        } else {
            1
        }
    };
    if score(after, after.succ_opt()) > score(before, before.pred_opt()) {
        after
    } else {
        before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn dates(days: &[Holiday]) -> Vec<NaiveDate> {
        days.iter().map(|h| h.date).collect()
    }

    fn weekly() -> WeeklyRest {
        WeeklyRest::SATURDAY_SUNDAY
    }

    #[test]
    fn statutory_2025() {
        let days = statutory_holidays(2025, &HolidayRules::default(), weekly());
        assert_eq!(
            dates(&days),
            vec![
                ymd(2025, 1, 1),
                ymd(2025, 1, 28),
                ymd(2025, 1, 29),
                ymd(2025, 1, 30),
                ymd(2025, 1, 31),
                ymd(2025, 2, 1),
                ymd(2025, 4, 7),
                ymd(2025, 4, 30),
                ymd(2025, 5, 1),
                ymd(2025, 9, 1),
                ymd(2025, 9, 2),
            ]
        );
        assert!(days.iter().all(|h| h.kind == HolidayKind::Statutory));
        assert_eq!(days[0].name_vi, "Tết Dương lịch");
        assert_eq!(days[2].name_vi, "Tết Nguyên đán (mùng 1)");
        assert_eq!(days[2].name_en, "Lunar New Year (day 1)");
        assert_eq!(days[6].name_vi, "Giỗ Tổ Hùng Vương");
        assert_eq!(days[9].name_vi, "Quốc khánh (ngày liền kề)");
    }

    #[test]
    fn eleven_days_every_year() {
        for year in 1900..=2100 {
            let days = statutory_holidays(year, &HolidayRules::default(), weekly());
            assert_eq!(days.len(), 11, "{year}");
            assert!(days.iter().all(|h| h.date.year() == year), "{year}");
            assert!(days.windows(2).all(|w| w[0].date <= w[1].date), "{year}");
        }
    }

    #[test]
    fn tet_eve_is_last_day_of_old_year() {
        for year in 1900..=2100 {
            let days = statutory_holidays(year, &HolidayRules::default(), weekly());
            let eve = days
                .iter()
                .find(|h| h.name_en.contains("Eve"))
                .expect("Tết eve");
            let lunar_eve = lunar::solar_to_lunar(eve.date);
            assert_eq!(lunar_eve.month, 12, "{year}");
            assert!(matches!(lunar_eve.day, 29 | 30), "{year}");
            assert_eq!(lunar_eve.year, year - 1);
        }
        // 2025's eve is the 29th (short 12th month), 2024's the 30th.
        let eve = |y| statutory_holidays(y, &HolidayRules::default(), weekly())[1].date;
        assert_eq!(eve(2025), ymd(2025, 1, 28));
        assert_eq!(eve(2024), ymd(2024, 2, 9));
    }

    #[test]
    fn national_day_adjacent_rules() {
        let adjacent = |year, rule| {
            let rules = HolidayRules {
                national_day_adjacent: rule,
                ..HolidayRules::default()
            };
            statutory_holidays(year, &rules, weekly())
                .into_iter()
                .find(|h| h.name_en == "National Day (adjacent day)")
                .map(|h| h.date)
        };
        // The official choices since the 2019 Labour Code took effect.
        let official = [
            (2021, ymd(2021, 9, 3)),
            (2022, ymd(2022, 9, 1)),
            (2023, ymd(2023, 9, 1)),
            (2024, ymd(2024, 9, 3)),
            (2025, ymd(2025, 9, 1)),
            (2026, ymd(2026, 9, 1)),
        ];
        for (year, date) in official {
            assert_eq!(adjacent(year, NationalDayAdjacent::JoinWeekend), Some(date));
        }
        // 2 Sep 2029 is a Sunday: 1 Sep is a Saturday, so 3 Sep.
        assert_eq!(
            adjacent(2029, NationalDayAdjacent::JoinWeekend),
            Some(ymd(2029, 9, 3))
        );
        assert_eq!(
            adjacent(2024, NationalDayAdjacent::DayBefore),
            Some(ymd(2024, 9, 1))
        );
        assert_eq!(
            adjacent(2025, NationalDayAdjacent::DayAfter),
            Some(ymd(2025, 9, 3))
        );
    }

    #[test]
    fn compensation_2025() {
        // Tết 2025: Sat 1 Feb (mùng 4) → Mon 3 Feb.
        let days = default_holidays(2025, &HolidayRules::default(), weekly());
        let comp: Vec<_> = days
            .iter()
            .filter(|h| h.kind == HolidayKind::Compensatory)
            .collect();
        assert_eq!(comp.len(), 1);
        assert_eq!(comp[0].date, ymd(2025, 2, 3));
        assert_eq!(comp[0].name_vi, "Nghỉ bù Tết Nguyên đán (mùng 4)");
        assert_eq!(comp[0].name_en, "Day off in lieu of Lunar New Year (day 4)");
    }

    #[test]
    fn compensation_consecutive_weekend_holidays() {
        // Tết 2024: Fri 9 (eve), Sat 10, Sun 11, Mon 12, Tue 13 Feb.
        // Saturday and Sunday → Wed 14 and Thu 15.
        let days = default_holidays(2024, &HolidayRules::default(), weekly());
        let comp: Vec<_> = days
            .iter()
            .filter(|h| h.kind == HolidayKind::Compensatory)
            .map(|h| h.date)
            .collect();
        assert_eq!(comp, vec![ymd(2024, 2, 14), ymd(2024, 2, 15)]);
        // 2023: 1 Jan is a Sunday → Mon 2 Jan. Tết eve Sat 21 and mùng 1
        // Sun 22 Jan → Thu 26 and Fri 27 Jan (after mùng 2–4). Hùng Kings
        // Sat 29 Apr and Sun 30 Apr → Tue 2 and Wed 3 May (Mon 1 May is a
        // holiday) — the 29/4–3/5 break the government announced. 2 Sep is a
        // Saturday → Mon 4 Sep.
        let days = default_holidays(2023, &HolidayRules::default(), weekly());
        let comp: Vec<_> = days
            .iter()
            .filter(|h| h.kind == HolidayKind::Compensatory)
            .map(|h| (h.date, h.name_vi.as_str()))
            .collect();
        assert_eq!(
            comp,
            vec![
                (ymd(2023, 1, 2), "Nghỉ bù Tết Dương lịch"),
                (ymd(2023, 1, 26), "Nghỉ bù Tết Nguyên đán (ngày cuối năm)"),
                (ymd(2023, 1, 27), "Nghỉ bù Tết Nguyên đán (mùng 1)"),
                (ymd(2023, 5, 2), "Nghỉ bù Giỗ Tổ Hùng Vương"),
                (ymd(2023, 5, 3), "Nghỉ bù Ngày Chiến thắng"),
                (ymd(2023, 9, 4), "Nghỉ bù Quốc khánh"),
            ]
        );
    }

    #[test]
    fn compensation_disabled() {
        let rules = HolidayRules {
            compensate_rest_days: false,
            ..HolidayRules::default()
        };
        assert_eq!(
            default_holidays(2024, &rules, weekly()),
            statutory_holidays(2024, &rules, weekly())
        );
    }

    #[test]
    fn coinciding_holidays_count_once() {
        // 1947: Hùng Kings' day (10/3) fell on 30 April, a Wednesday.
        let days = statutory_holidays(1947, &HolidayRules::default(), weekly());
        let on_30_april = days.iter().filter(|h| h.date == ymd(1947, 4, 30)).count();
        assert_eq!(on_30_april, 2);
        // A synthetic pair on a Sunday gets a single compensatory day.
        let sunday = ymd(2025, 3, 2);
        let pair = [
            Holiday::statutory(sunday, "A", "A"),
            Holiday::statutory(sunday, "B", "B"),
        ];
        let comp = compensatory_days(&pair, weekly());
        assert_eq!(dates(&comp), vec![ymd(2025, 3, 3)]);
    }

    #[test]
    fn compensation_properties() {
        for year in 1900..=2100 {
            let statutory = statutory_holidays(year, &HolidayRules::default(), weekly());
            let comp = compensatory_days(&statutory, weekly());
            let weekend: BTreeSet<_> = statutory
                .iter()
                .filter(|h| weekly().is_rest_day(h.date))
                .map(|h| h.date)
                .collect();
            assert_eq!(comp.len(), weekend.len(), "{year}");
            let comp_dates: BTreeSet<_> = comp.iter().map(|h| h.date).collect();
            assert_eq!(comp_dates.len(), comp.len(), "{year}: distinct");
            for h in &comp {
                assert!(!weekly().is_rest_day(h.date), "{year}");
                assert!(statutory.iter().all(|s| s.date != h.date), "{year}");
                assert_eq!(h.kind, HolidayKind::Compensatory);
            }
        }
    }

    #[test]
    fn serialisable() {
        fn check<T: Serialize + for<'de> Deserialize<'de>>() {}
        check::<Holiday>();
        check::<HolidayKind>();
        check::<HolidayRules>();
        check::<Vec<Holiday>>();
    }

    #[test]
    fn serde_names() {
        // No JSON dependency: check the serde representation through the
        // derive-generated names via a unit variant deserializer.
        use serde::de::value::{Error, StrDeserializer};
        use serde::de::IntoDeserializer;
        let de: StrDeserializer<'_, Error> = "compensatory".into_deserializer();
        assert_eq!(HolidayKind::deserialize(de), Ok(HolidayKind::Compensatory));
        let de: StrDeserializer<'_, Error> = "join_weekend".into_deserializer();
        assert_eq!(
            NationalDayAdjacent::deserialize(de),
            Ok(NationalDayAdjacent::JoinWeekend)
        );
    }
}
