//! The server's own log lines, kept in memory (the newest 10,000) for the System Console's
//! server logs (GetLogs), as JSON lines like Mattermost's: timestamp, level, msg and the
//! event's other fields.

use std::collections::VecDeque;
use std::sync::{LazyLock, Mutex};
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

const KEPT: usize = 10_000;

static LINES: LazyLock<Mutex<VecDeque<String>>> = LazyLock::new(Mutex::default);

/// The tracing layer that keeps each event as a line.
pub struct Ring;

struct Fields(serde_json::Map<String, serde_json::Value>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let name = if field.name() == "message" {
            "msg"
        } else {
            field.name()
        };
        self.0.insert(
            name.to_owned(),
            serde_json::Value::String(format!("{value:?}")),
        );
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let name = if field.name() == "message" {
            "msg"
        } else {
            field.name()
        };
        self.0
            .insert(name.to_owned(), serde_json::Value::String(value.to_owned()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.into());
    }
}

impl<S: tracing::Subscriber> Layer<S> for Ring {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let millis = crate::ids::now_millis();
        let mut fields = Fields(serde_json::Map::new());
        fields
            .0
            .insert("timestamp".to_owned(), timestamp(millis).into());
        fields.0.insert(
            "level".to_owned(),
            event.metadata().level().as_str().to_lowercase().into(),
        );
        event.record(&mut fields);
        fields
            .0
            .insert("caller".to_owned(), event.metadata().target().into());
        push(serde_json::Value::Object(fields.0).to_string());
    }
}

fn push(line: String) {
    if let Ok(mut lines) = LINES.lock() {
        if lines.len() == KEPT {
            lines.pop_front();
        }
        lines.push_back(line);
    }
}

/// `YYYY-MM-DD hh:mm:ss.mmm Z` (UTC) from milliseconds since the epoch.
fn timestamp(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:03} Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        millis.rem_euclid(1000)
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (era * 400 + yoe + i64::from(m <= 2), m, d)
}

/// The day count since 1970-01-01 of a proleptic Gregorian date (the inverse of
/// [`civil_from_days`]).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Page `page` of `per_page` lines counted from the newest, in the order they were logged
/// (page 0 is the latest lines), as Mattermost pages its log file.
pub fn page(page: usize, per_page: usize) -> Vec<String> {
    let Ok(lines) = LINES.lock() else {
        return Vec::new();
    };
    let end = lines.len().saturating_sub(page.saturating_mul(per_page));
    let start = end.saturating_sub(per_page);
    lines.range(start..end).cloned().collect()
}

/// For programs that set up no logging of their own (the tests): keep INFO and above here.
pub fn capture() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let _ = tracing_subscriber::registry()
        .with(Ring.with_filter(tracing_subscriber::filter::LevelFilter::INFO))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_pages() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_424), (2025, 12, 2));
        assert_eq!(timestamp(86_400_000 + 1_500), "1970-01-02 00:00:01.500 Z");
    }
}
