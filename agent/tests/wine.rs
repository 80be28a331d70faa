//! The Windows build of the agent (x86_64-pc-windows-gnu) under Wine: the same dry run of the
//! boot-media example as on Linux must succeed and record exactly the same actions.
//!
//! Ignored in a plain `cargo test` because it needs the cross-built `osdgate-agent.exe`:
//! `cargo xtask test` builds it and runs this test with `--ignored` and
//! `OSDGATE_AGENT_WINDOWS_EXE` set (it fails, never skips, when Wine, mingw or the exe is missing).
//! Rust's Windows standard library imports `ProcessPrng` from `bcryptprimitives.dll`, which Debian's
//! Wine 8 lacks: `wine/bcryptprimitives.c` exports it on top of `SystemFunction036` and is placed
//! beside the exe.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "common/dry_run_fixture.rs"]
mod dry_run_fixture;
#[path = "common/real_fixture.rs"]
mod real_fixture;
#[path = "common/wine_env.rs"]
mod wine_env;

use dry_run_fixture::{fixture, scratch};
use osdgate_agent::executor::{Action, RecordedAction};
use wine_env::{copy_prefix, mingw, windows_path, wine_binary};

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
    copy_prefix(&prefix);
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

/// A Wine prefix with drives X:, W: and S: mapped to folders of `drives` (Windows PE's RAM disk and
/// the two volumes Format and Partition Disk assigns), the agent and its shim in `bin`, and the fake
/// tools in `tools`.
struct WineMachine {
    wine: PathBuf,
    prefix: PathBuf,
    bin: PathBuf,
    tools: PathBuf,
    drives: PathBuf,
    tool_log: PathBuf,
}

impl WineMachine {
    fn new(folder: &Path) -> Self {
        let exe = PathBuf::from(std::env::var_os("OSDGATE_AGENT_WINDOWS_EXE").expect(
            "OSDGATE_AGENT_WINDOWS_EXE is not set: build with `cargo build -p osdgate-agent --target x86_64-pc-windows-gnu` and point it at osdgate-agent.exe (cargo xtask test does)",
        ));
        let bin = folder.join("bin");
        let tools = folder.join("tools");
        let drives = folder.join("drives");
        for dir in [&bin, &tools, &drives.join("x"), &drives.join("w"), &drives.join("s")] {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::copy(&exe, bin.join("osdgate-agent.exe")).unwrap();
        mingw(
            "bcryptprimitives.c",
            &bin.join("bcryptprimitives.dll"),
            &["-shared", "bcryptprimitives.def", "-ladvapi32"],
        );
        mingw("fake_tool.c", &tools.join("fake_tool.exe"), &[]);
        for name in [
            "diskpart.exe",
            "dism.exe",
            "bcdboot.exe",
            "robocopy.exe",
            "wpeutil.exe",
            "shutdown.exe",
        ] {
            std::fs::copy(tools.join("fake_tool.exe"), tools.join(name)).unwrap();
        }
        let machine = WineMachine {
            wine: wine_binary(),
            prefix: folder.join("prefix"),
            bin,
            tools,
            drives,
            tool_log: folder.join("tools.log"),
        };
        // A copy of the initialized prefix, then the drives mapped.
        copy_prefix(&machine.prefix);
        for letter in ["x", "w", "s"] {
            let link = machine.prefix.join("dosdevices").join(format!("{letter}:"));
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(machine.drives.join(letter), link).unwrap();
        }
        machine
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.wine);
        command
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("OSDGATE_FAKE_LOG", windows_path(&self.tool_log));
        command
    }

    fn agent(&self, args: &[&str]) -> std::process::Output {
        self.command().arg(self.bin.join("osdgate-agent.exe")).args(args).output().unwrap()
    }
}

impl Drop for WineMachine {
    fn drop(&mut self) {
        let _ = Command::new(self.wine.with_file_name("wineserver"))
            .arg("-k")
            .env("WINEPREFIX", &self.prefix)
            .status();
    }
}

fn record(path: &Path) -> Vec<RecordedAction> {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The real executors of the Windows build through `CreateProcess`: every tool started (fakes that
/// log `GetCommandLineW`) receives exactly the command line the dry run records; files land on the
/// mapped drives; the run stops at each restart and the next start continues after it.
#[test]
#[ignore = "needs the cross-built Windows agent: run by `cargo xtask test` (OSDGATE_AGENT_WINDOWS_EXE)"]
fn windows_agent_real_run_under_wine_starts_the_recorded_command_lines() {
    let folder = scratch("wine-real");
    let machine = WineMachine::new(&folder);
    let (bundle, policy) = fixture(&folder, "2099-01-01T00:00:00Z");
    real_fixture::stage_content(&policy, &machine.drives);

    let linux_state = folder.join("linux-dry");
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

    // No --state: the state starts in X:\_SMSTaskSequence and moves to W:\_SMSTaskSequence once the
    // disk is partitioned; the next starts find it there.
    let state = machine.drives.join("w/_SMSTaskSequence");
    let (b, p, t) = (windows_path(&bundle), windows_path(&policy), windows_path(&machine.tools));
    let args = [
        "run",
        "--bundle",
        &b,
        "--policy",
        &p,
        "--tools",
        &t,
        "--content",
        "X:\\Windows\\Temp\\osdgate\\content",
    ];
    let mut outputs = Vec::new();
    for expected in [3, 3, 0] {
        let output = machine.agent(&args);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(
            output.status.code(),
            Some(expected),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        outputs.push(stdout);
    }
    assert!(outputs[0].contains("The machine is restarting"), "{}", outputs[0]);
    assert!(outputs[1].contains("[7/7] Restart Computer: done"), "{}", outputs[1]);
    assert!(outputs[2].contains("The task sequence completed."), "{}", outputs[2]);

    let real_record = record(&state.join("actions.json"));
    assert_eq!(
        real_record,
        record(&linux_state.join("dry-run.json")),
        "the real run records what the dry run records"
    );

    // What each tool received: Rust quotes the program name, the rest is the recorded text.
    let received: Vec<String> = std::fs::read_to_string(&machine.tool_log)
        .unwrap()
        .lines()
        .map(|l| l.split_once('\t').unwrap().1.to_owned())
        .collect();
    let expected: Vec<String> = real_record
        .iter()
        .filter_map(|r| match &r.action {
            Action::Command { command_line, .. } | Action::Restart { command_line, .. } => {
                let (program, tail) = command_line.split_once(' ').unwrap();
                Some(format!("\"{program}\" {tail}"))
            }
            _ => None,
        })
        .collect();
    assert_eq!(received, expected);
    let unattend =
        std::fs::read_to_string(machine.drives.join("w/Windows/Panther/unattend.xml")).unwrap();
    assert!(unattend.contains("<ComputerName>LAPTOP-0042</ComputerName>"));
    assert!(machine.drives.join("w/Windows/Setup/Scripts/SetupComplete.cmd").exists());
    assert!(!machine.drives.join("x/_SMSTaskSequence").exists(), "the state left the RAM disk");
    // In the "full OS" (Wine's C:\windows) the log ends in %SystemRoot%\CCM\Logs.
    let log = std::fs::read(machine.prefix.join("drive_c/windows/CCM/Logs/smsts.log")).unwrap();
    let parsed = osdgate_model::cmtrace::read_log(&log);
    assert!(parsed.skipped.is_empty());
    assert!(
        parsed.records.iter().any(|r| r.record.message.starts_with("Start executing step 1 of 7"))
    );
    assert!(parsed.records.last().unwrap().record.message.contains("completed"));
    std::fs::remove_dir_all(&folder).unwrap();
}

/// Run Command Line under Wine's own cmd.exe: the command runs verbatim in its start-in folder, its
/// exit code is judged by the step's success codes, and a code outside them fails the step.
#[test]
#[ignore = "needs the cross-built Windows agent: run by `cargo xtask test` (OSDGATE_AGENT_WINDOWS_EXE)"]
fn windows_agent_run_command_line_under_wine_cmd() {
    let folder = scratch("wine-cmd");
    let machine = WineMachine::new(&folder);
    let (bundle, policy) = fixture(&folder, "2099-01-01T00:00:00Z");
    std::fs::create_dir_all(machine.drives.join("x/work folder")).unwrap();
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&policy).unwrap()).unwrap();
    let step = |name: &str, action: &str, codes: &str| {
        serde_json::json!({
            "node": "step",
            "type": "run_command_line",
            "name": name,
            "action": action,
            "success_codes": codes,
            "variables": [{ "name": "WorkingDirectory", "property": "WorkingDirectory", "value": "X:\\work folder" }],
        })
    };
    value["deployments"][0]["task_sequence"]["steps"] = serde_json::json!([
        step("Write a file", "echo %OSDComputerName%> \"out put.txt\" & exit 3", "0 3"),
        step("Fail", "exit 5", "0"),
    ]);
    std::fs::write(&policy, serde_json::to_vec(&value).unwrap()).unwrap();
    let state = folder.join("state");
    let (b, p, s) = (windows_path(&bundle), windows_path(&policy), windows_path(&state));
    let output = machine.agent(&["run", "--bundle", &b, "--policy", &p, "--state", &s]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("[1/2] Write a file: done"), "{stdout}");
    assert!(stdout.contains("[2/2] Fail: FAILED 0x00000005"), "{stdout}");
    let written =
        std::fs::read_to_string(machine.drives.join("x/work folder/out put.txt")).unwrap();
    assert_eq!(written.trim(), "LAPTOP-0042");
    let real_record = record(&state.join("actions.json"));
    let Action::Command { command_line, working_directory, .. } = &real_record[0].action else {
        panic!("{real_record:?}")
    };
    assert_eq!(command_line, "cmd.exe /d /s /c \"echo LAPTOP-0042> \"out put.txt\" & exit 3\"");
    assert_eq!(working_directory.as_deref(), Some("X:\\work folder"));
    std::fs::remove_dir_all(&folder).unwrap();
}

/// File, folder and registry conditions on the Windows build, the registry read by Wine's own
/// `reg.exe` from keys the test adds; WMI is not evaluable and continue-on-error decides.
#[test]
#[ignore = "needs the cross-built Windows agent: run by `cargo xtask test` (OSDGATE_AGENT_WINDOWS_EXE)"]
fn windows_agent_conditions_under_wine() {
    let folder = scratch("wine-conditions");
    let machine = WineMachine::new(&folder);
    let (bundle, policy) = fixture(&folder, "2099-01-01T00:00:00Z");
    let ran = real_fixture::use_condition_sequence(&policy);
    std::fs::create_dir_all(machine.drives.join("x/work")).unwrap();
    std::fs::write(machine.drives.join("x/marker.txt"), b"here").unwrap();
    for (value, kind, data) in [("Version", "REG_SZ", "10.0"), ("Count", "REG_DWORD", "31")] {
        let key = "HKLM\\SOFTWARE\\osdgate-test";
        let added = machine
            .command()
            .args(["reg.exe", "add", key, "/v", value, "/t", kind, "/d", data, "/f"])
            .output()
            .unwrap();
        assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    }
    let state = folder.join("state");
    let (b, p, s) = (windows_path(&bundle), windows_path(&policy), windows_path(&state));
    let output = machine.agent(&["run", "--bundle", &b, "--policy", &p, "--state", &s]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    real_fixture::check_condition_run(&stdout, &ran);
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
#[ignore = "needs the cross-built Windows agent: run by `cargo xtask test` (OSDGATE_AGENT_WINDOWS_EXE)"]
fn windows_agent_reads_its_identity_under_wine() {
    let folder = scratch("wine-identity");
    let machine = WineMachine::new(&folder);
    // What the Windows boot loader writes from the firmware's SMBIOS type 1 on every boot.
    let added = machine
        .command()
        .args(["reg.exe", "add", "HKLM\\SYSTEM\\HardwareConfig", "/v", "LastConfig"])
        .args(["/t", "REG_SZ", "/d", "{4c4c4544-0042-3510-8052-b4c04f4b4e32}", "/f"])
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let output = machine.agent(&["identity"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("smbios_guid = \"4C4C4544-0042-3510-8052-B4C04F4B4E32\""),
        "{stdout}\n{stderr}"
    );
    // Wine's ipconfig lists the host's adapters: the MAC must be one of this host's real ones.
    let host_macs: Vec<String> = std::fs::read_dir("/sys/class/net")
        .unwrap()
        .flatten()
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("address")).ok())
        .filter_map(|text| osdgate_model::model::normalize_mac(&text))
        .filter(|mac| mac != "00:00:00:00:00:00")
        .collect();
    if host_macs.is_empty() {
        assert!(stdout.contains("# mac_addresses: not readable"), "{stdout}");
    } else {
        let line =
            stdout.lines().find(|l| l.starts_with("mac_addresses = [")).unwrap_or_else(|| {
                panic!("no MAC read although the host has {host_macs:?}: {stdout}\n{stderr}")
            });
        assert!(host_macs.iter().any(|mac| line.contains(mac.as_str())), "{line} vs {host_macs:?}");
    }
    std::fs::remove_dir_all(&folder).unwrap();
}
