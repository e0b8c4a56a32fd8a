//! GET /: what Handoff is, and who is signed in.

use actix_web::{HttpRequest, get, web};
use askama::Template;
use askama_web::WebTemplate;

use super::Chrome;
use crate::auth::{MaybeUser, Role};
use crate::error::PageError;
use crate::models::user;
use crate::startup::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    signed_in: Option<SignedIn>,
}

struct SignedIn {
    full_name: String,
    email: String,
    role: &'static str,
    agent_status: Option<String>,
}

#[get("/")]
pub async fn home(req: HttpRequest, state: web::Data<AppState>, visitor: MaybeUser) -> Result<HomePage, PageError> {
    let signed_in = match visitor.0 {
        Some(current) => {
            let found = state.db.read(move |conn| Ok(user::find(conn, current.id)?)).await?;
            found.map(|u| SignedIn {
                role: u.role().as_str(),
                agent_status: (u.role() == Role::Agent).then(|| u.status.to_string()),
                full_name: u.full_name,
                email: u.email,
            })
        }
        None => None,
    };
    Ok(HomePage { chrome: Chrome::of(&req), signed_in })
}
