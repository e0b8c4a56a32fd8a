//! Quality scorecards: named sets of weighted criteria (JSON) reviewers score conversations on.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::scorecards};
use crate::ids::{ScorecardId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scorecards)]
pub struct Scorecard {
    pub id: ScorecardId,
    pub name: String,
    pub criteria: String,
    pub active: bool,
    pub created_by: Option<UserId>,
    pub created_at: NaiveDateTime,
}

/// A new scorecard; a name in use is a unique violation.
pub fn insert(
    conn: &mut DbConn,
    name: &str,
    criteria: &str,
    by: UserId,
    at: NaiveDateTime,
) -> QueryResult<ScorecardId> {
    diesel::insert_into(scorecards::table)
        .values((
            scorecards::name.eq(name),
            scorecards::criteria.eq(criteria),
            scorecards::active.eq(true),
            scorecards::created_by.eq(by),
            scorecards::created_at.eq(at),
        ))
        .returning(scorecards::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: ScorecardId) -> QueryResult<Option<Scorecard>> {
    scorecards::table.find(id).select(Scorecard::as_select()).first(conn).optional()
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Scorecard>> {
    scorecards::table.order(scorecards::id.asc()).select(Scorecard::as_select()).load(conn)
}
