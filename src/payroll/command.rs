//! `handoff payroll export`: the staff export from the command line, for periods too large to
//! wait for in a browser, with a progress bar while agents are metered.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};

use super::export::{self, PayrollPeriod};
use crate::config::Settings;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::startup::connect_and_migrate;

pub struct ExportArgs {
    pub from: String,
    pub to: String,
    pub out: Option<PathBuf>,
    pub detail: bool,
    pub agent_id: Option<AgentId>,
}

/// `--from` and friends say which flag is wrong, in the words of the API's field errors.
fn explain(error: AppError) -> anyhow::Error {
    match error {
        AppError::Validation(errors) => {
            let lines: Vec<String> = errors.iter().map(|e| format!("--{}: {}", e.field, e.message)).collect();
            anyhow::anyhow!(lines.join("; "))
        }
        other => anyhow::Error::new(other),
    }
}

pub async fn export(settings: Settings, args: ExportArgs) -> anyhow::Result<()> {
    let payroll = PayrollPeriod::parse(Some(&args.from), Some(&args.to), settings.payroll_tz()).map_err(explain)?;
    let db = connect_and_migrate(&settings).await?;
    // Drawn on standard error, and only on a terminal: a piped CSV stays clean.
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} metering agents {bar:40} {pos}/{len} ({eta} left)")
            .context("progress bar template")?,
    );
    let ticker = bar.clone();
    let only = args.agent_id;
    let pays = db
        .read(move |conn| {
            export::collect(conn, &payroll, Utc::now(), only, &mut |done, total| {
                ticker.set_length(total);
                ticker.set_position(done);
            })
        })
        .await
        .map_err(explain)?;
    bar.finish_and_clear();
    let lines = pays.len();
    match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
            write(std::io::BufWriter::new(file), &payroll, &pays, args.detail)?;
            eprintln!("wrote payroll for {lines} agent(s), {} to {}, to {}", payroll.from, payroll.to, path.display());
        }
        None => write(std::io::stdout().lock(), &payroll, &pays, args.detail)?,
    }
    Ok(())
}

fn write(out: impl Write, payroll: &PayrollPeriod, pays: &[export::AgentPay], detail: bool) -> anyhow::Result<()> {
    if detail { export::write_detail(out, payroll, pays) } else { export::write_summary(out, payroll, pays) }
        .context("writing the CSV")
}
