//! Regions and the market rules that name which regions may serve a market.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConn,
    schema::{market_rules, regions},
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = regions)]
pub struct Region {
    pub name: String,
    /// Comma-separated ISO alpha-2 codes when the region is a list of countries.
    pub countries: Option<String>,
    /// A GeoJSON geometry (Polygon or MultiPolygon) for drawn regions; `None` for country lists.
    pub geometry: Option<String>,
    pub updated_at: NaiveDateTime,
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Region>> {
    regions::table.order(regions::name.asc()).select(Region::as_select()).load(conn)
}

pub fn insert(
    conn: &mut DbConn,
    name: &str,
    countries: Option<&str>,
    geometry: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(regions::table)
        .values((
            regions::name.eq(name),
            regions::countries.eq(countries),
            regions::geometry.eq(geometry),
            regions::updated_at.eq(at),
        ))
        .execute(conn)
}

/// Removes every region and market rule (before a replacement).
pub fn delete_all(conn: &mut DbConn) -> QueryResult<()> {
    diesel::delete(market_rules::table).execute(conn)?;
    diesel::delete(regions::table).execute(conn)?;
    Ok(())
}

/// Every (market, region) rule, ordered.
pub fn rules(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    market_rules::table
        .order((market_rules::market.asc(), market_rules::region.asc()))
        .select((market_rules::market, market_rules::region))
        .load(conn)
}

pub fn insert_rule(conn: &mut DbConn, market: &str, region: &str) -> QueryResult<usize> {
    diesel::insert_into(market_rules::table)
        .values((market_rules::market.eq(market), market_rules::region.eq(region)))
        .execute(conn)
}

/// The regions allowed to serve a market; empty when the market has no rule.
pub fn allowed_for_market(conn: &mut DbConn, market: &str) -> QueryResult<Vec<String>> {
    market_rules::table.filter(market_rules::market.eq(market)).select(market_rules::region).load(conn)
}
