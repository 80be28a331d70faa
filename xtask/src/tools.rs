//! Everything the build and the tests need, checked and installed when missing:
//! rustup targets, CLI tools built from crates.io into `.tools/` (at the versions `Cargo.lock` pins),
//! npm packages (`npm ci`), and Debian packages (Chromium, Wine, mingw) for the browser and
//! interop tests. Nothing is downloaded from anywhere but the package registries.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::process::{self, step};

/// Which group of tools a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// Debian packages for the test suites (Chromium, Wine, mingw).
    pub test_packages: bool,
}

impl Needs {
    pub const BUILD: Needs = Needs { test_packages: false };
    pub const ALL: Needs = Needs { test_packages: true };
}

/// Paths of the installed tools.
#[derive(Debug, Clone)]
pub struct Tools {
    pub wasm_bindgen: PathBuf,
    /// Installed with wasm-bindgen (same crate, same version): runs wasm32 tests in a browser.
    pub wasm_bindgen_test_runner: PathBuf,
    pub worker_build: PathBuf,
    pub wasm_opt: PathBuf,
    pub esbuild: PathBuf,
    pub node_bin: PathBuf,
}

/// Rust targets: the console and the relay are wasm32; the agent also ships for Windows.
/// x86_64-unknown-uefi: the media boot tests build a tiny UEFI probe (`shared/tests/uefi-probe`).
/// x86_64-pc-windows-gnu: the agent on the boot media (linked with Debian's mingw, tried under Wine
/// by the test suite).
const RUST_TARGETS: &[&str] =
    &["wasm32-unknown-unknown", "x86_64-unknown-uefi", "x86_64-pc-windows-gnu"];

/// Debian packages the test suites use, with the file that proves each is installed.
const DEBIAN_TEST_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    // wasm-bindgen-test-runner drives Chromium through WebDriver for the console's browser tests.
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("wine64", "/usr/lib/wine/wine64"),
    ("gcc-mingw-w64-x86-64", "/usr/bin/x86_64-w64-mingw32-gcc"),
    ("ca-certificates", "/etc/ssl/certs/ca-certificates.crt"),
    // WIM interop tests (issue 15): wimlib-imagex captures, verifies and applies boot images;
    // ntfs-3g's mkntfs/ntfscp build an NTFS image with named streams for wimlib to capture.
    ("wimtools", "/usr/bin/wimlib-imagex"),
    ("ntfs-3g", "/usr/sbin/mkntfs"),
    // Media (issue 11): independent readers of the bundle zip, the FAT image, the partition table
    // and the ISO, and the UEFI boot tests.
    ("unzip", "/usr/bin/unzip"),
    ("dosfstools", "/usr/sbin/fsck.fat"),
    ("mtools", "/usr/bin/mcopy"),
    ("fdisk", "/usr/sbin/sfdisk"),
    ("xorriso", "/usr/bin/xorriso"),
    // Further ISO readers: genisoimage's isoinfo and 7-Zip (which also extracts the El Torito image).
    ("genisoimage", "/usr/bin/isoinfo"),
    ("7zip", "/usr/bin/7zz"),
    ("qemu-system-x86", "/usr/bin/qemu-system-x86_64"),
    ("ovmf", "/usr/share/OVMF/OVMF_CODE_4M.fd"),
];

pub fn ensure(root: &Path, needs: Needs) -> Result<Tools> {
    ensure_rust_targets()?;
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let wasm_bindgen_version = locked_version(&lock, "wasm-bindgen")?;
    let worker_version = locked_version(&lock, "worker")?;
    let wasm_bindgen = ensure_cargo_tool(
        root,
        "wasm-bindgen-cli",
        &wasm_bindgen_version,
        "wasm-bindgen",
        "wasm-bindgen",
    )?;
    let worker_build =
        ensure_cargo_tool(root, "worker-build", &worker_version, "worker-build", "worker-build")?;
    ensure_npm_packages(root)?;
    if needs.test_packages {
        ensure_debian_packages(DEBIAN_TEST_PACKAGES)?;
    }
    let node_modules = root.join("node_modules");
    let wasm_bindgen_test_runner = wasm_bindgen.with_file_name("wasm-bindgen-test-runner");
    let tools = Tools {
        wasm_bindgen,
        wasm_bindgen_test_runner,
        worker_build,
        wasm_opt: node_modules.join(".bin/wasm-opt"),
        esbuild: node_modules.join("@esbuild/linux-x64/bin/esbuild"),
        node_bin: node_modules.join(".bin"),
    };
    for (name, path) in [
        ("wasm-opt (npm binaryen)", &tools.wasm_opt),
        ("esbuild", &tools.esbuild),
        ("wasm-bindgen-test-runner (wasm-bindgen-cli)", &tools.wasm_bindgen_test_runner),
    ] {
        if !path.exists() {
            bail!("{name} is missing at {} after `npm ci`", path.display());
        }
    }
    Ok(tools)
}

fn ensure_rust_targets() -> Result<()> {
    let installed = process::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("rustup is required (install Rust with rustup)")?;
    for target in RUST_TARGETS {
        if installed.lines().any(|line| line.trim() == *target) {
            step(format!("rust target {target}: installed"));
        } else {
            step(format!("rust target {target}: installing"));
            process::run(Command::new("rustup").args(["target", "add", target]))?;
        }
    }
    Ok(())
}

/// The version of `package` that `Cargo.lock` pins (the first entry if several).
pub fn locked_version(lock: &str, package: &str) -> Result<String> {
    let needle = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == needle
            && let Some(version) = lines.next().and_then(|v| v.trim().strip_prefix("version = "))
        {
            return Ok(version.trim_matches('"').to_owned());
        }
    }
    bail!("Cargo.lock has no `{package}` package; run `cargo generate-lockfile`")
}

/// Install a crates.io binary at an exact version into `.tools/<crate>-<version>/`, once.
///
/// `--locked` is tried first (reproducible); when one of the crate's locked transitive versions is
/// not on the registry mirror, the install is retried letting cargo resolve compatible versions,
/// and the fallback is said out loud.
fn ensure_cargo_tool(
    root: &Path,
    krate: &str,
    version: &str,
    label: &str,
    binary: &str,
) -> Result<PathBuf> {
    let install_root = root.join(".tools").join(format!("{label}-{version}"));
    let path = install_root.join("bin").join(binary);
    if path.is_file() {
        step(format!("{label} {version}: installed ({})", path.display()));
        return Ok(path);
    }
    step(format!("{label} {version}: installing from crates.io into {}", install_root.display()));
    let install = |locked: bool| {
        let mut command = Command::new("cargo");
        command.args(["install", krate, "--version", version, "--root"]).arg(&install_root);
        command.arg("--no-track");
        if locked {
            command.arg("--locked");
        }
        // An install must not reuse the workspace's target dir or profile settings.
        command.env_remove("CARGO_TARGET_DIR").env("CARGO_PROFILE_RELEASE_LTO", "false");
        process::status(&mut command)
    };
    if !install(true)?.success() {
        step(format!(
            "{label} {version}: the locked install failed (a locked dependency version is not on \
             the registry mirror); retrying with versions resolved from the registry"
        ));
        if !install(false)?.success() {
            bail!("could not install {krate} {version}; see the cargo output above");
        }
    }
    if !path.is_file() {
        bail!("{krate} installed but {} does not exist", path.display());
    }
    Ok(path)
}

/// `npm ci` when `node_modules` is missing or older than `package-lock.json`.
fn ensure_npm_packages(root: &Path) -> Result<()> {
    let lock = root.join("package-lock.json");
    let stamp = root.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(lock), Ok(stamp)) => stamp.modified()? >= lock.modified()?,
        _ => false,
    };
    if fresh {
        step("npm packages (wrangler, binaryen, @playwright/test): installed");
        return Ok(());
    }
    if !process::on_path("npm") {
        bail!(
            "Node.js and npm are required (Node 20.3 or later); install them, e.g. apt-get install nodejs npm"
        );
    }
    step("npm packages (wrangler, binaryen, @playwright/test): npm ci");
    process::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(root)
            // Playwright drives Debian's Chromium; it must never try to download a browser.
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
    )
}

fn ensure_debian_packages(packages: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|(_, proof)| !Path::new(proof).exists())
        .map(|(package, _)| *package)
        .collect();
    for (package, proof) in packages {
        if Path::new(proof).exists() {
            step(format!("debian package {package}: installed"));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    step(format!("debian packages {}: installing with apt-get", missing.join(" ")));
    if !process::on_path("apt-get") {
        bail!(
            "the test suites need the Debian packages {} and this machine has no apt-get; \
             install them by hand",
            missing.join(", ")
        );
    }
    let sudo = !is_root() && process::on_path("sudo");
    let apt = |args: &[&str]| {
        let mut command = if sudo { Command::new("sudo") } else { Command::new("apt-get") };
        if sudo {
            command.arg("apt-get");
        }
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        process::run(&mut command)
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(&missing);
    apt(&install)?;
    for (package, proof) in packages {
        if !Path::new(proof).exists() {
            bail!("apt-get installed {package}, but {proof} is still missing");
        }
    }
    Ok(())
}

fn is_root() -> bool {
    process::output(Command::new("id").arg("-u")).map(|uid| uid.trim() == "0").unwrap_or(false)
}
