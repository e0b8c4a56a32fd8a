//! The forms of /staff/settings (admins only): each reads its fields, applies the change with
//! the same validation and audit entry as the API, and answers with the page again (errors
//! beside the fields) or a redirect with a notice.

use actix_web::{HttpRequest, HttpResponse, http::header, post, web};

use super::Page;
use super::forms::{Fields, FormErrors};
use super::register::parse_major_units;
use super::require_csrf;
use super::staff_settings::{BLANK_ROWS, LADDER_ROWS, render};
use crate::auth::{AdminUser, Role};
use crate::availability::rates::{self, Band, PayBands};
use crate::dispatch::settings::{self, LadderStep, MatchingSettings};
use crate::error::{AppError, PageError};
use crate::matching::{Factor, Level, Relaxable};
use crate::recruiting::{placement, skills::SkillDefinition};
use crate::startup::AppState;

fn saved(what: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/staff/settings?saved={what}"))).finish()
}

/// A number typed into `name`, or an error beside it.
fn number<T: std::str::FromStr>(fields: &Fields, name: &str, errors: &mut FormErrors) -> Option<T> {
    let text = fields.get(name);
    let parsed = text.parse::<T>().ok();
    if parsed.is_none() {
        errors.add(name, &format!("`{text}` is not a number"));
    }
    parsed
}

/// The page again with the errors of form `failed`, or a redirect when `outcome` is fine.
async fn answer(
    req: &HttpRequest,
    state: &AppState,
    outcome: Result<(), AppError>,
    failed: &'static str,
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok(()) => Ok(saved(failed)),
        Err(error) => match FormErrors::from_error(&error) {
            Some(errors) => {
                let page = render(req, state, Role::Admin, None, errors, failed).await?;
                Ok(HttpResponse::UnprocessableEntity()
                    .content_type("text/html; charset=utf-8")
                    .body(askama::Template::render(&page).map_err(|e| PageError(AppError::Internal(e.into())))?))
            }
            None => Err(PageError(error)),
        },
    }
}

fn read_matching(fields: &Fields, current: &MatchingSettings) -> Result<MatchingSettings, AppError> {
    let mut errors = FormErrors::default();
    let mut next = current.clone();
    for factor in Factor::ALL {
        if let Some(value) = number(fields, &format!("weights.{}", factor.name()), &mut errors) {
            *next.weights.of_mut(factor) = value;
        }
    }
    if let Some(v) = number(fields, "offer_timeout_s", &mut errors) {
        next.offer_timeout_s = v;
    }
    if let Some(v) = number(fields, "missed_offers_to_away", &mut errors) {
        next.missed_offers_to_away = v;
    }
    if let Some(v) = number(fields, "proficiency_floor", &mut errors) {
        next.proficiency_floor = v;
    }
    if let Some(v) = number(fields, "sensitive_rating_floor", &mut errors) {
        next.sensitive_rating_floor = v;
    }
    if let Some(v) = number(fields, "first_reply_deadline_s", &mut errors) {
        next.first_reply_deadline_s = v;
    }
    next.max_distance_km = match fields.get("max_distance_km") {
        "" => None,
        _ => number(fields, "max_distance_km", &mut errors),
    };
    next.language_floor = match fields.get("language_floor") {
        "conversational" => Level::Conversational,
        "native" => Level::Native,
        _ => Level::Fluent,
    };
    next.ladder = Vec::new();
    for row in 0..LADDER_ROWS {
        let relax = match fields.get(&format!("ladder_{row}_relax")) {
            "language_level" => Relaxable::LanguageLevel,
            "proficiency_floor" => Relaxable::ProficiencyFloor,
            "proximity" => Relaxable::Proximity,
            _ => continue,
        };
        if let Some(after_s) = number(fields, &format!("ladder_{row}_after_s"), &mut errors) {
            next.ladder.push(LadderStep { after_s, relax });
        }
    }
    if errors.is_empty() { Ok(next) } else { Err(errors.into_error()) }
}

#[post("/staff/settings/matching")]
pub async fn save_matching(
    req: HttpRequest,
    admin: Page<AdminUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let actor = admin.0.0.id;
    let outcome = state
        .db
        .write(move |conn| {
            let next = read_matching(&fields, &settings::load(conn)?)?;
            settings::save(conn, &next, actor, chrono::Utc::now())
        })
        .await;
    answer(&req, &state, outcome, "matching").await
}

fn read_bands(fields: &Fields) -> Result<PayBands, AppError> {
    let mut errors = FormErrors::default();
    let rows: usize = fields.get("band_rows").parse().unwrap_or(0);
    let mut bands = Vec::new();
    for row in 0..rows.min(1000 + BLANK_ROWS) {
        let skill = fields.get(&format!("band_{row}_skill"));
        if skill.is_empty() {
            continue;
        }
        let currency = fields.get(&format!("band_{row}_currency")).to_uppercase();
        let mut amount = |column: &str| {
            let name = format!("band_{row}_{column}");
            let parsed = parse_major_units(fields.get(&name), &currency);
            if parsed.is_none() {
                errors.add(&name, &format!("an amount in {currency}, like 180.00"));
            }
            parsed.unwrap_or_default()
        };
        bands.push(Band {
            skill: skill.to_string(),
            min_hourly_minor: amount("min_hourly"),
            max_hourly_minor: amount("max_hourly"),
            min_per_conversation_minor: amount("min_conversation"),
            max_per_conversation_minor: amount("max_conversation"),
            currency,
        });
    }
    if errors.is_empty() { Ok(PayBands { bands }) } else { Err(errors.into_error()) }
}

#[post("/staff/settings/pay-bands")]
pub async fn save_bands(
    req: HttpRequest,
    admin: Page<AdminUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let actor = admin.0.0.id;
    let outcome = state
        .db
        .write(move |conn| {
            let document = read_bands(&fields)?;
            validator::Validate::validate(&document)?;
            rates::replace_bands(conn, &document, actor, chrono::Utc::now())
        })
        .await;
    answer(&req, &state, outcome, "bands").await
}

#[post("/staff/settings/skills")]
pub async fn add_skill(
    req: HttpRequest,
    admin: Page<AdminUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let definition = SkillDefinition {
        name: fields.get("name").to_lowercase(),
        requires_certification: fields.is_checked("requires_certification"),
    };
    let actor = admin.0.0.id;
    let outcome = match validator::Validate::validate(&definition) {
        Err(invalid) => Err(AppError::from(invalid)),
        Ok(()) => {
            state
                .db
                .write(move |conn| crate::recruiting::skills::create(conn, &definition, actor, chrono::Utc::now()))
                .await
        }
    };
    answer(&req, &state, outcome, "skills").await
}

#[post("/staff/settings/markets")]
pub async fn save_markets(
    req: HttpRequest,
    admin: Page<AdminUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let actor = admin.0.0.id;
    let outcome = state
        .db
        .write(move |conn| {
            let mut document = placement::document(conn)?;
            let names: Vec<String> = document.regions.features.iter().map(|f| f.properties.name.clone()).collect();
            let rows: usize = fields.get("market_rows").parse().unwrap_or(0);
            let mut errors = FormErrors::default();
            document.markets.clear();
            for row in 0..rows.min(300) {
                let market = fields.get(&format!("market_{row}_code")).to_uppercase();
                if market.is_empty() {
                    continue;
                }
                if crate::validate::iso_3166_alpha2(&market).is_err() {
                    errors.add(&format!("market_{row}_code"), "a two-letter country code, like SE");
                }
                let allowed: Vec<String> =
                    names.iter().filter(|n| fields.is_checked(&format!("market_{row}_region_{n}"))).cloned().collect();
                document.markets.insert(market, allowed);
            }
            if !errors.is_empty() {
                return Err(errors.into_error());
            }
            placement::replace(conn, &document, actor, chrono::Utc::now()).map(|_| ())
        })
        .await;
    answer(&req, &state, outcome, "markets").await
}
