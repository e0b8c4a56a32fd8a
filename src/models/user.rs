//! People who log in: agents, staff and admins.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::Role;
use crate::db::{DbConn, schema::users};
use crate::ids::UserId;

crate::text_enum! {
    /// Where an account is in its life, stored and shown by the names API.md lists. Agents
    /// move `pending_verification` → `pending_review` → `active` | `rejected`, and `active` ↔
    /// `suspended`; staff and admins are created `active`.
    pub enum UserStatus {
        /// Applied; the emailed link has not been followed yet.
        PendingVerification => "pending_verification",
        /// Confirmed; staff have not decided yet.
        PendingReview => "pending_review",
        Active => "active",
        Rejected => "rejected",
        /// Stopped from working by staff; may still log in to read why.
        Suspended => "suspended",
        /// Deleted on request: personal fields anonymised, pay records kept.
        Deleted => "deleted",
    }
}

/// The statuses by their stored names' constants (shorter at call sites).
pub mod status {
    use super::UserStatus;
    pub const PENDING_VERIFICATION: UserStatus = UserStatus::PendingVerification;
    pub const PENDING_REVIEW: UserStatus = UserStatus::PendingReview;
    pub const ACTIVE: UserStatus = UserStatus::Active;
    pub const REJECTED: UserStatus = UserStatus::Rejected;
    pub const SUSPENDED: UserStatus = UserStatus::Suspended;
    pub const DELETED: UserStatus = UserStatus::Deleted;
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub password_hash: String,
    pub full_name: String,
    pub role: String,
    pub status: UserStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

impl User {
    /// The stored role; the CHECK constraint keeps it one of the known ones.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Agent)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub full_name: &'a str,
    pub role: &'a str,
    pub status: UserStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Emails are compared without case and surrounding spaces.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Inserts a user; a taken email is a unique violation for the caller to turn into 409.
pub fn insert(conn: &mut DbConn, user: &NewUser) -> QueryResult<User> {
    diesel::insert_into(users::table).values(user).returning(users::all_columns).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: UserId) -> QueryResult<Option<User>> {
    users::table.find(id).select(User::as_select()).first(conn).optional()
}

/// Looks an email up, whatever its case.
pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    users::table.filter(users::email.eq(normalize_email(email))).select(User::as_select()).first(conn).optional()
}

pub fn admin_exists(conn: &mut DbConn) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::role.eq(Role::Admin.as_str())))).get_result(conn)
}

pub fn record_login(conn: &mut DbConn, id: UserId, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set(users::last_login_at.eq(at)).execute(conn)
}

/// Moves a user from one of `from` to `to` in one conditional UPDATE; `false` if the user was
/// in none of them (someone else decided first, or the move is not allowed).
pub fn transition_status(
    conn: &mut DbConn,
    id: UserId,
    from: &[UserStatus],
    to: UserStatus,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(users::table.find(id).filter(users::status.eq_any(from)))
        .set((users::status.eq(to), users::updated_at.eq(at)))
        .execute(conn)?;
    Ok(updated == 1)
}

pub fn set_full_name(conn: &mut DbConn, id: UserId, full_name: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set((users::full_name.eq(full_name), users::updated_at.eq(at))).execute(conn)
}

/// How many agents are in each status.
pub fn agent_status_counts(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    users::table
        .filter(users::role.eq(Role::Agent.as_str()))
        .group_by(users::status)
        .select((users::status, diesel::dsl::count_star()))
        .load(conn)
}

/// Replaces a user's password hash.
pub fn set_password_hash(conn: &mut DbConn, id: UserId, hash: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(at)))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Replaces a deleted person's email, name and password with placeholders nobody can use.
pub fn anonymise(conn: &mut DbConn, id: UserId, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::email.eq(format!("deleted-{id}@deleted.invalid")),
            users::full_name.eq(format!("Deleted agent {id}")),
            // Not a PHC string: no password ever verifies against it.
            users::password_hash.eq("!deleted"),
            users::updated_at.eq(at),
        ))
        .execute(conn)
}
