//! Access tokens (JWT, HS256 pinned, short-lived) and opaque tokens (refresh tokens, service
//! tokens, verification links): 32 random bytes, stored only as their SHA-256.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Role;
use crate::ids::UserId;

/// Issuer and audience written into, and required of, every access token.
const ISSUER: &str = "handoff";
const AUDIENCE: &str = "handoff";
/// Prefix that marks a service token, so it is never mistaken for a JWT.
pub const SERVICE_TOKEN_PREFIX: &str = "hsvc_";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string (JWT convention).
    pub sub: String,
    pub role: Role,
    /// The login this token belongs to (the refresh-token family), revoked by logout.
    pub sid: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    pub fn user_id(&self) -> Option<UserId> {
        self.sub.parse().ok()
    }
}

/// Signing and checking keys built once from the secret.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> JwtKeys {
        // Only HS256 is accepted: a token claiming another algorithm (or "none") fails.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        JwtKeys { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation }
    }

    /// Signs an access token for `user_id` valid for `ttl_s` seconds from `now`.
    pub fn issue(
        &self,
        user_id: UserId,
        role: Role,
        session: &str,
        now: DateTime<Utc>,
        ttl_s: u64,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            sid: session.to_string(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now.timestamp(),
            exp: now.timestamp() + ttl_s as i64,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| anyhow::anyhow!("signing an access token: {e}"))
    }

    /// The claims of a valid, unexpired token; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok().map(|data| data.claims)
    }
}

/// 32 random bytes, URL-safe base64: for refresh tokens, link tokens and generated secrets.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// How opaque tokens are stored: their SHA-256 in hex. The tokens carry 256 random bits, so a
/// fast hash is enough (no dictionary to guess from), and lookups by hash stay indexed.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_and_a_tampered_one_does_not() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let token = keys.issue(UserId(7), Role::Staff, "s1", Utc::now(), 900).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!((claims.user_id(), claims.role, claims.sid.as_str()), (Some(UserId(7)), Role::Staff, "s1"));
        let other = JwtKeys::new(b"another secret another secret 123");
        assert!(other.verify(&token).is_none());
    }

    #[test]
    fn an_expired_token_is_refused() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let token = keys.issue(UserId(7), Role::Agent, "s", Utc::now() - chrono::Duration::seconds(1000), 900).unwrap();
        assert!(keys.verify(&token).is_none());
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let now = Utc::now().timestamp();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = format!(
            r#"{{"sub":"1","role":"admin","sid":"x","iss":"handoff","aud":"handoff","iat":{now},"exp":{}}}"#,
            now + 600
        );
        let token = format!("{header}.{}.", URL_SAFE_NO_PAD.encode(body));
        assert!(keys.verify(&token).is_none());
    }

    #[test]
    fn random_tokens_differ_and_hash_to_hex() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
    }
}
