//! Secrets kept in the data folder: the JWT signing secret (unless `HANDOFF_JWT_SECRET` is set)
//! and, through [`load_or_create_file`], the data key on SQLite.

use std::{fs, io::Write, path::Path};

use anyhow::Context;

const SECRET_FILE: &str = "jwt_secret";

/// The configured secret, or the one kept in `<data_dir>/jwt_secret`, created with 64 random
/// bytes and mode 0600 the first time. Never logged.
pub fn load_or_create(configured: &str, data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    if !configured.is_empty() {
        return Ok(configured.as_bytes().to_vec());
    }
    let path = data_dir.join(SECRET_FILE);
    let secret =
        load_or_create_file(&path, || format!("{}{}", super::tokens::random_token(), super::tokens::random_token()))?;
    anyhow::ensure!(secret.len() >= 32, "{} is shorter than 32 characters", path.display());
    Ok(secret.into_bytes())
}

/// The secret kept in `path` (trimmed), created by `generate` with mode 0600 the first time.
/// Safe when several processes start at once: one file wins and all read it.
pub fn load_or_create_file(path: &Path, generate: impl FnOnce() -> String) -> anyhow::Result<String> {
    if let Ok(existing) = fs::read_to_string(path) {
        return Ok(existing.trim().to_string());
    }
    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    }
    let secret = generate();
    if publish_private(path, &secret).with_context(|| format!("writing {}", path.display()))? {
        tracing::info!(path = %path.display(), "generated a new secret");
        return Ok(secret);
    }
    // Another instance starting at the same moment won the race: use its secret.
    let existing = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(existing.trim().to_string())
}

/// Writes `content` to a private temporary file (mode 0600) and links it into place only if
/// `path` does not exist yet, so readers never see a half-written secret. Returns whether ours
/// was the one published.
pub(crate) fn publish_private(path: &Path, content: &str) -> std::io::Result<bool> {
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    file.write_all(content.as_bytes())?;
    file.sync_all()?;
    let linked = fs::hard_link(&temporary, path);
    fs::remove_file(&temporary)?;
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_is_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create("", dir.path()).unwrap();
        let second = load_or_create("", dir.path()).unwrap();
        assert_eq!(first, second);
        assert!(first.len() >= 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(SECRET_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_configured_secret_wins() {
        let dir = tempfile::tempdir().unwrap();
        let secret = load_or_create("x".repeat(40).as_str(), dir.path()).unwrap();
        assert_eq!(secret, "x".repeat(40).into_bytes());
        assert!(!dir.path().join(SECRET_FILE).exists());
    }
}
