//! `cargo xtask test`: every check and suite, in order, continuing past failures so one run reports
//! everything; every process it starts is stopped on every path; the last line is the summary.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result};

use crate::process::{self, step};
use crate::summary::{self, Counts};
use crate::tools::{self, Tools};
use crate::{build, secrets, wrangler};

/// Crates that must build (and pass clippy) for wasm32: what the browser and the worker run.
const WASM_CRATES: &[&str] = &[
    "osdgate-model",
    "osdgate-console",
    "osdgate-console-pages",
    "osdgate-console-toml",
    "osdgate-console-checker",
    "osdgate-console-jobs",
    "osdgate-console-worker",
    "osdgate-relay",
];

struct Suite {
    name: &'static str,
    counts: Counts,
}

pub fn run(root: &Path) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let mut suites: Vec<Suite> = Vec::new();
    let mut record = |name: &'static str, counts: Counts| {
        step(format!("{name}: {counts}"));
        suites.push(Suite { name, counts });
    };

    let tools = match tools::ensure(root, tools::Needs::ALL) {
        Ok(tools) => Some(tools),
        Err(error) => {
            eprintln!("xtask: setup failed: {error:#}");
            record("setup", Counts::check(false));
            None
        }
    };

    step("cargo fmt --check");
    record("rustfmt", Counts::check(cargo(root, &["fmt", "--all", "--", "--check"])));

    step("cargo clippy (native, all targets)");
    let clippy = ["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"];
    record("clippy native", Counts::check(cargo(root, &clippy)));

    step("cargo clippy (wasm32)");
    let mut wasm_clippy = vec!["clippy", "--target", "wasm32-unknown-unknown", "--lib", "--bins"];
    for krate in WASM_CRATES {
        wasm_clippy.extend(["--package", krate]);
    }
    wasm_clippy.extend(["--", "-D", "warnings"]);
    record("clippy wasm32", Counts::check(cargo(root, &wasm_clippy)));

    step("cargo check (fuzz targets, their own workspace in fuzz/)");
    record("fuzz targets", Counts::check(check_fuzz_targets(root)));

    step("cargo test (workspace)");
    record("cargo test", cargo_test(root)?);

    step("Windows agent: cross-build, then its dry run under Wine");
    record("windows agent", windows_agent(root)?);

    if let Some(tools) = &tools {
        step("console browser tests (wasm-bindgen-test in headless Chromium)");
        let counts = browser_tests(root, tools).unwrap_or_else(|error| {
            eprintln!("xtask: the console's browser tests could not run: {error:#}");
            Counts::check(false)
        });
        record("wasm browser", counts);

        step("wasm32 builds: console and relay");
        let built = build::all(root, tools);
        if let Err(error) = &built {
            eprintln!("xtask: wasm32 build failed: {error:#}");
        }
        record("wasm32 builds", Counts::check(built.is_ok()));
        if built.is_ok() {
            // Issue 10: the console's first load stays under 400 KB gzipped.
            let within = match build::first_load(&build::console_dist(root)) {
                Ok(first_load) => {
                    step(first_load.to_string());
                    first_load.within_budget()
                }
                Err(error) => {
                    eprintln!("xtask: the console's first load could not be measured: {error:#}");
                    false
                }
            };
            record("first-load size", Counts::check(within));
        }
        if built.is_ok() {
            step("Playwright against a fresh wrangler dev");
            let counts = playwright(root, tools).unwrap_or_else(|error| {
                eprintln!("xtask: the browser and live relay suite could not run: {error:#}");
                Counts::check(false)
            });
            record("playwright", counts);
        } else {
            eprintln!("xtask: Playwright not run: the wasm32 build failed (counted as a failure)");
            record("playwright", Counts::check(false));
        }
        if built.is_ok() {
            step("agent journey against wrangler dev (the relay stopped and started mid-download)");
            let counts = agent_journey(root, tools).unwrap_or_else(|error| {
                eprintln!("xtask: the agent journey against wrangler dev could not run: {error:#}");
                Counts::check(false)
            });
            record("agent journey", counts);
        } else {
            eprintln!(
                "xtask: agent journey not run: the wasm32 build failed (counted as a failure)"
            );
            record("agent journey", Counts::check(false));
        }
    }

    let mut total = Counts::default();
    println!();
    println!("suite            result");
    for suite in &suites {
        println!("{:<16} {}", suite.name, suite.counts);
        total.add(&suite.counts);
    }
    println!("(took {:.0}s)", started.elapsed().as_secs_f64());
    println!("{total}");
    Ok(if total.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn cargo(root: &Path, args: &[&str]) -> bool {
    process::status(Command::new("cargo").current_dir(root).args(args))
        .map(|status| status.success())
        .unwrap_or(false)
}

/// Every parser's fuzz target must keep compiling, although running them needs cargo-fuzz and is
/// on demand (README, "Fuzzing"). `cargo check` on stable is enough to catch an API drift; the
/// targets share the workspace's target directory so the model and the relay are not rebuilt.
/// Not `--locked`: `fuzz/Cargo.lock` starts from the workspace's lock and cargo adds to it only what
/// a dependency added to the model or the relay needs.
fn check_fuzz_targets(root: &Path) -> bool {
    let Ok(target) = build::target_dir(root) else {
        eprintln!("xtask: cannot resolve the target directory for the fuzz check");
        return false;
    };
    let manifest = root.join("fuzz/Cargo.toml");
    let mut command = Command::new("cargo");
    command.current_dir(root).arg("check").arg("--manifest-path");
    command.arg(&manifest).arg("--bins").arg("--target-dir").arg(&target);
    process::status(&mut command).map(|status| status.success()).unwrap_or(false)
}

fn cargo_test(root: &Path) -> Result<Counts> {
    let (status, output) =
        process::tee(Command::new("cargo").current_dir(root).args(["test", "--workspace"]))?;
    let mut counts = summary::parse_libtest(&output);
    if !status.success() && counts.failed == 0 {
        // A compile error or a crashed test binary: no `failed` count, but a failure all the same.
        counts.failed += 1;
    }
    Ok(counts)
}

/// Cross-builds the agent for Windows (x86_64-pc-windows-gnu, mingw) and runs the ignored tests of
/// `agent/tests/wine.rs` with it: the boot-media example's dry run under Wine must record what the
/// Linux build records; real runs start stand-in tools (mingw, logging their command line) with
/// exactly the recorded command lines and resume after each restart; Run Command Line and registry
/// conditions use Wine's own `cmd.exe` and `reg.exe`.
fn windows_agent(root: &Path) -> Result<Counts> {
    let build = ["build", "-p", "osdgate-agent", "--target", "x86_64-pc-windows-gnu"];
    if !cargo(root, &build) {
        eprintln!("xtask: the Windows agent did not build");
        return Ok(Counts::check(false));
    }
    let exe = build::target_dir(root)?.join("x86_64-pc-windows-gnu/debug/osdgate-agent.exe");
    let mut command = Command::new("cargo");
    command.current_dir(root).args([
        "test",
        "-p",
        "osdgate-agent",
        "--test",
        "wine",
        "--",
        "--ignored",
    ]);
    command.env("OSDGATE_AGENT_WINDOWS_EXE", &exe);
    let (status, output) = process::tee(&mut command)?;
    let mut counts = summary::parse_libtest(&output);
    if !status.success() && counts.failed == 0 {
        counts.failed += 1;
    }
    Ok(counts)
}

/// The console's `wasm-bindgen-test` suite (`web-ui/tests/browser.rs`): its stores against the real
/// IndexedDB of headless Chromium, driven by chromedriver (`web-ui/webdriver.json` has the flags).
fn browser_tests(root: &Path, tools: &Tools) -> Result<Counts> {
    let (status, output) = process::tee(
        Command::new("cargo")
            .current_dir(root.join("web-ui"))
            .args(["test", "-p", "osdgate-console", "--target", "wasm32-unknown-unknown"])
            .args(["--test", "browser"])
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", &tools.wasm_bindgen_test_runner)
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    )?;
    let mut counts = summary::parse_libtest(&output);
    if !status.success() && counts.failed == 0 {
        counts.failed += 1;
    }
    if counts.passed + counts.failed == 0 {
        eprintln!("xtask: the console's browser tests ran no test");
        counts.failed += 1;
    }
    Ok(counts)
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "osdgate-{label}-{}-{}",
            std::process::id(),
            secrets::random_hex()?.get(..8).unwrap_or("0")
        ));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A relay's local state for one suite: a temporary folder, the secrets written into its env file
/// (the admin token kept for the suite's requests) and the D1 migrations applied to its state.
struct FreshRelay {
    temp: TempDir,
    state: PathBuf,
    env_file: PathBuf,
    admin_token: String,
}

impl FreshRelay {
    fn prepare(root: &Path, tools: &Tools, label: &str) -> Result<Self> {
        let temp = TempDir::new(label)?;
        let state = temp.0.join("state");
        let env_file = temp.0.join("secrets.env");
        let values = secrets::write_env_file(root, &env_file)?;
        let admin_token = values
            .into_iter()
            .find(|(name, _)| name == "ADMIN_TOKEN")
            .map(|(_, value)| value)
            .context("no ADMIN_TOKEN")?;
        wrangler::apply_migrations(root, tools, &state)?;
        Ok(FreshRelay { temp, state, env_file, admin_token })
    }
}

/// Fresh state, migrations, `wrangler dev` on a free port, then the Playwright suite against it.
fn playwright(root: &Path, tools: &Tools) -> Result<Counts> {
    let FreshRelay { temp, state, env_file, admin_token } =
        FreshRelay::prepare(root, tools, "test")?;
    let port = wrangler::free_port()?;
    let relay = wrangler::start(root, tools, port, &state, &env_file)?;
    let report = temp.0.join("playwright.json");
    let (status, _) = process::tee(
        Command::new(tools.node_bin.join("playwright"))
            .current_dir(root)
            .args(["test", "--config", "playwright/playwright.config.ts"])
            .env("OSDGATE_BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("OSDGATE_ADMIN_TOKEN", admin_token)
            .env("PLAYWRIGHT_JSON_OUTPUT_FILE", &report)
            .env("PLAYWRIGHT_JSON_OUTPUT_NAME", &report)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
    )?;
    drop(relay);
    let parsed = std::fs::read_to_string(&report)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|json| summary::parse_playwright(&json));
    let mut counts = parsed.unwrap_or_default();
    if !status.success() && counts.failed == 0 {
        counts.failed += 1;
    }
    if counts.passed + counts.failed == 0 {
        eprintln!("xtask: Playwright ran no test");
        counts.failed += 1;
    }
    Ok(counts)
}

/// The device's journey against the real edge runtime (`agent/tests/wrangler_journey.rs`): the
/// test starts, stops and restarts `wrangler dev` itself (the relay goes away mid-download), so
/// this step prepares what it needs — migrated local state to copy, the secrets, the admin token —
/// and names the binaries: the CLI that builds the medium and the Windows agent the medium carries.
fn agent_journey(root: &Path, tools: &Tools) -> Result<Counts> {
    let target = build::target_dir(root)?;
    let windows_agent = target.join("x86_64-pc-windows-gnu/debug/osdgate-agent.exe");
    if !cargo(root, &["build", "-p", "osdgate-cli", "--bin", "osdgate"])
        || !cargo(root, &["build", "-p", "osdgate-agent", "--target", "x86_64-pc-windows-gnu"])
    {
        eprintln!("xtask: the CLI or the Windows agent did not build");
        return Ok(Counts::check(false));
    }
    // `_temp` holds the folder until the step ends (dropping it deletes the state).
    let FreshRelay { temp: _temp, state, env_file, admin_token } =
        FreshRelay::prepare(root, tools, "journey")?;
    let mut command = Command::new("cargo");
    command
        .current_dir(root)
        .args(["test", "-p", "osdgate-agent", "--test", "wrangler_journey", "--"])
        .args(["--ignored", "--test-threads=1", "--nocapture"])
        .env("OSDGATE_WRANGLER", tools.node_bin.join("wrangler"))
        .env("OSDGATE_WRANGLER_STATE", &state)
        .env("OSDGATE_WRANGLER_ENV_FILE", &env_file)
        .env("OSDGATE_ADMIN_TOKEN", admin_token)
        .env("OSDGATE_CLI_EXE", target.join("debug/osdgate"))
        .env("OSDGATE_AGENT_WINDOWS_EXE", &windows_agent);
    let (status, output) = process::tee(&mut command)?;
    let mut counts = summary::parse_libtest(&output);
    if !status.success() && counts.failed == 0 {
        counts.failed += 1;
    }
    if counts.passed + counts.failed == 0 {
        eprintln!("xtask: the agent journey ran no test");
        counts.failed += 1;
    }
    Ok(counts)
}
