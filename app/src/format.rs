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

#[cfg(test)]
mod tests {
    use super::{date, date_time};

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
