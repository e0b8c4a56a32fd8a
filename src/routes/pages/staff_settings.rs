//! GET /staff/settings: matching (weights, offer timeout, widening ladder, floors), pay bands,
//! the skill catalogue and which regions may serve each market, with the latest changes. Staff
//! see it; admins change it (the forms post to `staff_settings_forms.rs`, which validates with
//! the same rules as the API and audits every change).

use actix_web::{HttpRequest, get, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::forms::FormErrors;
use super::{Chrome, Page};
use crate::auth::{Role, StaffUser};
use crate::dispatch::settings::{self, MatchingSettings};
use crate::error::PageError;
use crate::matching::{Factor, Level, Relaxable};
use crate::models::{audit, skill};
use crate::money;
use crate::recruiting::placement;
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

/// Rows of the ladder form (steps beyond the last filled one are left out).
pub const LADDER_ROWS: usize = 3;
/// Blank rows offered below the existing pay bands and market rules.
pub const BLANK_ROWS: usize = 2;

pub struct Weight {
    pub name: &'static str,
    pub value: f64,
}

pub struct LadderRow {
    pub after_s: String,
    pub relax: String,
}

impl LadderRow {
    pub fn relaxes(&self, value: &str) -> bool {
        self.relax == value
    }
}

pub struct BandRow {
    pub skill: String,
    pub currency: String,
    /// (column, amount in major units): min_hourly, max_hourly, min_conversation, max_conversation.
    pub amounts: Vec<(&'static str, String)>,
}

pub struct MarketRow {
    pub market: String,
    pub regions: Vec<(String, bool)>,
}

pub struct Change {
    pub at: String,
    pub by: String,
    pub action: String,
    pub detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_settings.html")]
pub struct SettingsPage {
    pub chrome: Chrome,
    pub can_edit: bool,
    pub notice: Option<String>,
    pub errors: FormErrors,
    /// Which form the errors belong to (`matching`, `bands`, `skills`, `markets`).
    pub failed: &'static str,
    pub matching: MatchingSettings,
    pub floors: Vec<(&'static str, &'static str, String)>,
    pub weights: Vec<Weight>,
    pub ladder: Vec<LadderRow>,
    pub bands: Vec<BandRow>,
    pub skills: Vec<skill::Skill>,
    pub markets: Vec<MarketRow>,
    pub changes: Vec<Change>,
}

impl SettingsPage {
    pub fn is_level(&self, level: &str) -> bool {
        level_name(self.matching.language_floor) == level
    }
}

/// (field, label, value) of the single-number matching settings.
fn floors(m: &MatchingSettings) -> Vec<(&'static str, &'static str, String)> {
    {
        vec![
            ("offer_timeout_s", "Offer timeout (s)", m.offer_timeout_s.to_string()),
            ("missed_offers_to_away", "Missed offers before away", m.missed_offers_to_away.to_string()),
            ("proficiency_floor", "Skill proficiency floor (1-5)", m.proficiency_floor.to_string()),
            ("sensitive_rating_floor", "Rating floor for sensitive cases", m.sensitive_rating_floor.to_string()),
            ("first_reply_deadline_s", "First reply deadline (s)", m.first_reply_deadline_s.to_string()),
        ]
    }
}

impl SettingsPage {
    pub fn distance(&self) -> String {
        self.matching.max_distance_km.map(|km| km.to_string()).unwrap_or_default()
    }
}

pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Conversational => "conversational",
        Level::Fluent => "fluent",
        Level::Native => "native",
    }
}

pub fn relax_name(relax: Relaxable) -> &'static str {
    match relax {
        Relaxable::LanguageLevel => "language_level",
        Relaxable::ProficiencyFloor => "proficiency_floor",
        Relaxable::Proximity => "proximity",
    }
}

fn major(minor: i64, currency: &str) -> String {
    money::decimal(minor, currency)
}

/// Builds the page from the stored settings; `errors` belong to the form named `failed`.
pub async fn render(
    req: &HttpRequest,
    state: &AppState,
    role: Role,
    notice: Option<String>,
    errors: FormErrors,
    failed: &'static str,
) -> Result<SettingsPage, PageError> {
    let (matching, bands, skills, regions, recent) = state
        .db
        .read(|conn| {
            Ok((
                settings::load(conn)?,
                crate::availability::rates::bands(conn)?,
                skill::all(conn)?,
                placement::document(conn)?,
                audit::recent_of_kind(conn, "settings", 15)?,
            ))
        })
        .await?;
    let weights = Factor::ALL.into_iter().map(|f| Weight { name: f.name(), value: matching.weights.of(f) }).collect();
    let mut ladder: Vec<LadderRow> = matching
        .ladder
        .iter()
        .map(|s| LadderRow { after_s: s.after_s.to_string(), relax: relax_name(s.relax).into() })
        .collect();
    ladder.resize_with(LADDER_ROWS.max(ladder.len()), || LadderRow { after_s: String::new(), relax: String::new() });
    let mut band_rows: Vec<BandRow> = bands
        .bands
        .iter()
        .map(|b| BandRow {
            skill: b.skill.clone(),
            currency: b.currency.clone(),
            amounts: vec![
                ("min_hourly", major(b.min_hourly_minor, &b.currency)),
                ("max_hourly", major(b.max_hourly_minor, &b.currency)),
                ("min_conversation", major(b.min_per_conversation_minor, &b.currency)),
                ("max_conversation", major(b.max_per_conversation_minor, &b.currency)),
            ],
        })
        .collect();
    for _ in 0..BLANK_ROWS {
        let blank = ["min_hourly", "max_hourly", "min_conversation", "max_conversation"].map(|c| (c, String::new()));
        band_rows.push(BandRow { skill: String::new(), currency: String::new(), amounts: blank.to_vec() });
    }
    let region_names: Vec<String> = regions.regions.features.iter().map(|f| f.properties.name.clone()).collect();
    let mut markets: Vec<MarketRow> = regions
        .markets
        .iter()
        .map(|(market, allowed)| MarketRow {
            market: market.clone(),
            regions: region_names.iter().map(|r| (r.clone(), allowed.contains(r))).collect(),
        })
        .collect();
    for _ in 0..BLANK_ROWS {
        markets.push(MarketRow {
            market: String::new(),
            regions: region_names.iter().map(|r| (r.clone(), false)).collect(),
        });
    }
    let changes = recent
        .into_iter()
        .map(|(entry, email)| Change {
            at: entry.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            by: email.unwrap_or_else(|| "system".into()),
            action: entry.action.replace('_', " "),
            detail: entry.detail.unwrap_or_default(),
        })
        .collect();
    Ok(SettingsPage {
        chrome: Chrome::of(req),
        can_edit: role == Role::Admin,
        notice,
        errors,
        failed,
        floors: floors(&matching),
        matching,
        weights,
        ladder,
        bands: band_rows,
        skills,
        markets,
        changes,
    })
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    pub saved: Option<String>,
}

#[get("/staff/settings")]
pub async fn show(
    req: HttpRequest,
    staff: Page<StaffUser>,
    state: web::Data<AppState>,
    query: ApiQuery<NoticeQuery>,
) -> Result<SettingsPage, PageError> {
    let notice = match query.saved.as_deref() {
        Some("matching") => Some("Matching settings saved; they apply from the next dispatch pass."),
        Some("bands") => Some("Pay bands saved; they bound rate changes from now on."),
        Some("skills") => Some("Skill added to the catalogue."),
        Some("markets") => Some("Market rules saved; every agent was placed again."),
        Some(_) => None,
        None => None,
    };
    render(&req, &state, staff.0.0.role, notice.map(String::from), FormErrors::default(), "").await
}
