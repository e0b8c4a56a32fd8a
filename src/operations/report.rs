//! GET /api/v1/staff/metrics: the metrics of a window and the chart series behind /staff.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::facts;
use super::metrics::{self, Bucket, Metrics};
use crate::db::DbConn;
use crate::error::AppError;
use crate::payroll::Interval;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MetricsReport {
    #[serde(flatten)]
    pub metrics: Metrics,
    /// The window in buckets, oldest first, for charts.
    pub series: Vec<Bucket>,
    pub bucket_s: i64,
}

pub fn report(
    conn: &mut DbConn,
    window: Interval,
    bucket: Duration,
    now: DateTime<Utc>,
) -> Result<MetricsReport, AppError> {
    let escalations = facts::escalations(conn, window)?;
    let offers = facts::offers(conn, window)?;
    let (engaged_s, online_s) = facts::agent_time(conn, window, now)?;
    Ok(MetricsReport {
        metrics: metrics::compute(window, &escalations, &offers, engaged_s, online_s),
        series: metrics::series(window, bucket, &escalations, &offers),
        bucket_s: bucket.num_seconds(),
    })
}
