//! Refusing work early when the service is past its ceiling. A new escalation adds work; while
//! the database writer has more than `HANDOFF_MAX_PENDING_WRITES` writes queued, it is refused
//! with 503 and `Retry-After: 1` at once, before authentication or any database work, so the
//! requests already admitted keep their pace (goodput holds near the ceiling instead of every
//! request queueing into a timeout). Accepts, resolutions, declines and the like drain the
//! queue and are never refused here.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::error::AppError;
use crate::startup::AppState;

/// The path whose requests add work.
const INTAKE: &str = "/api/v1/escalations";

/// Middleware: 503 for a new escalation while the writer is saturated.
pub async fn refuse_when_saturated(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if req.method() == Method::POST && req.path() == INTAKE {
        if let Some(state) = req.app_data::<web::Data<AppState>>() {
            let pending = state.db.writes_pending();
            if pending >= state.settings.max_pending_writes {
                let refusal = AppError::Unavailable {
                    retry_after_s: 1,
                    cause: format!("{pending} writes queued for the database; refusing new escalations"),
                };
                return Ok(req.error_response(refusal).map_into_right_body());
            }
        }
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}
