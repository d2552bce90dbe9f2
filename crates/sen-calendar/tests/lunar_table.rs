//! The lunar calendar against independently generated tables
//! (see `tests/data/gen.py`), and exhaustive round trips over 1900–2100.

use chrono::{Datelike, NaiveDate};
use sen_calendar::lunar::{leap_month, month_length};
use sen_calendar::{hung_kings, lunar_to_solar, solar_to_lunar, tet, LunarDate};

const TET_HUNG: &str = include_str!("data/tet_hung_1900_2100.csv");
const MONTHS: &str = include_str!("data/lunar_months_1900_2100.csv");

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date in test data")
}

fn number<T: std::str::FromStr>(s: &str) -> T {
    s.parse().ok().expect("number in test data")
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

struct Month {
    lunar: LunarDate,
    first_day: NaiveDate,
    first_day_ephemeris: NaiveDate,
}

fn months() -> Vec<Month> {
    MONTHS
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 5, "{line}");
            Month {
                lunar: LunarDate {
                    year: number(f[0]),
                    month: number(f[1]),
                    leap: f[2] == "1",
                    day: 1,
                },
                first_day: date(f[3]),
                first_day_ephemeris: date(f[4]),
            }
        })
        .collect()
}

#[test]
fn tet_and_hung_kings_every_year_1900_2100() {
    let mut years = 0;
    for line in TET_HUNG.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let year: i32 = number(f[0]);
        assert_eq!(tet(year), Some(date(f[1])), "Tết {year}");
        assert_eq!(hung_kings(year), Some(date(f[2])), "Hùng Kings {year}");
        assert_eq!(solar_to_lunar(date(f[1])), LunarDate::new(year, 1, 1));
        assert_eq!(solar_to_lunar(date(f[2])), LunarDate::new(year, 3, 10));
        years += 1;
    }
    assert_eq!(years, 201);
}

#[test]
fn hand_checked_dates() {
    assert_eq!(tet(2024), Some(ymd(2024, 2, 10)));
    assert_eq!(tet(2025), Some(ymd(2025, 1, 29)));
    assert_eq!(tet(2026), Some(ymd(2026, 2, 17)));
    assert_eq!(hung_kings(2025), Some(ymd(2025, 4, 7)));
    assert_eq!(hung_kings(2026), Some(ymd(2026, 4, 26)));
    // Vietnam, not China.
    assert_eq!(tet(1985), Some(ymd(1985, 1, 21)));
    assert_eq!(tet(2007), Some(ymd(2007, 2, 17)));
}

#[test]
fn every_month_start_1900_2100() {
    let months = months();
    assert_eq!(months.len(), 2487);
    for (i, m) in months.iter().enumerate() {
        assert_eq!(lunar_to_solar(m.lunar), Some(m.first_day), "{:?}", m.lunar);
        assert_eq!(solar_to_lunar(m.first_day), m.lunar, "{}", m.first_day);
        if let Some(next) = months.get(i + 1) {
            let length = (next.first_day - m.first_day).num_days();
            assert!(length == 29 || length == 30, "{:?}", m.lunar);
            let expected = u8::try_from(length).ok();
            assert_eq!(
                month_length(m.lunar.year, m.lunar.month, m.lunar.leap),
                expected
            );
        }
    }
}

#[test]
fn hnd_algorithm_vs_ephemeris() {
    // The algorithm's truncated series put these three new moons, which fall
    // within minutes of midnight UTC+7, on the other side of midnight.
    let differing: Vec<(LunarDate, NaiveDate, NaiveDate)> = months()
        .into_iter()
        .filter(|m| m.first_day != m.first_day_ephemeris)
        .map(|m| (m.lunar, m.first_day, m.first_day_ephemeris))
        .collect();
    assert_eq!(
        differing,
        vec![
            (
                LunarDate::new(1944, 5, 1),
                ymd(1944, 6, 21),
                ymd(1944, 6, 20)
            ),
            (
                LunarDate::new(2072, 11, 1),
                ymd(2072, 12, 10),
                ymd(2072, 12, 9)
            ),
            (
                LunarDate::new(2077, 10, 1),
                ymd(2077, 11, 16),
                ymd(2077, 11, 15)
            ),
        ]
    );
}

#[test]
fn leap_months_match_table() {
    let months = months();
    for year in 1900..=2100 {
        let expected = months
            .iter()
            .find(|m| m.lunar.year == year && m.lunar.leap)
            .map(|m| m.lunar.month);
        // The table ends on 2100-12-31, before a possible leap 11th/12th
        // month of lunar year 2100 could begin; there is none.
        assert_eq!(leap_month(year), expected, "{year}");
    }
    let leap_years = (1900..=2100).filter(|y| leap_month(*y).is_some()).count();
    // 7 leap months every 19 years: 74 in 201 years.
    assert_eq!(leap_years, 74);
}

#[test]
fn round_trip_every_day_1900_2100() {
    let mut previous: Option<LunarDate> = None;
    for day in ymd(1900, 1, 1).iter_days().take_while(|d| d.year() <= 2100) {
        let lunar = solar_to_lunar(day);
        assert!((1..=12).contains(&lunar.month), "{day}");
        assert!((1..=30).contains(&lunar.day), "{day}");
        assert_eq!(lunar_to_solar(lunar), Some(day), "{day} -> {lunar:?}");
        if let Some(prev) = previous {
            assert!(prev < lunar, "{day}: not increasing");
            if lunar.day != 1 {
                assert_eq!(lunar.day, prev.day + 1, "{day}");
                assert_eq!(
                    (lunar.year, lunar.month, lunar.leap),
                    (prev.year, prev.month, prev.leap)
                );
            }
        }
        previous = Some(lunar);
    }
}
