//! Secrets at rest: webhook secrets sealed with the data key, an instance with another key
//! refusing to start, and rotation from the command line (with keys in the environment, and with
//! SQLite's generated key file).

use std::process::Command;

use diesel::prelude::*;
use handoff::auth::data_key::{DataKey, Purpose};
use handoff::config::Settings;
use handoff::db::schema::service_accounts;
use handoff::startup::Application;

use crate::helpers::{TEST_DATA_KEY, TestDatabase, test_settings};

const OTHER_KEY: &str = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMDE=";

fn handoff(data_dir: &std::path::Path, database_url: &str, keys: &[(&str, &str)], args: &[&str]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_handoff"));
    command.args(args).env("HANDOFF_DATA_DIR", data_dir).env("HANDOFF_DATABASE_URL", database_url);
    command.env("HANDOFF_LOG", "warn").env_remove("HANDOFF_DATA_KEY").env_remove("HANDOFF_DATA_KEY_PREVIOUS");
    for (name, value) in keys {
        command.env(name, value);
    }
    let output = command.output().expect("the handoff binary runs");
    assert!(output.status.success(), "handoff {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn stored_secrets(database_url: &str) -> Vec<String> {
    let mut conn = handoff::db::DatabaseUrl::parse(database_url).unwrap().connect().unwrap();
    service_accounts::table.select(service_accounts::webhook_secret).load(&mut conn).unwrap()
}

fn key(text: &str) -> DataKey {
    let settings = Settings { data_key: text.into(), ..Settings::default() };
    DataKey::from_settings(&settings, handoff::db::Backend::Postgres).unwrap()
}

fn printed_secret(printed: &str) -> String {
    printed.split_whitespace().find(|w| w.starts_with("whsec_")).expect("the secret is printed").to_string()
}

#[tokio::test]
async fn an_instance_with_another_data_key_refuses_to_start_and_a_rotation_moves_every_secret() {
    let folder = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(folder.path());
    let old = [("HANDOFF_DATA_KEY", TEST_DATA_KEY)];
    let secret =
        printed_secret(&handoff(folder.path(), &database.url, &old, &["service-account", "create", "--name", "bot"]));
    let stored = stored_secrets(&database.url);
    assert!(!stored[0].contains(&secret) && stored[0].starts_with("sealed:v1:"));
    assert_eq!(key(TEST_DATA_KEY).open(Purpose::WebhookSecret, &stored[0]).unwrap(), secret);

    let mut wrong = test_settings(folder.path(), &database.url);
    wrong.data_key = OTHER_KEY.into();
    let refused = Application::build(wrong.clone()).await.err().expect("another key is refused");
    assert!(refused.to_string().contains("sealed with data key"), "{refused}");
    assert!(!refused.to_string().contains(OTHER_KEY), "the key itself is never shown");

    let rotating = [("HANDOFF_DATA_KEY", OTHER_KEY), ("HANDOFF_DATA_KEY_PREVIOUS", TEST_DATA_KEY)];
    let report = handoff(folder.path(), &database.url, &rotating, &["data-key", "rotate"]);
    assert!(report.contains("sealed again 1 webhook secret(s)"), "{report}");
    let stored = stored_secrets(&database.url);
    assert_eq!(key(OTHER_KEY).open(Purpose::WebhookSecret, &stored[0]).unwrap(), secret);
    assert!(key(TEST_DATA_KEY).open(Purpose::WebhookSecret, &stored[0]).is_err());
    // Now the new key alone starts, and the old one is refused.
    Application::build(wrong).await.expect("the new key starts");
    let old_only = test_settings(folder.path(), &database.url);
    assert!(Application::build(old_only).await.is_err());
}

#[tokio::test]
async fn on_sqlite_the_generated_key_file_is_private_and_rotates_in_place() {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        return; // The generated file is SQLite's; PostgreSQL takes the key from the environment only.
    }
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", folder.path().join("handoff.db").display());
    let secret = printed_secret(&handoff(folder.path(), &url, &[], &["service-account", "create", "--name", "bot"]));
    let file = folder.path().join("data_key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let before = std::fs::read_to_string(&file).unwrap();
    let report = handoff(folder.path(), &url, &[], &["data-key", "rotate"]);
    assert!(report.contains("sealed again 1 webhook secret(s)"), "{report}");
    let after = std::fs::read_to_string(&file).unwrap();
    assert_ne!(before, after);
    assert!(!folder.path().join("data_key.previous").exists());
    let stored = stored_secrets(&url);
    assert_eq!(key(after.trim()).open(Purpose::WebhookSecret, &stored[0]).unwrap(), secret);
}

#[test]
fn postgres_needs_the_key_in_the_environment() {
    let settings = Settings { data_key: String::new(), ..Settings::default() };
    let refused = DataKey::from_settings(&settings, handoff::db::Backend::Postgres).unwrap_err();
    assert!(refused.to_string().contains("HANDOFF_DATA_KEY must be set"), "{refused}");
}
