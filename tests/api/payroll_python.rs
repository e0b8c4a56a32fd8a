//! Python's csv module as the independent reader of payroll CSVs (tests/payroll_check.py).
//! Runs where python3 is installed; TEST_PYTHON=1 (set by .ci/run) makes a missing python3 fail.

use std::process::Command;

use serde_json::Value;

pub fn check(summary: &str, detail: &str) {
    let python = Command::new("python3").arg("--version").output();
    if python.is_err() {
        assert!(std::env::var("TEST_PYTHON").is_err(), "TEST_PYTHON=1 but python3 is not installed");
        eprintln!("python3 not found: skipping the Python csv check");
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let (summary_path, detail_path) = (folder.path().join("payroll.csv"), folder.path().join("detail.csv"));
    std::fs::write(&summary_path, summary).unwrap();
    std::fs::write(&detail_path, detail).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/payroll_check.py");
    let output = Command::new("python3").arg(script).arg(&summary_path).arg(&detail_path).output().unwrap();
    assert!(output.status.success(), "Python's check failed: {}", String::from_utf8_lossy(&output.stderr));
    let python_rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let rust_rows = crate::payroll::read_csv(summary);
    assert_eq!(python_rows.len(), rust_rows.len());
    for (python, rust) in python_rows.iter().zip(&rust_rows) {
        for (column, value) in rust {
            assert_eq!(python[column].as_str(), Some(value.as_str()), "{column} reads the same in Python");
        }
    }
}
