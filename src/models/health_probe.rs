//! The row `/readyz` writes to prove the database takes writes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::db_time;
use crate::db::{DbConn, schema::health_probes};

/// Bumps the probe row: a real write that fails when the disk is full or the database read-only.
pub fn beat(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(health_probes::table.find(1))
        .set((health_probes::beats.eq(health_probes::beats + 1), health_probes::probed_at.eq(db_time(now))))
        .execute(conn)?;
    Ok(())
}
