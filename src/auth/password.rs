//! Argon2id password hashing with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane).

use std::sync::{Condvar, LazyLock, Mutex};

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};

/// Shortest password we accept, as NIST SP 800-63B suggests for user-chosen secrets.
pub const MIN_PASSWORD_LEN: u64 = 10;

/// Argon2 computations running at once, at most one per core. Each holds a 19 MiB block: a
/// burst of logins would otherwise hold one per blocking thread at once (the peak memory of the
/// whole server), and finish no sooner, since the cores are the limit either way.
struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

static SLOTS: LazyLock<Slots> = LazyLock::new(|| Slots {
    free: Mutex::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)),
    freed: Condvar::new(),
});

/// Runs `work` (one argon2 computation) when a slot is free; call on a blocking thread.
fn in_slot<T>(work: impl FnOnce() -> T) -> T {
    {
        let mut free = SLOTS.free.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while *free == 0 {
            free = SLOTS.freed.wait(free).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        *free -= 1;
    }
    // Given back even if `work` panics.
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            *SLOTS.free.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) += 1;
            SLOTS.freed.notify_one();
        }
    }
    let _release = Release;
    work()
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt. Slow on purpose:
/// call it on a blocking thread.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let hash = in_slot(|| hasher().hash_password(password.as_bytes()))
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hash.to_string())
}

/// Whether `password` matches `phc`. A malformed stored hash never matches. Slow on purpose.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => in_slot(|| hasher().verify_password(password.as_bytes(), &parsed).is_ok()),
        Err(_) => false,
    }
}

/// A real hash of a password nobody knows, verified when the email is unknown so that an
/// unknown email costs the same time as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&crate::auth::tokens::random_token()).expect("hashing works"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        assert_ne!(hash_password("same password").unwrap(), hash_password("same password").unwrap());
    }
}
