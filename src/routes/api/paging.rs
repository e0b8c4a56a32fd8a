//! Paging for lists that grow without bound (a conversation's messages, an agent's history):
//! at most `limit` items per answer, and a cursor id to continue from.

use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppError;

/// Items per answer when `limit` is absent.
pub const DEFAULT_LIMIT: i64 = 100;
/// The most items one answer may hold.
pub const MAX_LIMIT: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// How many items to return, 1 to 500 (100 when absent).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

impl Paging {
    /// The checked limit, or a 422 naming `limit`.
    pub fn limit(&self) -> Result<i64, AppError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(AppError::invalid("limit", format!("must be between 1 and {MAX_LIMIT}"))),
        }
    }
}
