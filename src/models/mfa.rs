//! Second factors: a user's TOTP enrolment (`mfa_factors`), their recovery codes, and the
//! login challenges that wait for a code.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConn,
    schema::{login_challenges, mfa_factors, mfa_recovery_codes},
};
use crate::ids::UserId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mfa_factors)]
pub struct Factor {
    pub user_id: UserId,
    pub secret_sealed: String,
    pub confirmed_at: Option<NaiveDateTime>,
    pub last_step: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn find_factor(conn: &mut DbConn, user: UserId) -> QueryResult<Option<Factor>> {
    mfa_factors::table.find(user).select(Factor::as_select()).first(conn).optional()
}

/// Whether `user` has a confirmed second factor.
pub fn is_enrolled(conn: &mut DbConn, user: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        mfa_factors::table.filter(mfa_factors::user_id.eq(user)).filter(mfa_factors::confirmed_at.is_not_null()),
    ))
    .get_result(conn)
}

/// Starts (or restarts) an enrolment with a new secret, unconfirmed. A confirmed factor is
/// never replaced here: it has to be removed first.
pub fn begin_enrolment(conn: &mut DbConn, user: UserId, secret_sealed: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::delete(mfa_factors::table.find(user).filter(mfa_factors::confirmed_at.is_null())).execute(conn)?;
    if find_factor(conn, user)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(mfa_factors::table)
        .values((
            mfa_factors::user_id.eq(user),
            mfa_factors::secret_sealed.eq(secret_sealed),
            mfa_factors::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The replay guard: records `step` as used, only if it is later than every step used before.
/// False means the code (or an earlier one) was used already.
pub fn use_step(conn: &mut DbConn, user: UserId, step: i64) -> QueryResult<bool> {
    let updated = diesel::update(mfa_factors::table.find(user))
        .filter(mfa_factors::last_step.is_null().or(mfa_factors::last_step.lt(step)))
        .set(mfa_factors::last_step.eq(step))
        .execute(conn)?;
    Ok(updated == 1)
}

pub fn confirm(conn: &mut DbConn, user: UserId, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(mfa_factors::table.find(user)).set(mfa_factors::confirmed_at.eq(now)).execute(conn)
}

/// Removes the factor and its recovery codes; returns whether there was one.
pub fn remove(conn: &mut DbConn, user: UserId) -> QueryResult<bool> {
    diesel::delete(mfa_recovery_codes::table.filter(mfa_recovery_codes::user_id.eq(user))).execute(conn)?;
    Ok(diesel::delete(mfa_factors::table.find(user)).execute(conn)? == 1)
}

/// Every sealed secret, for sealing again under a new data key.
pub fn sealed_secrets(conn: &mut DbConn) -> QueryResult<Vec<(UserId, String)>> {
    mfa_factors::table.select((mfa_factors::user_id, mfa_factors::secret_sealed)).load(conn)
}

/// Replaces a sealed secret, only if it is still `old` (a concurrent change wins).
pub fn replace_sealed_secret(conn: &mut DbConn, user: UserId, old: &str, new: &str) -> QueryResult<usize> {
    diesel::update(mfa_factors::table.find(user).filter(mfa_factors::secret_sealed.eq(old)))
        .set(mfa_factors::secret_sealed.eq(new))
        .execute(conn)
}

/// Replaces `user`'s recovery codes with new ones (given as hashes).
pub fn replace_recovery_codes(
    conn: &mut DbConn,
    user: UserId,
    hashes: &[String],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(mfa_recovery_codes::table.filter(mfa_recovery_codes::user_id.eq(user))).execute(conn)?;
    // One insert per code: batch inserts do not compile over both backends; there are ten.
    for hash in hashes {
        diesel::insert_into(mfa_recovery_codes::table)
            .values((
                mfa_recovery_codes::user_id.eq(user),
                mfa_recovery_codes::code_hash.eq(hash),
                mfa_recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(hashes.len())
}

/// Spends the unused recovery code of `user` hashing to `hash`; false when there is none.
pub fn spend_recovery_code(conn: &mut DbConn, user: UserId, hash: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let spent = diesel::update(
        mfa_recovery_codes::table
            .filter(mfa_recovery_codes::user_id.eq(user))
            .filter(mfa_recovery_codes::code_hash.eq(hash))
            .filter(mfa_recovery_codes::used_at.is_null()),
    )
    .set(mfa_recovery_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(spent == 1)
}

/// How many recovery codes `user` has left.
pub fn recovery_codes_left(conn: &mut DbConn, user: UserId) -> QueryResult<i64> {
    mfa_recovery_codes::table
        .filter(mfa_recovery_codes::user_id.eq(user))
        .filter(mfa_recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_challenges)]
pub struct Challenge {
    pub id: i64,
    pub user_id: UserId,
    pub enrolment: bool,
    pub failed_attempts: i32,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = login_challenges)]
pub struct NewChallenge<'a> {
    pub token_hash: &'a str,
    pub user_id: UserId,
    pub enrolment: bool,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert_challenge(conn: &mut DbConn, challenge: &NewChallenge) -> QueryResult<usize> {
    diesel::insert_into(login_challenges::table).values(challenge).execute(conn)
}

pub fn find_challenge(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<Challenge>> {
    login_challenges::table
        .filter(login_challenges::token_hash.eq(token_hash))
        .select(Challenge::as_select())
        .first(conn)
        .optional()
}

/// Counts a wrong code; returns the count after it.
pub fn count_failure(conn: &mut DbConn, id: i64) -> QueryResult<i32> {
    diesel::update(login_challenges::table.find(id))
        .set(login_challenges::failed_attempts.eq(login_challenges::failed_attempts + 1))
        .returning(login_challenges::failed_attempts)
        .get_result(conn)
}

/// Spends the challenge; false when it was spent already (a concurrent completion won).
pub fn spend_challenge(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let spent = diesel::update(login_challenges::table.find(id).filter(login_challenges::used_at.is_null()))
        .set(login_challenges::used_at.eq(now))
        .execute(conn)?;
    Ok(spent == 1)
}

/// Deletes challenges that expired before `cutoff`.
pub fn forget_challenges_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_challenges::table.filter(login_challenges::expires_at.lt(cutoff))).execute(conn)
}
