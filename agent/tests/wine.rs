//! The Windows build of the agent (x86_64-pc-windows-gnu) under Wine: the same dry run of the
//! boot-media example as on Linux must succeed and record exactly the same actions.
//!
//! Ignored in a plain `cargo test` because it needs the cross-built `osdgate-agent.exe`:
//! `cargo xtask test` builds it and runs this test with `--ignored` and
//! `OSDGATE_AGENT_WINDOWS_EXE` set (it fails, never skips, when Wine, mingw or the exe is missing).
//! Rust's Windows standard library imports `ProcessPrng` from `bcryptprimitives.dll`, which Debian's
//! Wine 8 lacks: `wine/bcryptprimitives.c` exports it on top of `SystemFunction036` and is placed
//! beside the exe.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "common/dry_run_fixture.rs"]
mod dry_run_fixture;

use dry_run_fixture::{fixture, scratch};

fn wine_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("OSDGATE_WINE") {
        return PathBuf::from(path);
    }
    ["/usr/lib/wine/wine64", "/usr/bin/wine64", "/usr/bin/wine"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("Wine is missing: install the Debian package wine64 (cargo xtask test does), or set OSDGATE_WINE")
}

fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

#[test]
#[ignore = "needs the cross-built Windows agent: run by `cargo xtask test` (OSDGATE_AGENT_WINDOWS_EXE)"]
fn windows_agent_dry_run_under_wine_matches_linux() {
    let exe = PathBuf::from(std::env::var_os("OSDGATE_AGENT_WINDOWS_EXE").expect(
        "OSDGATE_AGENT_WINDOWS_EXE is not set: build with `cargo build -p osdgate-agent --target x86_64-pc-windows-gnu` and point it at osdgate-agent.exe (cargo xtask test does)",
    ));
    let folder = scratch("wine");
    let (bundle, policy) = fixture(&folder, "2099-01-01T00:00:00Z");

    // The exe with the ProcessPrng shim beside it.
    let bin = folder.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(&exe, bin.join("osdgate-agent.exe")).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wine");
    let built = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-shared", "-O2", "-o"])
        .arg(bin.join("bcryptprimitives.dll"))
        .arg(source.join("bcryptprimitives.c"))
        .arg(source.join("bcryptprimitives.def"))
        .arg("-ladvapi32")
        .status()
        .expect("mingw is missing: install the Debian package gcc-mingw-w64-x86-64 (cargo xtask test does)");
    assert!(built.success(), "the bcryptprimitives.dll shim did not build");

    let wine = wine_binary();
    let prefix = folder.join("prefix");
    let wine_state = folder.join("wine-state");
    let output = Command::new(&wine)
        .arg(bin.join("osdgate-agent.exe"))
        .args([
            "run",
            "--dry-run",
            "--bundle",
            &windows_path(&bundle),
            "--policy",
            &windows_path(&policy),
        ])
        .args(["--state", &windows_path(&wine_state)])
        .env("WINEPREFIX", &prefix)
        .env("WINEDEBUG", "-all")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let _ = Command::new(wine.with_file_name("wineserver"))
        .arg("-k")
        .env("WINEPREFIX", &prefix)
        .status();
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("[7/7] Restart Computer: done"), "{stdout}");
    assert!(stdout.contains("The task sequence completed."), "{stdout}");

    // The Linux build on the same inputs records exactly the same actions.
    let linux_state = folder.join("linux-state");
    let linux = Command::new(env!("CARGO_BIN_EXE_osdgate-agent"))
        .args(["run", "--dry-run", "--bundle"])
        .arg(&bundle)
        .arg("--policy")
        .arg(&policy)
        .arg("--state")
        .arg(&linux_state)
        .output()
        .unwrap();
    assert!(linux.status.success());
    let read = |state: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(state.join("dry-run.json")).unwrap()).unwrap()
    };
    assert_eq!(read(&wine_state), read(&linux_state));
    let log = std::fs::read(wine_state.join("logs/smsts.log")).unwrap();
    assert!(osdgate_model::cmtrace::read_log(&log).skipped.is_empty());
    std::fs::remove_dir_all(&folder).unwrap();
}
