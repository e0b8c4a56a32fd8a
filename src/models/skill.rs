//! The skill catalogue.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::skills};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = skills)]
pub struct Skill {
    pub name: String,
    pub requires_certification: bool,
    pub created_at: NaiveDateTime,
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Skill>> {
    skills::table.order(skills::name.asc()).select(Skill::as_select()).load(conn)
}

pub fn find(conn: &mut DbConn, name: &str) -> QueryResult<Option<Skill>> {
    skills::table.find(name).select(Skill::as_select()).first(conn).optional()
}

/// Adds a skill; a taken name is a unique violation.
pub fn insert(conn: &mut DbConn, name: &str, requires_certification: bool, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::insert_into(skills::table)
        .values((
            skills::name.eq(name),
            skills::requires_certification.eq(requires_certification),
            skills::created_at.eq(at),
        ))
        .execute(conn)
}
