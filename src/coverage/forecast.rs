//! Arrivals per 30-minute interval, forecast from a queue's history.
//!
//! With two weeks or more of history: MSTL (multiple seasonal-trend decomposition by LOESS)
//! with a daily and a weekly period, its trend carried forward by an automatically chosen
//! exponential-smoothing model (augurs). Contact-centre arrivals are a daily curve shaped by the
//! weekday, which is exactly the two seasonalities MSTL separates. With two days to two weeks,
//! the daily period alone. With less, the forecast says so and uses the staff's expectation.
//! Forecasts never go below zero.

use augurs::ets::AutoETS;
use augurs::mstl::MSTLModel;
use augurs::{Fit, Predict};
use serde::Serialize;
use utoipa::ToSchema;

/// Seconds in one coverage interval.
pub const INTERVAL_S: i64 = 1_800;
/// Intervals in a day and in a week.
pub const DAY: usize = 48;
pub const WEEK: usize = 7 * DAY;

/// How a forecast was made, shown to staff beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// MSTL with daily and weekly seasonality.
    DailyAndWeekly,
    /// MSTL with daily seasonality only (less than two weeks of history).
    DailyOnly,
    /// Too little history (under two days): the staff's expected arrivals.
    StaffExpectation,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::DailyAndWeekly => "daily_and_weekly",
            Method::DailyOnly => "daily_only",
            Method::StaffExpectation => "staff_expectation",
        }
    }

    pub fn parse(text: &str) -> Option<Method> {
        [Method::DailyAndWeekly, Method::DailyOnly, Method::StaffExpectation].into_iter().find(|m| m.as_str() == text)
    }
}

/// Arrivals per interval for the `horizon` intervals after the history ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrivals {
    pub per_interval: Vec<f64>,
    pub method: Method,
}

/// Forecasts `horizon` intervals after `history` (arrivals per interval, oldest first, ending
/// at an interval boundary). `expected_per_interval` is used when history is too short or the
/// model cannot be fitted (e.g. a history of zeros).
pub fn arrivals(history: &[f64], horizon: usize, expected_per_interval: f64) -> Arrivals {
    let fallback =
        || Arrivals { per_interval: vec![expected_per_interval.max(0.0); horizon], method: Method::StaffExpectation };
    let (periods, method) = if history.len() >= 2 * WEEK {
        (vec![DAY, WEEK], Method::DailyAndWeekly)
    } else if history.len() >= 2 * DAY {
        (vec![DAY], Method::DailyOnly)
    } else {
        return fallback();
    };
    if history.iter().all(|v| *v == 0.0) {
        return Arrivals { per_interval: vec![0.0; horizon], method };
    }
    let model = MSTLModel::new(periods, AutoETS::non_seasonal().into_trend_model());
    let forecast = model.fit(history).and_then(|fitted| fitted.predict(horizon, None));
    match forecast {
        Ok(f) if f.point.iter().all(|v| v.is_finite()) => {
            Arrivals { per_interval: f.point.into_iter().map(|v| v.max(0.0)).collect(), method }
        }
        Ok(_) | Err(_) => {
            tracing::warn!(intervals = history.len(), "forecast could not be fitted; using the staff's expectation");
            fallback()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::random::Rng;

    /// A daily curve (quiet nights, a morning and an afternoon peak) scaled by weekday.
    fn true_rate(interval: usize) -> f64 {
        let hour = (interval % DAY) as f64 / 2.0;
        let day = (interval / DAY) % 7;
        let daily = 8.0
            + 110.0 * (-((hour - 10.5) / 2.5_f64).powi(2)).exp()
            + 90.0 * (-((hour - 15.5) / 2.0_f64).powi(2)).exp();
        let weekly = [1.0, 1.05, 1.0, 0.95, 0.9, 0.55, 0.45][day];
        daily * weekly
    }

    /// Poisson counts per interval: exponential gaps at the interval's rate.
    fn poisson_history(intervals: usize, rng: &mut Rng) -> Vec<f64> {
        (0..intervals)
            .map(|i| {
                let rate = true_rate(i);
                let (mut t, mut count) = (rng.exponential(1.0 / rate), 0.0);
                while t < 1.0 {
                    count += 1.0;
                    t += rng.exponential(1.0 / rate);
                }
                count
            })
            .collect()
    }

    /// Mean absolute percentage error against the true rate over the busy intervals (≥ 64).
    pub(crate) fn busy_mape(history_weeks: usize, seed: u64) -> f64 {
        let mut rng = Rng::new(seed);
        let history = poisson_history(history_weeks * WEEK, &mut rng);
        let forecast = arrivals(&history, 2 * WEEK, 0.0);
        assert_eq!(forecast.method, Method::DailyAndWeekly);
        let start = history.len();
        let busy: Vec<(f64, f64)> = (0..2 * WEEK)
            .map(|h| (true_rate(start + h), forecast.per_interval[h]))
            .filter(|(truth, _)| *truth >= 64.0)
            .collect();
        busy.iter().map(|(truth, got)| (got - truth).abs() / truth).sum::<f64>() / busy.len() as f64
    }

    #[test]
    fn a_known_daily_and_weekly_profile_is_forecast_within_ten_percent_on_busy_hours() {
        for seed in 1..=3 {
            let mape = busy_mape(8, seed);
            println!("seed {seed}: busy-hour MAPE {:.1} %", mape * 100.0);
            assert!(mape <= 0.10, "seed {seed}: {mape}");
        }
    }

    #[test]
    fn short_history_falls_back_to_the_staff_expectation_and_says_so() {
        let got = arrivals(&[3.0; 40], 5, 2.5);
        assert_eq!(got, Arrivals { per_interval: vec![2.5; 5], method: Method::StaffExpectation });
        let daily = arrivals(&(0..3 * DAY).map(true_rate).collect::<Vec<_>>(), DAY, 0.0);
        assert_eq!(daily.method, Method::DailyOnly);
        assert!(daily.per_interval.iter().all(|v| *v >= 0.0));
        assert_eq!(arrivals(&[0.0; 2 * WEEK], 3, 9.0).per_interval, vec![0.0; 3]);
    }
}
