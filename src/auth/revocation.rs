//! Revocation that takes effect at once. An access token is a JWT that stays valid until it
//! expires, so every request also asks whether its login (the refresh-token family named in
//! its `sid`) is still live and the user still has the token's role. The answer is kept in
//! memory per login and forgotten when a committed transaction revokes a login of that user
//! (logout, suspension, a new password, a spent refresh token presented again): on this
//! instance as the transaction commits, on the others when its `u:` notice arrives
//! (`realtime::bus`). While the PostgreSQL listener is down an instance cannot hear
//! revocations, so it asks the database on every request instead of trusting memory.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::Utc;

use super::CurrentUser;
use crate::db::{Backend, DbConn};
use crate::error::AppError;
use crate::ids::UserId;
use crate::models::{db_time, refresh_token, user};
use crate::startup::AppState;

/// Most logins remembered; past it memory starts again empty (each login is then read once).
const LOGINS_KEPT: usize = 100_000;

/// Whether each login seen lately may still be used, by user and login.
#[derive(Debug, Default)]
pub struct KnownSessions {
    known: Mutex<Known>,
}

#[derive(Debug, Default)]
struct Known {
    by_user: HashMap<UserId, HashMap<String, bool>>,
    count: usize,
    /// Revocations heard so far: an answer read from the database is kept only if none was
    /// heard while it was being read (it may predate that revocation).
    revocations: u64,
}

impl KnownSessions {
    /// What is known of a login, if anything.
    pub fn get(&self, user: UserId, session: &str) -> Option<bool> {
        let known = self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        known.by_user.get(&user).and_then(|sessions| sessions.get(session)).copied()
    }

    /// How many revocations have been heard, to pass to [`KnownSessions::remember`].
    pub fn revocations(&self) -> u64 {
        self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).revocations
    }

    /// Keeps an answer read from the database after `revocations` were heard.
    pub fn remember(&self, user: UserId, session: &str, live: bool, revocations: u64) {
        let mut known = self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if known.revocations != revocations {
            return;
        }
        if known.count >= LOGINS_KEPT {
            known.by_user.clear();
            known.count = 0;
        }
        if known.by_user.entry(user).or_default().insert(session.to_string(), live).is_none() {
            known.count += 1;
        }
    }

    /// A login of `user` was revoked: ask the database about all of theirs again.
    pub fn forget_user(&self, user: UserId) {
        let mut known = self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        known.revocations += 1;
        if let Some(sessions) = known.by_user.remove(&user) {
            known.count -= sessions.len();
        }
    }

    /// Forgets everything (revocations may have gone unheard).
    pub fn clear(&self) {
        let mut known = self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        known.revocations += 1;
        known.by_user.clear();
        known.count = 0;
    }
}

/// Whether the login a token names may still be used: not revoked or expired, and the user's
/// role is still the token's.
pub fn is_live_in(conn: &mut DbConn, caller: &CurrentUser) -> Result<bool, AppError> {
    let Some(person) = user::find(conn, caller.id)? else {
        return Ok(false);
    };
    Ok(person.role() == caller.role
        && refresh_token::family_is_live(conn, caller.id, &caller.session, db_time(Utc::now()))?)
}

/// Refuses an access token whose login has ended (401).
pub async fn ensure_live(state: &AppState, caller: &CurrentUser) -> Result<(), AppError> {
    if is_live(state, caller).await? {
        Ok(())
    } else {
        Err(AppError::Unauthorized("this login has ended: log in again".into()))
    }
}

/// Whether the caller's login may still be used, from memory when this instance hears every
/// revocation, else from the database.
pub async fn is_live(state: &AppState, caller: &CurrentUser) -> Result<bool, AppError> {
    let bus = state.db.bus();
    let memory_is_current = state.db.backend() == Backend::Sqlite || bus.is_listening();
    let known = if memory_is_current { bus.sessions.get(caller.id, &caller.session) } else { None };
    let live = match known {
        Some(live) => live,
        None => {
            // Counted before the read: a revocation heard after this may not be in what the
            // read sees, so its answer is then not kept.
            let revocations = bus.sessions.revocations();
            let checking = caller.clone();
            let live = state.db.read(move |conn| is_live_in(conn, &checking)).await?;
            if memory_is_current {
                bus.sessions.remember(caller.id, &caller.session, live, revocations);
            }
            live
        }
    };
    Ok(live)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revocation_forgets_the_users_logins_and_an_answer_read_across_it_is_not_kept() {
        let known = KnownSessions::default();
        let (ann, bob) = (UserId(1), UserId(2));
        let before = known.revocations();
        known.remember(ann, "a1", true, before);
        known.remember(bob, "b1", true, before);
        assert_eq!(known.get(ann, "a1"), Some(true));
        // A read that started before Ann's revocation and answers after it.
        let stale = known.revocations();
        known.forget_user(ann);
        known.remember(ann, "a1", true, stale);
        assert_eq!(known.get(ann, "a1"), None, "asked again, never the stale answer");
        assert_eq!(known.get(bob, "b1"), Some(true), "other users' logins stay known");
        known.remember(ann, "a1", false, known.revocations());
        assert_eq!(known.get(ann, "a1"), Some(false));
        known.clear();
        assert_eq!(known.get(bob, "b1"), None);
    }
}
