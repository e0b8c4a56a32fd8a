//! The quality loop: paid wrap-up, quality reviews, first-contact resolution, transparent
//! tiers, supervisors, and automated decisions about agents explained and contestable.

pub mod decisions;
pub mod fcr;
pub mod learning;
pub mod reviews;
pub mod sampling;
pub mod settings;
pub mod supervise;
pub mod tiers;
pub mod upkeep;
pub mod wrap_up;

use chrono::{DateTime, Utc};

use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::UserId;
use crate::models::{audit, db_time};

/// An audit entry for a quality-loop action (`actor` `None`: the system decided).
pub(crate) fn audited(
    conn: &mut DbConn,
    actor: Option<UserId>,
    kind: &str,
    id: i64,
    action: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &audit::NewAuditEntry {
            actor_id: actor,
            subject_kind: kind,
            subject_id: Some(id),
            action,
            detail: Some(detail),
            created_at: db_time(now),
        },
    )?;
    Ok(())
}
