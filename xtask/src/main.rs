//! `cargo xtask`: the project's two entry points, `dev` (run the product) and `test` (run every test),
//! plus the `build` step they share. Each step prints what it does; every tool it needs is installed
//! into the project (`.tools/`, `node_modules/`) or from Debian's packages when missing.

mod build;
mod process;
mod secrets;
mod summary;
mod test;
mod tools;
mod wrangler;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  dev [--port N]    install what is missing, build the console and the relay, apply the D1
                    migrations and run `wrangler dev` on 127.0.0.1 (port 8787 by default)
  test              run every check and test suite (fmt, clippy, cargo test, wasm32 builds,
                    Playwright against a fresh `wrangler dev`) and print `N passed, N failed`
  build             install what is missing and build the console and the relay only
  setup             install what is missing (toolchain targets, CLI tools, npm packages, Chromium)
";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let root = workspace_root()?;
    match command.as_str() {
        "dev" => {
            let port = parse_port(&rest)?;
            wrangler::dev(&root, port).map(|()| ExitCode::SUCCESS)
        }
        "test" => {
            no_options("test", &rest)?;
            test::run(&root)
        }
        "build" => {
            no_options("build", &rest)?;
            let tools = tools::ensure(&root, tools::Needs::BUILD)?;
            build::all(&root, &tools)?;
            Ok(ExitCode::SUCCESS)
        }
        "setup" => {
            no_options("setup", &rest)?;
            tools::ensure(&root, tools::Needs::ALL)?;
            Ok(ExitCode::SUCCESS)
        }
        "" | "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

fn parse_port(args: &[String]) -> Result<u16> {
    match args {
        [] => Ok(wrangler::DEFAULT_PORT),
        [flag, value] if flag == "--port" => value
            .parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .with_context(|| format!("--port takes a TCP port from 1 to 65535, not `{value}`")),
        [single] if single.starts_with("--port=") => {
            parse_port(&["--port".to_owned(), single.trim_start_matches("--port=").to_owned()])
        }
        _ => bail!("`dev` takes only `--port N`, got `{}`", args.join(" ")),
    }
}

fn no_options(command: &str, args: &[String]) -> Result<()> {
    if args.is_empty() {
        Ok(())
    } else {
        bail!("`{command}` takes no options, got `{}`", args.join(" "))
    }
}

/// The workspace root: the parent of this crate's directory (cargo sets the manifest dir at build
/// time, so this works from any current directory).
fn workspace_root() -> Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).context("xtask is not inside a workspace")
}
