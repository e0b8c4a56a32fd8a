//! Who is calling: password hashing, access and refresh tokens, service tokens, the
//! per-role extractors handlers use to say who may call them, login rate limits and CSRF.
//!
//! Settings owned here: `HANDOFF_JWT_SECRET`, `HANDOFF_ACCESS_TOKEN_TTL_S`,
//! `HANDOFF_REFRESH_TOKEN_TTL_S`, `HANDOFF_LOGIN_ATTEMPTS_PER_MINUTE`.

pub mod accounts;
pub mod cookies;
pub mod csrf;
pub mod data_key;
pub mod extract;
pub mod mfa;
pub mod mfa_account;
pub mod password;
pub mod password_reset;
pub mod rate_limit;
pub mod revocation;
pub mod rotation;
pub mod sealed;
pub mod secret;
pub mod session;
pub mod tokens;

pub use extract::{AdminUser, AgentUser, Caller, CurrentUser, MaybeUser, ServiceClient, StaffUser};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a caller is allowed to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A freelance support agent.
    Agent,
    /// Reviews recruits, runs operations, exports payroll.
    Staff,
    /// Staff plus settings and staff accounts.
    Admin,
    /// The chatbot platform (a service account, not a person).
    Service,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Staff => "staff",
            Role::Admin => "admin",
            Role::Service => "service",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "agent" => Some(Role::Agent),
            "staff" => Some(Role::Staff),
            "admin" => Some(Role::Admin),
            "service" => Some(Role::Service),
            _ => None,
        }
    }

    /// Staff pages and endpoints are open to admins too.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Staff | Role::Admin)
    }
}
