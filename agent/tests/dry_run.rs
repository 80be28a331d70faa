//! `osdgate-agent run --dry-run` end to end on the boot-media example: the binary, a bundle folder
//! with media.json, a policy file built from the example's task sequence. Every step runs in order
//! with its command lines and files recorded, the restart is resumed from the state file, smsts.log
//! is written and parses back, and every status message is queued once.

use std::process::Command;

#[path = "common/dry_run_fixture.rs"]
mod dry_run_fixture;

use dry_run_fixture::{fixture, scratch};

use osdgate_agent::executor::{Action, RecordedAction};
use osdgate_model::api::{StatusPost, StepState};
use osdgate_model::cmtrace::{Severity, read_log};

fn agent(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_osdgate-agent")).args(args).output().unwrap()
}

#[test]
fn dry_run_of_the_boot_media_example() {
    let folder = scratch("dry-run");
    let (bundle, policy) = fixture(&folder, "2099-01-01T00:00:00Z");
    let state = folder.join("state");
    let output = agent(&[
        "run",
        "--bundle",
        bundle.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--dry-run",
        "--state",
        state.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for line in [
        "[1/7] Partition Disk 0 - UEFI ...",
        "[5/7] Apply Driver Package: done",
        "[7/7] Restart Computer: done",
        "The task sequence completed.",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in\n{stdout}");
    }

    // The record: every command line and file, in step order.
    let record: Vec<RecordedAction> =
        serde_json::from_slice(&std::fs::read(state.join("dry-run.json")).unwrap()).unwrap();
    let commands: Vec<String> = record
        .iter()
        .filter_map(|r| match &r.action {
            Action::Command { command_line, .. } => Some(command_line.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        commands,
        [
            "diskpart.exe /s X:\\Windows\\Temp\\osdgate\\diskpart-1.txt",
            "dism.exe /Apply-Image /ImageFile:X:\\Windows\\Temp\\osdgate\\content\\ABC00010\\sources\\install.wim /Index:1 /ApplyDir:W:\\",
            "bcdboot.exe W:\\Windows /s S: /f UEFI",
            "dism.exe /Image:W:\\ /Add-Driver /Driver:X:\\Windows\\Temp\\osdgate\\content\\ABC00012 /Recurse",
            "robocopy.exe X:\\Windows\\Temp\\osdgate\\content\\ABC00011 W:\\_osdgate\\client /E /R:2 /W:5 /NP",
        ]
    );
    let files: Vec<(&str, &str, bool)> = record
        .iter()
        .filter_map(|r| match &r.action {
            Action::File { path, text, redacted, .. } => {
                Some((path.as_str(), text.as_str(), *redacted))
            }
            _ => None,
        })
        .collect();
    assert_eq!(files[0].0, "X:\\Windows\\Temp\\osdgate\\diskpart-1.txt");
    assert!(files[0].1.contains("create partition efi size=100"));
    assert_eq!(files[1].0, "W:\\Windows\\Panther\\unattend.xml");
    assert!(files[1].1.contains("<ComputerName>LAPTOP-0042</ComputerName>"));
    assert!(files[1].1.contains("<JoinWorkgroup>REMOTE</JoinWorkgroup>"));
    assert!(files[1].1.contains("<RegisteredOwner>Contoso</RegisteredOwner>"));
    assert!(files[1].2, "the administrator password is redacted in the record");
    assert_eq!(files[2].0, "W:\\Windows\\Setup\\Scripts\\SetupComplete.cmd");
    assert!(files[2].1.contains("ccmsetup.exe\" CCMHOSTNAME=contoso-cmg.cloudapp.net/CCM_Proxy_MutualAuth/72057594037927941 SMSSITECODE=ABC"));
    let restarts = record.iter().filter(|r| matches!(r.action, Action::Restart { .. })).count();
    assert_eq!(restarts, 2, "Setup Windows and ConfigMgr, then Restart Computer");
    let everything = std::fs::read_to_string(state.join("dry-run.json")).unwrap();
    assert!(!everything.contains("S3cret-Admin!"), "no secret in the record");

    // smsts.log: CMTrace, parses back whole, no secret.
    let log = std::fs::read(state.join("logs/smsts.log")).unwrap();
    assert!(log.starts_with(b"\xEF\xBB\xBF"));
    let parsed = read_log(&log);
    assert_eq!(parsed.skipped, vec![]);
    let messages: Vec<&str> = parsed.records.iter().map(|r| r.record.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("Start executing step 2 of 7: Apply Operating System")),
        "{messages:#?}"
    );
    assert!(messages.iter().any(|m| m.contains("continuing from the saved state")));
    assert!(messages.iter().any(|m| m.starts_with("Resuming task sequence")));
    assert!(parsed.records.iter().all(|r| r.record.severity != Severity::Error));
    assert!(!String::from_utf8_lossy(&log).contains("S3cret-Admin!"));

    // Status: started and succeeded for every step, then completed; each once, in order.
    let status_folder = state.join("status");
    let mut names: Vec<_> = std::fs::read_dir(&status_folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let posts: Vec<StatusPost> = names
        .iter()
        .map(|n| serde_json::from_slice(&std::fs::read(status_folder.join(n)).unwrap()).unwrap())
        .collect();
    let started = posts.iter().filter(|p| p.state == StepState::Started).count();
    let succeeded = posts.iter().filter(|p| p.state == StepState::Succeeded).count();
    assert_eq!((started, succeeded), (7, 7));
    assert_eq!(posts.last().unwrap().state, StepState::Completed);
    let mut ids: Vec<&str> = posts.iter().map(|p| p.message_id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), posts.len());
    assert!(posts.iter().all(|p| p.deployment_id == "ABC20001"));

    // Running again refuses: the run finished.
    let again = agent(&[
        "run",
        "--bundle",
        bundle.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--dry-run",
        "--state",
        state.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already finished"));
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn clear_refusals() {
    let folder = scratch("dry-run-refusals");
    let (bundle, policy) = fixture(&folder, "2020-01-01T00:00:00Z");
    let state = folder.join("state");
    let b = bundle.to_str().unwrap();
    let p = policy.to_str().unwrap();
    let s = state.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["run", "--bundle", b, "--policy", p, "--dry-run", "--state", s], "expired"),
        (&["run", "--bundle", b, "--policy", p, "--state", s], "--drive-root"),
        // Online, the medium's expiry is checked before anything is sent.
        (&["run", "--bundle", b, "--dry-run", "--state", s], "expired"),
        (
            &[
                "run",
                "--bundle",
                folder.to_str().unwrap(),
                "--policy",
                p,
                "--dry-run",
                "--state",
                s,
            ],
            "point --bundle at the osdgate folder",
        ),
    ];
    for (args, expected) in cases {
        let output = agent(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let help = agent(&["run", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--password-file") && help.contains("With the relay (the default)"));
    std::fs::remove_dir_all(&folder).unwrap();
}

/// A step the agent cannot run fails with E_NOTIMPL (0x80004001) and a message that says so; its
/// continue-on-error decides whether the sequence goes on.
#[test]
fn steps_the_agent_cannot_run_fail_with_e_notimpl_and_follow_continue_on_error() {
    let folder = scratch("dry-run-notimpl");
    let (bundle, policy) = fixture(&folder, "2099-01-01T00:00:00Z");
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&policy).unwrap()).unwrap();
    let install = |continue_on_error: bool| {
        serde_json::json!({
            "node": "step", "type": "install_application", "name": "Install Apps",
            "continue_on_error": continue_on_error,
        })
    };
    let after = serde_json::json!({ "node": "step", "type": "run_command_line", "name": "After", "action": "echo after" });
    for (continue_on_error, expected_code, after_runs) in [(true, 0, true), (false, 1, false)] {
        value["deployments"][0]["task_sequence"]["steps"] =
            serde_json::json!([install(continue_on_error), after.clone()]);
        std::fs::write(&policy, serde_json::to_vec(&value).unwrap()).unwrap();
        let state = folder.join(format!("state-{continue_on_error}"));
        let output = agent(&[
            "run",
            "--bundle",
            bundle.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--dry-run",
            "--state",
            state.to_str().unwrap(),
        ]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(expected_code), "{stdout}");
        assert!(
            stdout.contains("[1/2] Install Apps: FAILED 0x80004001: osdgate-agent does not run SMS_TaskSequence_InstallApplicationAction steps"),
            "{stdout}"
        );
        assert_eq!(stdout.contains("[2/2] After: done"), after_runs, "{stdout}");
        let failed: Vec<StatusPost> = std::fs::read_dir(state.join("status"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
            .filter(|p: &StatusPost| p.state == StepState::Failed && p.step == "Install Apps")
            .collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].error_code.as_deref(), Some("0x80004001"));
    }
    std::fs::remove_dir_all(&folder).unwrap();
}

/// A restart from the full OS into the boot image is refused with E_NOTIMPL (the agent stages no
/// boot image), after a restart into the full OS went through.
#[test]
fn restart_from_windows_into_the_boot_image_is_refused() {
    let folder = scratch("dry-run-restart-winpe");
    let (bundle, policy) = fixture(&folder, "2099-01-01T00:00:00Z");
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&policy).unwrap()).unwrap();
    let restart = |name: &str, target: &str| {
        serde_json::json!({
            "node": "step", "type": "restart", "name": name,
            "variables": [{ "name": "SMSRebootTarget", "property": "Target", "value": target }],
        })
    };
    value["deployments"][0]["task_sequence"]["steps"] =
        serde_json::json!([restart("Into Windows", "HD"), restart("Into WinPE", "WinPE")]);
    std::fs::write(&policy, serde_json::to_vec(&value).unwrap()).unwrap();
    let state = folder.join("state");
    let output = agent(&[
        "run",
        "--bundle",
        bundle.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--dry-run",
        "--state",
        state.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("[1/2] Into Windows: done"), "{stdout}");
    assert!(
        stdout.contains("[2/2] Into WinPE: FAILED 0x80004001: a restart from Windows into the boot image needs the boot image staged"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&folder).unwrap();
}
