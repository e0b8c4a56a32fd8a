//! The time window of a metrics request: `from`/`to` as RFC 3339 instants or as inclusive dates
//! in the payroll time zone; the last 24 hours when neither is given.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::error::{AppError, FieldError};
use crate::payroll::{Interval, period};

/// The longest window one metrics request covers.
pub const MAX_WINDOW_DAYS: i64 = 92;
/// The most chart buckets one request returns.
pub const MAX_BUCKETS: i64 = 500;

enum Bound {
    Instant(DateTime<Utc>),
    Date(NaiveDate),
}

fn bound(field: &str, text: &str) -> Result<Bound, FieldError> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(Bound::Instant(instant.with_timezone(&Utc)));
    }
    // Years chrono cannot step past (and nonsense far from now) are refused, not a panic.
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| (1970..=9999).contains(&d.year()))
        .map(Bound::Date)
        .ok_or_else(|| {
            FieldError::new(field, format!("`{text}` is not a date (2026-12-01) or an instant (2026-12-01T09:00:00Z)"))
        })
}

/// Reads the window; a date as `from` means its local midnight, as `to` the end of that day.
pub fn parse(from: Option<&str>, to: Option<&str>, tz: Tz, now: DateTime<Utc>) -> Result<Interval, AppError> {
    let from = from.map(str::trim).filter(|t| !t.is_empty()).map(|t| bound("from", t));
    let to = to.map(str::trim).filter(|t| !t.is_empty()).map(|t| bound("to", t));
    let errors: Vec<FieldError> =
        [from.as_ref().and_then(|r| r.as_ref().err()), to.as_ref().and_then(|r| r.as_ref().err())]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let end = match to {
        Some(Ok(Bound::Instant(at))) => at,
        Some(Ok(Bound::Date(day))) => period(day, day, tz).end,
        _ => now,
    };
    let start = match from {
        Some(Ok(Bound::Instant(at))) => at,
        Some(Ok(Bound::Date(day))) => period(day, day, tz).start,
        _ => end - Duration::days(1),
    };
    if end <= start {
        return Err(AppError::invalid("to", "must be after `from`"));
    }
    if end - start > Duration::days(MAX_WINDOW_DAYS) {
        return Err(AppError::invalid("to", format!("a window is at most {MAX_WINDOW_DAYS} days")));
    }
    Ok(Interval { start, end })
}

/// Midnight today in `tz`, as an instant.
pub fn day_start(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    period(today, today, tz).start
}

/// The chart bucket width: `bucket_s` when given (60 s to a day), else one that gives at most
/// 48 buckets; never more than [`MAX_BUCKETS`].
pub fn bucket(window: Interval, bucket_s: Option<&str>) -> Result<Duration, AppError> {
    let seconds = match bucket_s {
        Some(text) => text
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|s| (60..=86_400).contains(s))
            .ok_or_else(|| AppError::invalid("bucket_s", "must be a whole number of seconds from 60 to 86400"))?,
        None => {
            let steps = [300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86_400];
            *steps.iter().find(|s| window.seconds() / **s <= 48).unwrap_or(&86_400)
        }
    };
    if window.seconds() / seconds > MAX_BUCKETS {
        return Err(AppError::invalid("bucket_s", format!("gives more than {MAX_BUCKETS} buckets for this window")));
    }
    Ok(Duration::seconds(seconds))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn dates_instants_and_the_default() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let last_day = parse(None, None, chrono_tz::UTC, now).unwrap();
        assert_eq!((last_day.start, last_day.end), (now - Duration::days(1), now));
        let day = parse(Some("2026-12-01"), Some("2026-12-01"), chrono_tz::Europe::Stockholm, now).unwrap();
        assert_eq!(day.start, Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap());
        assert_eq!(day.seconds(), 86_400);
        let morning =
            parse(Some("2026-12-01T08:00:00Z"), Some("2026-12-01T10:00:00+01:00"), chrono_tz::UTC, now).unwrap();
        assert_eq!(morning.seconds(), 3600);
        let fields = |e: AppError| match e {
            AppError::Validation(errors) => errors.into_iter().map(|e| e.field).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(fields(parse(Some("noon"), Some("x"), chrono_tz::UTC, now).unwrap_err()), ["from", "to"]);
        assert_eq!(fields(parse(Some("262143-12-31"), None, chrono_tz::UTC, now).unwrap_err()), ["from"]);
        assert_eq!(fields(parse(Some("2026-12-02"), Some("2026-12-01"), chrono_tz::UTC, now).unwrap_err()), ["to"]);
        assert_eq!(fields(bucket(day, Some("10")).unwrap_err()), ["bucket_s"]);
        assert_eq!(bucket(day, None).unwrap(), Duration::minutes(30));
    }
}
