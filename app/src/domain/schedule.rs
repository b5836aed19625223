//! The task agenda's schedule: five crontab-like fields as the operator types them in the
//! IXC-style form (Minuto, Hora, Dia do mês, Mês, Dia da semana).
//!
//! Each field is "Todos" (also `*` or empty) or a comma-separated list of items, each a number,
//! a range `a-b`, or either of those (or `*`) with a step: `*/5`, `a-b/2`, `a/15` (= `a-max/15`).
//! Times are local wall-clock times in the business time zone; the caller converts.

use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike};
use serde::{Deserialize, Serialize};

/// One of the five schedule fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::Minute,
        Field::Hour,
        Field::DayOfMonth,
        Field::Month,
        Field::DayOfWeek,
    ];

    /// Portuguese label, as in the form.
    pub fn label(self) -> &'static str {
        match self {
            Self::Minute => "Minuto",
            Self::Hour => "Hora",
            Self::DayOfMonth => "Dia do mês",
            Self::Month => "Mês",
            Self::DayOfWeek => "Dia da semana",
        }
    }

    /// Accepted values. Day of week is 0–7, both 0 and 7 meaning Sunday (1 = Monday), as in crontab.
    pub fn range(self) -> RangeInclusive<u32> {
        match self {
            Self::Minute => 0..=59,
            Self::Hour => 0..=23,
            Self::DayOfMonth => 1..=31,
            Self::Month => 1..=12,
            Self::DayOfWeek => 0..=7,
        }
    }
}

/// The values a field allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSet {
    /// Bit `v` set when value `v` is allowed; day-of-week 7 is stored as 0.
    mask: u64,
    /// Written as "Todos" (or `*`, or left empty). Only this counts as unrestricted for the
    /// day-of-month/day-of-week rule, as in cron: `*/2` or `1-31` are restrictions.
    any: bool,
}

impl FieldSet {
    fn all(field: Field) -> Self {
        let mut set = Self::empty();
        set.insert_range(field, field.range(), 1);
        set.any = true;
        set
    }

    fn empty() -> Self {
        Self {
            mask: 0,
            any: false,
        }
    }

    fn insert_range(&mut self, field: Field, values: RangeInclusive<u32>, step: u32) {
        for v in values.step_by(step as usize) {
            let v = if field == Field::DayOfWeek && v == 7 {
                0
            } else {
                v
            };
            self.mask |= 1 << v;
        }
    }

    /// Whether the field was "Todos".
    pub fn is_any(&self) -> bool {
        self.any
    }

    /// Whether `value` is allowed (day of week as 0–6 from Sunday).
    pub fn contains(&self, value: u32) -> bool {
        value < 64 && self.mask & (1 << value) != 0
    }

    /// Allowed values from `start` on, ascending.
    pub fn values_from(&self, start: u32) -> impl Iterator<Item = u32> + '_ {
        (start.min(64)..64).filter(|&v| self.contains(v))
    }
}

/// Parses one field as typed in the form; errors are Portuguese messages for beside the field.
pub fn parse_field(field: Field, input: &str) -> Result<FieldSet, String> {
    super::limits::at_most(input, super::limits::MAX_SCHEDULE_FIELD)?;
    let input = input.trim();
    if input.is_empty() || input == "*" || input.eq_ignore_ascii_case("todos") {
        return Ok(FieldSet::all(field));
    }
    let mut set = FieldSet::empty();
    for item in input.split(',') {
        let (values, step) = parse_item(field, item.trim())?;
        set.insert_range(field, values, step);
    }
    Ok(set)
}

/// One list item: `*`, `n` or `a-b`, optionally followed by `/step`.
fn parse_item(field: Field, item: &str) -> Result<(RangeInclusive<u32>, u32), String> {
    if item.is_empty() {
        return Err("Item vazio na lista".into());
    }
    let (base, step) = match item.split_once('/') {
        Some((base, step)) => (base.trim(), Some(parse_step(step.trim())?)),
        None => (item, None),
    };
    let range = field.range();
    let values = if base == "*" {
        range
    } else if let Some((a, b)) = base.split_once('-') {
        let (a, b) = (parse_value(field, a.trim())?, parse_value(field, b.trim())?);
        if a > b {
            return Err(format!("Intervalo inválido: {a}-{b}"));
        }
        a..=b
    } else {
        let a = parse_value(field, base)?;
        // `a/step` runs from `a` to the end of the range; a bare `a` is just `a`.
        a..=if step.is_some() { *range.end() } else { a }
    };
    Ok((values, step.unwrap_or(1)))
}

fn parse_value(field: Field, text: &str) -> Result<u32, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("Valor inválido: '{text}'"));
    }
    let range = field.range();
    match text.parse::<u32>() {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => {
            let shown = match text.trim_start_matches('0') {
                "" => "0",
                significant => significant,
            };
            Err(format!(
                "Valor {shown} fora do intervalo {}–{}",
                range.start(),
                range.end()
            ))
        }
    }
}

fn parse_step(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(step) if step > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(step),
        _ => Err(format!("Passo inválido: '{text}'")),
    }
}

/// The five fields as typed in the form (and stored).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleInput {
    pub minute: String,
    pub hour: String,
    pub day_of_month: String,
    pub month: String,
    pub day_of_week: String,
}

impl ScheduleInput {
    fn get(&self, field: Field) -> &str {
        match field {
            Field::Minute => &self.minute,
            Field::Hour => &self.hour,
            Field::DayOfMonth => &self.day_of_month,
            Field::Month => &self.month,
            Field::DayOfWeek => &self.day_of_week,
        }
    }
}

/// A parsed schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub minute: FieldSet,
    pub hour: FieldSet,
    pub day_of_month: FieldSet,
    pub month: FieldSet,
    pub day_of_week: FieldSet,
}

/// Parses all fields, collecting every field's error so the form shows each beside its field.
pub fn parse(input: &ScheduleInput) -> Result<Schedule, Vec<(Field, String)>> {
    let mut errors = Vec::new();
    let sets = Field::ALL.map(|field| {
        parse_field(field, input.get(field)).unwrap_or_else(|message| {
            errors.push((field, message));
            FieldSet::empty()
        })
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    let [minute, hour, day_of_month, month, day_of_week] = sets;
    Ok(Schedule {
        minute,
        hour,
        day_of_month,
        month,
        day_of_week,
    })
}

/// How far [`Schedule::next_runs`] looks ahead: enough for any real schedule (29 February
/// recurs within 5 years except around 2100), and a bound for impossible ones (31 February).
const SEARCH_HORIZON_DAYS: usize = 5 * 366;

impl Schedule {
    /// Whether the schedule fires at `t`'s minute (seconds are ignored).
    pub fn matches(&self, t: NaiveDateTime) -> bool {
        self.day_matches(t.date())
            && self.hour.contains(t.hour())
            && self.minute.contains(t.minute())
    }

    /// Classic cron day rule: when both day of month and day of week are restricted, a day
    /// matches if EITHER does (`1` + `1` = the 1st of the month and every Monday); when one is
    /// "Todos", only the other counts.
    fn day_matches(&self, date: NaiveDate) -> bool {
        if !self.month.contains(date.month()) {
            return false;
        }
        let dom = self.day_of_month.contains(date.day());
        let dow = self
            .day_of_week
            .contains(date.weekday().num_days_from_sunday());
        match (self.day_of_month.is_any(), self.day_of_week.is_any()) {
            (false, false) => dom || dow,
            _ => dom && dow,
        }
    }

    /// Up to `n` run times strictly after `after`, at whole minutes, ascending.
    ///
    /// Walks day by day (then only the allowed hours and minutes) for at most
    /// [`SEARCH_HORIZON_DAYS`], so an impossible schedule returns fewer runs, or none.
    pub fn next_runs(&self, after: NaiveDateTime, n: usize) -> Vec<NaiveDateTime> {
        let mut runs = Vec::new();
        if n == 0 {
            return runs;
        }
        let Some(first) = after
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .and_then(|t| t.checked_add_signed(TimeDelta::minutes(1)))
        else {
            return runs;
        };
        let days = first.date().iter_days().take(SEARCH_HORIZON_DAYS);
        for date in days.filter(|&d| self.day_matches(d)) {
            let (from_hour, from_minute) = if date == first.date() {
                (first.hour(), first.minute())
            } else {
                (0, 0)
            };
            for hour in self.hour.values_from(from_hour) {
                let start = if hour == from_hour { from_minute } else { 0 };
                for minute in self.minute.values_from(start) {
                    runs.extend(date.and_hms_opt(hour, minute, 0));
                    if runs.len() == n {
                        return runs;
                    }
                }
            }
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dt(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    fn input(fields: [&str; 5]) -> ScheduleInput {
        let [minute, hour, day_of_month, month, day_of_week] = fields.map(String::from);
        ScheduleInput {
            minute,
            hour,
            day_of_month,
            month,
            day_of_week,
        }
    }

    fn schedule(fields: [&str; 5]) -> Schedule {
        parse(&input(fields)).unwrap()
    }

    fn values(field: Field, text: &str) -> Vec<u32> {
        parse_field(field, text).unwrap().values_from(0).collect()
    }

    #[test]
    fn parse_field_table() {
        use Field::*;
        let cases: &[(Field, &str, &[u32])] = &[
            (Minute, "0", &[0]),
            (Minute, "*/15", &[0, 15, 30, 45]),
            (Minute, " 5, 10 ,50-52 ", &[5, 10, 50, 51, 52]),
            (Minute, "10-20/5", &[10, 15, 20]),
            (Minute, "50/3", &[50, 53, 56, 59]),
            (Minute, "*/100", &[0]),
            (Hour, "08", &[8]),
            (Hour, "22-23", &[22, 23]),
            (DayOfMonth, "*/10", &[1, 11, 21, 31]),
            (Month, "12", &[12]),
            (DayOfWeek, "1-5", &[1, 2, 3, 4, 5]),
            (DayOfWeek, "7", &[0]),
            (DayOfWeek, "0,7", &[0]),
            (DayOfWeek, "5-7", &[0, 5, 6]),
        ];
        for (field, text, expected) in cases {
            assert_eq!(values(*field, text), *expected, "{field:?} {text:?}");
        }
        for todos in ["Todos", "todos", " TODOS ", "*", "", "  "] {
            let set = parse_field(Hour, todos).unwrap();
            assert!(set.is_any(), "{todos:?}");
            assert_eq!(set.values_from(0).count(), 24);
        }
        assert!(!parse_field(Hour, "*/1").unwrap().is_any());
        assert!(!parse_field(Hour, "0-23").unwrap().is_any());
    }

    #[test]
    fn parse_field_errors() {
        use Field::*;
        let cases = [
            (Hour, "24", "Valor 24 fora do intervalo 0–23"),
            (Minute, "60", "Valor 60 fora do intervalo 0–59"),
            (DayOfMonth, "0", "Valor 0 fora do intervalo 1–31"),
            (Month, "13", "Valor 13 fora do intervalo 1–12"),
            (DayOfWeek, "8", "Valor 8 fora do intervalo 0–7"),
            (
                Hour,
                "99999999999999",
                "Valor 99999999999999 fora do intervalo 0–23",
            ),
            (Hour, "5-2", "Intervalo inválido: 5-2"),
            (Hour, "abc", "Valor inválido: 'abc'"),
            (Hour, "-1", "Valor inválido: ''"),
            (Hour, "1-", "Valor inválido: ''"),
            (Hour, "+1", "Valor inválido: '+1'"),
            (Hour, "1,,2", "Item vazio na lista"),
            (Hour, "*/0", "Passo inválido: '0'"),
            (Hour, "*/x", "Passo inválido: 'x'"),
            (Hour, "*/", "Passo inválido: ''"),
            (Hour, "1/2/3", "Passo inválido: '2/3'"),
        ];
        for (field, text, expected) in cases {
            assert_eq!(
                parse_field(field, text),
                Err(expected.to_string()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn parse_collects_every_error() {
        let errors = parse(&input(["60", "24", "1", "x", "Todos"])).unwrap_err();
        let fields: Vec<Field> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, [Field::Minute, Field::Hour, Field::Month]);
        assert_eq!(errors[1].1, "Valor 24 fora do intervalo 0–23");
        assert!(parse(&input(["0", "24", "Todos", "Todos", "Todos"])).is_err());
        assert!(parse(&ScheduleInput::default()).is_ok());
    }

    #[test]
    fn labels() {
        let labels = Field::ALL.map(Field::label);
        assert_eq!(
            labels,
            ["Minuto", "Hora", "Dia do mês", "Mês", "Dia da semana"]
        );
    }

    #[test]
    fn next_runs_table() {
        // 2026-03-02 is a Monday.
        let after = dt(2026, 3, 2, 9, 30);
        let cases: &[([&str; 5], &[NaiveDateTime])] = &[
            (
                ["0", "8", "Todos", "Todos", "Todos"],
                &[dt(2026, 3, 3, 8, 0), dt(2026, 3, 4, 8, 0)],
            ),
            (
                ["*/5", "*", "*", "*", "*"],
                &[dt(2026, 3, 2, 9, 35), dt(2026, 3, 2, 9, 40)],
            ),
            (
                ["0", "8", "Todos", "Todos", "1-5"],
                &[
                    dt(2026, 3, 3, 8, 0),
                    dt(2026, 3, 4, 8, 0),
                    dt(2026, 3, 5, 8, 0),
                    dt(2026, 3, 6, 8, 0),
                    dt(2026, 3, 9, 8, 0),
                ],
            ),
            (
                ["0", "10", "Todos", "Todos", "0"],
                &[dt(2026, 3, 8, 10, 0), dt(2026, 3, 15, 10, 0)],
            ),
            (
                ["0", "10", "Todos", "Todos", "7"],
                &[dt(2026, 3, 8, 10, 0), dt(2026, 3, 15, 10, 0)],
            ),
            // Both day fields restricted: the 10th OR any Sunday.
            (
                ["0", "10", "10", "Todos", "0"],
                &[
                    dt(2026, 3, 8, 10, 0),
                    dt(2026, 3, 10, 10, 0),
                    dt(2026, 3, 15, 10, 0),
                ],
            ),
        ];
        for (fields, expected) in cases {
            let runs = schedule(*fields).next_runs(after, expected.len());
            assert_eq!(runs, *expected, "{fields:?}");
        }
    }

    #[test]
    fn next_runs_stop_at_the_horizon() {
        let after = dt(2026, 3, 2, 9, 30);
        let never = schedule(["30", "2", "31", "2", "Todos"]);
        assert_eq!(never.next_runs(after, 5), []);
        // 2032-02-29 lies beyond the five-year horizon.
        let leap_day = schedule(["0", "0", "29", "2", "*"]);
        assert_eq!(leap_day.next_runs(after, 5), [dt(2028, 2, 29, 0, 0)]);
    }

    #[test]
    fn next_runs_are_strictly_after_whole_minutes() {
        let every_minute = schedule(["*", "*", "*", "*", "*"]);
        let after = dt(2026, 3, 2, 23, 59) + TimeDelta::seconds(30);
        assert_eq!(every_minute.next_runs(after, 1), [dt(2026, 3, 3, 0, 0)]);
        assert_eq!(
            every_minute.next_runs(dt(2026, 3, 2, 8, 0), 1),
            [dt(2026, 3, 2, 8, 1)]
        );
        assert_eq!(every_minute.next_runs(after, 0), []);
        assert_eq!(every_minute.next_runs(NaiveDateTime::MAX, 3), []);
    }

    #[test]
    fn matches_table() {
        let weekdays_at_8 = schedule(["0", "8", "Todos", "Todos", "1-5"]);
        assert!(weekdays_at_8.matches(dt(2026, 3, 2, 8, 0)));
        assert!(weekdays_at_8.matches(dt(2026, 3, 2, 8, 0) + TimeDelta::seconds(59)));
        assert!(!weekdays_at_8.matches(dt(2026, 3, 2, 8, 1)));
        assert!(!weekdays_at_8.matches(dt(2026, 3, 7, 8, 0)));
    }

    /// Small schedules written the way operators do.
    fn field_text(field: Field) -> impl Strategy<Value = String> {
        let (lo, hi) = (*field.range().start(), *field.range().end());
        prop_oneof![
            Just("Todos".to_string()),
            (lo..=hi).prop_map(|v| v.to_string()),
            (1..=hi.max(2)).prop_map(|s| format!("*/{s}")),
            (lo..=hi, lo..=hi).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
            proptest::collection::vec(lo..=hi, 1..4)
                .prop_map(|vs| { vs.iter().map(u32::to_string).collect::<Vec<_>>().join(",") }),
        ]
    }

    fn any_schedule() -> impl Strategy<Value = Schedule> {
        (
            field_text(Field::Minute),
            field_text(Field::Hour),
            field_text(Field::DayOfMonth),
            field_text(Field::Month),
            field_text(Field::DayOfWeek),
        )
            .prop_map(|(minute, hour, day_of_month, month, day_of_week)| {
                parse(&ScheduleInput {
                    minute,
                    hour,
                    day_of_month,
                    month,
                    day_of_week,
                })
                .unwrap()
            })
    }

    fn any_time() -> impl Strategy<Value = NaiveDateTime> {
        (2020..2030i32, 1..=366u32, 0..86_400u32).prop_map(|(y, ord, secs)| {
            let date = NaiveDate::from_yo_opt(y, ord)
                .unwrap_or_else(|| NaiveDate::from_yo_opt(y, 1).unwrap());
            date.and_hms_opt(secs / 3600, secs / 60 % 60, secs % 60)
                .unwrap()
        })
    }

    proptest! {
        #[test]
        fn parse_field_never_panics(text in "\\PC{0,20}|[0-9*/,\\- ]{0,20}") {
            for field in Field::ALL {
                if let Ok(set) = parse_field(field, &text) {
                    prop_assert!(set.values_from(0).all(|v| field.range().contains(&v)));
                }
            }
        }

        #[test]
        fn runs_match_and_increase(schedule in any_schedule(), after in any_time()) {
            let runs = schedule.next_runs(after, 20);
            let mut previous = after;
            for run in runs {
                prop_assert!(schedule.matches(run));
                prop_assert!(run > previous);
                prop_assert_eq!((run.second(), run.nanosecond()), (0, 0));
                previous = run;
            }
        }

        /// Brute force over a 3-day window: no matching minute is skipped.
        #[test]
        fn no_run_skipped(schedule in any_schedule(), after in any_time()) {
            let start = after.with_second(0).unwrap().with_nanosecond(0).unwrap();
            let expected: Vec<NaiveDateTime> = (1..=3 * 24 * 60)
                .map(|m| start + TimeDelta::minutes(m))
                .filter(|&t| schedule.matches(t))
                .collect();
            let runs = schedule.next_runs(after, expected.len() + 1);
            prop_assert_eq!(&runs[..expected.len()], &expected[..]);
            if let Some(next) = runs.get(expected.len()) {
                prop_assert!(*next > start + TimeDelta::minutes(3 * 24 * 60));
            }
        }

        #[test]
        fn lists_hold_exactly_their_values(vs in proptest::collection::btree_set(0..=59u32, 1..8)) {
            let text = vs.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            let parsed: Vec<u32> = parse_field(Field::Minute, &text).unwrap().values_from(0).collect();
            prop_assert_eq!(parsed, vs.into_iter().collect::<Vec<_>>());
        }
    }
}
