//! Dates and times as the pages write them, in Brazilian Portuguese (`dd/mm/aaaa`, `seg`),
//! and the ISO dates the forms send. Written out rather than through chrono's `format`
//! strings: those bring chrono's format parser into the browser's bundle, and its `%a` is
//! English.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

/// `dd/mm`.
pub fn day_month(d: NaiveDate) -> String {
    format!("{:02}/{:02}", d.day(), d.month())
}

/// `dd/mm/aaaa`.
pub fn date(d: NaiveDate) -> String {
    format!("{}/{}", day_month(d), d.year())
}

/// `dd/mm/aaaa hh:mm`.
pub fn date_time(t: NaiveDateTime) -> String {
    format!("{} {:02}:{:02}", date(t.date()), t.hour(), t.minute())
}

/// `seg dd/mm/aaaa hh:mm`.
pub fn weekday_date_time(t: NaiveDateTime) -> String {
    const DAYS: [&str; 7] = ["seg", "ter", "qua", "qui", "sex", "sáb", "dom"];
    let day = DAYS[t.weekday().num_days_from_monday() as usize];
    format!("{day} {}", date_time(t))
}

/// `mm-dd`: a birthday's key, whatever the year.
pub fn month_day(d: NaiveDate) -> String {
    format!("{:02}-{:02}", d.month(), d.day())
}

/// An ISO date (`aaaa-mm-dd`, as `<input type="date">` sends it), strictly.
pub fn parse_iso(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r.clone()]
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| s[r].parse::<u32>().ok())
            .flatten()
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_as_in_brazil() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        let t = d.and_hms_opt(9, 5, 0).unwrap();
        assert_eq!(day_month(d), "07/03");
        assert_eq!(date(d), "07/03/2026");
        assert_eq!(date_time(t), "07/03/2026 09:05");
        assert_eq!(weekday_date_time(t), "sáb 07/03/2026 09:05");
        assert_eq!(month_day(d), "03-07");
        // The same as chrono's own formats.
        assert_eq!(date_time(t), t.format("%d/%m/%Y %H:%M").to_string());
        assert_eq!(month_day(d), d.format("%m-%d").to_string());
    }

    #[test]
    fn iso_dates_strictly() {
        assert_eq!(
            parse_iso("2026-02-28"),
            NaiveDate::from_ymd_opt(2026, 2, 28)
        );
        for bad in [
            "2026-02-30",
            "2026-2-28",
            "26-02-28",
            "2026/02/28",
            "2026-02-28 ",
            "",
            "+026-02-28",
            "2026-0a-28",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad:?}");
        }
    }
}
