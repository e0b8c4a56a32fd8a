//! What the payroll pages share: the period picker (defaults, quick ranges, errors) and pay
//! lines written for people.

use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;
use serde::Deserialize;

use super::forms::FormErrors;
use crate::money;
use crate::payroll::PayLine;
use crate::payroll::export::PayrollPeriod;

#[derive(Debug, Deserialize)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A labelled link to a common period.
pub struct QuickRange {
    pub label: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The period to show: the one asked for, or this month so far when none (or a wrong one) is.
pub struct PickedPeriod {
    pub period: PayrollPeriod,
    pub errors: FormErrors,
    /// What was typed, shown back in the inputs even when wrong.
    pub typed_from: String,
    pub typed_to: String,
    pub quick: Vec<QuickRange>,
}

impl PickedPeriod {
    pub fn label(&self) -> String {
        format!("{} to {} ({})", self.period.from, self.period.to, self.period.tz.name())
    }
}

pub fn pick(query: &PeriodQuery, tz: Tz, today: NaiveDate) -> PickedPeriod {
    let month_start = today.with_day(1).unwrap_or(today);
    let last_month_end = month_start - Duration::days(1);
    let last_month_start = last_month_end.with_day(1).unwrap_or(last_month_end);
    let quick = vec![
        QuickRange { label: "This month", from: month_start, to: today },
        QuickRange { label: "Last month", from: last_month_start, to: last_month_end },
        QuickRange { label: "Last 7 days", from: today - Duration::days(6), to: today },
    ];
    let default = PayrollPeriod { from: month_start, to: today, tz };
    let asked = query.from.is_some() || query.to.is_some();
    let (period, errors) = if asked {
        match PayrollPeriod::parse(query.from.as_deref(), query.to.as_deref(), tz) {
            Ok(period) => (period, FormErrors::default()),
            Err(error) => (default, FormErrors::from_error(&error).unwrap_or_default()),
        }
    } else {
        (default, FormErrors::default())
    };
    let typed = |value: &Option<String>, fallback: NaiveDate| value.clone().unwrap_or_else(|| fallback.to_string());
    PickedPeriod {
        typed_from: typed(&query.from, period.from),
        typed_to: typed(&query.to, period.to),
        period,
        errors,
        quick,
    }
}

/// A pay line written for people.
pub struct LineView {
    pub currency: String,
    pub online: String,
    pub engaged: String,
    pub conversations: i64,
    pub hourly: String,
    pub per_conversation: String,
    /// Extra paid by boosts, and for how long ("—" without any).
    pub boost: String,
    pub total: String,
}

pub fn hours_minutes(seconds: i64) -> String {
    format!("{} h {:02} min", seconds / 3600, (seconds % 3600) / 60)
}

impl From<&PayLine> for LineView {
    fn from(line: &PayLine) -> LineView {
        LineView {
            currency: line.currency.clone(),
            online: hours_minutes(line.online_seconds),
            engaged: hours_minutes(line.engaged_seconds),
            conversations: line.conversations,
            hourly: money::display(line.hourly_pay_minor, &line.currency),
            per_conversation: money::display(line.per_conversation_pay_minor, &line.currency),
            boost: if line.boost_pay_minor == 0 && line.boosted_seconds == 0 {
                "—".to_string()
            } else {
                format!(
                    "{} ({})",
                    money::display(line.boost_pay_minor, &line.currency),
                    hours_minutes(line.boosted_seconds)
                )
            },
            total: money::display(line.total_minor, &line.currency),
        }
    }
}
