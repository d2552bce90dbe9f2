//! The working-day calendar: weekly rest + statutory holidays + official
//! decisions.
//!
//! A date is a **working day** unless it is a weekly rest day, a default
//! holiday (statutory holidays and compensatory days, see
//! [`holidays`](crate::holidays)) or a [`Decision::DayOff`]; a
//! [`Decision::WorkingDay`] makes a rest day a working day, and a
//! [`Decision::NotHoliday`] cancels a default holiday (the date then follows
//! the weekly rule).
//!
//! Decisions are validated when the calendar is built, so that typing errors
//! in a government notice do not go unnoticed:
//!
//! * at most one decision per date;
//! * every decision must change something: `NotHoliday` only on a default
//!   holiday or compensatory day, `DayOff` only on a day that would otherwise
//!   be a working day, `WorkingDay` only on a weekly rest day that is not a
//!   holiday (a holiday is cancelled with `NotHoliday`).
//!
//! Cancelling a statutory holiday also removes the compensatory day it would
//! have produced (compensation is computed from the holidays that remain).
//!
//! # Performance
//!
//! Each year is compiled, on first use, into a 366-bit set of working days
//! plus its holiday list. Years 1900–2100 are cached inside the `Calendar`
//! (lock-free after the first use), so [`Calendar::is_working_day`] is a bit
//! test and counting working days is a popcount. Other years are computed on
//! demand and not cached. There is no global state.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::holidays::{compensatory_days, statutory_holidays, Holiday, HolidayKind, HolidayRules};
use crate::{CalendarError, WeeklyRest};

/// An official decision entered by an administrator, e.g. from the Prime
/// Minister's yearly notice on Tết.
///
/// A swapped working day is modelled as two decisions: in 2026 Monday 31
/// August is a day off and Saturday 22 August is worked instead:
///
/// ```
/// # use chrono::NaiveDate;
/// # use sen_calendar::{Calendar, Decision};
/// let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
/// let calendar = Calendar::new([
///     Decision::DayOff { date: d(8, 31), name: "Nghỉ hoán đổi dịp Quốc khánh".into() },
///     Decision::WorkingDay { date: d(8, 22), name: "Làm bù cho thứ Hai 31/8".into() },
/// ])?;
/// assert!(!calendar.is_working_day(d(8, 31)));
/// assert!(calendar.is_working_day(d(8, 22)));
/// # Ok::<(), sen_calendar::CalendarError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decision {
    /// An extra day off.
    DayOff {
        /// The date.
        date: NaiveDate,
        /// Name shown in holiday lists (Vietnamese).
        name: String,
    },
    /// A weekly rest day that is worked (the other half of a swap).
    WorkingDay {
        /// The date.
        date: NaiveDate,
        /// Why (Vietnamese).
        name: String,
    },
    /// Cancels a default holiday or compensatory day, e.g. when the yearly
    /// Tết notice picks other days than the default rule.
    NotHoliday {
        /// The date.
        date: NaiveDate,
    },
}

impl Decision {
    /// The date the decision is about.
    #[must_use]
    pub fn date(&self) -> NaiveDate {
        match self {
            Self::DayOff { date, .. }
            | Self::WorkingDay { date, .. }
            | Self::NotHoliday { date } => *date,
        }
    }
}

/// Rules of a calendar other than per-date decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CalendarRules {
    /// Weekly rest days; Saturday and Sunday by default.
    pub weekly_rest: WeeklyRest,
    /// Default holiday rules.
    pub holidays: HolidayRules,
}

/// First and last year cached inside a [`Calendar`].
const CACHED_YEARS: (i32, i32) = (1900, 2100);

/// The legal calendar. Cheap to share (`Send + Sync`); build it once.
#[derive(Debug, Clone)]
pub struct Calendar {
    rules: CalendarRules,
    decisions: BTreeMap<NaiveDate, Decision>,
    cache: Box<[OnceLock<YearTable>]>,
}

impl Default for Calendar {
    /// Default rules, no decisions.
    fn default() -> Self {
        Self::unchecked(CalendarRules::default(), BTreeMap::new())
    }
}

impl Calendar {
    /// A calendar with the default rules and the given decisions.
    ///
    /// # Errors
    /// See the [module documentation](self) for the validation rules.
    pub fn new(decisions: impl IntoIterator<Item = Decision>) -> Result<Self, CalendarError> {
        Self::with_rules(CalendarRules::default(), decisions)
    }

    /// A calendar with the given rules and decisions.
    ///
    /// # Errors
    /// See the [module documentation](self) for the validation rules; the
    /// error reports the earliest offending date.
    pub fn with_rules(
        rules: CalendarRules,
        decisions: impl IntoIterator<Item = Decision>,
    ) -> Result<Self, CalendarError> {
        let mut by_date = BTreeMap::new();
        let mut duplicates = Vec::new();
        for decision in decisions {
            let date = decision.date();
            if by_date.insert(date, decision).is_some() {
                duplicates.push(date);
            }
        }
        if let Some(date) = duplicates.into_iter().min() {
            return Err(CalendarError::DuplicateDecision { date });
        }
        let calendar = Self::unchecked(rules, by_date);
        let years: BTreeSet<i32> = calendar.decisions.keys().map(Datelike::year).collect();
        for year in years {
            let (table, problem) = calendar.build(year);
            if let Some(error) = problem {
                return Err(error);
            }
            if let Some(slot) = calendar.slot(year) {
                // The slot is fresh, so this cannot fail; ignore the table if
                // it somehow were set.
                let _ = slot.set(table);
            }
        }
        Ok(calendar)
    }

    fn unchecked(rules: CalendarRules, decisions: BTreeMap<NaiveDate, Decision>) -> Self {
        let (first, last) = CACHED_YEARS;
        let len = usize::try_from(last - first + 1).unwrap_or(0);
        Self {
            rules,
            decisions,
            cache: (0..len).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The rules.
    #[must_use]
    pub fn rules(&self) -> &CalendarRules {
        &self.rules
    }

    /// All decisions, by date.
    pub fn decisions(&self) -> impl Iterator<Item = &Decision> {
        self.decisions.values()
    }

    /// Whether `date` is a working day.
    #[must_use]
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.table(date.year()).is_working(date.ordinal0())
    }

    /// The days off of `year` other than plain weekly rest days: statutory
    /// holidays and compensatory days not cancelled by a decision, and
    /// decided extra days off; sorted by date (then statutory, compensatory,
    /// decision). A statutory holiday that falls on a rest day is listed too.
    #[must_use]
    pub fn holidays(&self, year: i32) -> Vec<Holiday> {
        self.table(year).holidays.clone()
    }

    /// The weekly rest days of `year` that are worked by decision, sorted.
    #[must_use]
    pub fn extra_working_days(&self, year: i32) -> Vec<&Decision> {
        self.decisions_in(year)
            .filter(|d| matches!(d, Decision::WorkingDay { .. }))
            .collect()
    }

    /// The first working day strictly after `date`.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] past the end of `chrono`'s dates.
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.nth_working_day_after(date, 1)
    }

    /// The `n`-th working day strictly after `date`; `date` itself when
    /// `n == 0`.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] past the end of `chrono`'s dates.
    pub fn nth_working_day_after(
        &self,
        date: NaiveDate,
        n: u32,
    ) -> Result<NaiveDate, CalendarError> {
        if n == 0 {
            return Ok(date);
        }
        let mut year = date.year();
        let mut from = date.ordinal0() + 1;
        let mut remaining = n;
        loop {
            let table = self.table(year);
            let available = table.count_working(from, table.len);
            if remaining <= available {
                let index = table.nth_working(from, remaining);
                return index
                    .and_then(|i| NaiveDate::from_yo_opt(year, i + 1))
                    .ok_or(CalendarError::OutOfRange);
            }
            remaining -= available;
            year = year.checked_add(1).ok_or(CalendarError::OutOfRange)?;
            if NaiveDate::from_yo_opt(year, 1).is_none() {
                return Err(CalendarError::OutOfRange);
            }
            from = 0;
        }
    }

    /// Number of working days `d` with `a < d <= b`; negative (the count for
    /// `b < d <= a`) when `b < a`, so that
    /// `working_days_between(a, b) == -working_days_between(b, a)`.
    ///
    /// With `due` and `done` dates, a positive
    /// `working_days_between(due, done)` is the number of working days late,
    /// a negative one the number of working days early.
    #[must_use]
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        if b < a {
            return -self.working_days_between(b, a);
        }
        // (a, b] = [a + 1, b]; empty when a == b (and when a is the last date).
        let Some(start) = a.succ_opt() else {
            return 0;
        };
        if b < start {
            return 0;
        }
        let mut count = 0i64;
        for year in start.year()..=b.year() {
            let table = self.table(year);
            let lo = if year == start.year() {
                start.ordinal0()
            } else {
                0
            };
            let hi = if year == b.year() {
                b.ordinal0() + 1
            } else {
                table.len
            };
            count += i64::from(table.count_working(lo, hi));
        }
        count
    }

    fn decisions_in(&self, year: i32) -> impl Iterator<Item = &Decision> {
        let range = NaiveDate::from_yo_opt(year, 1).zip(NaiveDate::from_ymd_opt(year, 12, 31));
        range
            .into_iter()
            .flat_map(move |(first, last)| self.decisions.range(first..=last).map(|(_, d)| d))
    }

    fn slot(&self, year: i32) -> Option<&OnceLock<YearTable>> {
        let index = usize::try_from(year.checked_sub(CACHED_YEARS.0)?).ok()?;
        self.cache.get(index)
    }

    fn table(&self, year: i32) -> Cow<'_, YearTable> {
        match self.slot(year) {
            Some(slot) => Cow::Borrowed(slot.get_or_init(|| self.build(year).0)),
            None => Cow::Owned(self.build(year).0),
        }
    }

    /// Compiles a year; also returns the first problem with its decisions.
    fn build(&self, year: i32) -> (YearTable, Option<CalendarError>) {
        let weekly = self.rules.weekly_rest;
        let Some(first) = NaiveDate::from_yo_opt(year, 1) else {
            // Outside chrono's range: no dates, nothing to compile.
            return (YearTable::empty(), None);
        };
        let len = if first.leap_year() { 366 } else { 365 };
        let in_year = |d: NaiveDate| d.year() == year;
        let decisions: Vec<&Decision> = self.decisions_in(year).collect();
        let cancelled: BTreeSet<NaiveDate> = decisions
            .iter()
            .filter(|d| matches!(d, Decision::NotHoliday { .. }))
            .map(|d| d.date())
            .collect();

        let all_statutory = statutory_holidays(year, &self.rules.holidays, weekly);
        let statutory: Vec<Holiday> = all_statutory
            .iter()
            .filter(|h| !cancelled.contains(&h.date))
            .cloned()
            .collect();
        let all_compensatory = if self.rules.holidays.compensate_rest_days {
            compensatory_days(&statutory, weekly)
        } else {
            Vec::new()
        };
        let mut holidays: Vec<Holiday> = statutory
            .into_iter()
            .chain(
                all_compensatory
                    .iter()
                    .filter(|h| !cancelled.contains(&h.date))
                    .cloned(),
            )
            .filter(|h| in_year(h.date))
            .collect();
        let default_off: BTreeSet<NaiveDate> = holidays.iter().map(|h| h.date).collect();

        let mut problem = None;
        let mut working_by_decision = Vec::new();
        for decision in decisions {
            let date = decision.date();
            let rest = weekly.is_rest_day(date);
            let holiday = default_off.contains(&date);
            let error = match decision {
                Decision::NotHoliday { .. } => {
                    let known = all_statutory
                        .iter()
                        .chain(&all_compensatory)
                        .any(|h| h.date == date);
                    (!known).then_some(CalendarError::NothingToCancel { date })
                }
                Decision::DayOff { name, .. } => {
                    holidays.push(Holiday {
                        date,
                        name_vi: name.clone(),
                        name_en: "Day off by official decision".to_owned(),
                        kind: HolidayKind::Decision,
                    });
                    (rest || holiday).then_some(CalendarError::AlreadyDayOff { date })
                }
                Decision::WorkingDay { .. } => {
                    working_by_decision.push(date);
                    if holiday {
                        Some(CalendarError::WorkingDayOnHoliday { date })
                    } else if !rest {
                        Some(CalendarError::AlreadyWorkingDay { date })
                    } else {
                        None
                    }
                }
            };
            problem = problem.or(error);
        }
        holidays.sort_by_key(|h| (h.date, h.kind));

        let mut working = [0u64; 6];
        for (ordinal0, date) in (0..len).zip(first.iter_days()) {
            if !weekly.is_rest_day(date) {
                set_bit(&mut working, ordinal0);
            }
        }
        for h in &holidays {
            clear_bit(&mut working, h.date.ordinal0());
        }
        for date in working_by_decision {
            set_bit(&mut working, date.ordinal0());
        }
        (
            YearTable {
                len,
                working,
                holidays,
            },
            problem,
        )
    }
}

/// One compiled year.
#[derive(Debug, Clone)]
struct YearTable {
    /// Number of days (365 or 366; 0 outside chrono's range).
    len: u32,
    /// Bit `i` set = day with `ordinal0() == i` is a working day.
    working: [u64; 6],
    /// Sorted days off other than plain weekly rest days.
    holidays: Vec<Holiday>,
}

impl YearTable {
    fn empty() -> Self {
        Self {
            len: 0,
            working: [0; 6],
            holidays: Vec::new(),
        }
    }

    fn is_working(&self, ordinal0: u32) -> bool {
        let (word, bit) = split(ordinal0);
        self.working
            .get(word)
            .is_some_and(|w| w & (1u64 << bit) != 0)
    }

    /// Working days with index in `from..to`.
    fn count_working(&self, from: u32, to: u32) -> u32 {
        let to = to.min(self.len);
        if from >= to {
            return 0;
        }
        self.working
            .iter()
            .zip(WORD_BASES)
            .map(|(bits, base)| (bits & range_mask(base, from, to)).count_ones())
            .sum()
    }

    /// Index of the `n`-th (1-based) working day at index `>= from`.
    fn nth_working(&self, from: u32, n: u32) -> Option<u32> {
        let mut remaining = n;
        for (bits, base) in self.working.iter().zip(WORD_BASES) {
            let mut bits = bits & range_mask(base, from, self.len);
            let ones = bits.count_ones();
            if remaining > ones {
                remaining -= ones;
                continue;
            }
            // Drop the lowest `remaining - 1` set bits.
            for _ in 1..remaining {
                bits &= bits - 1;
            }
            return Some(base + bits.trailing_zeros());
        }
        None
    }
}

/// Word index and bit index of a day index.
fn split(index: u32) -> (usize, u32) {
    // index < 366, so the word index fits any usize.
    ((index / 64) as usize, index % 64)
}

/// Day index of bit 0 of each word.
const WORD_BASES: [u32; 6] = [0, 64, 128, 192, 256, 320];

/// Mask of the bits of the word starting at `base` whose index is in
/// `from..to`.
fn range_mask(base: u32, from: u32, to: u32) -> u64 {
    let lo = from.saturating_sub(base).min(64);
    let hi = to.saturating_sub(base).min(64);
    if lo >= hi {
        return 0;
    }
    let upto = |n: u32| if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    upto(hi) & !upto(lo)
}

fn set_bit(bits: &mut [u64; 6], index: u32) {
    let (word, bit) = split(index);
    if let Some(w) = bits.get_mut(word) {
        *w |= 1u64 << bit;
    }
}

fn clear_bit(bits: &mut [u64; 6], index: u32) {
    let (word, bit) = split(index);
    if let Some(w) = bits.get_mut(word) {
        *w &= !(1u64 << bit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::holidays::default_holidays;
    use crate::lunar;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn day_off(date: NaiveDate, name: &str) -> Decision {
        Decision::DayOff {
            date,
            name: name.to_owned(),
        }
    }

    fn working(date: NaiveDate, name: &str) -> Decision {
        Decision::WorkingDay {
            date,
            name: name.to_owned(),
        }
    }

    /// The 2026 National Day swap: Monday 31 Aug off, Saturday 22 Aug worked.
    fn swap_2026() -> Calendar {
        Calendar::new([
            day_off(ymd(2026, 8, 31), "Nghỉ hoán đổi dịp Quốc khánh"),
            working(ymd(2026, 8, 22), "Làm bù cho thứ Hai 31/8/2026"),
        ])
        .expect("valid decisions")
    }

    #[test]
    fn bit_helpers() {
        assert_eq!(range_mask(0, 0, 64), u64::MAX);
        assert_eq!(range_mask(0, 1, 3), 0b110);
        assert_eq!(range_mask(64, 0, 64), 0);
        assert_eq!(range_mask(64, 65, 200), u64::MAX - 1);
        assert_eq!(range_mask(320, 0, 366), (1 << 46) - 1);
        assert_eq!(range_mask(0, 10, 5), 0);
        let mut bits = [0u64; 6];
        set_bit(&mut bits, 365);
        set_bit(&mut bits, 0);
        assert_eq!(bits[5], 1 << 45);
        clear_bit(&mut bits, 365);
        assert_eq!(bits[5], 0);
        assert_eq!(bits[0], 1);
    }

    #[test]
    fn weekly_rule_and_default_holidays() {
        let calendar = Calendar::default();
        assert!(calendar.is_working_day(ymd(2026, 8, 21))); // Friday
        assert!(!calendar.is_working_day(ymd(2026, 8, 22))); // Saturday
        assert!(!calendar.is_working_day(ymd(2026, 8, 23))); // Sunday
        assert!(calendar.is_working_day(ymd(2026, 8, 31))); // Monday
        assert!(!calendar.is_working_day(ymd(2026, 9, 1))); // adjacent day
        assert!(!calendar.is_working_day(ymd(2026, 9, 2))); // National Day
        assert!(calendar.is_working_day(ymd(2026, 9, 3)));
        assert!(!calendar.is_working_day(ymd(2025, 1, 1)));
        assert!(!calendar.is_working_day(ymd(2025, 4, 7))); // Hùng Kings
        assert!(!calendar.is_working_day(ymd(2025, 4, 30)));
        assert!(!calendar.is_working_day(ymd(2025, 5, 1)));
        assert!(!calendar.is_working_day(ymd(2025, 2, 3))); // compensatory
        assert!(calendar.is_working_day(ymd(2025, 2, 4)));
        // Outside the cached years too.
        assert!(!calendar.is_working_day(ymd(2150, 1, 1)));
        assert!(!calendar.is_working_day(ymd(1850, 9, 2)));
    }

    #[test]
    fn swap_2026_moves_the_working_day() {
        let calendar = swap_2026();
        assert!(!calendar.is_working_day(ymd(2026, 8, 31)));
        assert!(calendar.is_working_day(ymd(2026, 8, 22)));
        assert!(!calendar.is_working_day(ymd(2026, 8, 23)));
        // The number of working days in the year is unchanged by a swap.
        let year = |c: &Calendar| c.working_days_between(ymd(2025, 12, 31), ymd(2026, 12, 31));
        assert_eq!(year(&calendar), year(&Calendar::default()));
        let holidays = calendar.holidays(2026);
        let decided: Vec<_> = holidays
            .iter()
            .filter(|h| h.kind == HolidayKind::Decision)
            .collect();
        assert_eq!(decided.len(), 1);
        assert_eq!(decided[0].date, ymd(2026, 8, 31));
        assert_eq!(decided[0].name_vi, "Nghỉ hoán đổi dịp Quốc khánh");
        let extra = calendar.extra_working_days(2026);
        assert_eq!(extra.len(), 1);
        assert_eq!(extra[0].date(), ymd(2026, 8, 22));
        assert!(calendar.extra_working_days(2025).is_empty());
        assert_eq!(calendar.decisions().count(), 2);
    }

    #[test]
    fn holidays_are_sorted_and_match_defaults() {
        let calendar = Calendar::default();
        for year in 1900..=2100 {
            let list = calendar.holidays(year);
            assert!(list.windows(2).all(|w| w[0].date <= w[1].date), "{year}");
            assert_eq!(
                list,
                default_holidays(year, &HolidayRules::default(), WeeklyRest::default())
            );
            for h in &list {
                assert!(!calendar.is_working_day(h.date), "{year} {}", h.date);
            }
        }
    }

    #[test]
    fn holidays_2024_exact() {
        let list = Calendar::default().holidays(2024);
        let names: Vec<(NaiveDate, &str, HolidayKind)> = list
            .iter()
            .map(|h| (h.date, h.name_vi.as_str(), h.kind))
            .collect();
        use HolidayKind::{Compensatory as C, Statutory as S};
        assert_eq!(
            names,
            vec![
                (ymd(2024, 1, 1), "Tết Dương lịch", S),
                (ymd(2024, 2, 9), "Tết Nguyên đán (ngày cuối năm)", S),
                (ymd(2024, 2, 10), "Tết Nguyên đán (mùng 1)", S),
                (ymd(2024, 2, 11), "Tết Nguyên đán (mùng 2)", S),
                (ymd(2024, 2, 12), "Tết Nguyên đán (mùng 3)", S),
                (ymd(2024, 2, 13), "Tết Nguyên đán (mùng 4)", S),
                (ymd(2024, 2, 14), "Nghỉ bù Tết Nguyên đán (mùng 1)", C),
                (ymd(2024, 2, 15), "Nghỉ bù Tết Nguyên đán (mùng 2)", C),
                (ymd(2024, 4, 18), "Giỗ Tổ Hùng Vương", S),
                (ymd(2024, 4, 30), "Ngày Chiến thắng", S),
                (ymd(2024, 5, 1), "Ngày Quốc tế lao động", S),
                (ymd(2024, 9, 2), "Quốc khánh", S),
                (ymd(2024, 9, 3), "Quốc khánh (ngày liền kề)", S),
            ]
        );
    }

    #[test]
    fn not_holiday_cancels_and_removes_compensation() {
        // Suppose the 2024 Tết notice had moved mùng 1 (Sat 10 Feb) elsewhere.
        let calendar = Calendar::new([
            Decision::NotHoliday {
                date: ymd(2024, 2, 10),
            },
            day_off(ymd(2024, 2, 8), "Nghỉ Tết Nguyên đán theo thông báo"),
        ])
        .expect("valid");
        // Still a Saturday: not a working day, but no longer a holiday.
        assert!(!calendar.is_working_day(ymd(2024, 2, 10)));
        assert!(!calendar.is_working_day(ymd(2024, 2, 8)));
        let list = calendar.holidays(2024);
        assert!(list.iter().all(|h| h.date != ymd(2024, 2, 10)));
        // Only Sunday 11 Feb is compensated now, on Wednesday 14 Feb.
        let comp: Vec<_> = list
            .iter()
            .filter(|h| h.kind == HolidayKind::Compensatory)
            .map(|h| h.date)
            .collect();
        assert_eq!(comp, vec![ymd(2024, 2, 14)]);
        assert!(calendar.is_working_day(ymd(2024, 2, 15)));
    }

    #[test]
    fn not_holiday_on_weekday_holiday_makes_it_working() {
        let calendar = Calendar::new([Decision::NotHoliday {
            date: ymd(2025, 9, 1),
        }])
        .expect("valid");
        assert!(calendar.is_working_day(ymd(2025, 9, 1)));
        // Cancelling a compensatory day.
        let calendar = Calendar::new([Decision::NotHoliday {
            date: ymd(2025, 2, 3),
        }])
        .expect("valid");
        assert!(calendar.is_working_day(ymd(2025, 2, 3)));
    }

    #[test]
    fn day_off_on_weekday_holiday_list() {
        // The 2025 Tết notice: civil servants also rested on Mon 27 Jan.
        let calendar =
            Calendar::new([day_off(ymd(2025, 1, 27), "Nghỉ Tết (hoán đổi)")]).expect("valid");
        assert!(!calendar.is_working_day(ymd(2025, 1, 27)));
        let h = calendar
            .holidays(2025)
            .into_iter()
            .find(|h| h.date == ymd(2025, 1, 27))
            .expect("listed");
        assert_eq!(h.kind, HolidayKind::Decision);
        assert_eq!(h.name_en, "Day off by official decision");
    }

    #[test]
    fn validation_errors() {
        let cases = [
            (
                vec![
                    day_off(ymd(2026, 8, 31), "a"),
                    working(ymd(2026, 8, 31), "b"),
                ],
                CalendarError::DuplicateDecision {
                    date: ymd(2026, 8, 31),
                },
            ),
            (
                vec![Decision::NotHoliday {
                    date: ymd(2026, 8, 31),
                }],
                CalendarError::NothingToCancel {
                    date: ymd(2026, 8, 31),
                },
            ),
            (
                vec![day_off(ymd(2026, 8, 22), "Saturday")],
                CalendarError::AlreadyDayOff {
                    date: ymd(2026, 8, 22),
                },
            ),
            (
                vec![day_off(ymd(2026, 9, 2), "Quốc khánh")],
                CalendarError::AlreadyDayOff {
                    date: ymd(2026, 9, 2),
                },
            ),
            (
                vec![working(ymd(2026, 8, 21), "Friday")],
                CalendarError::AlreadyWorkingDay {
                    date: ymd(2026, 8, 21),
                },
            ),
            (
                vec![working(ymd(2026, 9, 1), "holiday")],
                CalendarError::WorkingDayOnHoliday {
                    date: ymd(2026, 9, 1),
                },
            ),
            // 2 Feb 2025 (Sunday) is not a holiday: nothing to cancel.
            (
                vec![Decision::NotHoliday {
                    date: ymd(2025, 2, 2),
                }],
                CalendarError::NothingToCancel {
                    date: ymd(2025, 2, 2),
                },
            ),
        ];
        for (decisions, expected) in cases {
            assert_eq!(Calendar::new(decisions).err(), Some(expected));
        }
        // Earliest problem wins, across years.
        let err = Calendar::new([
            working(ymd(2027, 1, 4), "Monday"),
            working(ymd(2026, 1, 5), "Monday"),
        ])
        .err();
        assert_eq!(
            err,
            Some(CalendarError::AlreadyWorkingDay {
                date: ymd(2026, 1, 5)
            })
        );
        // Outside the cached range the same validation applies.
        let err = Calendar::new([working(ymd(2200, 1, 6), "Monday")]).err();
        assert_eq!(
            err,
            Some(CalendarError::AlreadyWorkingDay {
                date: ymd(2200, 1, 6)
            })
        );
    }

    #[test]
    fn cancelled_holiday_then_cancel_its_compensation_is_an_error() {
        // Cancelling Sat 1 Feb 2025 removes its compensatory Mon 3 Feb, so
        // cancelling 3 Feb as well cancels nothing.
        let err = Calendar::new([
            Decision::NotHoliday {
                date: ymd(2025, 2, 1),
            },
            Decision::NotHoliday {
                date: ymd(2025, 2, 3),
            },
        ])
        .err();
        assert_eq!(
            err,
            Some(CalendarError::NothingToCancel {
                date: ymd(2025, 2, 3)
            })
        );
        let calendar = Calendar::new([Decision::NotHoliday {
            date: ymd(2025, 2, 1),
        }])
        .expect("valid");
        assert!(calendar.is_working_day(ymd(2025, 2, 3)));
    }

    #[test]
    fn custom_rules() {
        let rules = CalendarRules {
            weekly_rest: WeeklyRest::SUNDAY,
            holidays: HolidayRules {
                compensate_rest_days: false,
                ..HolidayRules::default()
            },
        };
        let calendar = Calendar::with_rules(rules, []).expect("valid");
        assert_eq!(calendar.rules(), &rules);
        assert!(calendar.is_working_day(ymd(2026, 8, 22))); // Saturday
        assert!(!calendar.is_working_day(ymd(2026, 8, 23))); // Sunday
                                                             // 1 Feb 2025 is a Saturday, a working day here; no compensation.
        assert!(calendar.is_working_day(ymd(2025, 2, 3)));
    }

    #[test]
    fn working_days_between_basics() {
        let calendar = Calendar::default();
        let (mon, fri, next_mon) = (ymd(2026, 8, 17), ymd(2026, 8, 21), ymd(2026, 8, 24));
        assert_eq!(calendar.working_days_between(mon, mon), 0);
        assert_eq!(calendar.working_days_between(mon, fri), 4);
        assert_eq!(calendar.working_days_between(fri, next_mon), 1);
        assert_eq!(calendar.working_days_between(next_mon, fri), -1);
        assert_eq!(calendar.working_days_between(fri, mon), -4);
        // Across a year boundary: Wed 31 Dec 2025 → Fri 2 Jan 2026 (1 Jan off).
        assert_eq!(
            calendar.working_days_between(ymd(2025, 12, 31), ymd(2026, 1, 2)),
            1
        );
        // Whole years 2025 (365 days, 104 weekend days, 11 holidays of which
        // 1 Feb is a Saturday, compensated on 3 Feb) → 250.
        assert_eq!(
            calendar.working_days_between(ymd(2024, 12, 31), ymd(2025, 12, 31)),
            250
        );
        // Extreme dates do not panic.
        assert_eq!(
            calendar.working_days_between(NaiveDate::MAX, NaiveDate::MAX),
            0
        );
        assert!(calendar.working_days_between(ymd(2025, 12, 20), ymd(2225, 1, 10)) > 49_000);
    }

    #[test]
    fn working_days_between_matches_naive_count() {
        let calendar = swap_2026();
        let start = ymd(2023, 11, 15);
        let mut naive = 0;
        for (i, day) in start.iter_days().skip(1).take(1200).enumerate() {
            if calendar.is_working_day(day) {
                naive += 1;
            }
            assert_eq!(
                calendar.working_days_between(start, day),
                naive,
                "{i} {day}"
            );
        }
    }

    #[test]
    fn nth_working_day_after() {
        let calendar = swap_2026();
        let fri = ymd(2026, 8, 21);
        assert_eq!(calendar.nth_working_day_after(fri, 0), Ok(fri));
        // Sat 22 Aug is worked in 2026.
        assert_eq!(calendar.next_working_day(fri), Ok(ymd(2026, 8, 22)));
        assert_eq!(calendar.nth_working_day_after(fri, 2), Ok(ymd(2026, 8, 24)));
        // Fri 28 Aug → skip Sat, Sun, Mon 31 (swap), Tue 1 & Wed 2 Sep → Thu 3.
        assert_eq!(
            calendar.next_working_day(ymd(2026, 8, 28)),
            Ok(ymd(2026, 9, 3))
        );
        // Across a year.
        assert_eq!(
            calendar.next_working_day(ymd(2025, 12, 31)),
            Ok(ymd(2026, 1, 2))
        );
        assert_eq!(
            calendar.nth_working_day_after(ymd(2025, 12, 31), 250),
            calendar.nth_working_day_after(ymd(2026, 1, 2), 249)
        );
        // Off the end of chrono's range.
        assert_eq!(
            calendar.next_working_day(NaiveDate::MAX),
            Err(CalendarError::OutOfRange)
        );
        assert!(calendar.nth_working_day_after(ymd(2100, 12, 1), 60).is_ok());
    }

    #[test]
    fn nth_working_day_property() {
        let calendar = swap_2026();
        let start = ymd(2025, 12, 1);
        for n in 0..400 {
            let day = calendar.nth_working_day_after(start, n).expect("in range");
            if n > 0 {
                assert!(calendar.is_working_day(day), "{n}");
            }
            assert_eq!(
                calendar.working_days_between(start, day),
                i64::from(n),
                "{n}"
            );
        }
    }

    #[test]
    fn tet_days_are_never_working_by_default() {
        let calendar = Calendar::default();
        for year in 1900..=2100 {
            let tet = lunar::tet(year).expect("in range");
            for offset in 0..4 {
                let d = tet + chrono::Days::new(offset);
                assert!(!calendar.is_working_day(d), "{d}");
            }
        }
    }

    #[test]
    fn serde_shapes() {
        use serde::de::value::{Error, MapDeserializer};
        use serde::de::IntoDeserializer;
        let fields = [("kind", "not_holiday"), ("date", "2025-09-01")];
        let de: MapDeserializer<'_, _, Error> =
            MapDeserializer::new(fields.into_iter().map(|(k, v)| (k, v.into_deserializer())));
        assert_eq!(
            Decision::deserialize(de),
            Ok(Decision::NotHoliday {
                date: ymd(2025, 9, 1)
            })
        );
        let fields = [
            ("kind", "day_off"),
            ("date", "2026-08-31"),
            ("name", "Nghỉ hoán đổi"),
        ];
        let de: MapDeserializer<'_, _, Error> =
            MapDeserializer::new(fields.into_iter().map(|(k, v)| (k, v.into_deserializer())));
        assert_eq!(
            Decision::deserialize(de),
            Ok(day_off(ymd(2026, 8, 31), "Nghỉ hoán đổi"))
        );
    }

    #[test]
    fn calendar_is_send_sync_and_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Calendar>();
        let calendar = swap_2026();
        let copy = calendar.clone();
        assert_eq!(copy.holidays(2026), calendar.holidays(2026));
    }
}
