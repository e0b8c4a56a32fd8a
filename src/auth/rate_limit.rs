//! Login rate limits: a budget per client address and, separately, per email, so neither one
//! machine guessing many accounts nor many machines guessing one account gets far.
//! Limits live in memory per instance; several instances each apply their own.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, clock::Clock, clock::DefaultClock};

use crate::error::AppError;

/// How many times the per-email budget one client address gets (several people may share an
/// office or a mobile carrier's address).
const CLIENT_BUDGET_FACTOR: u32 = 3;

pub struct LoginLimiter {
    by_client: DefaultKeyedRateLimiter<IpAddr>,
    by_email: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl LoginLimiter {
    /// Allows `per_minute` attempts per email (as a burst, refilled evenly over the minute).
    pub fn new(per_minute: u32) -> LoginLimiter {
        let per_email = NonZeroU32::new(per_minute.max(1)).expect("at least one");
        let per_client = NonZeroU32::new(per_minute.max(1) * CLIENT_BUDGET_FACTOR).expect("at least one");
        LoginLimiter {
            by_client: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_client)),
            by_email: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_email)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt; `TooManyRequests` with the wait when a budget is spent.
    pub fn check(&self, client: Option<IpAddr>, email: &str) -> Result<(), AppError> {
        if let Some(ip) = client {
            self.by_client.check_key(&ip).map_err(|wait| self.too_many(wait))?;
        }
        let email = crate::models::user::normalize_email(email);
        self.by_email.check_key(&email).map_err(|wait| self.too_many(wait))?;
        Ok(())
    }

    /// Counts one attempt against the client address's budget only (an action with no email:
    /// spending a reset link).
    pub fn check_client(&self, client: Option<IpAddr>) -> Result<(), AppError> {
        match client {
            Some(ip) => self.by_client.check_key(&ip).map_err(|wait| self.too_many(wait)),
            None => Ok(()),
        }
    }

    fn too_many(&self, wait: governor::NotUntil<<DefaultClock as Clock>::Instant>) -> AppError {
        let seconds = wait.wait_time_from(self.clock.now()).as_secs_f64().ceil() as u64;
        AppError::TooManyRequests { retry_after_s: seconds.max(1) }
    }

    /// Forgets keys whose budget is full again, so memory does not grow with every address seen.
    pub fn forget_idle(&self) {
        self.by_client.retain_recent();
        self.by_email.retain_recent();
    }
}

/// A budget of attempts per client address over an hour, for actions that should be rare
/// (applying to work as an agent).
pub struct HourlyLimiter {
    by_client: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl HourlyLimiter {
    pub fn new(per_hour: u32) -> HourlyLimiter {
        let quota = Quota::per_hour(NonZeroU32::new(per_hour.max(1)).expect("at least one"));
        HourlyLimiter { by_client: DefaultKeyedRateLimiter::keyed(quota), clock: DefaultClock::default() }
    }

    pub fn check(&self, client: Option<IpAddr>) -> Result<(), AppError> {
        let Some(ip) = client else { return Ok(()) };
        self.by_client.check_key(&ip).map_err(|wait| {
            let seconds = wait.wait_time_from(self.clock.now()).as_secs_f64().ceil() as u64;
            AppError::TooManyRequests { retry_after_s: seconds.max(1) }
        })
    }

    pub fn forget_idle(&self) {
        self.by_client.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_budget_runs_out_and_says_when_to_return() {
        let limiter = LoginLimiter::new(3);
        let ip = Some("10.0.0.1".parse().unwrap());
        for _ in 0..3 {
            limiter.check(ip, "A@example.com").unwrap();
        }
        match limiter.check(ip, "a@example.com ") {
            Err(AppError::TooManyRequests { retry_after_s }) => {
                assert!((1..=60).contains(&retry_after_s))
            }
            other => panic!("expected 429, got {other:?}"),
        }
        limiter.check(ip, "b@example.com").unwrap();
    }

    #[test]
    fn one_address_cannot_try_unlimited_emails() {
        let limiter = LoginLimiter::new(2);
        let ip = Some("10.0.0.2".parse().unwrap());
        let results: Vec<bool> = (0..7).map(|i| limiter.check(ip, &format!("u{i}@example.com")).is_ok()).collect();
        assert_eq!(results, [true, true, true, true, true, true, false]);
    }
}
