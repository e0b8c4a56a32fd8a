//! What the running transaction tells the bus (`realtime::bus`) once it commits: agents with
//! a new stream event, agents and escalations whose dispatch facts changed, logins revoked, and
//! whether a dispatch pass is wanted. Notes are kept per thread while the transaction runs
//! (every transaction runs on one blocking thread), taken when it commits and forgotten when it
//! rolls back; on PostgreSQL each note is also a NOTIFY inside the transaction, delivered to
//! every instance exactly when it commits.

use std::cell::RefCell;

use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use super::bus::CHANNEL;
use crate::db::DbConn;
use crate::ids::{AgentId, EscalationId, UserId};

/// Most escalation ids in one `e:` notice (NOTIFY payloads must stay under 8,000 bytes).
const IDS_PER_NOTICE: usize = 300;

/// What a transaction noted: agents with a new stream event, agents whose facts changed
/// otherwise, escalations whose row changed, and the nonce of the pass it asked for. Kept per
/// thread while the transaction runs, taken when it commits.
#[derive(Debug, Default)]
pub struct Notes {
    pub(super) agents: Vec<AgentId>,
    pub(super) changed: Vec<AgentId>,
    pub(super) escalations: Vec<EscalationId>,
    pub(super) revoked: Vec<UserId>,
    pub(super) dispatch: Option<u64>,
}

impl Notes {
    /// The nonce of the dispatch pass the transaction asked for, if it asked.
    pub fn wants_dispatch(&self) -> Option<u64> {
        self.dispatch
    }
}

thread_local! {
    pub(super) static NOTES: RefCell<Notes> = RefCell::new(Notes::default());
}

/// Notes, inside a transaction, that `agent` has a new stream event.
pub fn agent_event(conn: &mut DbConn, agent: AgentId) -> diesel::QueryResult<()> {
    NOTES.with(|n| n.borrow_mut().agents.push(agent));
    pg_notify(conn, &format!("a:{agent}"))
}

/// Notes, inside a transaction, that an agent's dispatch facts (capacity, load, profile) changed
/// where no stream event says so, so the dispatcher reads that agent again.
pub fn agent_changed(conn: &mut DbConn, agent: AgentId) -> diesel::QueryResult<()> {
    let first = NOTES.with(|n| {
        let mut notes = n.borrow_mut();
        let known = notes.changed.contains(&agent) || notes.agents.contains(&agent);
        if !known {
            notes.changed.push(agent);
        }
        !known
    });
    if first { pg_notify(conn, &format!("c:{agent}")) } else { Ok(()) }
}

/// Notes, inside a transaction, that an escalation's row changed (created, moved between states,
/// widened, quoted), so the dispatcher reads it again (`dispatch::live_queue`). Other
/// instances hear of it through one notice per transaction ([`notify_escalations`]).
pub fn escalation_changed(id: EscalationId) {
    NOTES.with(|n| {
        let mut notes = n.borrow_mut();
        if !notes.escalations.contains(&id) {
            notes.escalations.push(id);
        }
    });
}

/// Sends the escalations the running transaction changed to every instance, as it commits: one
/// notice for the whole transaction (a pass that quotes 500 ETAs sends two, not 500).
pub fn notify_escalations(conn: &mut DbConn) -> diesel::QueryResult<()> {
    if !matches!(conn, DbConn::Pg(_)) {
        return Ok(());
    }
    let ids = NOTES.with(|n| n.borrow().escalations.clone());
    for chunk in ids.chunks(IDS_PER_NOTICE) {
        let list: Vec<String> = chunk.iter().map(EscalationId::to_string).collect();
        pg_notify(conn, &format!("e:{}", list.join(",")))?;
    }
    Ok(())
}

/// Notes, inside a transaction, that it revoked logins of `user`: when it commits, every
/// instance checks that user's access tokens against the database again and closes their
/// event streams.
pub fn sessions_revoked(conn: &mut DbConn, user: UserId) -> diesel::QueryResult<()> {
    NOTES.with(|n| n.borrow_mut().revoked.push(user));
    pg_notify(conn, &format!("u:{user}"))
}

/// Notes, inside a transaction, that it changed what dispatch decides on: after commit the
/// dispatcher runs a pass, and the writer waits for it (see [`Bus::settled`]).
pub fn dispatch_wanted(conn: &mut DbConn) -> diesel::QueryResult<()> {
    let fresh = NOTES.with(|n| {
        let mut notes = n.borrow_mut();
        match notes.dispatch {
            Some(_) => None,
            None => {
                let nonce = nonce();
                notes.dispatch = Some(nonce);
                Some(nonce)
            }
        }
    });
    match fresh {
        Some(nonce) => pg_notify(conn, &format!("d:{nonce}")),
        None => Ok(()),
    }
}

/// Sends a notice that is delivered to every instance when the transaction commits.
pub fn pg_notify(conn: &mut DbConn, payload: &str) -> diesel::QueryResult<()> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(CHANNEL)
            .bind::<Text, _>(payload)
            .execute(conn)?;
    }
    Ok(())
}

fn nonce() -> u64 {
    let mut bytes = [0u8; 8];
    // A clash of two random 64-bit nonces only makes one writer stop waiting a pass early.
    getrandom::fill(&mut bytes).unwrap_or_default();
    u64::from_le_bytes(bytes)
}

/// Clears the notes before a transaction starts (and after one rolls back).
pub fn forget() {
    NOTES.with(|n| *n.borrow_mut() = Notes::default());
}

/// Takes the notes of the transaction that just committed on this thread.
pub fn take() -> Notes {
    NOTES.with(|n| std::mem::take(&mut *n.borrow_mut()))
}
