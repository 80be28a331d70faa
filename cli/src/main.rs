//! `osdgate`: the admin CLI.

mod bootimage;
mod bootimage_wim;
mod check;
mod media;
mod output;
mod relay;
mod schema;
mod trust;
mod ts;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Check a document (JSON or TOML) against every preflight rule. Exit 0: no errors, 1: errors,
    /// 2: the file cannot be read or parsed.
    Check(check::CheckArgs),
    /// ConfigMgr task sequences: import, export, lint.
    Ts(ts::TsArgs),
    /// Print the JSON Schema of documents.
    Schema(schema::SchemaArgs),
    /// Trusted roots for boot media: certificate -> WinPE registry patch, inspect, decode, apply scripts.
    Trust(trust::TrustArgs),
    /// Windows PE boot images for osdgate media: the DISM preparation scripts and the launcher.
    Bootimage(bootimage::BootimageArgs),
    /// Boot media: the bundle, a USB image or an ISO from a document and the boot files; verify.
    Media(Box<media::MediaArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("osdgate {}", osdgate_model::VERSION);
            ExitCode::SUCCESS
        }
        Command::Check(args) => check::run(args),
        Command::Ts(args) => ts::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Trust(args) => trust::run(args),
        Command::Bootimage(args) => bootimage::run(args),
        Command::Media(args) => media::run(*args),
    }
}
