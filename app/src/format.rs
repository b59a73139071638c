//! Formatting shared by the server render and the browser, which must agree to the
//! letter or hydration would see two different texts.

/// `text` with its first letter in upper case, for showing a server's message as a
/// sentence.
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A unix time as `YYYY-MM-DD` (UTC).
pub fn date(unix_seconds: i64) -> String {
    // Days to a civil date (H. Hinnant's algorithm), so no date crate is needed in WASM.
    let days = unix_seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A unix time as `YYYY-MM-DD HH:MM UTC`.
pub fn date_time(unix_seconds: i64) -> String {
    let seconds_of_day = unix_seconds.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02} UTC",
        date(unix_seconds),
        seconds_of_day / 3_600,
        seconds_of_day % 3_600 / 60
    )
}

/// A date and time as the reader's clock shows it: the server renders it in UTC, naming
/// the zone ("2026-12-02 14:03 UTC"), and the client, once it runs, rewrites it at the
/// browser's own offset, named the same way ("2026-12-02 15:03 UTC+1"). The first render
/// in the browser says what the server said, or hydration would find another text.
///
/// The offset, not `Intl`'s zone names and formats: one browser call instead of five, which
/// every page's first load would carry (their JavaScript glue is in the main module).
pub fn local_date_time(unix_seconds: i64) -> leptos::prelude::Signal<String> {
    local_time(unix_seconds, false)
}

/// The same to the second ("2026-12-02 14:03:09 UTC"): for the one thing that tells two
/// rows apart.
pub fn local_date_time_to_second(unix_seconds: i64) -> leptos::prelude::Signal<String> {
    local_time(unix_seconds, true)
}

fn local_time(unix_seconds: i64, seconds: bool) -> leptos::prelude::Signal<String> {
    use leptos::prelude::*;
    let text = RwSignal::new(stamp(unix_seconds, seconds, 0));
    // Effects run in the browser only, after hydration.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            unix_seconds as f64 * 1000.0,
        ));
        // Minutes from local time to UTC, at that moment (summer time included).
        let offset_minutes = -(at.get_timezone_offset() as i64);
        text.try_set(stamp(unix_seconds, seconds, offset_minutes));
    });
    text.into()
}

/// `unix_seconds` at `offset_minutes` from UTC: "2026-12-02 15:03 UTC+1", "… UTC+5:30",
/// "… UTC" at none.
fn stamp(unix_seconds: i64, seconds: bool, offset_minutes: i64) -> String {
    let local = unix_seconds + offset_minutes * 60;
    let of_day = local.rem_euclid(86_400);
    let mut text = format!(
        "{} {:02}:{:02}",
        date(local),
        of_day / 3_600,
        of_day % 3_600 / 60
    );
    if seconds {
        text.push_str(&format!(":{:02}", of_day % 60));
    }
    text.push_str(" UTC");
    if offset_minutes != 0 {
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let (hours, minutes) = (offset_minutes.abs() / 60, offset_minutes.abs() % 60);
        text.push_str(&format!("{sign}{hours}"));
        if minutes != 0 {
            text.push_str(&format!(":{minutes:02}"));
        }
    }
    text
}

/// A unix time as an HTML `datetime` value (RFC 3339, UTC): `2026-11-21T20:03:24Z`.
pub fn machine_time(unix_seconds: i64) -> String {
    let seconds_of_day = unix_seconds.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(unix_seconds),
        seconds_of_day / 3_600,
        seconds_of_day % 3_600 / 60,
        seconds_of_day % 60
    )
}

/// Within this many seconds a device counts as active now (its activity is written at
/// most once a minute).
pub const ACTIVE_NOW_SECS: i64 = 120;

/// How long before `now` the time `then` was, as people say it: "just now", "5 minutes
/// ago", "2 hours ago", "yesterday", "3 days ago", and the date after a month.
pub fn ago(then: i64, now: i64) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    let seconds = (now - then).max(0);
    match seconds {
        s if s < ACTIVE_NOW_SECS => "just now".into(),
        s if s < 3_600 => plural(s / 60, "minute"),
        s if s < 86_400 => plural(s / 3_600, "hour"),
        s if s < 2 * 86_400 => "yesterday".into(),
        s if s < 30 * 86_400 => plural(s / 86_400, "day"),
        _ => format!("on {}", date(then)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_time_is_written_at_an_offset_and_names_it() {
        use super::stamp;
        // 2026-12-02 14:03:09 UTC.
        let t = 1_796_220_189;
        assert_eq!(stamp(t, false, 0), "2026-12-02 14:03 UTC");
        assert_eq!(stamp(t, true, 0), "2026-12-02 14:03:09 UTC");
        assert_eq!(stamp(t, false, 60), "2026-12-02 15:03 UTC+1");
        assert_eq!(stamp(t, false, 330), "2026-12-02 19:33 UTC+5:30");
        assert_eq!(stamp(t, false, -600), "2026-12-02 04:03 UTC-10");
        // Across midnight, the date follows.
        assert_eq!(stamp(t, false, 600), "2026-12-03 00:03 UTC+10");
        assert_eq!(super::date_time(t), stamp(t, false, 0));
    }

    use super::{ago, date, date_time, machine_time};

    #[test]
    fn relative_times_read_as_people_say_them() {
        let now = 1_795_291_404;
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now + 30, now), "just now", "a clock a little ahead");
        assert_eq!(ago(now - 119, now), "just now");
        assert_eq!(ago(now - 120, now), "2 minutes ago");
        assert_eq!(ago(now - 3_600, now), "1 hour ago");
        assert_eq!(ago(now - 2 * 3_600 - 59, now), "2 hours ago");
        assert_eq!(ago(now - 86_400, now), "yesterday");
        assert_eq!(ago(now - 3 * 86_400, now), "3 days ago");
        assert_eq!(ago(now - 40 * 86_400, now), "on 2026-10-12");
    }

    #[test]
    fn machine_times_are_rfc3339_utc() {
        assert_eq!(machine_time(1_795_291_404), "2026-11-21T20:03:24Z");
    }

    #[test]
    fn date_times_are_utc_to_the_minute() {
        assert_eq!(date_time(1_795_291_404), "2026-11-21 20:03 UTC");
    }

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_795_291_404), "2026-11-21");
        assert_eq!(date(-86_400), "1969-12-31");
    }
}
