//! Service accounts: machine clients such as the chatbot platform.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::service_accounts};
use crate::ids::ServiceAccountId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = service_accounts)]
pub struct ServiceAccount {
    pub id: ServiceAccountId,
    pub name: String,
    pub token_hash: String,
    pub webhook_url: Option<String>,
    /// Sealed with the data key (`auth::data_key`); open it with `Purpose::WebhookSecret`.
    pub webhook_secret: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = service_accounts)]
pub struct NewServiceAccount<'a> {
    pub name: &'a str,
    pub token_hash: &'a str,
    pub webhook_url: Option<&'a str>,
    pub webhook_secret: &'a str,
    pub created_at: NaiveDateTime,
}

/// Inserts an account; a taken name is a unique violation for the caller to turn into 409.
pub fn insert(conn: &mut DbConn, account: &NewServiceAccount) -> QueryResult<ServiceAccount> {
    diesel::insert_into(service_accounts::table)
        .values(account)
        .returning(service_accounts::all_columns)
        .get_result(conn)
}

/// The live (not revoked) account whose token hashes to `hash`.
pub fn find_active_by_token_hash(conn: &mut DbConn, hash: &str) -> QueryResult<Option<ServiceAccount>> {
    service_accounts::table
        .filter(service_accounts::token_hash.eq(hash))
        .filter(service_accounts::revoked_at.is_null())
        .select(ServiceAccount::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConn, id: ServiceAccountId) -> QueryResult<Option<ServiceAccount>> {
    service_accounts::table.find(id).select(ServiceAccount::as_select()).first(conn).optional()
}

/// Every account's sealed webhook secret, for sealing again under a new data key.
pub fn sealed_secrets(conn: &mut DbConn) -> QueryResult<Vec<(ServiceAccountId, String)>> {
    service_accounts::table.select((service_accounts::id, service_accounts::webhook_secret)).load(conn)
}

/// Replaces a sealed secret, only if it is still `old` (a concurrent change wins).
pub fn replace_sealed_secret(conn: &mut DbConn, id: ServiceAccountId, old: &str, new: &str) -> QueryResult<usize> {
    diesel::update(service_accounts::table.find(id).filter(service_accounts::webhook_secret.eq(old)))
        .set(service_accounts::webhook_secret.eq(new))
        .execute(conn)
}
