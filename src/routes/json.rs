//! `ApiJson<T>`: the JSON body extractor every API handler uses. Compared with actix's own it
//! answers in problem+json, names the field behind a type error, stops reading at
//! `max_body_bytes` (413) even without a Content-Length, and runs `validator` rules (422).

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::{AppError, FieldError};
use crate::startup::AppState;

/// A JSON request body, parsed and validated. `LIMIT` overrides `max_body_bytes` for the few
/// endpoints that take large documents (0 means the setting).
#[derive(Debug)]
pub struct ApiJson<T, const LIMIT: usize = 0>(pub T);

impl<T: DeserializeOwned + Validate + 'static, const LIMIT: usize> FromRequest for ApiJson<T, LIMIT> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = match LIMIT {
            0 => req.app_data::<web::Data<AppState>>().map(|state| state.settings.max_body_bytes).unwrap_or(256 * 1024),
            fixed => fixed,
        };
        let content_type_ok = is_json(req);
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared_length.is_some_and(|length| length > limit) {
                return Err(AppError::PayloadTooLarge { limit });
            }
            if !content_type_ok {
                return Err(AppError::UnsupportedMediaType);
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| AppError::bad_request("the request body could not be read"))?;
                if body.len() + chunk.len() > limit {
                    return Err(AppError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            let value: T = parse_json(&body)?;
            value.validate()?;
            Ok(ApiJson(value))
        })
    }
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses JSON, turning serde's message into a 400 that names the field at fault.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let inner = error.inner();
        if inner.is_syntax() || inner.is_eof() {
            return AppError::bad_request(format!("the body is not valid JSON: {inner}"));
        }
        let path = error.path().to_string();
        let message = strip_position(&inner.to_string());
        let field = missing_field_name(&message)
            .map(|name| if path == "." { name.to_string() } else { format!("{path}.{name}") })
            .unwrap_or(path);
        if message.starts_with("unknown variant") {
            // Well-formed, but not one of the allowed values: a validation failure.
            return AppError::Validation(vec![FieldError::new(field, message)]);
        }
        AppError::BadRequest { detail: format!("{field}: {message}"), errors: vec![FieldError::new(field, message)] }
    })
}

/// serde reports a missing field on the enclosing object; pull the name out of its message.
fn missing_field_name(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// serde_json appends " at line 1 column 7"; the field name already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        items: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn field_of(body: &str) -> String {
        match parse_json::<Outer>(body.as_bytes()) {
            Err(AppError::BadRequest { errors, .. }) => errors[0].field.clone(),
            other => panic!("expected a bad request, got {other:?}"),
        }
    }

    #[test]
    fn a_wrong_type_names_the_nested_field() {
        assert_eq!(field_of(r#"{"name": "a", "items": [{"count": 1}, {"count": "x"}]}"#), "items[1].count");
    }

    #[test]
    fn a_missing_field_is_named() {
        assert_eq!(field_of(r#"{"items": []}"#), "name");
        assert_eq!(field_of(r#"{"name": "a", "items": [{}]}"#), "items[0].count");
    }

    #[test]
    fn broken_json_is_a_bad_request_without_fields() {
        match parse_json::<Outer>(b"{\"name\": ") {
            Err(AppError::BadRequest { errors, detail }) => {
                assert!(errors.is_empty());
                assert!(detail.contains("not valid JSON"));
            }
            other => panic!("expected a bad request, got {other:?}"),
        }
    }
}
