//! Wine for the Windows agent's tests: the binary, Windows paths of host files, an initialized prefix
//! copied per test, and mingw builds of the helpers in `tests/wine/` (the `bcryptprimitives.dll`
//! stand-in that exports `ProcessPrng`, which Debian's Wine 8 lacks and Rust's standard library
//! imports).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn wine_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("OSDGATE_WINE") {
        return PathBuf::from(path);
    }
    ["/usr/lib/wine/wine64", "/usr/bin/wine64", "/usr/bin/wine"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("Wine is missing: install the Debian package wine64 (cargo xtask test does), or set OSDGATE_WINE")
}

pub fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// An initialized Wine prefix, made once per Wine version in the test's target folder and copied
/// for each test (initializing one takes about 20 s; a copy, a fraction of a second).
pub fn template_prefix() -> &'static Path {
    static TEMPLATE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let wine = wine_binary();
        let version = Command::new(&wine).arg("--version").output().unwrap();
        let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
        let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wine-prefix-template");
        let marker = folder.join("osdgate-wine-version");
        if std::fs::read_to_string(&marker).is_ok_and(|v| v == version) {
            return folder.join("prefix");
        }
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        let prefix = folder.join("prefix");
        let init = Command::new(&wine)
            .args(["cmd.exe", "/c", "exit"])
            .env("WINEPREFIX", &prefix)
            .env("WINEDEBUG", "-all")
            .output()
            .unwrap();
        let _ = Command::new(wine.with_file_name("wineserver"))
            .arg("-k")
            .env("WINEPREFIX", &prefix)
            .status();
        assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
        std::fs::write(&marker, version).unwrap();
        prefix
    })
}

/// Copies the initialized prefix to `prefix` (symbolic links kept: `dosdevices` is made of them).
pub fn copy_prefix(prefix: &Path) {
    let copied = Command::new("cp").arg("-a").arg(template_prefix()).arg(prefix).status().unwrap();
    assert!(copied.success(), "cannot copy the Wine prefix to {}", prefix.display());
}

/// Builds a mingw program from `tests/wine/NAME.c` into `output`.
pub fn mingw(source: &str, output: &Path, extra: &[&str]) {
    let source_folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wine");
    let built = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-O2", "-o"])
        .arg(output)
        .arg(source_folder.join(source))
        .args(extra.iter().map(|e| if e.ends_with(".def") { source_folder.join(e).into_os_string() } else { (*e).into() }))
        .status()
        .expect("mingw is missing: install the Debian package gcc-mingw-w64-x86-64 (cargo xtask test does)");
    assert!(built.success(), "{source} did not build");
}

/// The cross-built agent (`OSDGATE_AGENT_WINDOWS_EXE`) and its `ProcessPrng` stand-in in `bin`;
/// returns the exe's path there.
pub fn install_agent(bin: &Path) -> PathBuf {
    let exe = PathBuf::from(std::env::var_os("OSDGATE_AGENT_WINDOWS_EXE").expect(
        "OSDGATE_AGENT_WINDOWS_EXE is not set: build with `cargo build -p osdgate-agent --target x86_64-pc-windows-gnu` and point it at osdgate-agent.exe (cargo xtask test does)",
    ));
    std::fs::create_dir_all(bin).unwrap();
    let installed = bin.join("osdgate-agent.exe");
    std::fs::copy(&exe, &installed).unwrap();
    mingw(
        "bcryptprimitives.c",
        &bin.join("bcryptprimitives.dll"),
        &["-shared", "bcryptprimitives.def", "-ladvapi32"],
    );
    installed
}

/// Stops the prefix's wineserver (and with it every process of the prefix).
pub fn stop_wineserver(prefix: &Path) {
    let _ = Command::new(wine_binary().with_file_name("wineserver"))
        .arg("-k")
        .env("WINEPREFIX", prefix)
        .status();
}
