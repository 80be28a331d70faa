//! `osdgate`: the admin CLI.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod trust;

/// osdgate: check deployments and build the artifacts for boot media over a gateway.
#[derive(Debug, Parser)]
#[command(name = "osdgate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the version of the CLI and of the model it checks against.
    Version,
    /// Trusted roots for boot media: certificate -> WinPE registry patch, inspect, decode, apply scripts.
    Trust(trust::TrustArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("osdgate {}", osdgate_model::VERSION);
            ExitCode::SUCCESS
        }
        Command::Trust(args) => trust::run(args),
    }
}
