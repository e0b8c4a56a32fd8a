//! GET /api/openapi.json and the Swagger UI at /api/docs/ (assets vendored into the binary).

use std::sync::LazyLock;

use actix_web::{HttpResponse, http::header, web};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
    openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder},
};
use utoipa_swagger_ui::SwaggerUi;

use super::{api, health};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Handoff",
        description = "Dispatch marketplace for freelance customer-support agents. Errors are RFC 9457 problem+json."
    ),
    paths(
        api::auth::login,
        api::auth::refresh,
        api::auth::logout,
        api::auth::complete_mfa,
        api::auth::mfa_enrolment,
        api::mfa::status,
        api::mfa::begin,
        api::mfa::confirm,
        api::mfa::renew_recovery_codes,
        api::mfa::remove,
        api::mfa::reset,
        api::passwords::request_reset,
        api::passwords::complete_reset,
        api::passwords::change,
        api::admin::create_staff,
        api::admin::create_service_account,
        api::security_events::list,
        api::agents::apply,
        api::agents::verify,
        api::agents::resend,
        api::me::show,
        api::me::update,
        api::recruits::list,
        api::recruits::show,
        api::recruits::approve,
        api::recruits::reject,
        api::recruits::suspend,
        api::recruits::anonymise,
        api::recruits::reinstate,
        api::recruits::certify,
        api::skills::list,
        api::skills::create,
        api::regions::show,
        api::regions::replace,
        api::availability::show_availability,
        api::availability::replace_availability,
        api::availability::set_presence,
        api::availability::heartbeat,
        api::availability::set_capacity,
        api::availability::set_rates,
        api::availability::rate_history,
        api::pay_bands::show,
        api::pay_bands::replace,
        api::staff_agents::list,
        api::payroll::staff_export,
        api::operations::live_queue,
        api::operations::metrics,
        api::payroll::statement,
        api::escalations::create,
        api::escalations::show,
        api::escalations::cancel,
        api::escalations::callback,
        api::quote::quote,
        api::coverage::show,
        api::coverage::recompute,
        api::coverage::show_target,
        api::coverage::replace_target,
        api::slots::mine,
        api::slots::book,
        api::slots::release,
        api::slots::my_outlook,
        api::slots::list_boosts,
        api::slots::post_boost,
        api::slots::publish,
        api::slots::show_alerts,
        api::slots::set_alerts,
        api::quality::wrap_up,
        api::quality::show_settings,
        api::quality::replace_settings,
        api::quality::scorecards,
        api::quality::create_scorecard,
        api::quality::review,
        api::quality::review_queue,
        api::quality::settle_dispute,
        api::quality::my_reviews,
        api::quality::dispute,
        api::quality::my_tier,
        api::quality::recompute_tiers,
        api::decisions::mine,
        api::decisions::request_review,
        api::decisions::requested,
        api::decisions::answer,
        api::supervise::whisper,
        api::supervise::take_over,
        api::supervise::end,
        api::supervise::transfer,
        api::supervise::raise_hand,
        api::supervise::raised_hands,
        api::supervise::answer_hand,
        api::quote::accuracy,
        api::offers::pending,
        api::offers::accept,
        api::offers::decline,
        api::offers::mine,
        api::my_data::export,
        api::customers::erase,
        api::customers::export,
        api::redaction::show,
        api::redaction::replace,
        api::matching::show,
        api::matching::replace,
        api::conversation::post_message,
        api::conversation::messages,
        api::conversation::resolve,
        api::conversation::transfer,
        api::conversation::rate,
        api::conversation::deliveries,
        api::conversation::first_reply_overdue,
        crate::realtime::stream::events,
        health::healthz,
        health::readyz,
        health::metrics,
    ),
    modifiers(&BearerAuth, &ProblemResponses),
    tags(
        (name = "accounts", description = "Logins, tokens, staff and service accounts"),
        (name = "recruiting", description = "Applications, confirmation and staff review"),
        (name = "agents", description = "The agent's own account"),
        (name = "settings", description = "Skill catalogue, regions and other staff settings"),
        (name = "escalations", description = "Conversations handed to humans"),
        (name = "coverage", description = "Forecast, required agents, bookable slots and boosts"),
        (name = "operations", description = "Health and readiness"),
        (name = "payroll", description = "Payroll CSVs and agent statements"),
        (name = "quality", description = "Wrap-up, quality reviews, tiers, supervisors, and automated decisions explained and contestable"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme the paths refer to: a JWT access token, or a service token.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// Every error is RFC 9457 problem+json. utoipa writes `body = Problem` as application/json;
/// this says what is really sent, and adds a `default` response to every operation for the
/// errors any request can meet without them being listed one by one (400 for an unreadable body
/// or query, 413, 415, 429).
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let problem = || {
            ResponseBuilder::new()
                .description("An error, as RFC 9457 problem+json")
                .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.patch, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                for (status, response) in operation.responses.responses.iter_mut() {
                    if let (RefOr::T(response), true) = (response, status.starts_with(['4', '5'])) {
                        if let Some(content) = response.content.shift_remove("application/json") {
                            response.content.insert(PROBLEM_JSON.into(), content);
                        }
                    }
                }
                operation.responses.responses.entry("default".into()).or_insert_with(|| problem().into());
            }
        }
    }
}

const PROBLEM_JSON: &str = "application/problem+json";

/// Each documented path as segments (`None` for a `{parameter}`) with the methods it takes.
static ROUTES: LazyLock<Vec<(Vec<Option<String>>, Vec<&'static str>)>> = LazyLock::new(|| {
    ApiDoc::openapi()
        .paths
        .paths
        .iter()
        .map(|(path, item)| {
            let segments = path.split('/').map(|s| (!s.starts_with('{')).then(|| s.to_string())).collect();
            let methods = [
                ("GET", item.get.is_some()),
                ("PUT", item.put.is_some()),
                ("POST", item.post.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            (segments, methods.into_iter().filter(|(_, has)| *has).map(|(m, _)| m).collect())
        })
        .collect()
});

/// The methods a documented path takes, if `path` is one (for 405 rather than 404).
pub fn methods_of(path: &str) -> Option<Vec<&'static str>> {
    let wanted: Vec<&str> = path.split('/').collect();
    ROUTES.iter().find_map(|(segments, methods)| {
        let fits = segments.len() == wanted.len()
            && segments.iter().zip(&wanted).all(|(s, w)| s.as_deref().is_none_or(|s| s == *w));
        fits.then(|| methods.clone())
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/docs",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/api/docs/")).finish()
        }),
    )
    .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", ApiDoc::openapi()));
}
