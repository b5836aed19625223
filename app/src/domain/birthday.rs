//! Who has a birthday on a given day, and how old they are.
//!
//! Dates are plain calendar dates already in the business time zone: the caller converts, so
//! this module needs no time zone database and runs unchanged in the browser.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The day on which clients born on 29 February are greeted in non-leap years.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LeapDayRule {
    /// Greet on 28 February, still in the birth month (the common choice).
    #[default]
    Feb28,
    /// Greet on 1 March, the day the client legally turns a year older.
    Mar1,
}

impl LeapDayRule {
    /// The (month, day) on which 29-February births are greeted in non-leap years.
    fn substitute_day(self) -> (u32, u32) {
        match self {
            Self::Feb28 => (2, 28),
            Self::Mar1 => (3, 1),
        }
    }
}

fn is_leap_year(year: i32) -> bool {
    NaiveDate::from_ymd_opt(year, 2, 29).is_some()
}

fn month_day(d: NaiveDate) -> (u32, u32) {
    (d.month(), d.day())
}

/// Whether someone born on `birth` is greeted on `today`.
pub fn is_birthday(birth: NaiveDate, today: NaiveDate, rule: LeapDayRule) -> bool {
    if month_day(birth) == (2, 29) && !is_leap_year(today.year()) {
        month_day(today) == rule.substitute_day()
    } else {
        month_day(birth) == month_day(today)
    }
}

/// The `"MM-DD"` key of a date, as stored in the database index on birth dates.
pub fn month_day_key(d: NaiveDate) -> String {
    super::dates::month_day(d)
}

/// The birth-date keys (see [`month_day_key`]) greeted on `today`: today's own key, plus
/// `"02-29"` on the substitute day of a non-leap year. This is what the database query matches,
/// and it agrees with [`is_birthday`] by construction (and by property test).
pub fn birthday_keys(today: NaiveDate, rule: LeapDayRule) -> Vec<String> {
    let mut keys = vec![month_day_key(today)];
    if !is_leap_year(today.year()) && month_day(today) == rule.substitute_day() {
        keys.push("02-29".to_string());
    }
    keys
}

/// Completed years of age on `on`; `None` if `on` is before `birth`.
///
/// Someone born on 29 February turns a year older on 1 March in non-leap years (the legal
/// convention in Brazil, as in most places), whatever [`LeapDayRule`] says about greeting.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < birth {
        return None;
    }
    let years = on.year() - birth.year();
    let before_birthday = month_day(on) < month_day(birth);
    u32::try_from(years - i32::from(before_birthday)).ok()
}

/// The age a client celebrates in `year`: what a greeting's "your N years" means.
///
/// Unlike [`age_on`], this does not depend on the exact day, so a 29-February client greeted on
/// 28 February already reads the new age. `None` if `year` is before the birth year.
pub fn age_turning(birth: NaiveDate, year: i32) -> Option<u32> {
    u32::try_from(year - birth.year()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use LeapDayRule::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn is_birthday_table() {
        let leap_birth = d(2000, 2, 29);
        let cases = [
            (d(1985, 11, 28), d(2026, 11, 28), Feb28, true),
            (d(1985, 11, 28), d(2026, 11, 27), Feb28, false),
            (d(1985, 11, 28), d(2026, 12, 28), Mar1, false),
            (leap_birth, d(2024, 2, 29), Feb28, true),
            (leap_birth, d(2024, 2, 28), Feb28, false),
            (leap_birth, d(2024, 3, 1), Mar1, false),
            (leap_birth, d(2023, 2, 28), Feb28, true),
            (leap_birth, d(2023, 3, 1), Feb28, false),
            (leap_birth, d(2023, 3, 1), Mar1, true),
            (leap_birth, d(2023, 2, 28), Mar1, false),
            (leap_birth, d(2100, 2, 28), Feb28, true),
            (d(2001, 2, 28), d(2023, 2, 28), Feb28, true),
            (d(2001, 3, 1), d(2023, 3, 1), Mar1, true),
        ];
        for (birth, today, rule, expected) in cases {
            assert_eq!(
                is_birthday(birth, today, rule),
                expected,
                "{birth} {today} {rule:?}"
            );
        }
    }

    #[test]
    fn keys_table() {
        let cases: [(NaiveDate, LeapDayRule, &[&str]); 7] = [
            (d(2023, 2, 28), Feb28, &["02-28", "02-29"]),
            (d(2023, 3, 1), Feb28, &["03-01"]),
            (d(2023, 3, 1), Mar1, &["03-01", "02-29"]),
            (d(2023, 2, 28), Mar1, &["02-28"]),
            (d(2024, 2, 28), Feb28, &["02-28"]),
            (d(2024, 2, 29), Mar1, &["02-29"]),
            (d(2026, 1, 5), Feb28, &["01-05"]),
        ];
        for (today, rule, expected) in cases {
            assert_eq!(birthday_keys(today, rule), expected, "{today} {rule:?}");
        }
    }

    #[test]
    fn age_table() {
        let cases = [
            (d(1985, 11, 28), d(2026, 11, 27), Some(40)),
            (d(1985, 11, 28), d(2026, 11, 28), Some(41)),
            (d(1985, 11, 28), d(1985, 11, 28), Some(0)),
            (d(1985, 11, 28), d(1985, 11, 27), None),
            (d(2000, 2, 29), d(2023, 2, 28), Some(22)),
            (d(2000, 2, 29), d(2023, 3, 1), Some(23)),
            (d(2000, 2, 29), d(2024, 2, 29), Some(24)),
        ];
        for (birth, on, expected) in cases {
            assert_eq!(age_on(birth, on), expected, "{birth} {on}");
        }
        assert_eq!(age_turning(d(2000, 2, 29), 2023), Some(23));
        assert_eq!(age_turning(d(2000, 2, 29), 1999), None);
    }

    #[test]
    fn default_rule_is_feb28() {
        assert_eq!(LeapDayRule::default(), Feb28);
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (1900..2100i32, 1..=366u32)
            .prop_map(|(y, ord)| NaiveDate::from_yo_opt(y, ord).unwrap_or_else(|| d(y, 12, 31)))
    }

    fn rule() -> impl Strategy<Value = LeapDayRule> {
        prop_oneof![Just(Feb28), Just(Mar1)]
    }

    proptest! {
        #[test]
        fn keys_agree_with_is_birthday(birth in date(), today in date(), rule in rule()) {
            prop_assert_eq!(
                is_birthday(birth, today, rule),
                birthday_keys(today, rule).contains(&month_day_key(birth))
            );
        }

        #[test]
        fn greeted_exactly_once_a_year(birth in date(), year in 1900..2100i32, rule in rule()) {
            let greetings = d(year, 1, 1)
                .iter_days()
                .take_while(|day| day.year() == year)
                .filter(|&day| is_birthday(birth, day, rule))
                .count();
            prop_assert_eq!(greetings, 1);
        }

        #[test]
        fn leap_births_greeted_once_a_year(year in 1900..2100i32, rule in rule()) {
            let birth = d(1996, 2, 29);
            let greetings = d(year, 1, 1)
                .iter_days()
                .take_while(|day| day.year() == year)
                .filter(|&day| is_birthday(birth, day, rule))
                .count();
            prop_assert_eq!(greetings, 1);
        }

        /// Age goes up by one exactly on the legal birthday (the `Mar1` rule's day).
        #[test]
        fn age_ticks_on_legal_birthday(birth in date(), days in 1..80_000u64) {
            let on = birth + chrono::Days::new(days);
            let yesterday = on.pred_opt().unwrap();
            let step = age_on(birth, on).unwrap() - age_on(birth, yesterday).unwrap();
            prop_assert_eq!(step == 1, is_birthday(birth, on, Mar1));
            prop_assert!(step <= 1);
        }

        #[test]
        fn age_on_birthday_is_age_turning(birth in date(), years in 0..120i32) {
            let year = birth.year() + years;
            let greeted = d(year, 1, 1)
                .iter_days()
                .find(|&day| is_birthday(birth, day, Mar1))
                .unwrap();
            prop_assert_eq!(age_on(birth, greeted), age_turning(birth, year));
        }
    }
}
