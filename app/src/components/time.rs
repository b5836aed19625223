//! Times shown in the business time zone, the same on the server and in the browser.
//!
//! The server converts with chrono-tz; the browser bundle has no time-zone database, so there
//! the browser's own (`Intl.DateTimeFormat` with `timeZone`) gives the wall-clock time. Both
//! then format with chrono, so the hydrated page matches the server-rendered one.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::domain::schedule::Schedule;

/// `t` as wall-clock time in the IANA zone `tz` (UTC when the zone is unknown).
pub fn in_zone(t: DateTime<Utc>, tz: &str) -> NaiveDateTime {
    #[cfg(feature = "ssr")]
    if let Ok(zone) = tz.parse::<chrono_tz::Tz>() {
        return t.with_timezone(&zone).naive_local();
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    if let Some(local) = browser::in_zone(t, tz) {
        return local;
    }
    let _ = tz;
    t.naive_utc()
}

/// Now, as wall-clock time in the business zone `tz`.
pub fn now_in(tz: &str) -> NaiveDateTime {
    in_zone(Utc::now(), tz)
}

/// Today's date in the business zone `tz` (birthdays, ages, the greeting's date).
pub fn today_in(tz: &str) -> NaiveDate {
    now_in(tz).date()
}

/// The next `n` runs of `schedule` from now, as wall-clock times in the business zone `tz`:
/// the one function behind every "next run" the agenda, its form and the dashboard show.
pub fn next_runs(schedule: &Schedule, tz: &str, n: usize) -> Vec<NaiveDateTime> {
    schedule.next_runs(now_in(tz), n)
}

/// `dd/mm/aaaa hh:mm` in `tz`.
pub fn format_time(t: DateTime<Utc>, tz: &str) -> String {
    crate::domain::dates::date_time(in_zone(t, tz))
}

/// `dd/mm/aaaa hh:mm`, or a dash.
pub fn format_opt(t: Option<DateTime<Utc>>, tz: &str) -> String {
    t.map(|t| format_time(t, tz)).unwrap_or_else(|| "—".into())
}

/// A duration for people: `350 ms`, `2,4 s`, `3 min 05 s`.
pub fn format_duration(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{},{} s", ms / 1_000, (ms % 1_000) / 100)
    } else {
        format!("{} min {:02} s", ms / 60_000, (ms % 60_000) / 1_000)
    }
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
mod browser {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    use wasm_bindgen::JsValue;
    use web_sys::js_sys::{Array, Date, Intl, Object, Reflect};

    pub fn in_zone(t: DateTime<Utc>, tz: &str) -> Option<NaiveDateTime> {
        if tz.is_empty() {
            return None;
        }
        let options = Object::new();
        for (k, v) in [
            ("timeZone", tz),
            ("hourCycle", "h23"),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("second", "numeric"),
        ] {
            Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v)).ok()?;
        }
        let format = Intl::DateTimeFormat::new(&Array::of1(&JsValue::from_str("en-US")), &options);
        let date = Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
        let mut parts = [0u32; 6];
        for part in format.format_to_parts(&date).iter() {
            let kind = Reflect::get(&part, &JsValue::from_str("type"))
                .ok()?
                .as_string()?;
            let slot = match kind.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                "second" => 5,
                _ => continue,
            };
            let value = Reflect::get(&part, &JsValue::from_str("value"))
                .ok()?
                .as_string()?;
            parts[slot] = value.trim().parse().ok()?;
        }
        let [y, mo, d, h, mi, s] = parts;
        // Some engines say 24 for midnight even with `h23`.
        NaiveDate::from_ymd_opt(y as i32, mo, d)?.and_hms_opt(h % 24, mi, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(350), "350 ms");
        assert_eq!(format_duration(2_450), "2,4 s");
        assert_eq!(format_duration(185_000), "3 min 05 s");
        assert_eq!(format_duration(-5), "0 ms");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn times_are_shown_in_the_business_zone() {
        let t = DateTime::parse_from_rfc3339("2026-11-28T11:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_time(t, "America/Sao_Paulo"), "28/11/2026 08:05");
        assert_eq!(format_time(t, "Nada/Disso"), "28/11/2026 11:05");
    }
}
