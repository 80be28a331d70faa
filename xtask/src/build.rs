//! Building the two WebAssembly artifacts: the console (Leptos → wasm-bindgen `--target web` →
//! `wasm-opt -Oz`, glue minified by esbuild, plus `public/`) into `dist/console`, which the worker
//! serves as static assets, with its on-demand modules ([`ON_DEMAND_MODULES`]) beside it; and the
//! relay worker (`worker-build`) into `edge-worker/build`.

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

/// A WebAssembly module of the console that is not part of its first load: a crate of its own
/// (`cdylib`, depending on `osdgate-model` but never on Leptos — it has its own memory, so it
/// computes, it does not render), built into `pkg/{dir}/` and fetched when first needed. How to
/// add one: ARCHITECTURE.md, "The console's modules".
pub struct OnDemandModule {
    /// The cargo package (`web-ui/{dir}`).
    pub package: &'static str,
    /// Its directory below `web-ui/` and below `dist/console/pkg/`.
    pub dir: &'static str,
    /// Files of the crate's directory served beside the module (a worker script).
    pub extra_files: &'static [&'static str],
    /// When the console fetches it, for the build's module table.
    pub loaded: &'static str,
    /// wasm-opt's level: `-Oz` for code that is fetched, `-O3` for code whose speed is measured
    /// (with `opt-level = 3` for its crate in the workspace's release profile).
    pub wasm_opt: &'static str,
}

impl OnDemandModule {
    /// The wasm file cargo writes and the name of wasm-bindgen's output.
    fn stem(&self) -> String {
        self.package.replace('-', "_")
    }
}

/// The console's on-demand modules; everything else is the main module, loaded first.
pub const ON_DEMAND_MODULES: &[OnDemandModule] = &[
    OnDemandModule {
        package: "osdgate-console-pages",
        dir: "pages",
        extra_files: &[],
        loaded: "the first time a page beyond the shell, overview and site editors is opened (Leptos, mounted into the main module's page)",
        wasm_opt: "-Oz",
    },
    OnDemandModule {
        package: "osdgate-console-toml",
        dir: "toml",
        extra_files: &[],
        loaded: "when a TOML document is imported or exported",
        wasm_opt: "-Oz",
    },
    OnDemandModule {
        package: "osdgate-console-checker",
        dir: "checker",
        extra_files: &["worker.js"],
        loaded: "in a Web Worker started with the page: preflight off the main thread",
        // Rechecking must keep up with typing on a 1,000-step document: built for speed.
        wasm_opt: "-O3",
    },
    OnDemandModule {
        package: "osdgate-console-worker",
        dir: "worker",
        extra_files: &["worker.js"],
        loaded: "in a Web Worker started by the first media job (SHA-256 of files)",
        wasm_opt: "-Oz",
    },
];

pub fn console(root: &Path, tools: &Tools) -> Result<()> {
    step("console: cargo build (release, wasm32): the console and its on-demand modules");
    let mut build = Command::new("cargo");
    build.current_dir(root).args(["build", "--package", "osdgate-console"]);
    for module in ON_DEMAND_MODULES {
        build.args(["--package", module.package]);
    }
    process::run(build.args(["--release", "--target", "wasm32-unknown-unknown"]))?;
    let target_dir = target_dir(root)?;
    let release = target_dir.join("wasm32-unknown-unknown/release");
    let stage = target_dir.join("console-stage");
    let main = release.join("osdgate-console.wasm");
    bindgen_and_optimize(tools, &main, &stage, "osdgate_console", "-Oz")?;
    for module in ON_DEMAND_MODULES {
        let out_dir = stage.join(module.dir);
        let stem = module.stem();
        let wasm = release.join(format!("{stem}.wasm"));
        bindgen_and_optimize(tools, &wasm, &out_dir, &stem, module.wasm_opt)?;
        for file in module.extra_files {
            let from = root.join("web-ui").join(module.dir).join(file);
            std::fs::copy(&from, out_dir.join(file))
                .with_context(|| format!("copying {}", from.display()))?;
        }
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
    let first_load = first_load(&dist)?;
    step(first_load.to_string());
    step(module_table(&dist, &first_load)?);
    if !first_load.within_budget() {
        // Said loudly here; `cargo xtask test` counts it as a failed check of its own.
        step(format!(
            "console: OVER BUDGET: the first load is {} bytes gzipped, more than {FIRST_LOAD_BUDGET}",
            first_load.gzipped()
        ));
    }
    Ok(())
}

/// `wasm-bindgen --target web` then `wasm-opt {level}` of `wasm` into `out_dir` as `{name}.js` and
/// `{name}_bg.wasm`; skipped when the output is newer than the input.
fn bindgen_and_optimize(
    tools: &Tools,
    wasm: &Path,
    out_dir: &Path,
    name: &str,
    level: &str,
) -> Result<()> {
    let optimized = out_dir.join(format!("{name}_bg.wasm"));
    if is_newer(&optimized, wasm) {
        step(format!("console: {name}: wasm-bindgen and wasm-opt are up to date"));
        return Ok(());
    }
    step(format!("console: {name}: wasm-bindgen --target web"));
    // Only this module's files: the main module's stage also holds the codec's directory.
    for file in [format!("{name}.js"), format!("{name}_bg.wasm")] {
        let _ = std::fs::remove_file(out_dir.join(file));
    }
    let _ = std::fs::remove_dir_all(out_dir.join("snippets"));
    process::run(
        Command::new(&tools.wasm_bindgen)
            .arg(wasm)
            .args(["--target", "web", "--no-typescript", "--out-name", name])
            .arg("--out-dir")
            .arg(out_dir),
    )?;
    step(format!("console: {name}: wasm-opt {level}"));
    let unoptimized = out_dir.join(format!("{name}_bg.unopt.wasm"));
    std::fs::rename(&optimized, &unoptimized)?;
    process::run(
        Command::new(&tools.wasm_opt).arg(level).arg(&unoptimized).arg("-o").arg(&optimized),
    )?;
    std::fs::remove_file(&unoptimized)?;
    // wasm-bindgen's glue is readable JavaScript; minified it is half the bytes, same exports.
    step(format!("console: {name}: esbuild --minify"));
    let glue = out_dir.join(format!("{name}.js"));
    let readable = out_dir.join(format!("{name}.readable.js"));
    std::fs::rename(&glue, &readable)?;
    process::run(
        Command::new(&tools.esbuild)
            .arg(&readable)
            .args(["--minify", "--format=esm", "--log-level=warning"])
            .arg(format!("--outfile={}", glue.display())),
    )?;
    std::fs::remove_file(&readable)?;
    Ok(())
}

/// The console's modules and what each costs gzipped: the first load, then each on-demand module
/// (its glue, wasm and extra files) with when it is fetched.
fn module_table(dist: &Path, first_load: &FirstLoad) -> Result<String> {
    let mut table = format!(
        "console: modules (gzipped bytes)\n  first load   {:>7}  index.html, boot.js, styles.css, pkg/osdgate_console.js + _bg.wasm",
        first_load.gzipped()
    );
    for module in ON_DEMAND_MODULES {
        let stem = module.stem();
        let mut files = vec![format!("{stem}.js"), format!("{stem}_bg.wasm")];
        files.extend(module.extra_files.iter().map(|f| (*f).to_owned()));
        let mut total = 0;
        for file in &files {
            total += gzipped_len(&dist.join("pkg").join(module.dir).join(file))?;
        }
        table.push_str(&format!(
            "\n  on demand    {total:>7}  pkg/{}/ ({}), {}",
            module.dir, module.package, module.loaded
        ));
    }
    Ok(table)
}

fn gzipped_len(path: &Path) -> Result<u64> {
    use std::io::Write;
    let bytes =
        std::fs::read(path).with_context(|| format!("reading {} for its size", path.display()))?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes)?;
    Ok(encoder.finish()?.len() as u64)
}

/// The console's first load must stay under 400 KB gzipped (issue 10).
const FIRST_LOAD_BUDGET: u64 = 400_000;

/// What a browser fetches to show the console the first time: the page, its script and module,
/// the wasm and the stylesheet (public/index.html names them), and below, the JS snippets the
/// module imports (`pkg/snippets/`). The on-demand modules ([`ON_DEMAND_MODULES`]) are not.
const FIRST_LOAD_FILES: &[&str] = &[
    "index.html",
    "boot.js",
    "pkg/osdgate_console.js",
    "pkg/osdgate_console_bg.wasm",
    "styles.css",
];

/// Raw and gzipped sizes of each first-load file.
pub struct FirstLoad(Vec<(String, u64, u64)>);

impl FirstLoad {
    pub fn gzipped(&self) -> u64 {
        self.0.iter().map(|(_, _, gzipped)| gzipped).sum()
    }

    pub fn within_budget(&self) -> bool {
        self.gzipped() <= FIRST_LOAD_BUDGET
    }
}

impl std::fmt::Display for FirstLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let raw: u64 = self.0.iter().map(|(_, raw, _)| raw).sum();
        write!(
            f,
            "console: first load {} bytes gzipped ({:.1} KB of the {} KB budget; {} bytes raw):",
            self.gzipped(),
            self.gzipped() as f64 / 1000.0,
            FIRST_LOAD_BUDGET / 1000,
            raw
        )?;
        for (name, raw, gzipped) in &self.0 {
            write!(f, " {name} {gzipped}/{raw}")?;
        }
        Ok(())
    }
}

/// Gzips (level 9, as a server's static compression would) every first-load file of `dist`.
pub fn first_load(dist: &Path) -> Result<FirstLoad> {
    let mut names: Vec<String> = FIRST_LOAD_FILES.iter().map(|name| (*name).to_owned()).collect();
    snippets(&dist.join("pkg/snippets"), "pkg/snippets", &mut names)?;
    let mut files = Vec::new();
    for name in names {
        let path = dist.join(&name);
        let raw = std::fs::metadata(&path)
            .with_context(|| format!("reading {} for the first-load size", path.display()))?
            .len();
        files.push((name, raw, gzipped_len(&path)?));
    }
    Ok(FirstLoad(files))
}

/// Every file below `dir` (named `prefix/...`); none when it does not exist.
fn snippets(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries {
        let entry = entry?;
        let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
        if entry.file_type()?.is_dir() {
            snippets(&entry.path(), &name, out)?;
        } else {
            out.push(name);
        }
    }
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
