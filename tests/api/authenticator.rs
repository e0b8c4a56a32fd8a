//! The tests' authenticator app: remembers each account's TOTP secret (read from an enrolment,
//! as a person's phone would) and computes codes with totp-rs, never reusing a time step
//! (the server refuses a replayed step, as it should): a second login in the same 30 s uses the
//! next step, which the server accepts as clock drift; a third waits for the clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use totp_rs::{Builder, Secret};

const STEP_S: u64 = 30;

#[derive(Clone, Default)]
pub struct Authenticator {
    /// Secret (base32) and the last step used, per email.
    accounts: Arc<Mutex<HashMap<String, (String, u64)>>>,
}

impl Authenticator {
    pub fn remember(&self, email: &str, secret: &str) {
        self.accounts.lock().unwrap().insert(email.to_lowercase(), (secret.to_string(), 0));
    }

    pub fn secret(&self, email: &str) -> Option<String> {
        self.accounts.lock().unwrap().get(&email.to_lowercase()).map(|(s, _)| s.clone())
    }

    /// A code for `email` the server has not seen yet; panics for an account never enrolled.
    pub async fn code(&self, email: &str) -> String {
        loop {
            let now_step = now_s() / STEP_S;
            let chosen = {
                let mut accounts = self.accounts.lock().unwrap();
                let (secret, last) = accounts.get_mut(&email.to_lowercase()).expect("an enrolled account");
                let step = (*last + 1).max(now_step);
                (step <= now_step + 1).then(|| {
                    *last = step;
                    code_at(secret, step * STEP_S)
                })
            };
            match chosen {
                Some(code) => return code,
                None => tokio::time::sleep(Duration::from_secs(STEP_S - now_s() % STEP_S)).await,
            }
        }
    }
}

/// The code an authenticator app shows at `unix_s` for `secret` (base32).
pub fn code_at(secret: &str, unix_s: u64) -> String {
    let totp = Builder::new()
        .with_secret(Secret::try_from_base32(secret).expect("a base32 secret"))
        .build()
        .expect("a valid TOTP");
    totp.generate(unix_s).to_string()
}

pub fn now_s() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}
