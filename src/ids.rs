//! Id newtypes, so an agent's id can never be passed where an escalation's is expected. Each is
//! stored as BigInt on both backends (diesel-derive-newtype), travels as a plain integer in JSON,
//! paths and queries (`serde(transparent)`) and is documented as one in the OpenAPI document.

use std::fmt;

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DieselNewType, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> Result<$name, Self::Err> {
                text.parse().map($name)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <i64 as utoipa::PartialSchema>::schema()
            }
        }
    };
}

id_type! {
    /// A person who signs in: an agent, staff or an admin.
    UserId
}

id_type! {
    /// An agent: the `user_id` of their `agents` row (an agent is a user with a profile).
    AgentId
}

impl From<AgentId> for UserId {
    /// Every agent is a user, under the same id.
    fn from(agent: AgentId) -> UserId {
        UserId(agent.0)
    }
}

impl AgentId {
    /// The agent who is this user (for a user known to be an agent: their role says so, or
    /// their agent row was just created).
    pub fn of_user(user: UserId) -> AgentId {
        AgentId(user.0)
    }
}

id_type! {
    /// An escalation (one customer's conversation handed to humans).
    EscalationId
}

id_type! {
    /// One offer of an escalation to one agent.
    OfferId
}

id_type! {
    /// A service account: the chatbot platform (or one of its environments) calling the API.
    ServiceAccountId
}

id_type! {
    /// A bookable 30-minute coverage slot of one queue.
    SlotId
}

id_type! {
    /// One agent's booking of a slot.
    BookingId
}

id_type! {
    /// A pay multiplier on one queue for a span of time.
    BoostId
}

id_type! {
    /// A quality scorecard: weighted criteria reviewers score conversations on.
    ScorecardId
}

id_type! {
    /// A quality review of one conversation.
    ReviewId
}

id_type! {
    /// An automated decision about an agent recorded with its inputs (offers keep their own).
    DecisionId
}

id_type! {
    /// An agent's request for a human review of an automated decision.
    DecisionReviewId
}

id_type! {
    /// An agent's raised hand.
    HelpRequestId
}
