//! One error type for the whole service. API handlers return it and clients get RFC 9457
//! problem+json; page handlers wrap it in [`PageError`] and browsers get an HTML page.
//! Anything unexpected is logged with its whole cause chain and answered with a plain 500
//! that carries no internal text.

use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header};
use askama::Template;
use serde::Serialize;
use utoipa::ToSchema;

/// One problem with one input field, named by its JSON path (`languages[0].code`).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// Every way a request can fail, each with its HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Malformed JSON, a wrong type, a bad query string: 400.
    #[error("bad request: {detail}")]
    BadRequest { detail: String, errors: Vec<FieldError> },
    /// Well-formed input that breaks a rule: 422 with the fields at fault.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// No credentials, or credentials that do not hold: 401.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Logged in, but this role may not do this: 403.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The thing named does not exist (or is not yours to know about): 404.
    #[error("not found: {0}")]
    NotFound(String),
    /// The path exists, but not with this method: 405 with the methods it takes.
    #[error("method not allowed")]
    MethodNotAllowed { allowed: Vec<&'static str> },
    /// The request clashes with the current state (email taken, offer expired): 409.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The body is larger than `max_body_bytes`: 413.
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The body is not JSON: 415.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Slow down; try again after the given number of seconds: 429.
    #[error("too many requests")]
    TooManyRequests { retry_after_s: u64 },
    /// The service cannot do this now (overloaded, or its database is unreachable or full);
    /// nothing was done, and the same request may succeed after the given seconds: 503.
    #[error("service unavailable: {cause}")]
    Unavailable { retry_after_s: u64, cause: String },
    /// A bug; the cause is logged, never sent: 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn bad_request(detail: impl Into<String>) -> AppError {
        AppError::BadRequest { detail: detail.into(), errors: vec![] }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    /// The problem's `type` slug and `title`.
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            AppError::BadRequest { .. } => ("bad-request", "The request could not be read"),
            AppError::Validation(_) => ("validation-failed", "Some fields are not valid"),
            AppError::Unauthorized(_) => ("unauthorized", "Authentication required"),
            AppError::Forbidden(_) => ("forbidden", "Not allowed"),
            AppError::NotFound(_) => ("not-found", "Not found"),
            AppError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            AppError::Conflict(_) => ("conflict", "Conflict with the current state"),
            AppError::PayloadTooLarge { .. } => ("payload-too-large", "Request body too large"),
            AppError::UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type"),
            AppError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            AppError::Unavailable { .. } => ("unavailable", "Service unavailable"),
            AppError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    /// What the client may read: never the internal cause.
    fn public_detail(&self) -> String {
        match self {
            AppError::BadRequest { detail, .. } => detail.clone(),
            AppError::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                format!("invalid: {}", fields.join(", "))
            }
            AppError::Unauthorized(detail)
            | AppError::Forbidden(detail)
            | AppError::NotFound(detail)
            | AppError::Conflict(detail) => detail.clone(),
            AppError::PayloadTooLarge { limit } => {
                format!("the body must be at most {limit} bytes")
            }
            AppError::UnsupportedMediaType => "send the body as application/json".into(),
            AppError::MethodNotAllowed { allowed } => format!("this path takes {}", allowed.join(", ")),
            AppError::TooManyRequests { retry_after_s } => {
                format!("try again in {retry_after_s} s")
            }
            AppError::Unavailable { retry_after_s, .. } => {
                format!("the service cannot take this now; nothing was done; try again in {retry_after_s} s")
            }
            AppError::Internal(_) => "something went wrong on our side; it has been logged".into(),
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::BadRequest { errors, .. } | AppError::Validation(errors) => errors,
            _ => &[],
        }
    }

    /// The problem document sent to API clients.
    pub fn problem(&self) -> Problem {
        let (slug, title) = self.kind();
        Problem {
            problem_type: format!("/problems/{slug}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail: self.public_detail(),
            errors: self.field_errors().to_vec(),
        }
    }

    /// Seconds a client should wait before trying again, for the answers that say so.
    fn retry_after_s(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after_s } | AppError::Unavailable { retry_after_s, .. } => {
                Some(*retry_after_s)
            }
            _ => None,
        }
    }

    /// An outage of the database (unreachable, full, failing) or the writer being saturated.
    pub fn unavailable(cause: impl std::fmt::Display) -> AppError {
        AppError::Unavailable { retry_after_s: 1, cause: cause.to_string() }
    }

    fn log(&self) {
        match self {
            // `{:?}` on anyhow prints the whole chain of causes.
            AppError::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
            AppError::Unavailable { cause, .. } => tracing::warn!(%cause, "request refused: service unavailable"),
            _ => {}
        }
    }
}

/// RFC 9457 problem details, as every API error is answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        if let Some(seconds) = self.retry_after_s() {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if let AppError::MethodNotAllowed { allowed } = self {
            response.insert_header((header::ALLOW, allowed.join(", ")));
        }
        if let AppError::Unauthorized(_) = self {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> AppError {
        match error {
            diesel::result::Error::NotFound => AppError::NotFound("no such record".into()),
            other if crate::db::is_outage(&other) => AppError::unavailable(format!("database: {other}")),
            other => AppError::Internal(anyhow::Error::new(other).context("database query")),
        }
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errors: validator::ValidationErrors) -> AppError {
        let mut fields = Vec::new();
        flatten_validation_errors("", &errors, &mut fields);
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        AppError::Validation(fields)
    }
}

/// Turns validator's nested maps into one list with JSON paths (`skills[1].proficiency`).
fn flatten_validation_errors(prefix: &str, errors: &validator::ValidationErrors, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind;
    let join = |name: &str| {
        if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") }
    };
    for (name, kind) in errors.errors() {
        let path = join(name);
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let message = error.message.as_ref().map(|m| m.to_string()).unwrap_or_else(|| describe_rule(error));
                    out.push(FieldError::new(path.clone(), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten_validation_errors(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    flatten_validation_errors(&format!("{path}[{index}]"), inner, out);
                }
            }
        }
    }
}

/// A readable message for a validator rule that did not set one.
fn describe_rule(error: &validator::ValidationError) -> String {
    let param = |name: &str| error.params.get(name).map(|v| v.to_string());
    match error.code.as_ref() {
        "email" => "must be an email address".into(),
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            _ => "has the wrong length".into(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            _ => "is out of range".into(),
        },
        code => format!("is not valid ({code})"),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: crate::routes::pages::Chrome,
    status: u16,
    title: String,
    detail: String,
}

/// An [`AppError`] met while rendering a page: answered as HTML, and a 401 sends the browser
/// to the login page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(error: E) -> PageError {
        PageError(error.into())
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log();
        if let AppError::Unauthorized(_) = self.0 {
            return HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).finish();
        }
        let problem = self.0.problem();
        // The frame shows no login state: an error page is rendered without the request.
        let chrome = crate::routes::pages::Chrome { csrf_token: String::new(), role: None };
        let page = ErrorPage { chrome, status: problem.status, title: problem.title, detail: problem.detail };
        let body = page.render().unwrap_or_else(|_| "error".into());
        let mut response = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.0.retry_after_s() {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.content_type("text/html; charset=utf-8").body(body)
    }
}

/// Shorthand for handler results.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(response: HttpResponse) -> String {
        String::from_utf8(response.into_body().try_into_bytes().unwrap().to_vec()).unwrap()
    }

    #[test]
    fn an_internal_error_answers_500_without_its_cause() {
        let error = AppError::Internal(anyhow::anyhow!("password=hunter2 at db.internal:5432"));
        let response = error.error_response();
        assert_eq!(response.status(), 500);
        let body = body_of(response);
        assert!(body.contains("\"status\":500"));
        assert!(!body.contains("hunter2") && !body.contains("db.internal"));
    }

    #[test]
    fn a_page_error_is_html_and_hides_the_cause_too() {
        let response = PageError(AppError::Internal(anyhow::anyhow!("secret cause"))).error_response();
        assert_eq!(response.status(), 500);
        assert!(response.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
        assert!(!body_of(response).contains("secret cause"));
    }

    #[test]
    fn nested_validation_errors_get_json_paths() {
        #[derive(validator::Validate)]
        struct Skill {
            #[validate(range(min = 1, max = 5))]
            proficiency: u8,
        }
        #[derive(validator::Validate)]
        struct Form {
            #[validate(email)]
            email: String,
            #[validate(nested)]
            skills: Vec<Skill>,
        }
        use validator::Validate;
        let form = Form { email: "nope".into(), skills: vec![Skill { proficiency: 3 }, Skill { proficiency: 9 }] };
        let AppError::Validation(errors) = AppError::from(form.validate().unwrap_err()) else { panic!() };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "skills[1].proficiency"]);
        assert_eq!(errors[1].message, "must be between 1 and 5");
    }
}
