//! Pay bands: what agents may charge per skill and currency.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::pay_bands};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pay_bands)]
pub struct PayBand {
    pub skill: String,
    pub currency: String,
    pub min_hourly_minor: i64,
    pub max_hourly_minor: i64,
    pub min_per_conversation_minor: i64,
    pub max_per_conversation_minor: i64,
    pub updated_at: NaiveDateTime,
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<PayBand>> {
    pay_bands::table.order((pay_bands::skill.asc(), pay_bands::currency.asc())).select(PayBand::as_select()).load(conn)
}

/// The bands for some skills in one currency.
pub fn for_skills(conn: &mut DbConn, skills: &[String], currency: &str) -> QueryResult<Vec<PayBand>> {
    pay_bands::table
        .filter(pay_bands::skill.eq_any(skills))
        .filter(pay_bands::currency.eq(currency))
        .select(PayBand::as_select())
        .load(conn)
}

/// Replaces every band, row by row.
pub fn replace(conn: &mut DbConn, bands: &[PayBand]) -> QueryResult<()> {
    diesel::delete(pay_bands::table).execute(conn)?;
    for band in bands {
        diesel::insert_into(pay_bands::table).values(band).execute(conn)?;
    }
    Ok(())
}
