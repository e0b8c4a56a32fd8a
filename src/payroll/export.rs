//! A period's payroll for many agents: who, what they did, and the two CSV shapes (one line per
//! agent and currency, or one line per piece for reconciliation).

use std::io::Write;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;

use super::arithmetic::{Interval, period};
use super::ledger::{Piece, lines};
use super::metering;
use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::ids::{AgentId, EscalationId};
use crate::models::user;
use crate::money;

/// The longest period one export covers: a year and a day (a leap year plus slack).
pub const MAX_PERIOD_DAYS: i64 = 367;

pub const SUMMARY_HEADER: [&str; 15] = [
    "period_start",
    "period_end",
    "agent_id",
    "agent_name",
    "email",
    "currency",
    "online_seconds",
    "engaged_seconds",
    "conversations",
    "hourly_pay_minor",
    "per_conversation_pay_minor",
    "total_minor",
    "total",
    // Appended with boosts (issue 19): total_minor and total include boost_pay_minor.
    "boosted_seconds",
    "boost_pay_minor",
];

pub const DETAIL_HEADER: [&str; 17] = [
    "period_start",
    "period_end",
    "agent_id",
    "agent_name",
    "email",
    "currency",
    "kind",
    "escalation_ids",
    "start",
    "end",
    "seconds",
    "rate_minor",
    "pay_minor",
    // Appended with boosts (issue 19): the piece's multiplier (1.00 without a boost) and the
    // extra it adds to pay_minor, exact to four places.
    "multiplier",
    "boost_pay_minor",
    // Appended with wrap-up (issue 20), on conversation lines only: seconds from accept to
    // resolution, and of wrap-up after it (paid inside the engaged lines).
    "conversation_engaged_seconds",
    "wrap_up_seconds",
];

/// Inclusive local dates in the payroll time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayrollPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub tz: Tz,
}

impl PayrollPeriod {
    /// Reads `from` and `to` (`YYYY-MM-DD`); a 422 names each field at fault.
    pub fn parse(from: Option<&str>, to: Option<&str>, tz: Tz) -> Result<PayrollPeriod, AppError> {
        let date = |field: &str, value: Option<&str>| match value.map(str::trim) {
            None | Some("") => Err(FieldError::new(field, "required, a date like 2026-12-01")),
            Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .filter(|d| (1970..=9999).contains(&d.year()))
                .ok_or_else(|| FieldError::new(field, format!("`{text}` is not a date like 2026-12-01"))),
        };
        let (from, to) = match (date("from", from), date("to", to)) {
            (Ok(from), Ok(to)) => (from, to),
            (a, b) => return Err(AppError::Validation([a.err(), b.err()].into_iter().flatten().collect())),
        };
        if to < from {
            return Err(AppError::invalid("to", "must not be before `from`"));
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS {
            return Err(AppError::invalid("to", format!("a period is at most {MAX_PERIOD_DAYS} days")));
        }
        Ok(PayrollPeriod { from, to, tz })
    }

    pub fn interval(&self) -> Interval {
        period(self.from, self.to, self.tz)
    }

    /// `payroll-2026-12-01-to-2026-12-31.csv` (with `stem` in place of `payroll`).
    pub fn file_name(&self, stem: &str) -> String {
        format!("{stem}-{}-to-{}.csv", self.from, self.to)
    }
}

/// Who is paid.
#[derive(Debug, Clone)]
pub struct Payee {
    pub id: AgentId,
    pub name: String,
    pub email: String,
}

/// One agent's pieces in the period.
#[derive(Debug, Clone)]
pub struct AgentPay {
    pub payee: Payee,
    pub pieces: Vec<Piece>,
}

/// The payroll of every agent with something in the period (or only `only`), by agent id;
/// `progress(done, total)` is called after each agent.
pub fn collect(
    conn: &mut DbConn,
    payroll: &PayrollPeriod,
    now: DateTime<Utc>,
    only: Option<AgentId>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<AgentPay>, AppError> {
    let span = payroll.interval();
    let ids = match only {
        Some(id) => vec![id],
        None => metering::agents_in(conn, span)?,
    };
    let total = ids.len() as u64;
    let mut pays = Vec::new();
    for (done, id) in ids.into_iter().enumerate() {
        let pieces = metering::pieces(conn, id, span, now)?;
        if !pieces.is_empty()
            && let Some(user) = user::find(conn, id.into())?
        {
            pays.push(AgentPay { payee: Payee { id, name: user.full_name, email: user.email }, pieces });
        }
        progress(done as u64 + 1, total);
    }
    Ok(pays)
}

/// Spreadsheets run a cell starting with `=`, `+`, `-`, `@` (or a tab or carriage return) as a
/// formula; a leading apostrophe keeps a name like `=HYPERLINK(…)` inert text.
fn inert(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

fn person(payroll: &PayrollPeriod, payee: &Payee, currency: &str) -> Vec<String> {
    vec![
        payroll.from.to_string(),
        payroll.to.to_string(),
        payee.id.to_string(),
        inert(&payee.name),
        inert(&payee.email),
        currency.to_string(),
    ]
}

/// One line per agent and currency, header first.
pub fn write_summary<W: Write>(out: W, payroll: &PayrollPeriod, pays: &[AgentPay]) -> csv::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(SUMMARY_HEADER)?;
    for pay in pays {
        for line in lines(&pay.pieces) {
            let mut record = person(payroll, &pay.payee, &line.currency);
            record.extend([
                line.online_seconds.to_string(),
                line.engaged_seconds.to_string(),
                line.conversations.to_string(),
                line.hourly_pay_minor.to_string(),
                line.per_conversation_pay_minor.to_string(),
                line.total_minor.to_string(),
                money::decimal(line.total_minor, &line.currency),
                line.boosted_seconds.to_string(),
                line.boost_pay_minor.to_string(),
            ]);
            csv.write_record(&record)?;
        }
    }
    csv.flush()?;
    Ok(())
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `numerator / scale` minor units written exactly to four places (the line rounds the sum once).
fn exact_minor(numerator: i128, scale: i128) -> String {
    let ten_thousandths = super::arithmetic::div_round_half_up(numerator * 10_000, scale);
    format!("{}.{:04}", ten_thousandths / 10_000, ten_thousandths % 10_000)
}

/// One line per piece: every online span, every paid stretch of engaged time (with the
/// escalations worked in it and the rate) and every resolved conversation.
pub fn write_detail<W: Write>(out: W, payroll: &PayrollPeriod, pays: &[AgentPay]) -> csv::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(DETAIL_HEADER)?;
    for pay in pays {
        for piece in &pay.pieces {
            let mut record = person(payroll, &pay.payee, &piece.currency);
            let ids: Vec<String> = piece.escalation_ids.iter().map(EscalationId::to_string).collect();
            record.extend([
                piece.kind.as_str().to_string(),
                ids.join(" "),
                timestamp(piece.interval.start),
                timestamp(piece.interval.end),
                piece.seconds().to_string(),
                piece.rate_minor.to_string(),
                exact_minor(piece.pay_minor_x3600(), 3600),
                format!("{}.{:02}", piece.multiplier_pct / 100, piece.multiplier_pct % 100),
                exact_minor(piece.boost_minor_x360000(), 360_000),
                piece.handling.map(|h| h.engaged_s.to_string()).unwrap_or_default(),
                piece.handling.map(|h| h.wrap_up_s.to_string()).unwrap_or_default(),
            ]);
            csv.write_record(&record)?;
        }
    }
    csv.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_field_by_field() {
        let tz = chrono_tz::UTC;
        let fields = |e: AppError| match e {
            AppError::Validation(errors) => errors.into_iter().map(|e| e.field).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(fields(PayrollPeriod::parse(None, Some("12/31/2026"), tz).unwrap_err()), ["from", "to"]);
        assert_eq!(fields(PayrollPeriod::parse(Some("2026-12-02"), Some("2026-12-01"), tz).unwrap_err()), ["to"]);
        assert_eq!(fields(PayrollPeriod::parse(Some("2026-01-01"), Some("2027-01-03"), tz).unwrap_err()), ["to"]);
        // Dates chrono could not step past are refused, not a panic.
        let edge = PayrollPeriod::parse(Some("262143-12-31"), Some("262143-12-31"), tz).unwrap_err();
        assert_eq!(fields(edge), ["from", "to"]);
        let one = PayrollPeriod::parse(Some("2026-12-01"), Some("2026-12-01"), tz).unwrap();
        assert_eq!(one.interval().seconds(), 86_400);
        assert_eq!(one.file_name("payroll"), "payroll-2026-12-01-to-2026-12-01.csv");
    }

    #[test]
    fn formula_like_names_are_made_inert_and_others_kept() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("-1"), "'-1");
        assert_eq!(inert("Åsa Öberg, \"Ace\""), "Åsa Öberg, \"Ace\"");
    }

    #[test]
    fn piece_pay_is_written_to_four_places() {
        assert_eq!(exact_minor(1800, 3600), "0.5000");
        assert_eq!(exact_minor(1, 3600), "0.0003");
        assert_eq!(exact_minor(3600 * 1234, 3600), "1234.0000");
        assert_eq!(exact_minor(360_000 * 12 + 18_000, 360_000), "12.0500");
    }
}
