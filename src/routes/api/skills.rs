//! GET and POST /api/v1/staff/skills: the skill catalogue.

use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;

use crate::auth::{AdminUser, StaffUser};
use crate::error::{AppResult, Problem};
use crate::recruiting::skills::{self, SkillDefinition};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

/// The skill catalogue. (Staff read it; the /register page shows it to applicants.)
#[utoipa::path(
    tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = Vec<SkillDefinition>), (status = 401, body = Problem), (status = 403, body = Problem))
)]
#[get("/api/v1/staff/skills")]
pub async fn list(_staff: StaffUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db.read(skills::catalogue).await?))
}

/// Add a skill to the catalogue.
#[utoipa::path(
    tag = "settings", security(("bearer" = [])), request_body = SkillDefinition,
    responses((status = 201, body = SkillDefinition), (status = 401, body = Problem), (status = 403, description = "Not an admin", body = Problem), (status = 409, description = "Exists already", body = Problem), (status = 422, body = Problem))
)]
#[post("/api/v1/staff/skills")]
pub async fn create(
    admin: AdminUser,
    state: web::Data<AppState>,
    body: ApiJson<SkillDefinition>,
) -> AppResult<HttpResponse> {
    let definition = body.0;
    let stored = definition.clone();
    state.db.write(move |conn| skills::create(conn, &stored, admin.0.id, Utc::now())).await?;
    Ok(HttpResponse::Created().json(definition))
}
