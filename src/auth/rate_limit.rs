//! Rate limits: logins get a budget per client address and, separately, per email, so neither
//! one machine guessing many accounts nor many machines guessing one account gets far;
//! registrations get a budget per address per hour.
//!
//! On SQLite (one process) budgets live in memory (`governor`). On PostgreSQL every instance
//! spends from the same budget: one row per key in `rate_limits`, checked and spent in one
//! conditional statement (GCRA: the row keeps the theoretical arrival time, and an attempt is
//! allowed while it pushes that no further than the budget's window ahead of now), so N
//! instances behind a load balancer do not give N times the budget.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use governor::{DefaultKeyedRateLimiter, Quota, clock::Clock, clock::DefaultClock};

use crate::db::{Db, DbConn};
use crate::error::AppError;

/// How many times the per-email budget one client address gets (several people may share an
/// office or a mobile carrier's address).
const CLIENT_BUDGET_FACTOR: u32 = 3;

/// One kind of budget: `burst` attempts per key, refilled evenly over `period`.
pub struct Budget {
    name: &'static str,
    burst: u32,
    period: Duration,
    local: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
    /// The database every instance shares (PostgreSQL), or `None` to keep the budget in memory.
    shared: Option<Db>,
}

impl Budget {
    pub fn new(name: &'static str, burst: u32, period: Duration, shared: Option<Db>) -> Budget {
        let burst = burst.max(1);
        let replenish = period / burst;
        let quota = Quota::with_period(replenish)
            .expect("a non-zero period")
            .allow_burst(NonZeroU32::new(burst).expect("at least one"));
        Budget {
            name,
            burst,
            period,
            local: DefaultKeyedRateLimiter::keyed(quota),
            clock: DefaultClock::default(),
            shared,
        }
    }

    /// Spends one attempt of `key`'s budget; `TooManyRequests` with the wait when it is spent.
    pub async fn spend(&self, key: &str) -> Result<(), AppError> {
        let Some(db) = &self.shared else {
            return self
                .local
                .check_key(&key.to_string())
                .map_err(|wait| too_many(wait.wait_time_from(self.clock.now())));
        };
        let key = format!("{}:{key}", self.name);
        let (step_us, window_us) = (self.period.as_micros() as i64 / self.burst as i64, self.period.as_micros() as i64);
        let wait = db.write(move |conn| Ok(spend_shared(conn, &key, step_us.max(1), window_us)?)).await?;
        match wait {
            None => Ok(()),
            Some(wait) => Err(too_many(wait)),
        }
    }

    /// Forgets keys whose budget is full again, so memory does not grow with every address seen.
    fn forget_idle(&self) {
        self.local.retain_recent();
    }
}

fn too_many(wait: Duration) -> AppError {
    AppError::TooManyRequests { retry_after_s: (wait.as_secs_f64().ceil() as u64).max(1) }
}

#[derive(QueryableByName)]
struct Arrival {
    #[diesel(sql_type = BigInt)]
    tat_us: i64,
}

/// GCRA in one statement: the attempt is allowed, and the row moved on by one step, only if
/// that keeps the theoretical arrival time within `window_us` of now. `None` when allowed,
/// else how long until the next attempt would be.
fn spend_shared(conn: &mut DbConn, key: &str, step_us: i64, window_us: i64) -> diesel::QueryResult<Option<Duration>> {
    let now_us = chrono::Utc::now().timestamp_micros();
    let allowed: Vec<Arrival> = diesel::sql_query(
        "INSERT INTO rate_limits AS r (key, tat_us) VALUES ($1, $2 + $3) \
         ON CONFLICT (key) DO UPDATE SET tat_us = GREATEST(r.tat_us, $2) + $3 \
         WHERE GREATEST(r.tat_us, $2) + $3 - $2 <= $4 \
         RETURNING tat_us",
    )
    .bind::<Text, _>(key)
    .bind::<BigInt, _>(now_us)
    .bind::<BigInt, _>(step_us)
    .bind::<BigInt, _>(window_us)
    .load(conn)?;
    if !allowed.is_empty() {
        return Ok(None);
    }
    let spent: Vec<Arrival> =
        diesel::sql_query("SELECT tat_us FROM rate_limits WHERE key = $1").bind::<Text, _>(key).load(conn)?;
    let tat_us = spent.first().map_or(now_us, |row| row.tat_us);
    let wait_us = (tat_us + step_us - now_us - window_us).max(0);
    Ok(Some(Duration::from_micros(wait_us as u64)))
}

/// Deletes shared budgets that are full again (their arrival time has passed).
pub async fn forget_idle_shared(db: &Db) -> Result<usize, AppError> {
    let now_us = chrono::Utc::now().timestamp_micros();
    db.write(move |conn| {
        Ok(diesel::sql_query("DELETE FROM rate_limits WHERE tat_us < $1").bind::<BigInt, _>(now_us).execute(conn)?)
    })
    .await
}

/// Login budgets: per client address and per email, and second-factor codes per account.
pub struct LoginLimiter {
    by_client: Budget,
    by_email: Budget,
    codes_by_account: Budget,
}

impl LoginLimiter {
    /// Allows `per_minute` attempts per email (as a burst, refilled evenly over the minute), and
    /// `CLIENT_BUDGET_FACTOR` times that per client address.
    pub fn new(per_minute: u32, shared: Option<Db>) -> LoginLimiter {
        let minute = Duration::from_secs(60);
        LoginLimiter {
            by_client: Budget::new("login-client", per_minute.max(1) * CLIENT_BUDGET_FACTOR, minute, shared.clone()),
            by_email: Budget::new("login-email", per_minute.max(1), minute, shared.clone()),
            codes_by_account: Budget::new("mfa-account", per_minute.max(1), minute, shared),
        }
    }

    /// Counts one attempt; `TooManyRequests` with the wait when a budget is spent.
    pub async fn check(&self, client: Option<IpAddr>, email: &str) -> Result<(), AppError> {
        self.check_client(client).await?;
        self.by_email.spend(&crate::models::user::normalize_email(email)).await
    }

    /// Counts one attempt against the client address's budget only (an action with no email:
    /// spending a reset link).
    pub async fn check_client(&self, client: Option<IpAddr>) -> Result<(), AppError> {
        match client {
            Some(ip) => self.by_client.spend(&ip.to_string()).await,
            None => Ok(()),
        }
    }

    /// Counts one second-factor code: against the client address and the account, so neither
    /// new challenges nor many addresses buy more guesses at one account's codes.
    pub async fn check_code(&self, client: Option<IpAddr>, account: crate::ids::UserId) -> Result<(), AppError> {
        self.check_client(client).await?;
        self.codes_by_account.spend(&account.to_string()).await
    }

    pub fn forget_idle(&self) {
        self.by_client.forget_idle();
        self.by_email.forget_idle();
        self.codes_by_account.forget_idle();
    }
}

/// A budget of attempts per client address over an hour, for actions that should be rare
/// (applying to work as an agent).
pub struct HourlyLimiter {
    by_client: Budget,
}

impl HourlyLimiter {
    pub fn new(per_hour: u32, shared: Option<Db>) -> HourlyLimiter {
        HourlyLimiter { by_client: Budget::new("hourly-client", per_hour, Duration::from_secs(3600), shared) }
    }

    pub async fn check(&self, client: Option<IpAddr>) -> Result<(), AppError> {
        match client {
            Some(ip) => self.by_client.spend(&ip.to_string()).await,
            None => Ok(()),
        }
    }

    pub fn forget_idle(&self) {
        self.by_client.forget_idle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_email_budget_runs_out_and_says_when_to_return() {
        let limiter = LoginLimiter::new(3, None);
        let ip = Some("10.0.0.1".parse().unwrap());
        for _ in 0..3 {
            limiter.check(ip, "A@example.com").await.unwrap();
        }
        match limiter.check(ip, "a@example.com ").await {
            Err(AppError::TooManyRequests { retry_after_s }) => {
                assert!((1..=60).contains(&retry_after_s))
            }
            other => panic!("expected 429, got {other:?}"),
        }
        limiter.check(ip, "b@example.com").await.unwrap();
    }

    #[tokio::test]
    async fn one_address_cannot_try_unlimited_emails() {
        let limiter = LoginLimiter::new(2, None);
        let ip = Some("10.0.0.2".parse().unwrap());
        let mut results = Vec::new();
        for i in 0..7 {
            results.push(limiter.check(ip, &format!("u{i}@example.com")).await.is_ok());
        }
        assert_eq!(results, [true, true, true, true, true, true, false]);
    }
}
