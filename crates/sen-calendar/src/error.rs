//! Errors of the legal clock.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Everything that can go wrong when building a [`Calendar`](crate::Calendar)
/// or computing with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A weekly rest rule with all seven days off.
    #[error("the weekly rest rule must leave at least one working weekday")]
    NoWorkingWeekday,
    /// Office hours that close before they open, or a cut-off outside them.
    #[error("invalid office hours: open {open}, close {close}, cut-off {cutoff:?}")]
    InvalidOfficeHours {
        /// Opening time.
        open: NaiveTime,
        /// Closing time.
        close: NaiveTime,
        /// Receipt cut-off, if any.
        cutoff: Option<NaiveTime>,
    },
    /// Two decisions for the same date.
    #[error("more than one decision for {date}")]
    DuplicateDecision {
        /// The date.
        date: NaiveDate,
    },
    /// `NotHoliday` on a date that is not a default holiday or compensatory day.
    #[error("{date} is not a default holiday, there is nothing to cancel")]
    NothingToCancel {
        /// The date.
        date: NaiveDate,
    },
    /// `DayOff` on a date that is already a rest day or a holiday.
    #[error("{date} is already a day off")]
    AlreadyDayOff {
        /// The date.
        date: NaiveDate,
    },
    /// `WorkingDay` on a date that is already a working day.
    #[error("{date} is already a working day")]
    AlreadyWorkingDay {
        /// The date.
        date: NaiveDate,
    },
    /// `WorkingDay` on a holiday: cancel the holiday with `NotHoliday` instead.
    #[error("{date} is a holiday; cancel it with a NotHoliday decision instead")]
    WorkingDayOnHoliday {
        /// The date.
        date: NaiveDate,
    },
    /// A pause that ends before it starts.
    #[error("the clock resumed at {resumed_at}, before it was paused at {paused_from}")]
    ResumedBeforePaused {
        /// When the clock was paused.
        paused_from: NaiveDateTime,
        /// When it resumed.
        resumed_at: NaiveDateTime,
    },
    /// A result outside the representable dates.
    #[error("date out of range")]
    OutOfRange,
}
