//! `ApiQuery<T>`: the query-string extractor API handlers use. Like actix's `web::Query`, but a
//! value of the wrong type is a 400 problem that names the parameter (`limit`), which serde's
//! own message for query strings ("invalid digit found in string") does not.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldError};

#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T> ApiQuery<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for ApiQuery<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

/// Parses a query string, naming the parameter at fault.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let field = error.path().to_string();
        let message = error.inner().to_string();
        AppError::BadRequest {
            detail: format!("query parameter `{field}`: {message}"),
            errors: vec![FieldError::new(field, message)],
        }
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Sample {
        limit: Option<i64>,
        #[allow(dead_code)]
        state: Option<String>,
    }

    #[test]
    fn a_bad_value_names_its_parameter() {
        let Err(AppError::BadRequest { errors, .. }) = parse_query::<Sample>("state=x&limit=many") else {
            panic!("a bad limit is refused");
        };
        assert_eq!(errors[0].field, "limit");
        let fine: Sample = parse_query("limit=5").unwrap();
        assert_eq!(fine.limit, Some(5));
    }
}
