//! Refresh tokens: one row per token ever issued, grouped into families (one per login).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::refresh_tokens};
use crate::ids::UserId;
use crate::realtime::bus::sessions_revoked;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: i64,
    pub user_id: UserId,
    pub family: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    pub user_id: UserId,
    pub family: &'a str,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, token: &NewRefreshToken) -> QueryResult<usize> {
    diesel::insert_into(refresh_tokens::table).values(token).execute(conn)
}

pub fn find_by_hash(conn: &mut DbConn, hash: &str) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()
}

/// Spends a token: one conditional UPDATE that succeeds only while the token is unspent, so two
/// concurrent refreshes cannot both win. Returns whether this call spent it.
pub fn spend(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(at))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Revokes every token of a login (logout, or a spent token presented again). Its access
/// tokens stop working on the next request (`auth::revocation`).
pub fn revoke_family(conn: &mut DbConn, user: UserId, family: &str, at: NaiveDateTime) -> QueryResult<usize> {
    sessions_revoked(conn, user)?;
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::family.eq(family)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(at))
    .execute(conn)
}

/// Revokes every login of a user (suspension, a new password): all their access tokens stop
/// working on the next request.
pub fn revoke_all(conn: &mut DbConn, user: UserId, at: NaiveDateTime) -> QueryResult<usize> {
    sessions_revoked(conn, user)?;
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::user_id.eq(user)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(at))
    .execute(conn)
}

/// Whether a user's login still has a live token (not revoked, not expired).
pub fn family_is_live(conn: &mut DbConn, user: UserId, family: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user))
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null())
            .filter(refresh_tokens::expires_at.gt(now)),
    ))
    .get_result(conn)
}
