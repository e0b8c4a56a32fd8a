//! Live boosts: when customers of a queue are waiting and the wait a new customer would be
//! quoted (the ETA model) says fewer than the target's share would reach a human in time,
//! Handoff posts a boost on that queue and tells the eligible agents who are away or offline
//! and opted in: on their dashboard, and by email at most every `EMAIL_EVERY`. One live boost
//! per queue at a time; each is reserved against the day's budget and audited.
//!
//! The projected share within the target comes from the quote's median and 80 % range (10th
//! and 90th percentiles), read as a distribution piecewise linear between them.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};

use super::boosts::BoostView;
use super::slots;
use super::target::{self, LiveBoost};
use crate::db::DbConn;
use crate::dispatch::Dispatcher;
use crate::dispatch::quotes::{self, Quote, QuoteRequest};
use crate::email::messages::{self, BoostNews};
use crate::email::outbox;
use crate::error::AppError;
use crate::models::agent::Presence;
use crate::models::boost::{self, BoostKind, NewBoost};
use crate::models::coverage_history::QueueKey;
use crate::models::escalation::waiting_groups;
use crate::models::{agent, audit, boost_alert, db_time, user};
use crate::realtime::AgentNotice;

/// Least time between two boost emails to one agent.
pub const EMAIL_EVERY: Duration = Duration::hours(2);

/// The share of new customers who would reach a human within `within_s`, read from a quote.
pub fn projected_within(quote: &Quote, within_s: f64) -> f64 {
    projected_within_range(
        quote.eta_range_seconds[0] as f64,
        quote.eta_seconds as f64,
        quote.eta_range_seconds[1] as f64,
        within_s,
    )
}

/// The same from an estimate's 10th percentile, median and 90th percentile (the simulator's).
pub fn projected_within_range(low: f64, median: f64, high: f64, within_s: f64) -> f64 {
    let between =
        |t: f64, a: f64, b: f64, pa: f64, pb: f64| if b > a { pa + (pb - pa) * (t - a) / (b - a) } else { pb };
    if within_s >= high {
        // Beyond the 90th percentile the tail is not described; count it as 0.9 to 1.
        return if high <= 0.0 { 1.0 } else { (0.9 + 0.1 * ((within_s - high) / high).min(1.0)).min(1.0) };
    }
    if within_s >= median {
        between(within_s, median, high, 0.5, 0.9)
    } else if within_s >= low {
        between(within_s, low, median, 0.1, 0.5)
    } else {
        0.1 * within_s / low.max(1.0)
    }
}

/// Posts live boosts where queues are short now and tells agents; returns the boosts posted.
pub fn post_where_short(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    public_url: &str,
) -> Result<Vec<BoostView>, AppError> {
    let settings = target::load(conn)?;
    let Some(live) = settings.live_boost.clone() else { return Ok(vec![]) };
    let mut waiting: BTreeMap<QueueKey, i64> = BTreeMap::new();
    for group in waiting_groups(conn)? {
        *waiting.entry(QueueKey::new(&group.language, &group.market, &group.required_skills)).or_default() +=
            group.count;
    }
    let in_force = boost::overlapping(conn, db_time(now), db_time(now + Duration::seconds(1)))?;
    let mut posted = Vec::new();
    for (key, count) in waiting {
        let already = in_force.iter().any(|b| b.kind == BoostKind::Live && b.queue() == key);
        if already {
            continue;
        }
        let request = QuoteRequest {
            language: key.language.clone(),
            market: key.market.clone(),
            required_skills: key.skills(),
            priority_rank: 1,
        };
        let (quote, _) = quotes::quote(conn, dispatcher, &request, now)?;
        let share = projected_within(&quote, settings.within_s as f64);
        if share >= settings.share {
            continue;
        }
        if let Some(view) = post(conn, now, &key, count, share, &live, &settings)? {
            tell_agents(conn, now, dispatcher, &view, count, public_url)?;
            posted.push(view);
        }
    }
    Ok(posted)
}

/// Inserts one live boost if the day's budget allows; audited either way.
fn post(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    key: &QueueKey,
    waiting: i64,
    share: f64,
    live: &LiveBoost,
    settings: &target::ServiceTarget,
) -> Result<Option<BoostView>, AppError> {
    let day_start = now.date_naive().and_hms_opt(0, 0, 0).unwrap_or(now.naive_utc());
    let committed = boost::committed(conn, &live.currency, day_start, day_start + Duration::days(1))?;
    let budget = settings.daily_boost_budget_minor.get(&live.currency).copied().unwrap_or(0);
    let reason = format!(
        "{waiting} customer(s) waiting; about {:.0} % of new ones would reach a human within {} s (target {:.0} %)",
        share * 100.0,
        settings.within_s,
        settings.share * 100.0
    );
    let audit_entry = |conn: &mut DbConn, action: &str, detail: &str, subject: Option<i64>| {
        audit::record(
            conn,
            &audit::NewAuditEntry {
                actor_id: None,
                subject_kind: "boost",
                subject_id: subject,
                action,
                detail: Some(detail),
                created_at: db_time(now),
            },
        )
    };
    if committed + live.budget_minor > budget {
        audit_entry(conn, "live_boost_over_budget", &format!("{} {}: {reason}", key.language, key.market), None)?;
        return Ok(None);
    }
    let saved = boost::insert(
        conn,
        &NewBoost {
            kind: BoostKind::Live,
            language: &key.language,
            market: &key.market,
            required_skills: &key.required_skills,
            multiplier_pct: (live.multiplier * 100.0).round() as i32,
            starts_at: db_time(now),
            ends_at: db_time(now + Duration::minutes(live.minutes as i64)),
            currency: &live.currency,
            budget_minor: live.budget_minor,
            reason: &reason,
            created_by: None,
            created_at: db_time(now),
        },
    )?;
    let view = BoostView::from(&saved);
    audit_entry(conn, "live_boost_posted", &serde_json::to_string(&view).unwrap_or_default(), Some(saved.id.0))?;
    Ok(Some(view))
}

/// Tells eligible agents who are away or offline and opted in.
fn tell_agents(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    boost: &BoostView,
    waiting: i64,
    public_url: &str,
) -> Result<(), AppError> {
    let key = QueueKey::new(&boost.language, &boost.market, &boost.required_skills.join(","));
    let alerts = boost_alert::opted_in(conn)?;
    let presences: HashMap<_, _> =
        agent::active_states(conn)?.into_iter().map(|(_, a)| (a.user_id, a.presence)).collect();
    let until = boost.ends_at.format("%H:%M").to_string();
    let multiplier = format!("{:.2}", boost.multiplier);
    let queue = format!("{} · {} · {}", key.language, key.market, key.required_skills);
    for alert in alerts {
        let Some(presence) = presences.get(&alert.agent_id) else { continue };
        if *presence == Presence::Online
            || !slots::eligible_queues(conn, now, dispatcher, alert.agent_id, std::slice::from_ref(&key))?[0]
        {
            continue;
        }
        if alert.dashboard {
            let notice = AgentNotice::Boost {
                boost_id: boost.id,
                language: boost.language.clone(),
                market: boost.market.clone(),
                required_skills: boost.required_skills.clone(),
                multiplier: boost.multiplier,
                until: boost.ends_at,
                waiting,
                reason: boost.reason.clone(),
            };
            crate::realtime::notify(conn, alert.agent_id, &notice, now)?;
        }
        if alert.email && boost_alert::claim_email(conn, alert.agent_id, db_time(now - EMAIL_EVERY), db_time(now))? {
            let Some(person) = user::find(conn, alert.agent_id.into())? else { continue };
            let news =
                BoostNews { queue: &queue, waiting, until: &until, multiplier: &multiplier, reason: &boost.reason };
            let content = messages::live_boost(&person.full_name, &news, &format!("{public_url}/agent"))
                .map_err(AppError::Internal)?;
            outbox::enqueue(conn, &person.email, &content, now)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(low: i32, median: i32, high: i32) -> Quote {
        Quote {
            humans_online: true,
            eta_seconds: median,
            eta_range_seconds: [low, high],
            wording: String::new(),
            queue_position: 1,
            next_scheduled_at: None,
        }
    }

    #[test]
    fn the_share_within_the_target_is_read_between_the_quoted_percentiles() {
        assert_eq!(projected_within(&quote(10, 30, 90), 30.0), 0.5);
        assert!((projected_within(&quote(10, 30, 90), 60.0) - 0.7).abs() < 1e-9);
        assert!((projected_within(&quote(10, 30, 90), 20.0) - 0.3).abs() < 1e-9);
        assert!(projected_within(&quote(10, 30, 90), 90.0) >= 0.9);
        assert!(projected_within(&quote(120, 300, 900), 60.0) < 0.1);
        assert_eq!(projected_within(&quote(0, 0, 0), 60.0), 1.0);
    }
}
