//! Field rules shared by several request types, for `#[validate(custom(function = …))]`.

use validator::ValidationError;

use crate::places::Location;

fn rule(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// An ISO 639-1 language code in lower case, such as `sv`.
pub fn iso_639_1(code: &str) -> Result<(), ValidationError> {
    match isolang::Language::from_639_1(code) {
        Some(_) if code.len() == 2 && code.chars().all(|c| c.is_ascii_lowercase()) => Ok(()),
        _ => Err(rule("language", "must be an ISO 639-1 code such as sv or en")),
    }
}

/// An ISO 4217 currency code in upper case, such as `SEK`.
/// A short machine name: letters, digits, `_`, `.` and `-` (an intent, a field name).
pub fn slug(text: &str) -> Result<(), ValidationError> {
    if text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        Ok(())
    } else {
        Err(rule("slug", "use letters, digits, `_`, `.` or `-` only"))
    }
}

pub fn iso_4217(code: &str) -> Result<(), ValidationError> {
    match code.parse::<iso_currency::Currency>() {
        Ok(_) if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) => Ok(()),
        _ => Err(rule("currency", "must be an ISO 4217 code such as SEK or EUR")),
    }
}

/// An ISO 3166-1 alpha-2 country code, such as `SE`.
pub fn iso_3166_alpha2(code: &str) -> Result<(), ValidationError> {
    match isocountry::CountryCode::for_alpha2(code) {
        Ok(_) => Ok(()),
        Err(_) => Err(rule("market", "must be an ISO 3166-1 alpha-2 code such as SE")),
    }
}

/// An IANA time zone name, such as `Europe/Stockholm`.
pub fn iana_timezone(name: &str) -> Result<(), ValidationError> {
    name.parse::<chrono_tz::Tz>()
        .map(|_| ())
        .map_err(|_| rule("timezone", "must be an IANA time zone such as Europe/Stockholm"))
}

/// Latitude within ±90 and longitude within ±180.
pub fn location(location: &Location) -> Result<(), ValidationError> {
    if location.is_valid() { Ok(()) } else { Err(rule("location", "lat must be within ±90 and lon within ±180")) }
}
