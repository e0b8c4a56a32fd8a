//! Leases: which instance leads a job (dispatch), for how long, and under which epoch. Taking
//! over bumps the epoch, so a batch written under an older epoch is refused (see `hold`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, is_unique_violation, schema::leases};

/// Takes the lease `name` for `holder` if it is free, expired or already theirs, until
/// `expires_at`. Returns the epoch now held, or `None` while someone else holds it.
pub fn acquire(
    conn: &mut DbConn,
    name: &str,
    holder: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let taken = diesel::update(
        leases::table.filter(leases::name.eq(name)).filter(leases::expires_at.lt(now).or(leases::holder.eq(holder))),
    )
    .set((leases::holder.eq(holder), leases::epoch.eq(leases::epoch + 1), leases::expires_at.eq(expires_at)))
    .returning(leases::epoch)
    .get_result::<i64>(conn)
    .optional()?;
    if taken.is_some() {
        return Ok(taken);
    }
    let first = diesel::insert_into(leases::table)
        .values((
            leases::name.eq(name),
            leases::holder.eq(holder),
            leases::epoch.eq(1_i64),
            leases::expires_at.eq(expires_at),
        ))
        .execute(conn);
    match first {
        Ok(_) => Ok(Some(1)),
        // Held by someone else (the row exists and is live), or another instance inserted first.
        Err(error) if is_unique_violation(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Renews the lease if `holder` still holds it under `epoch`; `false` means leadership is lost.
/// Called inside every batch a leader commits: the row lock orders it against a takeover, so
/// a batch either commits under a live lease or not at all.
pub fn hold(conn: &mut DbConn, name: &str, holder: &str, epoch: i64, expires_at: NaiveDateTime) -> QueryResult<bool> {
    let renewed = diesel::update(
        leases::table.filter(leases::name.eq(name)).filter(leases::holder.eq(holder)).filter(leases::epoch.eq(epoch)),
    )
    .set(leases::expires_at.eq(expires_at))
    .execute(conn)?;
    Ok(renewed == 1)
}

/// Gives the lease up at once (a clean shutdown), so the next leader need not wait for expiry.
pub fn release(conn: &mut DbConn, name: &str, holder: &str, epoch: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        leases::table.filter(leases::name.eq(name)).filter(leases::holder.eq(holder)).filter(leases::epoch.eq(epoch)),
    )
    .set(leases::expires_at.eq(now))
    .execute(conn)?;
    Ok(())
}
