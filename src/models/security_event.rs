//! Security events: what happened to accounts, for admins to review, kept `RETENTION`.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::{
    DbConn,
    schema::{security_events, users},
};
use crate::ids::UserId;

/// How long events are kept.
pub const RETENTION: Duration = Duration::days(365);

crate::text_enum! {
    /// What happened.
    pub enum SecurityEventKind {
        LoginSucceeded => "login_succeeded",
        /// A wrong password or an unknown email (the email is kept as typed).
        LoginFailed => "login_failed",
        Logout => "logout",
        /// A spent refresh token was presented again: the whole login was revoked.
        RefreshTokenReused => "refresh_token_reused",
        PasswordResetRequested => "password_reset_requested",
        PasswordReset => "password_reset",
        PasswordChanged => "password_changed",
        /// An account moved between statuses (approved, rejected, suspended, reinstated).
        StatusChanged => "status_changed",
        /// A staff or admin account was created.
        StaffCreated => "staff_created",
        /// A second factor was set up (at a forced enrolment or by choice).
        MfaEnrolled => "mfa_enrolled",
        /// A wrong or replayed second-factor code.
        MfaFailed => "mfa_failed",
        /// A recovery code was spent to sign in.
        RecoveryCodeUsed => "recovery_code_used",
        /// New recovery codes replaced the old ones.
        RecoveryCodesRenewed => "recovery_codes_renewed",
        /// An agent removed their own second factor.
        MfaRemoved => "mfa_removed",
        /// An admin removed someone's second factor (a lost phone); they enrol again.
        MfaReset => "mfa_reset",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = security_events)]
pub struct SecurityEvent {
    pub id: i64,
    pub kind: SecurityEventKind,
    pub user_id: Option<UserId>,
    pub email: Option<String>,
    pub client_ip: Option<String>,
    pub detail: Option<String>,
    pub created_at: NaiveDateTime,
}

/// One event to record.
#[derive(Debug, Insertable)]
#[diesel(table_name = security_events)]
pub struct NewSecurityEvent<'a> {
    pub kind: SecurityEventKind,
    pub user_id: Option<UserId>,
    pub email: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

impl<'a> NewSecurityEvent<'a> {
    /// An event about `user` with nothing else to say.
    pub fn about(kind: SecurityEventKind, user: UserId, at: NaiveDateTime) -> NewSecurityEvent<'a> {
        NewSecurityEvent { kind, user_id: Some(user), email: None, client_ip: None, detail: None, created_at: at }
    }
}

pub fn record(conn: &mut DbConn, event: &NewSecurityEvent) -> QueryResult<usize> {
    diesel::insert_into(security_events::table).values(event).execute(conn)
}

/// Which events to list.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub kind: Option<SecurityEventKind>,
    pub user_id: Option<UserId>,
    pub since: Option<NaiveDateTime>,
    /// Only events older than this id (the next page).
    pub before_id: Option<i64>,
}

/// Events matching `filter`, newest first, at most `limit`, each with its account's email.
pub fn list(conn: &mut DbConn, filter: &Filter, limit: i64) -> QueryResult<Vec<(SecurityEvent, Option<String>)>> {
    let mut query = security_events::table
        .left_join(users::table)
        .select((SecurityEvent::as_select(), users::email.nullable()))
        .into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(security_events::kind.eq(kind));
    }
    if let Some(user) = filter.user_id {
        query = query.filter(security_events::user_id.eq(user));
    }
    if let Some(since) = filter.since {
        query = query.filter(security_events::created_at.ge(since));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(security_events::id.lt(before));
    }
    query.order(security_events::id.desc()).limit(limit).load(conn)
}

/// Deletes events older than the retention (idempotent; any instance may run it).
pub fn forget_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(security_events::table.filter(security_events::created_at.lt(cutoff))).execute(conn)
}
