//! Building the two WebAssembly artifacts: the console (Leptos → wasm-bindgen `--target web` →
//! `wasm-opt -Oz`, plus `public/`) into `dist/console`, which the worker serves as static assets; and
//! the relay worker (`worker-build`) into `edge-worker/build`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

use crate::process::{self, step};
use crate::tools::Tools;

/// Where the console is assembled; `edge-worker/wrangler.toml` points `[assets]` here.
pub fn console_dist(root: &Path) -> PathBuf {
    root.join("dist/console")
}

pub fn all(root: &Path, tools: &Tools) -> Result<()> {
    console(root, tools)?;
    worker(root, tools)
}

/// The build identifier baked into the relay: the commit, with `-dirty` for uncommitted changes.
pub fn build_id(root: &Path) -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) if !commit.is_empty() => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|status| !status.is_empty());
            if dirty { format!("{commit}-dirty") } else { commit }
        }
        _ => "dev".to_owned(),
    }
}

pub fn console(root: &Path, tools: &Tools) -> Result<()> {
    step("console: cargo build (release, wasm32)");
    process::run(Command::new("cargo").current_dir(root).args([
        "build",
        "--package",
        "osdgate-console",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    let target_dir = target_dir(root)?;
    let wasm = target_dir.join("wasm32-unknown-unknown/release/osdgate-console.wasm");
    let stage = target_dir.join("console-stage");
    let optimized = stage.join("osdgate_console_bg.wasm");
    if is_newer(&optimized, &wasm) {
        step("console: wasm-bindgen and wasm-opt are up to date");
    } else {
        step("console: wasm-bindgen --target web");
        let _ = std::fs::remove_dir_all(&stage);
        process::run(
            Command::new(&tools.wasm_bindgen)
                .arg(&wasm)
                .args(["--target", "web", "--no-typescript", "--out-name", "osdgate_console"])
                .arg("--out-dir")
                .arg(&stage),
        )?;
        step("console: wasm-opt -Oz");
        let unoptimized = stage.join("osdgate_console_bg.unopt.wasm");
        std::fs::rename(&optimized, &unoptimized)?;
        process::run(
            Command::new(&tools.wasm_opt).arg("-Oz").arg(&unoptimized).arg("-o").arg(&optimized),
        )?;
        std::fs::remove_file(&unoptimized)?;
    }
    step("console: assembling dist/console");
    let dist = console_dist(root);
    // Assemble beside the destination and swap it in, so the running worker never serves a
    // half-copied console.
    let next = root.join("dist/console.next");
    let _ = std::fs::remove_dir_all(&next);
    copy_dir(&root.join("public"), &next)?;
    copy_dir(&stage, &next.join("pkg"))?;
    let old = root.join("dist/console.old");
    let _ = std::fs::remove_dir_all(&old);
    if dist.exists() {
        std::fs::rename(&dist, &old)?;
    }
    std::fs::rename(&next, &dist)?;
    let _ = std::fs::remove_dir_all(&old);
    let size = std::fs::metadata(dist.join("pkg/osdgate_console_bg.wasm"))?.len();
    step(format!("console: ready in {} ({} KiB of wasm)", dist.display(), size / 1024));
    Ok(())
}

pub fn worker(root: &Path, tools: &Tools) -> Result<()> {
    let build = build_id(root);
    // worker-build always re-runs wasm-bindgen, wasm-opt and esbuild (a minute under binaryen's
    // wasm-opt); build the crate the way worker-build does first and skip it when nothing changed.
    step("relay: cargo build (release, wasm32)");
    process::run(
        Command::new("cargo")
            .current_dir(root.join("edge-worker"))
            .args(["build", "--lib", "--release", "--target", "wasm32-unknown-unknown"])
            .env("WASM_BINDGEN_USE_JS_SYS", "1")
            .env("OSDGATE_BUILD", &build),
    )?;
    let wasm = target_dir(root)?.join("wasm32-unknown-unknown/release/osdgate_relay.wasm");
    let shim = root.join("edge-worker/build/worker/shim.mjs");
    if is_newer(&shim, &wasm) {
        step(format!("relay: worker bundle is up to date (build {build})"));
        return Ok(());
    }
    step("relay: worker-build --release");
    process::run(
        Command::new(&tools.worker_build)
            .arg("--release")
            .current_dir(root.join("edge-worker"))
            // worker-build would download these from GitHub; point it at the project's own.
            .env("WASM_BINDGEN_BIN", &tools.wasm_bindgen)
            .env("WASM_OPT_BIN", &tools.wasm_opt)
            .env("ESBUILD_BIN", &tools.esbuild)
            .env("OSDGATE_BUILD", &build),
    )?;
    if !shim.is_file() {
        bail!("worker-build finished but {} is missing", shim.display());
    }
    step(format!("relay: ready (build {build})"));
    Ok(())
}

/// The workspace's target directory, as cargo resolves it (honours CARGO_TARGET_DIR and config).
pub fn target_dir(root: &Path) -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return Ok(if dir.is_absolute() { dir } else { root.join(dir) });
    }
    let metadata = process::output(Command::new("cargo").current_dir(root).args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
    ]))?;
    let json: serde_json::Value = serde_json::from_str(&metadata).context("cargo metadata")?;
    json["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// True when `output` exists and is at least as new as `input`.
fn is_newer(output: &Path, input: &Path) -> bool {
    matches!((modified(output), modified(input)), (Some(out), Some(inp)) if out >= inp)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let destination = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &destination)?;
        } else {
            std::fs::copy(entry.path(), &destination)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}
