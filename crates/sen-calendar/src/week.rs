//! The weekly rest rule (*ngày nghỉ hằng tuần*).

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::CalendarError;

/// The weekdays that are weekly rest days. Civil servants rest on Saturday and
/// Sunday, which is the default.
///
/// At least one weekday is always a working day. Serialised as a list of
/// weekdays, e.g. `["Sat", "Sun"]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<Weekday>", into = "Vec<Weekday>")]
pub struct WeeklyRest {
    /// Bit `i` set = the weekday `i` days after Monday is a rest day.
    mask: u8,
}

impl WeeklyRest {
    /// Saturday and Sunday.
    pub const SATURDAY_SUNDAY: Self = Self { mask: 0b110_0000 };
    /// Sunday only.
    pub const SUNDAY: Self = Self { mask: 0b100_0000 };

    /// A rule resting on the given weekdays (duplicates are ignored).
    ///
    /// # Errors
    /// [`CalendarError::NoWorkingWeekday`] if all seven weekdays are listed.
    pub fn new(rest_days: &[Weekday]) -> Result<Self, CalendarError> {
        let mask = rest_days
            .iter()
            .fold(0u8, |mask, day| mask | 1 << day.num_days_from_monday());
        if mask == 0b111_1111 {
            return Err(CalendarError::NoWorkingWeekday);
        }
        Ok(Self { mask })
    }

    /// Whether `weekday` is a weekly rest day.
    #[must_use]
    pub const fn is_rest_weekday(self, weekday: Weekday) -> bool {
        self.mask & (1 << weekday.num_days_from_monday()) != 0
    }

    /// Whether `date` falls on a weekly rest day.
    #[must_use]
    pub fn is_rest_day(self, date: NaiveDate) -> bool {
        self.is_rest_weekday(date.weekday())
    }

    /// The rest weekdays, Monday first.
    #[must_use]
    pub fn rest_days(self) -> Vec<Weekday> {
        WEEK.into_iter()
            .filter(|d| self.is_rest_weekday(*d))
            .collect()
    }
}

impl Default for WeeklyRest {
    fn default() -> Self {
        Self::SATURDAY_SUNDAY
    }
}

impl TryFrom<Vec<Weekday>> for WeeklyRest {
    type Error = CalendarError;

    fn try_from(days: Vec<Weekday>) -> Result<Self, Self::Error> {
        Self::new(&days)
    }
}

impl From<WeeklyRest> for Vec<Weekday> {
    fn from(rule: WeeklyRest) -> Self {
        rule.rest_days()
    }
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_saturday_sunday() {
        let rule = WeeklyRest::default();
        assert_eq!(rule.rest_days(), vec![Weekday::Sat, Weekday::Sun]);
        for day in WEEK {
            assert_eq!(
                rule.is_rest_weekday(day),
                matches!(day, Weekday::Sat | Weekday::Sun)
            );
        }
        let saturday = NaiveDate::from_ymd_opt(2026, 8, 22).expect("valid");
        assert!(rule.is_rest_day(saturday));
        assert!(!rule.is_rest_day(saturday.pred_opt().expect("valid")));
    }

    #[test]
    fn construction() {
        assert_eq!(
            WeeklyRest::new(&[Weekday::Sun, Weekday::Sat, Weekday::Sun]),
            Ok(WeeklyRest::SATURDAY_SUNDAY)
        );
        assert_eq!(WeeklyRest::new(&[Weekday::Sun]), Ok(WeeklyRest::SUNDAY));
        assert_eq!(WeeklyRest::new(&[]).map(|r| r.rest_days()), Ok(vec![]));
        assert_eq!(WeeklyRest::new(&WEEK), Err(CalendarError::NoWorkingWeekday));
        assert_eq!(
            WeeklyRest::try_from(WEEK.to_vec()),
            Err(CalendarError::NoWorkingWeekday)
        );
        assert_eq!(Vec::<Weekday>::from(WeeklyRest::SUNDAY), vec![Weekday::Sun]);
    }
}
