//! Single-use email links (confirming an address, resetting a password): expiring, stored as
//! the token's hash, each for one purpose (a reset link cannot confirm an address, nor the
//! other way round).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::email_verifications};
use crate::ids::UserId;

crate::text_enum! {
    /// What a link is for.
    pub enum LinkPurpose {
        ConfirmEmail => "confirm_email",
        ResetPassword => "reset_password",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_verifications)]
pub struct EmailVerification {
    pub id: i64,
    pub user_id: UserId,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub purpose: LinkPurpose,
}

pub fn insert(
    conn: &mut DbConn,
    purpose: LinkPurpose,
    user_id: UserId,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(email_verifications::table)
        .values((
            email_verifications::user_id.eq(user_id),
            email_verifications::token_hash.eq(token_hash),
            email_verifications::created_at.eq(now),
            email_verifications::expires_at.eq(expires_at),
            email_verifications::purpose.eq(purpose),
        ))
        .execute(conn)
}

pub fn find_by_hash(
    conn: &mut DbConn,
    purpose: LinkPurpose,
    token_hash: &str,
) -> QueryResult<Option<EmailVerification>> {
    email_verifications::table
        .filter(email_verifications::token_hash.eq(token_hash))
        .filter(email_verifications::purpose.eq(purpose))
        .select(EmailVerification::as_select())
        .first(conn)
        .optional()
}

/// Uses a link: succeeds once, while it is unused and unexpired (one conditional UPDATE).
pub fn consume(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        email_verifications::table
            .filter(email_verifications::id.eq(id))
            .filter(email_verifications::used_at.is_null())
            .filter(email_verifications::expires_at.gt(now)),
    )
    .set(email_verifications::used_at.eq(now))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Spends every unused link of this purpose a user has (a newer one replaces them; a reset
/// spends the others).
pub fn spend_all(conn: &mut DbConn, purpose: LinkPurpose, user_id: UserId, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        email_verifications::table
            .filter(email_verifications::user_id.eq(user_id))
            .filter(email_verifications::purpose.eq(purpose))
            .filter(email_verifications::used_at.is_null()),
    )
    .set(email_verifications::used_at.eq(now))
    .execute(conn)
}
