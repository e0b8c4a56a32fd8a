//! The `handoff` binary: parse the command line, read settings, run the command.

use clap::Parser;
use handoff::{cli, config::Settings, telemetry};

#[actix_web::main]
async fn main() {
    handoff::memory::return_large_allocations();
    let cli = cli::Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("handoff: {error:#}");
            std::process::exit(2);
        }
    };
    telemetry::init(&settings.log);
    if let Err(error) = cli::run(cli, settings).await {
        eprintln!("handoff: {error:#}");
        std::process::exit(1);
    }
}
