//! The device's whole journey against the real edge runtime (issue 12), run by `cargo xtask test`:
//! a configuration published to `wrangler dev` with tens of MiB of content uploaded through the
//! admin API, a medium built by `osdgate media bundle` and registered, the agent binary started on
//! that bundle in a dry run with `--relay-url` to loopback; wrangler is stopped in the middle of the
//! big download and started again, and the download resumes. Then: every step in order with its
//! command lines recorded, `smsts.log` parsed back, every status message at the admin API exactly
//! once, a device token issued, and the device-specific variable delivered to that device only.
//!
//! Ignored in a plain `cargo test`: it needs wrangler dev, the built worker and the cross-built
//! Windows agent the medium carries. `cargo xtask test` prepares them, sets the variables
//! `common/wrangler.rs` names, and runs it with `--ignored` (it fails, never skips, without them).

#![cfg(unix)]

#[path = "common/status_delivery.rs"]
mod status_delivery;
#[path = "common/wine_env.rs"]
mod wine_env;
#[path = "common/wrangler.rs"]
mod wrangler;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use osdgate_agent::executor::{Action, RecordedAction};
use osdgate_model::cmtrace::read_log;
use sha2::{Digest, Sha256};
use status_delivery::assert_delivered_once_in_order;
use wrangler::{Admin, Proxy, WranglerDev, publish_example, register_medium, show};

const PASSWORD: &str = "Journey-Wrangler-2026!";
const DEVICE_GUID: &str = "4C4C4544-0042-3510-8052-B4C04F4B4E32";
const OTHER_GUID: &str = "4C4C4544-0077-3510-8052-B4C04F4B4E77";
/// The OS image: tens of MiB, so the relay is stopped well inside it (and it takes a multipart
/// upload: the relay takes at most 16 MiB in one request).
const IMAGE_SIZE: usize = 40 * 1024 * 1024 + 123;
/// Where the proxy holds the image's download while wrangler is stopped.
const HOLD_AFTER: u64 = 12 * 1024 * 1024;

fn hex(bytes: &[u8]) -> String {
    osdgate_model::hex::lower(bytes)
}

fn scratch(name: &str) -> PathBuf {
    let folder =
        std::env::temp_dir().join(format!("osdgate-wrangler-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// How the test starts an agent: the Linux binary, or the Windows one under Wine.
struct AgentProgram {
    program: PathBuf,
    leading: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    windows_paths: bool,
    /// Wine's prefix, whose wineserver is stopped at the end.
    prefix: Option<PathBuf>,
}

impl AgentProgram {
    fn linux(_: &Path) -> AgentProgram {
        AgentProgram {
            program: PathBuf::from(env!("CARGO_BIN_EXE_osdgate-agent")),
            leading: Vec::new(),
            env: Vec::new(),
            windows_paths: false,
            prefix: None,
        }
    }

    /// The Windows build under Wine, with its `ProcessPrng` stand-in, in a prefix of its own.
    fn wine(folder: &Path) -> AgentProgram {
        let exe = wine_env::install_agent(&folder.join("bin"));
        let prefix = folder.join("prefix");
        wine_env::copy_prefix(&prefix);
        AgentProgram {
            program: wine_env::wine_binary(),
            leading: vec![exe.into()],
            env: vec![
                ("WINEPREFIX".into(), prefix.clone().into()),
                ("WINEDEBUG".into(), "-all".into()),
            ],
            windows_paths: true,
            prefix: Some(prefix),
        }
    }

    fn path(&self, path: &Path) -> OsString {
        if self.windows_paths {
            wine_env::windows_path(path).into()
        } else {
            path.as_os_str().to_owned()
        }
    }

    /// `osdgate-agent run --dry-run` on `bundle` against `relay`, output into `folder/NAME.*`.
    fn start(
        &self,
        bundle: &Path,
        state: &Path,
        password: &Path,
        guid: &str,
        relay: &str,
    ) -> Child {
        let mut command = Command::new(&self.program);
        command.args(&self.leading).envs(self.env.iter().map(|(k, v)| (k, v)));
        command
            .args(["run", "--dry-run", "--bundle"])
            .arg(self.path(bundle))
            .arg("--state")
            .arg(self.path(state))
            .arg("--password-file")
            .arg(self.path(password))
            .args(["--smbios-guid", guid, "--relay-url", relay])
            .args(["--connect-attempts", "3", "--connect-retry-delay", "1"]);
        show(&command);
        let output = |name: &str| std::fs::File::create(state.with_extension(name)).unwrap();
        command
            .stdin(Stdio::null())
            .stdout(output("stdout"))
            .stderr(output("stderr"))
            .spawn()
            .expect("cannot start the agent")
    }
}

impl Drop for AgentProgram {
    fn drop(&mut self) {
        if let Some(prefix) = &self.prefix {
            wine_env::stop_wineserver(prefix);
        }
    }
}

/// The agent's screen and error output.
fn screen(state: &Path) -> String {
    let read = |name: &str| std::fs::read_to_string(state.with_extension(name)).unwrap_or_default();
    format!("{}\n--- stderr ---\n{}", read("stdout"), read("stderr"))
}

/// Waits for the agent; kills it after `limit`.
fn wait(child: &mut Child, state: &Path, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the agent did not finish within {} s:\n{}", limit.as_secs(), screen(state));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn record(state: &Path) -> Vec<RecordedAction> {
    serde_json::from_slice(&std::fs::read(state.join("dry-run.json")).unwrap()).unwrap()
}

fn unattend_text(state: &Path) -> String {
    record(state)
        .into_iter()
        .find_map(|r| match r.action {
            Action::File { path, text, .. } if path.ends_with("unattend.xml") => Some(text),
            _ => None,
        })
        .expect("an unattend.xml in the record")
}

/// The journey with `agent`; see the module documentation.
fn journey(name: &str, agent: fn(&Path) -> AgentProgram) {
    let folder = scratch(name);
    let agent = agent(&folder);
    let mut relay = WranglerDev::fresh(&folder);
    let proxy = Proxy::start(relay.port);
    let admin = Admin::new(&relay.url());
    let (document, document_path) = publish_example(&admin, &folder, IMAGE_SIZE);
    let password = folder.join("password.txt");
    std::fs::write(&password, format!("{PASSWORD}\n")).unwrap();
    let bundle = register_medium(&admin, &document_path, &folder, &password);

    // The agent starts; the proxy holds the image's download 12 MiB in.
    let state = folder.join("state");
    proxy.hold_next_download_after(HOLD_AFTER);
    let mut child = agent.start(&bundle, &state, &password, DEVICE_GUID, &proxy.url());
    let started = Instant::now();
    while !proxy.wait_until_held(Duration::from_millis(500)) {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the agent ended ({status}) before the download was held:\n{}", screen(&state));
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no download reached {HOLD_AFTER} bytes within 120 s:\n{}",
            screen(&state)
        );
    }

    // wrangler dev goes away in the middle of the download ...
    eprintln!("    stopping wrangler dev in the middle of the download");
    relay.stop();
    proxy.release();
    let stopped = Instant::now();
    while proxy.unreachable() == 0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the agent gave up while the relay was away:\n{}",
            screen(&state)
        );
        assert!(
            stopped.elapsed() < Duration::from_secs(60),
            "the agent did not try again within 60 s:\n{}",
            screen(&state)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // ... and comes back with the same state.
    relay.start();
    let status = wait(&mut child, &state, Duration::from_secs(240));
    let screen_text = screen(&state);
    assert!(status.success(), "the agent failed ({status}):\n{screen_text}");
    for line in [
        "Registered this device as dev-",
        "Policy of deployment ABC20001",
        "[1/7] Partition Disk 0 - UEFI ...",
        "the download was interrupted",
        "MB/s",
        "The task sequence completed.",
    ] {
        assert!(screen_text.contains(line), "missing {line:?} in\n{screen_text}");
    }

    // Resumed with Range where the hold cut it, after trying while the relay was away.
    let requests = proxy.requests();
    let resumed_at: Vec<u64> = requests
        .iter()
        .filter(|r| r.contains("/files/install.wim"))
        .filter_map(|r| r.split_once("[bytes=")?.1.split('-').next()?.parse().ok())
        .collect();
    // The resume point lies past the hold: what the kernel had buffered still arrived.
    assert!(
        resumed_at.iter().any(|&at| at > 0 && at < IMAGE_SIZE as u64),
        "no resumed request for install.wim in {requests:#?}"
    );

    // Every file in the cache is the one the policy names (the boot image is used by no step).
    for package in &document.content {
        for file in &package.files {
            let path = state.join("content").join(&package.id).join(&file.path);
            if package.id == "ABC00005" {
                assert!(!path.exists());
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(hex(&Sha256::digest(&bytes)), file.sha256, "{}", path.display());
        }
    }

    // Every step in order, with the command lines it would run.
    let actions = record(&state);
    // Restarts are recorded by the run loop with ordinal 0; every step's actions are in order.
    let ordinals: Vec<usize> = actions.iter().map(|a| a.ordinal).filter(|&o| o > 0).collect();
    assert!(ordinals.windows(2).all(|w| w[0] <= w[1]), "steps out of order: {ordinals:?}");
    let commands: Vec<String> = actions
        .iter()
        .filter_map(|a| match &a.action {
            Action::Command { command_line, .. } | Action::Restart { command_line, .. } => {
                Some(format!("{}: {command_line}", a.ordinal))
            }
            _ => None,
        })
        .collect();
    let expected_programs = [
        "1: diskpart.exe /s",
        "2: dism.exe /Apply-Image",
        "2: bcdboot.exe",
        "5: dism.exe /Image:",
        "6: robocopy.exe",
        "wpeutil.exe reboot",
        "shutdown.exe /r",
    ];
    let mut next = 0;
    for command in &commands {
        if next < expected_programs.len() && command.contains(expected_programs[next]) {
            next += 1;
        }
    }
    assert_eq!(next, expected_programs.len(), "the command lines in order: {commands:#?}");
    let image = commands.iter().find(|c| c.contains("/Apply-Image")).unwrap();
    assert!(image.contains("install.wim"), "{image}");

    // smsts.log parses back, with every step started in order.
    let log_bytes = std::fs::read(state.join("logs/smsts.log")).unwrap();
    let parsed = read_log(&log_bytes);
    assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
    let starts: Vec<usize> = parsed
        .records
        .iter()
        .filter_map(|r| {
            r.record.message.strip_prefix("Start executing step ")?.split(' ').next()?.parse().ok()
        })
        .collect();
    assert_eq!(starts, (1..=7).collect::<Vec<_>>(), "steps started, from the log");
    assert!(parsed.records.iter().any(|r| r.record.message.contains("interrupted")));

    // Every status message at the relay exactly once, in the order queued.
    let messages = admin.statuses();
    assert_delivered_once_in_order(&messages, &screen_text, 7);

    // The device registered with its key and got a device token; its messages carry its ID.
    let device: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join("device.json")).unwrap()).unwrap();
    let device_id = device["device_id"].as_str().expect("device.json names the device").to_owned();
    assert!(messages.iter().all(|m| m.device_id.as_deref() == Some(device_id.as_str())));
    let tokens = admin.get(&format!("/api/v1/admin/devices/{device_id}/tokens"));
    assert_eq!(tokens.status, 200, "{}", tokens.text());
    assert!(!tokens.json().as_array().unwrap().is_empty(), "a device token: {}", tokens.text());
    assert!(unattend_text(&state).contains("LAPTOP-0042"), "the device's own variable");

    // Another device on the same medium: the same policy without LAPTOP-0042's variable.
    let other = folder.join("other");
    let mut child = agent.start(&bundle, &other, &password, OTHER_GUID, &proxy.url());
    let status = wait(&mut child, &other, Duration::from_secs(180));
    assert!(status.success(), "{}", screen(&other));
    assert!(!unattend_text(&other).contains("LAPTOP-0042"));
    let devices = admin.get("/api/v1/admin/devices").json();
    let devices = devices.as_array().unwrap();
    assert_eq!(devices.len(), 2, "{devices:?}");

    drop(relay);
    drop(agent);
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
#[ignore = "needs wrangler dev and the Windows agent: run by `cargo xtask test`"]
fn linux_agent_journey_through_wrangler_dev() {
    journey("linux", AgentProgram::linux);
}

/// The same journey with the Windows build under Wine (loopback HTTP from Wine to wrangler dev).
#[test]
#[ignore = "needs wrangler dev, Wine and the Windows agent: run by `cargo xtask test`"]
fn windows_agent_journey_under_wine_through_wrangler_dev() {
    journey("wine", AgentProgram::wine);
}
