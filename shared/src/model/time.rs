//! Points in time, as RFC 3339 text in documents (`2026-11-22T04:00:00Z`).
//!
//! The model crate has no clock (it runs in the browser and in the edge worker too): a time is always
//! a value that the caller passes in. This type parses and prints RFC 3339 without pulling a date
//! library into the wasm builds, and compares as seconds since the Unix epoch.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time with second precision, kept as seconds since 1970-01-01T00:00:00Z.
///
/// Written as RFC 3339 (`2026-11-22T04:00:00Z`, or with an offset such as `+01:00`); printed in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_seconds: i64,
}

/// Why a text is not an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an RFC 3339 time such as 2026-11-22T04:00:00Z: {reason}")]
pub struct TimestampError {
    text: String,
    reason: &'static str,
}

impl Timestamp {
    /// The time `unix_seconds` after the Unix epoch.
    pub const fn from_unix_seconds(unix_seconds: i64) -> Self {
        Self { unix_seconds }
    }

    /// Seconds since the Unix epoch.
    pub const fn unix_seconds(self) -> i64 {
        self.unix_seconds
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. A date alone (`YYYY-MM-DD`) means midnight UTC.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let fail = |reason| TimestampError { text: text.to_owned(), reason };
        let bytes = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = bytes.get(range)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            part.iter()
                .try_fold(0i64, |acc, d| acc.checked_mul(10)?.checked_add(i64::from(d - b'0')))
        };
        let year = digits(0..4).ok_or_else(|| fail("the year must be four digits"))?;
        if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
            return Err(fail("the date must be written YYYY-MM-DD"));
        }
        let month = digits(5..7).ok_or_else(|| fail("the month must be two digits"))?;
        let day = digits(8..10).ok_or_else(|| fail("the day must be two digits"))?;
        if !(1..=12).contains(&month) {
            return Err(fail("the month must be between 01 and 12"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(fail("that day does not exist in that month"));
        }
        let days = days_from_civil(year, month, day);
        if bytes.len() == 10 {
            return Ok(Self { unix_seconds: days * 86_400 });
        }
        if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) {
            return Err(fail("a `T` must separate the date and the time"));
        }
        if bytes.get(13) != Some(&b':') || bytes.get(16) != Some(&b':') {
            return Err(fail("the time must be written HH:MM:SS"));
        }
        let hour = digits(11..13).ok_or_else(|| fail("the hour must be two digits"))?;
        let minute = digits(14..16).ok_or_else(|| fail("the minute must be two digits"))?;
        let second = digits(17..19).ok_or_else(|| fail("the second must be two digits"))?;
        if hour > 23 || minute > 59 || second > 60 {
            return Err(fail("the time of day is out of range"));
        }
        let mut rest = bytes.get(19..).unwrap_or_default();
        if let Some((b'.', fraction)) = rest.split_first() {
            let count = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
            if count == 0 {
                return Err(fail("a `.` must be followed by digits"));
            }
            rest = fraction.get(count..).unwrap_or_default();
        }
        let offset_seconds = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let two = |a: &u8, b: &u8| -> Option<i64> {
                    (a.is_ascii_digit() && b.is_ascii_digit())
                        .then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
                };
                let (Some(h), Some(m)) = (two(h1, h2), two(m1, m2)) else {
                    return Err(fail("the offset must be written ±HH:MM"));
                };
                if h > 23 || m > 59 {
                    return Err(fail("the offset is out of range"));
                }
                let magnitude = h * 3600 + m * 60;
                if *sign == b'+' { magnitude } else { -magnitude }
            }
            _ => return Err(fail("the time must end with `Z` or an offset such as +01:00")),
        };
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second.min(59);
        Ok(Self { unix_seconds: seconds - offset_seconds })
    }
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.unix_seconds.div_euclid(86_400);
        let second_of_day = self.unix_seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )
    }
}

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "An RFC 3339 time such as 2026-11-22T04:00:00Z."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_utc() {
        let t = Timestamp::parse("2026-11-22T04:05:06Z").unwrap();
        assert_eq!(t.unix_seconds(), 1_795_320_306);
        assert_eq!(t.to_string(), "2026-11-22T04:05:06Z");
    }

    #[test]
    fn applies_offsets_and_fractions() {
        let a = Timestamp::parse("2026-01-01T01:00:00.123+01:00").unwrap();
        assert_eq!(a, Timestamp::parse("2026-01-01T00:00:00Z").unwrap());
        assert_eq!(Timestamp::parse("1970-01-01").unwrap().unix_seconds(), 0);
        assert_eq!(Timestamp::parse("1969-12-31T23:59:59Z").unwrap().unix_seconds(), -1);
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in ["2026-02-29T00:00:00Z", "2026-13-01", "2026-1-01", "2026-01-01T25:00:00Z", "x"]
        {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
        assert!(Timestamp::parse("2024-02-29T00:00:00Z").is_ok());
    }
}
