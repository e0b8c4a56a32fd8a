//! GET /api/openapi.json and the Swagger UI at /api/docs/ (assets vendored into the binary).

use actix_web::{HttpResponse, http::header, web};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
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
        api::admin::create_staff,
        api::admin::create_service_account,
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
        api::offers::pending,
        api::offers::accept,
        api::offers::decline,
        api::offers::mine,
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
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Logins, tokens, staff and service accounts"),
        (name = "recruiting", description = "Applications, confirmation and staff review"),
        (name = "agents", description = "The agent's own account"),
        (name = "settings", description = "Skill catalogue, regions and other staff settings"),
        (name = "escalations", description = "Conversations handed to humans"),
        (name = "operations", description = "Health and readiness"),
        (name = "payroll", description = "Payroll CSVs and agent statements"),
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

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/docs",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/api/docs/")).finish()
        }),
    )
    .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", ApiDoc::openapi()));
}
