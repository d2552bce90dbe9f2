//! Legal deadlines in working days.
//!
//! All times are Vietnam local time (UTC+7, no daylight saving) as
//! `NaiveDateTime`; convert from UTC before calling.
//!
//! # The rules
//!
//! **Effective start.** A dossier counts as received
//!
//! * at the time it was received, if that is on a working day, at or after
//!   opening and before the *last receipt time* (the procedure's cut-off if
//!   it has one, else closing time);
//! * at opening time of the same day, if received on a working day before
//!   opening (e.g. online at 06:00);
//! * at opening time of the next working day otherwise (after the cut-off or
//!   closing time, or on a non-working day).
//!
//! **Due time.** A deadline of `n` working days is due at the same clock time
//! as the effective start, on the `n`-th working day after the effective
//! start's date (`n = 0`: the effective start itself). So a dossier received
//! on Friday at 10:00 with a 3-working-day deadline is due on Wednesday at
//! 10:00 (if no holiday intervenes). The lunch break is not modelled: a
//! dossier received at 12:00 is due at 12:00, and a working day is simply a
//! calendar day that is a working day.
//!
//! **Pausing.** While the agency waits for the applicant's supplement the
//! clock is stopped. The pause lasts from `paused_from` (the request for a
//! supplement) to `resumed_at` (the supplement received); both are first
//! normalised like a receipt (effective start), and the pause is the number of
//! working days between their dates, i.e. the working days after the day the
//! clock stopped, up to and including the day it restarted. The due date is
//! then moved by exactly that many working days, keeping its clock time. A
//! supplement received on the same working day as the request, or before the
//! next opening, pauses nothing; several pauses are applied one after the
//! other.
//!
//! **Lateness.** `Calendar::working_days_between(due.date(), done.date())` is
//! positive when late, zero on the due day, negative when early.

use chrono::{NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::{Calendar, CalendarError};

const fn time(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(t) => t,
        None => panic!("invalid constant time"),
    }
}

/// Office hours of the receiving desk, with an optional per-procedure
/// receipt cut-off. Default: 07:30–17:00, no cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "OfficeHoursRepr", into = "OfficeHoursRepr")]
pub struct OfficeHours {
    open: NaiveTime,
    close: NaiveTime,
    cutoff: Option<NaiveTime>,
}

impl OfficeHours {
    /// Default opening time, 07:30.
    pub const DEFAULT_OPEN: NaiveTime = time(7, 30);
    /// Default closing time, 17:00.
    pub const DEFAULT_CLOSE: NaiveTime = time(17, 0);

    /// Office hours from `open` to `close`.
    ///
    /// # Errors
    /// [`CalendarError::InvalidOfficeHours`] unless `open < close`.
    pub fn new(open: NaiveTime, close: NaiveTime) -> Result<Self, CalendarError> {
        Self::validated(open, close, None)
    }

    /// The same hours, with dossiers received at or after `cutoff` counted as
    /// received at the next working day's opening (e.g. 15:00).
    ///
    /// # Errors
    /// [`CalendarError::InvalidOfficeHours`] unless `open < cutoff <= close`.
    pub fn with_cutoff(self, cutoff: NaiveTime) -> Result<Self, CalendarError> {
        Self::validated(self.open, self.close, Some(cutoff))
    }

    fn validated(
        open: NaiveTime,
        close: NaiveTime,
        cutoff: Option<NaiveTime>,
    ) -> Result<Self, CalendarError> {
        let cutoff_ok = cutoff.is_none_or(|c| open < c && c <= close);
        if open < close && cutoff_ok {
            Ok(Self {
                open,
                close,
                cutoff,
            })
        } else {
            Err(CalendarError::InvalidOfficeHours {
                open,
                close,
                cutoff,
            })
        }
    }

    /// Opening time.
    #[must_use]
    pub fn open(&self) -> NaiveTime {
        self.open
    }

    /// Closing time.
    #[must_use]
    pub fn close(&self) -> NaiveTime {
        self.close
    }

    /// Receipt cut-off, if any.
    #[must_use]
    pub fn cutoff(&self) -> Option<NaiveTime> {
        self.cutoff
    }

    /// Dossiers received at or after this time count from the next working
    /// day: the cut-off if any, else closing time.
    #[must_use]
    pub fn last_receipt(&self) -> NaiveTime {
        self.cutoff.unwrap_or(self.close)
    }
}

impl Default for OfficeHours {
    fn default() -> Self {
        Self {
            open: Self::DEFAULT_OPEN,
            close: Self::DEFAULT_CLOSE,
            cutoff: None,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct OfficeHoursRepr {
    open: NaiveTime,
    close: NaiveTime,
    #[serde(default)]
    cutoff: Option<NaiveTime>,
}

impl TryFrom<OfficeHoursRepr> for OfficeHours {
    type Error = CalendarError;

    fn try_from(r: OfficeHoursRepr) -> Result<Self, Self::Error> {
        Self::validated(r.open, r.close, r.cutoff)
    }
}

impl From<OfficeHours> for OfficeHoursRepr {
    fn from(h: OfficeHours) -> Self {
        Self {
            open: h.open,
            close: h.close,
            cutoff: h.cutoff,
        }
    }
}

impl Calendar {
    /// When a dossier received at `received` counts as received (see the
    /// [module documentation](crate::deadline)).
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] past the end of `chrono`'s dates.
    pub fn effective_start(
        &self,
        received: NaiveDateTime,
        hours: &OfficeHours,
    ) -> Result<NaiveDateTime, CalendarError> {
        let date = received.date();
        if self.is_working_day(date) {
            if received.time() < hours.open {
                return Ok(date.and_time(hours.open));
            }
            if received.time() < hours.last_receipt() {
                return Ok(received);
            }
        }
        Ok(self.next_working_day(date)?.and_time(hours.open))
    }

    /// The due time of a deadline of `n` working days for a dossier received
    /// at `received`: the effective start's clock time on the `n`-th working
    /// day after it (see the [module documentation](crate::deadline)).
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] past the end of `chrono`'s dates.
    pub fn add_working_days(
        &self,
        received: NaiveDateTime,
        n: u32,
        hours: &OfficeHours,
    ) -> Result<NaiveDateTime, CalendarError> {
        let start = self.effective_start(received, hours)?;
        let day = self.nth_working_day_after(start.date(), n)?;
        Ok(day.and_time(start.time()))
    }

    /// The due time of a deadline of `hours` legal working hours, as process
    /// steps count their share of the time: eight legal hours make a working
    /// day (whole days as in [`Calendar::add_working_days`]); the remaining
    /// hours take the same share of the office day (`rest / 8` of the time
    /// from opening to closing), rolling over to the next working day's
    /// opening when they pass closing time.
    ///
    /// # Errors
    /// [`CalendarError::OutOfRange`] past the end of `chrono`'s dates.
    pub fn add_working_hours(
        &self,
        received: NaiveDateTime,
        hours: u32,
        office: &OfficeHours,
    ) -> Result<NaiveDateTime, CalendarError> {
        let base = self.add_working_days(received, hours / 8, office)?;
        let rest = i64::from(hours % 8);
        if rest == 0 {
            return Ok(base);
        }
        let window = (office.close() - office.open()).num_seconds();
        let mut left = window * rest / 8;
        let mut t = base;
        loop {
            let close = t.date().and_time(office.close());
            let available = (close - t).num_seconds().max(0);
            if left <= available {
                return Ok(t + chrono::Duration::seconds(left));
            }
            left -= available;
            t = self.next_working_day(t.date())?.and_time(office.open());
        }
    }

    /// The number of working days a clock paused at `paused_from` and resumed
    /// at `resumed_at` was stopped for (see the
    /// [module documentation](crate::deadline)).
    ///
    /// # Errors
    /// [`CalendarError::ResumedBeforePaused`] if `resumed_at < paused_from`;
    /// [`CalendarError::OutOfRange`] past the end of `chrono`'s dates.
    pub fn paused_working_days(
        &self,
        paused_from: NaiveDateTime,
        resumed_at: NaiveDateTime,
        hours: &OfficeHours,
    ) -> Result<u32, CalendarError> {
        if resumed_at < paused_from {
            return Err(CalendarError::ResumedBeforePaused {
                paused_from,
                resumed_at,
            });
        }
        let from = self.effective_start(paused_from, hours)?.date();
        let to = self.effective_start(resumed_at, hours)?.date();
        u32::try_from(self.working_days_between(from, to)).map_err(|_| CalendarError::OutOfRange)
    }

    /// `due` moved later by exactly the number of working days the clock was
    /// paused ([`Calendar::paused_working_days`]), keeping its clock time.
    ///
    /// # Errors
    /// As [`Calendar::paused_working_days`].
    pub fn extend_by_pause(
        &self,
        due: NaiveDateTime,
        paused_from: NaiveDateTime,
        resumed_at: NaiveDateTime,
        hours: &OfficeHours,
    ) -> Result<NaiveDateTime, CalendarError> {
        let paused = self.paused_working_days(paused_from, resumed_at, hours)?;
        let day = self.nth_working_day_after(due.date(), paused)?;
        Ok(day.and_time(due.time()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decision;
    use chrono::NaiveDate;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn at(y: i32, m: u32, d: u32, hour: u32, minute: u32) -> NaiveDateTime {
        ymd(y, m, d).and_time(time(hour, minute))
    }

    fn swap_2026() -> Calendar {
        Calendar::new([
            Decision::DayOff {
                date: ymd(2026, 8, 31),
                name: "Nghỉ hoán đổi".into(),
            },
            Decision::WorkingDay {
                date: ymd(2026, 8, 22),
                name: "Làm bù".into(),
            },
        ])
        .expect("valid")
    }

    #[test]
    fn office_hours_validation() {
        let h = OfficeHours::default();
        assert_eq!(
            (h.open(), h.close(), h.cutoff()),
            (time(7, 30), time(17, 0), None)
        );
        assert_eq!(h.last_receipt(), time(17, 0));
        let c = h.with_cutoff(time(15, 0)).expect("valid");
        assert_eq!(c.cutoff(), Some(time(15, 0)));
        assert_eq!(c.last_receipt(), time(15, 0));
        assert!(h.with_cutoff(time(17, 0)).is_ok());
        assert!(h.with_cutoff(time(17, 1)).is_err());
        assert!(h.with_cutoff(time(7, 30)).is_err());
        assert!(OfficeHours::new(time(8, 0), time(8, 0)).is_err());
        assert_eq!(
            OfficeHours::new(time(17, 0), time(8, 0)),
            Err(CalendarError::InvalidOfficeHours {
                open: time(17, 0),
                close: time(8, 0),
                cutoff: None
            })
        );
        assert!(OfficeHours::new(time(8, 0), time(16, 30)).is_ok());
    }

    #[test]
    fn office_hours_serde_validates() {
        use serde::de::value::{Error, MapDeserializer};
        use serde::de::IntoDeserializer;
        let parse = |fields: &[(&'static str, &'static str)]| {
            let de: MapDeserializer<'_, _, Error> =
                MapDeserializer::new(fields.iter().map(|(k, v)| (*k, v.into_deserializer())));
            OfficeHours::deserialize(de)
        };
        assert_eq!(
            parse(&[("open", "07:30:00"), ("close", "17:00:00")]),
            Ok(OfficeHours::default())
        );
        assert!(parse(&[("open", "17:00:00"), ("close", "07:30:00")]).is_err());
    }

    #[test]
    fn effective_start_rules() {
        let c = Calendar::default();
        let h = OfficeHours::default();
        let cut = h.with_cutoff(time(15, 0)).expect("valid");
        // Tuesday 18 Aug 2026, a working day.
        assert_eq!(
            c.effective_start(at(2026, 8, 18, 10, 0), &h),
            Ok(at(2026, 8, 18, 10, 0))
        );
        assert_eq!(
            c.effective_start(at(2026, 8, 18, 6, 0), &h),
            Ok(at(2026, 8, 18, 7, 30))
        );
        assert_eq!(
            c.effective_start(at(2026, 8, 18, 7, 30), &h),
            Ok(at(2026, 8, 18, 7, 30))
        );
        assert_eq!(
            c.effective_start(at(2026, 8, 18, 16, 59), &h),
            Ok(at(2026, 8, 18, 16, 59))
        );
        assert_eq!(
            c.effective_start(at(2026, 8, 18, 17, 0), &h),
            Ok(at(2026, 8, 19, 7, 30))
        );
        assert_eq!(
            c.effective_start(at(2026, 8, 18, 23, 59), &h),
            Ok(at(2026, 8, 19, 7, 30))
        );
        // Cut-off 15:00.
        assert_eq!(
            c.effective_start(at(2026, 8, 18, 14, 59), &cut),
            Ok(at(2026, 8, 18, 14, 59))
        );
        assert_eq!(
            c.effective_start(at(2026, 8, 18, 15, 0), &cut),
            Ok(at(2026, 8, 19, 7, 30))
        );
        // Friday evening → Monday; Saturday → Monday.
        assert_eq!(
            c.effective_start(at(2026, 8, 21, 18, 0), &h),
            Ok(at(2026, 8, 24, 7, 30))
        );
        assert_eq!(
            c.effective_start(at(2026, 8, 22, 9, 0), &h),
            Ok(at(2026, 8, 24, 7, 30))
        );
        // With the 2026 swap, Saturday 22 Aug is a working day.
        let s = swap_2026();
        assert_eq!(
            s.effective_start(at(2026, 8, 22, 9, 0), &h),
            Ok(at(2026, 8, 22, 9, 0))
        );
        // Holiday: 2 Sep 2026 → Thursday 3 Sep.
        assert_eq!(
            c.effective_start(at(2026, 9, 2, 9, 0), &h),
            Ok(at(2026, 9, 3, 7, 30))
        );
        // Seconds are kept.
        let precise = ymd(2026, 8, 18).and_hms_opt(10, 0, 42).expect("valid");
        assert_eq!(c.effective_start(precise, &h), Ok(precise));
    }

    #[test]
    fn add_working_days_examples() {
        let c = Calendar::default();
        let h = OfficeHours::default();
        // Friday 10:00 + 3 → Wednesday 10:00.
        assert_eq!(
            c.add_working_days(at(2026, 8, 21, 10, 0), 3, &h),
            Ok(at(2026, 8, 26, 10, 0))
        );
        // n = 0 is the effective start.
        assert_eq!(
            c.add_working_days(at(2026, 8, 21, 10, 0), 0, &h),
            Ok(at(2026, 8, 21, 10, 0))
        );
        assert_eq!(
            c.add_working_days(at(2026, 8, 22, 10, 0), 0, &h),
            Ok(at(2026, 8, 24, 7, 30))
        );
        // Received Saturday: counting starts Monday 07:30; +1 → Tuesday 07:30.
        assert_eq!(
            c.add_working_days(at(2026, 8, 22, 10, 0), 1, &h),
            Ok(at(2026, 8, 25, 7, 30))
        );
        // Across Tết 2026 (eve Mon 16 Feb … mùng 4 Fri 20 Feb).
        assert_eq!(
            c.add_working_days(at(2026, 2, 13, 9, 0), 1, &h),
            Ok(at(2026, 2, 23, 9, 0))
        );
        // Across the 2026 National Day swap: Fri 28 Aug + 1 → Thu 3 Sep.
        let s = swap_2026();
        assert_eq!(
            s.add_working_days(at(2026, 8, 28, 9, 0), 1, &h),
            Ok(at(2026, 9, 3, 9, 0))
        );
        // The worked Saturday counts: Fri 21 Aug + 1 → Sat 22 Aug.
        assert_eq!(
            s.add_working_days(at(2026, 8, 21, 9, 0), 1, &h),
            Ok(at(2026, 8, 22, 9, 0))
        );
        // Across a year: Wed 31 Dec 2025 + 1 → Fri 2 Jan 2026.
        assert_eq!(
            c.add_working_days(at(2025, 12, 31, 16, 0), 1, &h),
            Ok(at(2026, 1, 2, 16, 0))
        );
        // Cut-off.
        let cut = h.with_cutoff(time(15, 0)).expect("valid");
        assert_eq!(
            c.add_working_days(at(2026, 8, 18, 15, 30), 2, &cut),
            Ok(at(2026, 8, 21, 7, 30))
        );
        // Out of range.
        let end = NaiveDate::MAX.and_time(time(9, 0));
        assert_eq!(
            c.add_working_days(end, 1, &h),
            Err(CalendarError::OutOfRange)
        );
    }

    #[test]
    fn add_then_count_gives_n() {
        let c = swap_2026();
        let h = OfficeHours::default()
            .with_cutoff(time(15, 0))
            .expect("valid");
        let times = [(6, 0), (7, 30), (11, 45), (14, 59), (15, 0), (20, 0)];
        for day in ymd(2025, 12, 20).iter_days().take(420) {
            for (hh, mm) in times {
                let received = day.and_time(time(hh, mm));
                let start = c.effective_start(received, &h).expect("in range");
                assert!(start >= received);
                assert!(c.is_working_day(start.date()));
                assert!(start.time() >= h.open() && start.time() < h.last_receipt());
                for n in [0u32, 1, 2, 5, 7, 15, 20, 30, 45] {
                    let due = c.add_working_days(received, n, &h).expect("in range");
                    assert!(c.is_working_day(due.date()), "{received} + {n}");
                    assert_eq!(due.time(), start.time());
                    assert_eq!(
                        c.working_days_between(start.date(), due.date()),
                        i64::from(n),
                        "{received} + {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn pause_moves_due_by_paused_working_days() {
        let c = Calendar::default();
        let h = OfficeHours::default();
        let due = at(2026, 8, 26, 10, 0); // Wednesday
                                          // Paused Mon 17 Aug 10:00, resumed Wed 19 Aug 09:00: Tue, Wed → 2.
        let (p, r) = (at(2026, 8, 17, 10, 0), at(2026, 8, 19, 9, 0));
        assert_eq!(c.paused_working_days(p, r, &h), Ok(2));
        assert_eq!(c.extend_by_pause(due, p, r, &h), Ok(at(2026, 8, 28, 10, 0)));
        // Same working day: nothing.
        let (p, r) = (at(2026, 8, 17, 10, 0), at(2026, 8, 17, 16, 0));
        assert_eq!(c.paused_working_days(p, r, &h), Ok(0));
        assert_eq!(c.extend_by_pause(due, p, r, &h), Ok(due));
        // Paused Friday 16:00, supplement on Saturday: counts as Monday's
        // opening → one working day (Monday).
        let (p, r) = (at(2026, 8, 21, 16, 0), at(2026, 8, 22, 11, 0));
        assert_eq!(c.paused_working_days(p, r, &h), Ok(1));
        // Paused after closing on Friday, resumed before Monday's opening:
        // both count as Monday 07:30 → nothing.
        let (p, r) = (at(2026, 8, 21, 18, 0), at(2026, 8, 24, 7, 0));
        assert_eq!(c.paused_working_days(p, r, &h), Ok(0));
        // Across the National Day holidays: Fri 28 Aug → Fri 4 Sep 2026 is
        // Mon 31, Thu 3, Fri 4 → 3 working days (1–2 Sep are holidays).
        let (p, r) = (at(2026, 8, 28, 9, 0), at(2026, 9, 4, 9, 0));
        assert_eq!(c.paused_working_days(p, r, &h), Ok(3));
        // Resumed before paused.
        assert_eq!(
            c.paused_working_days(r, p, &h),
            Err(CalendarError::ResumedBeforePaused {
                paused_from: r,
                resumed_at: p
            })
        );
        assert!(c.extend_by_pause(due, r, p, &h).is_err());
    }

    #[test]
    fn pause_property() {
        let c = swap_2026();
        let h = OfficeHours::default();
        let received = at(2026, 7, 1, 9, 15);
        let due = c.add_working_days(received, 15, &h).expect("in range");
        for start_offset in 0..40u64 {
            let paused = received + chrono::Days::new(start_offset);
            for length in 0..25u64 {
                let resumed = paused + chrono::Days::new(length) + chrono::Duration::hours(2);
                let n = c.paused_working_days(paused, resumed, &h).expect("valid");
                let moved = c.extend_by_pause(due, paused, resumed, &h).expect("valid");
                assert!(c.is_working_day(moved.date()));
                assert_eq!(moved.time(), due.time());
                assert_eq!(
                    c.working_days_between(due.date(), moved.date()),
                    i64::from(n)
                );
                // The pause is the working days strictly after the day the
                // clock stopped up to the day it restarted (both normalised).
                let from = c.effective_start(paused, &h).expect("ok").date();
                let to = c.effective_start(resumed, &h).expect("ok").date();
                assert_eq!(i64::from(n), c.working_days_between(from, to));
                // Pausing 0 days leaves the due date alone.
                if n == 0 {
                    assert_eq!(moved, due);
                }
            }
        }
    }

    #[test]
    fn two_pauses_add_up() {
        let c = Calendar::default();
        let h = OfficeHours::default();
        let due = at(2026, 10, 15, 9, 0);
        let once = c
            .extend_by_pause(due, at(2026, 9, 7, 9, 0), at(2026, 9, 9, 9, 0), &h)
            .expect("ok");
        let twice = c
            .extend_by_pause(once, at(2026, 9, 21, 9, 0), at(2026, 9, 24, 9, 0), &h)
            .expect("ok");
        assert_eq!(c.working_days_between(due.date(), twice.date()), 2 + 3);
    }

    #[test]
    fn lateness_sign() {
        let c = Calendar::default();
        let due = ymd(2026, 8, 26);
        assert_eq!(c.working_days_between(due, ymd(2026, 8, 26)), 0);
        assert_eq!(c.working_days_between(due, ymd(2026, 8, 28)), 2);
        assert_eq!(c.working_days_between(due, ymd(2026, 8, 24)), -2);
    }

    #[test]
    fn working_hours_are_shares_of_the_office_day() {
        let cal = Calendar::default();
        let h = OfficeHours::default(); // 07:30–17:00: 9h30 = 8 legal hours
        let at = |m: u32, d: u32, hh: u32, mm: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, m, d)
                .unwrap()
                .and_hms_opt(hh, mm, 0)
                .unwrap()
        };
        // Whole days are working days.
        assert_eq!(
            cal.add_working_hours(at(3, 2, 9, 0), 16, &h).unwrap(),
            at(3, 4, 9, 0)
        );
        // 4 legal hours = half the office day (4h45).
        assert_eq!(
            cal.add_working_hours(at(3, 2, 9, 0), 4, &h).unwrap(),
            at(3, 2, 13, 45)
        );
        // Past closing it rolls over to the next working day: Friday 15:00
        // + 4 legal hours = 2h to closing + 2h45 from Monday's opening.
        assert_eq!(
            cal.add_working_hours(at(3, 6, 15, 0), 4, &h).unwrap(),
            at(3, 9, 10, 15)
        );
        // Received after closing counts from the next opening.
        assert_eq!(
            cal.add_working_hours(at(3, 2, 18, 0), 4, &h).unwrap(),
            at(3, 3, 12, 15)
        );
        assert_eq!(
            cal.add_working_hours(at(3, 2, 9, 0), 0, &h).unwrap(),
            at(3, 2, 9, 0)
        );
        // Monotonic in the number of hours.
        let mut prev = at(3, 2, 9, 0);
        for n in 1..200 {
            let due = cal.add_working_hours(at(3, 2, 9, 0), n, &h).unwrap();
            assert!(due > prev, "{n}");
            assert!(cal.is_working_day(due.date()));
            prev = due;
        }
    }
}
