//! GET and POST /register: the application form. It builds the same `Registration` the API
//! takes and shows the same field errors next to the inputs.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use askama_web::WebTemplate;
use validator::Validate;

use super::forms::{Fields, FormErrors};
use super::{Chrome, require_csrf};
use crate::error::{AppError, PageError};
use crate::places::{Location, cities};
use crate::recruiting::input::{LanguageInput, LanguageLevel, RecruitSource, Registration, SkillInput};
use crate::recruiting::skills::{self, SkillDefinition};
use crate::routes::api::agents::submit_application;
use crate::startup::AppState;

/// How many language rows the form offers.
const LANGUAGE_ROWS: usize = 3;
/// Languages offered in the form's lists (ISO 639-1 and English name).
const LANGUAGES: &[(&str, &str)] = &[
    ("ar", "Arabic"),
    ("cs", "Czech"),
    ("da", "Danish"),
    ("de", "German"),
    ("el", "Greek"),
    ("en", "English"),
    ("es", "Spanish"),
    ("fi", "Finnish"),
    ("fr", "French"),
    ("hu", "Hungarian"),
    ("is", "Icelandic"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("nl", "Dutch"),
    ("no", "Norwegian"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("so", "Somali"),
    ("sv", "Swedish"),
    ("tr", "Turkish"),
    ("uk", "Ukrainian"),
    ("zh", "Chinese"),
];
const CURRENCIES: &[&str] =
    &["SEK", "NOK", "DKK", "EUR", "GBP", "USD", "CHF", "PLN", "CZK", "AUD", "NZD", "CAD", "MXN"];

struct LanguageRow {
    index: usize,
    codes: Vec<Choice>,
    levels: Vec<Choice>,
}

struct SkillRow {
    name: String,
    label: String,
    requires_certification: bool,
    checked: bool,
    proficiencies: Vec<Choice>,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
struct RegisterPage {
    chrome: Chrome,
    values: Fields,
    errors: FormErrors,
    language_rows: Vec<LanguageRow>,
    skill_rows: Vec<SkillRow>,
    cities: Vec<Choice>,
    timezones: Vec<Choice>,
    currencies: Vec<Choice>,
    sources: Vec<Choice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "register_done.html")]
struct CheckYourEmail {
    chrome: Chrome,
    email: String,
}

fn page(req: &HttpRequest, catalogue: Vec<SkillDefinition>, values: Fields, errors: FormErrors) -> RegisterPage {
    let levels = [LanguageLevel::Native, LanguageLevel::Fluent, LanguageLevel::Conversational];
    let language_rows = (0..LANGUAGE_ROWS)
        .map(|index| LanguageRow {
            index,
            codes: Choice::list(
                LANGUAGES.iter().map(|(code, name)| (*code, format!("{name} ({code})"))),
                values.get(&format!("language_code_{index}")),
            ),
            levels: Choice::list(
                levels.iter().map(|l| (l.as_str(), l.as_str().to_string())),
                values.get(&format!("language_level_{index}")),
            ),
        })
        .collect();
    let skill_rows = catalogue
        .into_iter()
        .map(|skill| SkillRow {
            label: skill.name.replace('_', " "),
            checked: values.is_checked(&format!("skill_{}", skill.name)),
            proficiencies: Choice::list(
                PROFICIENCIES.iter().map(|(value, label)| (*value, label.to_string())),
                match values.get(&format!("proficiency_{}", skill.name)) {
                    "" => "3",
                    given => given,
                },
            ),
            error: None,
            requires_certification: skill.requires_certification,
            name: skill.name,
        })
        .collect();
    RegisterPage {
        chrome: Chrome::of(req),
        cities: Choice::list(
            cities::CITIES.iter().map(|c| (c.name, format!("{} ({})", c.name, c.country))),
            values.get("city"),
        ),
        timezones: Choice::list(
            chrono_tz::TZ_VARIANTS.iter().map(|tz| (tz.name(), tz.name().to_string())),
            values.get("timezone"),
        ),
        currencies: Choice::list(CURRENCIES.iter().map(|c| (*c, c.to_string())), values.get("currency")),
        sources: Choice::list(
            RecruitSource::ALL.iter().map(|s| (s.as_str(), source_label(*s).to_string())),
            values.get("recruit_source"),
        ),
        values,
        errors,
        language_rows,
        skill_rows,
    }
}

const PROFICIENCIES: &[(&str, &str)] =
    &[("1", "1 · beginner"), ("2", "2"), ("3", "3 · confident"), ("4", "4"), ("5", "5 · expert")];

fn source_label(source: RecruitSource) -> &'static str {
    match source {
        RecruitSource::Student => "I am a student",
        RecruitSource::Rural => "I live outside the big cities",
        RecruitSource::KlarnaUser => "I am a customer myself",
        RecruitSource::Other => "Something else",
    }
}

/// One option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn list<'a>(items: impl Iterator<Item = (&'a str, String)>, current: &str) -> Vec<Choice> {
        items.map(|(value, label)| Choice { selected: value == current, value: value.to_string(), label }).collect()
    }
}

#[get("/register")]
pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> Result<RegisterPage, PageError> {
    let catalogue = state.db.read(skills::catalogue).await?;
    Ok(page(&req, catalogue, Fields::default(), FormErrors::default()))
}

/// An amount typed in major units (`220`, `220.50`, `220,5`) as minor units of `currency`.
pub fn parse_major_units(text: &str, currency: &str) -> Option<i64> {
    let exponent = currency.parse::<iso_currency::Currency>().ok()?.exponent().unwrap_or(2) as usize;
    let text = text.trim().replace(',', ".");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || fraction.len() > exponent {
        return None;
    }
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{fraction:0<exponent$}");
    let minor = if exponent == 0 { 0 } else { padded.parse::<i64>().ok()? };
    whole.parse::<i64>().ok()?.checked_mul(10i64.pow(exponent as u32))?.checked_add(minor)
}

/// Reads the posted form into an application; problems that stop the reading are collected.
fn read_application(fields: &Fields, catalogue: &[SkillDefinition], errors: &mut FormErrors) -> Registration {
    let mut languages = Vec::new();
    for index in 0..LANGUAGE_ROWS {
        let code = fields.get(&format!("language_code_{index}"));
        if code.is_empty() {
            continue;
        }
        match LanguageLevel::parse(fields.get(&format!("language_level_{index}"))) {
            Some(level) => languages.push(LanguageInput { code: code.to_string(), level }),
            None => errors.add(&format!("languages[{}].level", languages.len()), "choose a level"),
        }
    }
    let skills = catalogue
        .iter()
        .filter(|skill| fields.is_checked(&format!("skill_{}", skill.name)))
        .map(|skill| SkillInput {
            skill: skill.name.clone(),
            proficiency: fields.get(&format!("proficiency_{}", skill.name)).parse().unwrap_or(0),
        })
        .collect();
    let city = cities::by_name(fields.get("city"));
    let location = match (fields.get("lat").parse::<f64>(), fields.get("lon").parse::<f64>(), city) {
        (Ok(lat), Ok(lon), _) => Location { lat, lon },
        (_, _, Some(city)) => Location { lat: city.lat, lon: city.lon },
        _ => {
            errors.add("location", "choose your city or enter your coordinates");
            Location { lat: 0.0, lon: 0.0 }
        }
    };
    let timezone = match (fields.get("timezone"), city) {
        ("", Some(city)) => city.timezone.to_string(),
        (given, _) => given.to_string(),
    };
    let currency = fields.get("currency").to_string();
    let mut money = |field: &str, minor_field: &str| match parse_major_units(fields.get(field), &currency) {
        Some(minor) => minor,
        None => {
            errors.add(minor_field, "enter an amount such as 220 or 220.50");
            0
        }
    };
    let hourly_rate_minor = money("hourly_rate", "hourly_rate_minor");
    let per_conversation_minor = money("per_conversation", "per_conversation_minor");
    let recruit_source = RecruitSource::ALL.into_iter().find(|s| s.as_str() == fields.get("recruit_source"));
    if recruit_source.is_none() {
        errors.add("recruit_source", "tell us how you found us");
    }
    Registration {
        email: fields.get("email").to_string(),
        password: fields.0.get("password").cloned().unwrap_or_default(),
        full_name: fields.get("full_name").to_string(),
        languages,
        skills,
        location,
        timezone,
        hourly_rate_minor,
        per_conversation_minor,
        currency,
        recruit_source: recruit_source.unwrap_or(RecruitSource::Other),
        motivation: fields.get("motivation").to_string(),
    }
}

#[post("/register")]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    state.registration_limiter.check(req.peer_addr().map(|a| a.ip())).await?;
    let catalogue = state.db.read(skills::catalogue).await?;
    let mut errors = FormErrors::default();
    let application = read_application(&fields, &catalogue, &mut errors);
    if let Err(invalid) = application.validate() {
        if let Some(found) = FormErrors::from_error(&AppError::from(invalid)) {
            for (field, message) in found.entries() {
                errors.add(field, message);
            }
        }
    }
    if errors.is_empty() {
        let email = application.email.clone();
        match submit_application(&state, application).await {
            Ok(_) => {
                let done = CheckYourEmail { chrome: Chrome::of(&req), email };
                let body = done.render().map_err(|e| AppError::Internal(e.into()))?;
                return Ok(HttpResponse::Created().content_type("text/html; charset=utf-8").body(body));
            }
            Err(error) => match FormErrors::from_error(&error) {
                Some(found) => errors = found,
                None => return Err(PageError(error)),
            },
        }
    }
    let mut shown = page(&req, catalogue, fields, errors);
    for row in &mut shown.skill_rows {
        row.error = shown.errors.under("skills").map(str::to_string).filter(|_| row.checked);
    }
    let body = shown.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY).content_type("text/html; charset=utf-8").body(body))
}

#[cfg(test)]
mod tests {
    use super::parse_major_units;

    #[test]
    fn amounts_in_major_units_become_exact_minor_units() {
        assert_eq!(parse_major_units("220", "SEK"), Some(22_000));
        assert_eq!(parse_major_units("220.5", "SEK"), Some(22_050));
        assert_eq!(parse_major_units("220,05", "EUR"), Some(22_005));
        assert_eq!(parse_major_units("1500", "JPY"), Some(1_500));
        assert_eq!(parse_major_units("1.5", "JPY"), None, "yen have no minor unit");
        assert_eq!(parse_major_units("2.345", "EUR"), None);
        assert_eq!(parse_major_units("-3", "EUR"), None);
        assert_eq!(parse_major_units("", "EUR"), None);
        assert_eq!(parse_major_units("12", "XXX-not"), None);
    }
}
