//! HTTP routes: one file per resource, handlers stay short, no SQL here.

pub mod api;
pub mod health;
pub mod json;
pub mod openapi;
pub mod overload;
pub mod pages;
pub mod query;

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::error::{AppError, PageError};

/// Registers every route, the extractor error handlers and the fallbacks.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Query strings go through `query::ApiQuery`, which answers its own errors.
    cfg.app_data(web::PathConfig::default().error_handler(|err, _| AppError::NotFound(err.to_string()).into()))
        .app_data(
            web::FormConfig::default()
                .limit(64 * 1024)
                .error_handler(|err, _| PageError(AppError::bad_request(err.to_string())).into()),
        )
        .service(health::healthz)
        .service(health::metrics)
        .service(health::readyz)
        .service(api::auth::login)
        .service(api::auth::refresh)
        .service(api::auth::logout)
        .service(api::auth::complete_mfa)
        .service(api::auth::mfa_enrolment)
        .service(api::mfa::status)
        .service(api::mfa::begin)
        .service(api::mfa::confirm)
        .service(api::mfa::renew_recovery_codes)
        .service(api::mfa::remove)
        .service(api::mfa::reset)
        .service(api::passwords::request_reset)
        .service(api::passwords::complete_reset)
        .service(api::passwords::change)
        .service(api::admin::create_staff)
        .service(api::admin::create_service_account)
        .service(api::security_events::list)
        .service(api::agents::apply)
        .service(api::agents::verify)
        .service(api::agents::resend)
        .service(api::me::show)
        .service(api::me::update)
        .service(api::my_data::export)
        .service(api::recruits::list)
        .service(api::recruits::show)
        .service(api::recruits::approve)
        .service(api::recruits::reject)
        .service(api::recruits::suspend)
        .service(api::recruits::anonymise)
        .service(api::recruits::reinstate)
        .service(api::recruits::certify)
        .service(api::skills::list)
        .service(api::skills::create)
        .service(api::regions::show)
        .service(api::regions::replace)
        .service(api::availability::show_availability)
        .service(api::availability::replace_availability)
        .service(api::availability::set_presence)
        .service(api::availability::heartbeat)
        .service(api::availability::set_capacity)
        .service(api::availability::set_rates)
        .service(api::availability::rate_history)
        .service(api::pay_bands::show)
        .service(api::pay_bands::replace)
        .service(api::staff_agents::list)
        .service(api::payroll::staff_export)
        .service(api::operations::live_queue)
        .service(api::operations::metrics)
        .service(api::payroll::statement)
        .service(api::escalations::create)
        .service(api::escalations::show)
        .service(api::escalations::cancel)
        .service(api::escalations::callback)
        .service(api::quote::quote)
        .service(api::quote::accuracy)
        .service(api::offers::pending)
        .service(api::offers::accept)
        .service(api::offers::decline)
        .service(api::offers::mine)
        .service(api::customers::erase)
        .service(api::customers::export)
        .service(api::redaction::show)
        .service(api::redaction::replace)
        .service(api::coverage::show)
        .service(api::coverage::recompute)
        .service(api::coverage::show_target)
        .service(api::coverage::replace_target)
        .service(api::slots::mine)
        .service(api::slots::book)
        .service(api::slots::release)
        .service(api::slots::my_outlook)
        .service(api::slots::list_boosts)
        .service(api::slots::post_boost)
        .service(api::slots::publish)
        .service(api::matching::show)
        .service(api::matching::replace)
        .service(api::conversation::post_message)
        .service(api::conversation::messages)
        .service(api::conversation::resolve)
        .service(api::conversation::transfer)
        .service(api::conversation::rate)
        .service(api::conversation::deliveries)
        .service(api::conversation::first_reply_overdue)
        .service(crate::realtime::stream::events)
        .service(pages::home::home)
        .service(pages::login::login_form)
        .service(pages::login::login_submit)
        .service(pages::login::code_submit)
        .service(pages::account::show)
        .service(pages::account::change_password)
        .service(pages::account::enrol)
        .service(pages::account::confirm)
        .service(pages::account::renew_recovery_codes)
        .service(pages::account::remove)
        .service(pages::login::logout)
        .service(pages::register::show)
        .service(pages::register::submit)
        .service(pages::password::forgot_form)
        .service(pages::password::forgot_submit)
        .service(pages::password::reset_form)
        .service(pages::password::reset_submit)
        .service(pages::staff_security::show)
        .service(pages::verify::show)
        .service(pages::verify::confirm)
        .service(pages::verify::resend)
        .service(pages::staff_recruits::list)
        .service(pages::staff_recruits::decide)
        .service(pages::agent_dashboard::show)
        .service(pages::agent_earnings::show)
        .service(pages::staff_payroll::show)
        .service(pages::staff_operations::show)
        .service(pages::staff_coverage::show)
        .service(pages::staff_coverage::recompute)
        .service(pages::staff_coverage::publish)
        .service(pages::staff_coverage::post_boost)
        .service(pages::staff_coverage::save_target)
        .service(pages::staff_operations::live)
        .service(pages::staff_settings::show)
        .service(pages::staff_settings_forms::save_matching)
        .service(pages::staff_settings_forms::save_bands)
        .service(pages::staff_settings_forms::add_skill)
        .service(pages::staff_settings_forms::save_markets)
        .service(pages::agent_dashboard::answer)
        .service(pages::agent_dashboard::act)
        .service(pages::agent_availability::show)
        .service(pages::agent_slots::show)
        .service(pages::agent_slots::book)
        .service(pages::agent_slots::release)
        .service(pages::agent_availability::save)
        .service(pages::agent_availability::set_presence)
        .service(pages::agent_availability::set_capacity)
        .service(pages::agent_availability::set_rates)
        .service(actix_files::Files::new("/static", static_dir()))
        .configure(openapi::configure)
        .default_service(web::to(not_found));
}

/// Where stylesheets and vendored scripts live: `HANDOFF_STATIC_DIR`, or the crate's folder.
fn static_dir() -> String {
    std::env::var("HANDOFF_STATIC_DIR").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/static").to_string())
}

/// Unknown paths: problem+json under /api, an HTML page elsewhere; a documented path called
/// with another method: 405 with the methods it takes.
async fn not_found(req: HttpRequest) -> HttpResponse {
    if let Some(allowed) = openapi::methods_of(req.path()) {
        return AppError::MethodNotAllowed { allowed }.error_response();
    }
    let error = AppError::NotFound(format!("nothing at {}", req.path()));
    if req.path().starts_with("/api/") { error.error_response() } else { PageError(error).error_response() }
}
