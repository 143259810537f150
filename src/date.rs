//! Calendar days (UTC), as sources write them (`2026-10-01`), and the one
//! reading of "today": `SOURCE_DATE_EPOCH` when it is set, so that a build
//! and a check are reproducible, the clock otherwise. The calendar itself
//! is humantime's (RFC 3339), not written here.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DAY: u64 = 86_400;

/// The last second RFC 3339 can write (9999-12-31T23:59:59Z).
pub const MAX_SOURCE_DATE_EPOCH: u64 = 253_402_300_799;

/// A day of the calendar, from 1970-01-01 to 9999-12-31.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Date {
    /// Days since 1970-01-01.
    days: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DateError {
    #[error(
        "SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to {MAX_SOURCE_DATE_EPOCH} (9999-12-31T23:59:59Z), not `{0}`"
    )]
    SourceDateEpoch(String),
}

impl Date {
    /// `YYYY-MM-DD`, a day that exists (no 2026-02-30), from 1970 on.
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape {
            return None;
        }
        let at = humantime::parse_rfc3339(&format!("{text}T00:00:00Z")).ok()?;
        Some(Date::from_unix(
            at.duration_since(UNIX_EPOCH).ok()?.as_secs(),
        ))
    }

    /// The day a moment (seconds since 1970, UTC) falls on.
    pub fn from_unix(secs: u64) -> Date {
        Date {
            days: secs.min(MAX_SOURCE_DATE_EPOCH) / DAY,
        }
    }

    /// Whole days from `earlier` to this day (negative when it is later).
    pub fn days_since(self, earlier: Date) -> i64 {
        let signed = |d: u64| i64::try_from(d).unwrap_or(i64::MAX);
        signed(self.days) - signed(earlier.days)
    }

    /// Seconds since 1970 of this day's midnight (UTC).
    pub fn unix(self) -> u64 {
        self.days * DAY
    }
}

/// Seconds since 1970 as RFC 3339, UTC, to the second; a time past the
/// end of year 9999 (a commit may claim one) reads as its last second,
/// where humantime's formatter would fail.
pub fn timestamp(secs: u64) -> String {
    let secs = secs.min(MAX_SOURCE_DATE_EPOCH);
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stamp =
            humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(self.unix()))
                .to_string();
        f.write_str(stamp.get(..10).unwrap_or(&stamp))
    }
}

/// `SOURCE_DATE_EPOCH`, when it is set (and not blank).
pub fn source_date_epoch() -> Result<Option<u64>, DateError> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<u64>()
            .ok()
            // Recorded as RFC 3339, whose years end at 9999.
            .filter(|secs| *secs <= MAX_SOURCE_DATE_EPOCH)
            .map(Some)
            .ok_or(DateError::SourceDateEpoch(v)),
        _ => Ok(None),
    }
}

/// Today: the day of `SOURCE_DATE_EPOCH` when it is set, else the clock's.
pub fn today() -> Result<Date, DateError> {
    Ok(source_date_epoch()?.map_or_else(clock_today, Date::from_unix))
}

/// The clock's day, whatever `SOURCE_DATE_EPOCH` says.
pub fn clock_today() -> Date {
    Date::from_unix(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A commit may claim any time: past year 9999 it reads as its last
    /// second instead of failing humantime's formatter (a panic in
    /// `to_string`).
    #[test]
    fn timestamps_past_year_9999_are_its_last_second() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(MAX_SOURCE_DATE_EPOCH), "9999-12-31T23:59:59Z");
        assert_eq!(timestamp(u64::MAX), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn days_that_exist_are_read_and_written_back() {
        for text in ["1970-01-01", "2024-02-29", "2026-12-31", "9999-12-31"] {
            let date = Date::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(date.to_string(), text);
        }
        assert_eq!(
            Date::parse("2026-03-01")
                .zip(Date::parse("2026-02-28"))
                .map(|(a, b)| a.days_since(b)),
            Some(1)
        );
    }

    #[test]
    fn anything_else_is_not_a_day() {
        for text in [
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "26-01-01",
            "2026-01-01T00:00:00Z",
            "2026/01/01",
            "1969-12-31",
            "２０２６-01-01",
            "",
        ] {
            assert_eq!(Date::parse(text), None, "{text}");
        }
    }
}
