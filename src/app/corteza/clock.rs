//! Corteza's times on the wire: written as Go writes a `time.Time` (RFC 3339 in UTC,
//! fractional seconds without trailing zeros) and read as Go's `time.Parse(time.RFC3339)`
//! reads them, with its error texts.

use super::error;
use crate::error::ApiError;
use crate::logs::{civil_from_days, days_from_civil};

/// Milliseconds since the epoch as Go writes a `time.Time` in JSON.
pub fn time(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    );
    let fraction = millis.rem_euclid(1000);
    if fraction != 0 {
        let digits = format!("{fraction:03}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// [`time`] of a moment that may not have happened (0).
pub fn optional_time(millis: i64) -> Option<String> {
    (millis != 0).then(|| time(millis))
}

const LAYOUT: &str = "2006-01-02T15:04:05Z07:00";

/// Go's `cannot parse` failure: the text left and the layout element it did not match.
fn cannot(text: &str, rest: &str, element: &str) -> ApiError {
    error(format!(
        "parsing time \"{text}\" as \"{LAYOUT}\": cannot parse \"{rest}\" as \"{element}\""
    ))
}

/// Go's range failure (`month out of range` and the like).
fn out_of_range(text: &str, what: &str) -> ApiError {
    error(format!("parsing time \"{text}\": {what} out of range"))
}

/// `count` digits at the start of `rest`, or Go's error naming `element`.
fn digits<'a>(
    text: &str,
    rest: &'a str,
    count: usize,
    element: &str,
) -> Result<(i64, &'a str), ApiError> {
    let head = rest
        .get(..count)
        .filter(|h| h.bytes().all(|b| b.is_ascii_digit()));
    match head {
        Some(head) => Ok((head.parse().unwrap_or(0), &rest[count..])),
        None => Err(cannot(text, rest, element)),
    }
}

/// A literal separator at the start of `rest`.
fn literal<'a>(text: &str, rest: &'a str, sep: &str) -> Result<&'a str, ApiError> {
    rest.strip_prefix(sep)
        .ok_or_else(|| cannot(text, rest, sep))
}

/// An RFC 3339 time (fractional seconds allowed, `Z` or an offset) as milliseconds since
/// the epoch, or Go's error text.
pub fn parse_time(text: &str) -> Result<i64, ApiError> {
    let rest = text;
    let (year, rest) = digits(text, rest, 4, "2006")?;
    let rest = literal(text, rest, "-")?;
    let (month, rest) = digits(text, rest, 2, "01")?;
    let rest = literal(text, rest, "-")?;
    let (day, rest) = digits(text, rest, 2, "02")?;
    let rest = literal(text, rest, "T")?;
    let (hour, rest) = digits(text, rest, 2, "15")?;
    let rest = literal(text, rest, ":")?;
    let (minute, rest) = digits(text, rest, 2, "04")?;
    let rest = literal(text, rest, ":")?;
    let (second, mut rest) = digits(text, rest, 2, "05")?;
    let mut millis = 0;
    if let Some(after) = rest.strip_prefix('.').or_else(|| rest.strip_prefix(',')) {
        let count = after.bytes().take_while(u8::is_ascii_digit).count();
        if count == 0 {
            return Err(cannot(text, rest, "Z07:00"));
        }
        let fraction = &after[..count];
        millis = format!("{fraction:0<3}")[..3].parse().unwrap_or(0);
        rest = &after[count..];
    }
    let offset_minutes = if let Some(after) = rest.strip_prefix('Z') {
        rest = after;
        0
    } else {
        let sign = match rest.as_bytes().first() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return Err(cannot(text, rest, "Z07:00")),
        };
        let zone = &rest[1..];
        let b = zone.as_bytes();
        let well_formed =
            b.len() >= 5 && b[2] == b':' && [b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit);
        if !well_formed {
            return Err(cannot(text, rest, "Z07:00"));
        }
        let hours: i64 = zone[..2].parse().unwrap_or(0);
        let minutes: i64 = zone[3..5].parse().unwrap_or(0);
        if hours > 23 || minutes > 59 {
            return Err(error(format!(
                "parsing time \"{text}\": time zone offset out of range"
            )));
        }
        rest = &zone[5..];
        sign * (hours * 60 + minutes)
    };
    if !rest.is_empty() {
        return Err(error(format!(
            "parsing time \"{text}\": extra text: \"{rest}\""
        )));
    }
    let month_u = u32::try_from(month).unwrap_or(0);
    if !(1..=12).contains(&month_u) {
        return Err(out_of_range(text, "month"));
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month_u {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > days_in_month {
        return Err(out_of_range(text, "day"));
    }
    if hour > 23 {
        return Err(out_of_range(text, "hour"));
    }
    if minute > 59 {
        return Err(out_of_range(text, "minute"));
    }
    if second > 59 {
        return Err(out_of_range(text, "second"));
    }
    let days = days_from_civil(year, month_u, u32::try_from(day).unwrap_or(1));
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Ok(seconds * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::{parse_time, time};

    #[test]
    fn times_are_written_as_go_writes_them() {
        assert_eq!(time(0), "1970-01-01T00:00:00Z");
        assert_eq!(time(1_598_954_400_000), "2020-09-01T10:00:00Z");
        assert_eq!(time(1_598_954_400_120), "2020-09-01T10:00:00.12Z");
        assert_eq!(time(1_598_954_400_005), "2020-09-01T10:00:00.005Z");
    }

    #[test]
    fn times_are_read_as_go_reads_rfc3339() {
        let at = 1_598_954_400_000;
        assert_eq!(parse_time("2020-09-01T10:00:00Z").ok(), Some(at));
        assert_eq!(parse_time("2020-09-01T12:30:00+02:30").ok(), Some(at));
        assert_eq!(
            parse_time("2020-09-01T10:00:00.120456Z").ok(),
            Some(at + 120)
        );
        assert_eq!(
            parse_time("2024-02-29T00:00:00Z").map(time).ok().as_deref(),
            Some("2024-02-29T00:00:00Z")
        );
        let message = |t: &str| parse_time(t).err().map(|e| e.message.to_string());
        assert_eq!(
            message("x").as_deref(),
            Some(r#"parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006""#)
        );
        assert_eq!(
            message("2020-09-01").as_deref(),
            Some(
                r#"parsing time "2020-09-01" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T""#
            )
        );
        assert_eq!(
            message("2020-13-01T00:00:00Z").as_deref(),
            Some(r#"parsing time "2020-13-01T00:00:00Z": month out of range"#)
        );
        assert_eq!(
            message("2023-02-29T00:00:00Z").as_deref(),
            Some(r#"parsing time "2023-02-29T00:00:00Z": day out of range"#)
        );
        assert!(parse_time("2020-09-01T10:00:00Zjunk").is_err());
    }
}
