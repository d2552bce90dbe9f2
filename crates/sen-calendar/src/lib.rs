//! The legal clock of Sen: the Vietnamese lunar calendar, statutory holidays
//! and working-day arithmetic for legal deadlines.
//!
//! Everything here is pure and deterministic: no I/O, no system clock, no
//! global state.
//!
//! * [`lunar`] — the Vietnamese lunar calendar (Hồ Ngọc Đức's algorithm,
//!   UTC+7): [`solar_to_lunar`], [`lunar_to_solar`], [`tet`], [`hung_kings`].
//! * [`holidays`] — statutory holidays of Bộ luật Lao động 2019, Điều 112, the
//!   default Tết and National Day rules, and compensatory days off.
//! * [`calendar`] — [`Calendar`]: weekly rest + holidays + official
//!   [`Decision`]s; [`Calendar::is_working_day`], [`Calendar::holidays`],
//!   [`Calendar::working_days_between`].
//! * [`deadline`] — deadlines in working days: [`OfficeHours`],
//!   [`Calendar::add_working_days`], [`Calendar::extend_by_pause`].
//!
//! ```
//! use chrono::NaiveDate;
//! use sen_calendar::{Calendar, OfficeHours};
//!
//! let calendar = Calendar::default();
//! let received = NaiveDate::from_ymd_opt(2025, 1, 24).unwrap().and_hms_opt(10, 0, 0).unwrap();
//! // Friday before Tết 2025: Mon 27 Jan is day 1, then Tết (28 Jan – 1 Feb)
//! // and the compensatory Mon 3 Feb; day 2 is Tuesday 4 Feb.
//! let due = calendar.add_working_days(received, 2, &OfficeHours::default())?;
//! assert_eq!(due, NaiveDate::from_ymd_opt(2025, 2, 4).unwrap().and_hms_opt(10, 0, 0).unwrap());
//! # Ok::<(), sen_calendar::CalendarError>(())
//! ```

pub mod calendar;
pub mod deadline;
mod error;
pub mod holidays;
pub mod lunar;
mod week;

pub use calendar::{Calendar, CalendarRules, Decision};
pub use deadline::OfficeHours;
pub use error::CalendarError;
pub use holidays::{Holiday, HolidayKind, HolidayRules, NationalDayAdjacent};
pub use lunar::{hung_kings, lunar_to_solar, solar_to_lunar, tet, LunarDate};
pub use week::WeeklyRest;
