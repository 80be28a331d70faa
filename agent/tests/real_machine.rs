//! The real machine on Linux: the Windows tools are replaced by shell scripts of the same names in a
//! tools folder that record their arguments and working folder; drive `L:` is a folder. The real
//! run of the boot-media example must start exactly the programs, with exactly the arguments, that
//! its dry run records, write the files the dry run records (with the real secret, which the record
//! hides), stop at each restart and continue after it. The Windows build does the same under Wine
//! with the real `CreateProcess` path (`wine.rs`).

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "common/dry_run_fixture.rs"]
mod dry_run_fixture;
#[path = "common/real_fixture.rs"]
mod real_fixture;

use dry_run_fixture::{fixture, scratch};
use osdgate_agent::engine::{Environment, ResolvedStep, RunState};
use osdgate_agent::executor::{Action, Invocation, Machine, RecordedAction, TIMEOUT_ERROR};
use osdgate_agent::platform::{Drives, HASH_MISMATCH_ERROR, NoContent, RealMachine, StagedContent};
use osdgate_agent::variables::LOG_PATH;
use osdgate_model::api::{ContentFile, ContentReference};
use osdgate_model::model::StepType;

/// Writes a fake tool: it appends `name<TAB>cwd<TAB>arg<TAB>arg...` to `$FAKE_LOG` and exits with
/// `$FAKE_EXIT` (0 when unset).
fn fake_tool(tools: &Path, name: &str, extra: &str) {
    let script = format!(
        "#!/bin/sh\nline=\"{name}\t$(pwd)\"\nfor a in \"$@\"; do line=\"$line\t$a\"; done\nprintf '%s\\n' \"$line\" >> \"${{FAKE_LOG:-/dev/null}}\"\n{extra}\nexit ${{FAKE_EXIT:-0}}\n"
    );
    let path = tools.join(name);
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn tools(folder: &Path) -> PathBuf {
    let tools = folder.join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    for name in
        ["diskpart.exe", "dism.exe", "bcdboot.exe", "robocopy.exe", "wpeutil.exe", "shutdown.exe"]
    {
        fake_tool(&tools, name, "");
    }
    // cmd.exe /d /s /c COMMAND: runs COMMAND with sh, so a command line does real work.
    fake_tool(&tools, "cmd.exe", "shift 3\nsh -c \"$1\"\nexit $?");
    tools
}

fn agent(args: &[&str], log: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_osdgate-agent"))
        .args(args)
        .env("FAKE_LOG", log)
        .output()
        .unwrap()
}

fn record(path: &Path) -> Vec<RecordedAction> {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn real_run_starts_what_the_dry_run_records_and_resumes_after_each_restart() {
    let folder = scratch("real-linux");
    let (bundle, policy) = fixture(&folder, "2099-01-01T00:00:00Z");
    let drives = folder.join("drives");
    real_fixture::stage_content(&policy, &drives);
    let tools = tools(&folder);
    let log = folder.join("tools.log");
    let (b, p) = (bundle.to_str().unwrap(), policy.to_str().unwrap());

    let dry_state = folder.join("dry");
    let dry = agent(
        &["run", "--dry-run", "--bundle", b, "--policy", p, "--state", dry_state.to_str().unwrap()],
        &log,
    );
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert!(!log.exists(), "a dry run starts no program");

    let real_state = folder.join("real");
    let real_args = [
        "run",
        "--bundle",
        b,
        "--policy",
        p,
        "--state",
        real_state.to_str().unwrap(),
        "--drive-root",
        drives.to_str().unwrap(),
        "--tools",
        tools.to_str().unwrap(),
        "--content",
        "X:\\Windows\\Temp\\osdgate\\content",
    ];
    // Setup Windows and ConfigMgr restarts into the full OS; Restart Computer restarts again; the
    // third start finds nothing left to run and completes.
    let mut outputs = Vec::new();
    for expected in [Some(3), Some(3), Some(0)] {
        let output = agent(&real_args, &log);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(
            output.status.code(),
            expected,
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        outputs.push(stdout);
    }
    assert!(outputs[0].contains("[6/7] Setup Windows and ConfigMgr: done"), "{}", outputs[0]);
    assert!(outputs[0].contains("The machine is restarting"), "{}", outputs[0]);
    assert!(!outputs[0].contains("[7/7]"), "the run stops at the restart: {}", outputs[0]);
    assert!(outputs[1].contains("Resuming task sequence"), "{}", outputs[1]);
    assert!(outputs[1].contains("[7/7] Restart Computer: done"), "{}", outputs[1]);
    assert!(!outputs[1].contains("[6/7]"), "no step runs twice: {}", outputs[1]);
    assert!(outputs[2].contains("The task sequence completed."), "{}", outputs[2]);

    // The real record is the dry run's, action for action.
    let real_record = record(&real_state.join("actions.json"));
    assert_eq!(real_record, record(&dry_state.join("dry-run.json")));

    // Every program started is a recorded command (and the restarts), with the recorded arguments.
    let started: Vec<Vec<String>> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect();
    let mut expected: Vec<Vec<String>> = Vec::new();
    for action in &real_record {
        match &action.action {
            Action::Command { program, arguments, .. } => {
                let mut line = vec![program.clone()];
                line.extend(arguments.iter().cloned());
                expected.push(line);
            }
            Action::Restart { command_line, .. } => {
                expected.push(command_line.split(' ').map(str::to_owned).collect())
            }
            _ => {}
        }
    }
    let started_without_cwd: Vec<Vec<String>> = started
        .iter()
        .map(|l| std::iter::once(l[0].clone()).chain(l[2..].iter().cloned()).collect())
        .collect();
    assert_eq!(started_without_cwd, expected);
    assert_eq!(started.iter().filter(|l| l[0] == "wpeutil.exe").count(), 1);
    assert_eq!(started.iter().filter(|l| l[0] == "shutdown.exe").count(), 1);

    // The files are written where the record says, with the real content (the record hides the
    // administrator password, the file holds it).
    for action in &real_record {
        if let Action::File { path, sha256, redacted, .. } = &action.action {
            let host = Drives::Folders(drives.clone()).host_path(path).unwrap();
            let bytes = std::fs::read(&host).unwrap();
            assert_eq!(&osdgate_model::media::bundle::sha256_hex(&bytes), sha256, "{path}");
            if *redacted {
                let hidden = osdgate_agent::generate::hidden_password(
                    "S3cret-Admin!",
                    "AdministratorPassword",
                );
                assert!(String::from_utf8_lossy(&bytes).contains(&hidden), "{path}");
            }
        }
    }
    assert!(
        !std::fs::read_to_string(real_state.join("actions.json"))
            .unwrap()
            .contains("S3cret-Admin!")
    );
    std::fs::remove_dir_all(&folder).unwrap();
}

fn step(name: &str) -> ResolvedStep {
    ResolvedStep {
        path: "0".into(),
        ordinal: 1,
        step_count: 1,
        name: name.into(),
        step_type: StepType::RunCommandLine,
        action: String::new(),
        settings: vec![],
        environment: Environment::WindowsPe,
        attempt: 1,
        timeout_minutes: None,
    }
}

#[test]
fn real_machine_working_folder_exit_codes_output_and_timeout() {
    let folder = scratch("real-machine");
    let tools = tools(&folder);
    let drives = folder.join("drives");
    std::fs::create_dir_all(drives.join("x/work")).unwrap();
    let mut machine =
        RealMachine::new(Drives::Folders(drives.clone()), vec![tools.clone()], Box::new(NoContent));
    let invocation = Invocation {
        working_directory: Some("X:\\work".into()),
        ..Invocation::new(
            "cmd.exe",
            &[
                "/d",
                "/s",
                "/c",
                "echo written > out.txt; echo to-stdout; echo to-stderr >&2; exit 3",
            ],
        )
    };
    let exit = machine.run(&step("Run"), &invocation).unwrap();
    assert_eq!(exit.code, 3);
    assert!(exit.output.contains("to-stdout") && exit.output.contains("to-stderr"), "{exit:?}");
    assert_eq!(std::fs::read_to_string(drives.join("x/work/out.txt")).unwrap().trim(), "written");
    assert_eq!(
        invocation.command_line(),
        "cmd.exe /d /s /c \"echo written > out.txt; echo to-stdout; echo to-stderr >&2; exit 3\"",
        "cmd's command is quoted whole and verbatim, never backslash-escaped"
    );

    // A missing start-in folder and a missing program fail clearly.
    let missing = Invocation {
        working_directory: Some("X:\\nowhere".into()),
        ..Invocation::new("cmd.exe", &["/c", "exit 0"])
    };
    let error = machine.run(&step("Run"), &missing).unwrap_err();
    assert!(error.message.contains("X:\\nowhere does not exist"), "{error:?}");
    let error = machine.run(&step("Run"), &Invocation::new("no-such-tool.exe", &[])).unwrap_err();
    assert_eq!(error.code, 0x8007_0002, "{error:?}");
    assert!(error.message.contains("cannot start no-such-tool.exe"), "{error:?}");

    // The timeout stops the program.
    let slow = Invocation {
        timeout_seconds: Some(1),
        ..Invocation::new("cmd.exe", &["/d", "/s", "/c", "sleep 30"])
    };
    let started = std::time::Instant::now();
    let error = machine.run(&step("Slow"), &slow).unwrap_err();
    assert_eq!(error.code, TIMEOUT_ERROR);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());

    // Staged content that does not match its hash is refused; matching content is returned.
    let staged = drives.join("x/content/ABC00099");
    std::fs::create_dir_all(&staged).unwrap();
    std::fs::write(staged.join("setup.exe"), b"good").unwrap();
    let mut reference = ContentReference {
        content_id: "ABC00099".into(),
        name: "Tool".into(),
        version: None,
        files: vec![ContentFile {
            path: "setup.exe".into(),
            size: 4,
            sha256: osdgate_model::media::bundle::sha256_hex(b"good"),
        }],
        locations_url: String::new(),
    };
    let mut machine = RealMachine::new(
        Drives::Folders(drives.clone()),
        vec![],
        Box::new(StagedContent { folder: "X:\\content".into() }),
    );
    assert_eq!(machine.fetch_content(&step("Get"), &reference).unwrap(), "X:\\content\\ABC00099");
    reference.files[0].sha256 = osdgate_model::media::bundle::sha256_hex(b"evil");
    let error = machine.fetch_content(&step("Get"), &reference).unwrap_err();
    assert_eq!(error.code, HASH_MISMATCH_ERROR);
    assert!(error.message.contains("does not match the policy"), "{error:?}");
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn drive_paths_map_to_folders_and_never_climb_out() {
    let drives = Drives::Folders(PathBuf::from("/root"));
    assert_eq!(
        drives.host_path("W:\\Windows\\Panther\\unattend.xml").unwrap(),
        PathBuf::from("/root/w/Windows/Panther/unattend.xml")
    );
    assert_eq!(drives.host_path("x:\\").unwrap(), PathBuf::from("/root/x"));
    assert!(drives.host_path("W:\\a\\..\\..\\etc").unwrap_err().contains(".."));
    assert!(drives.host_path("\\\\server\\share").unwrap_err().contains("not a path on a drive"));
    assert!(Drives::host(None).unwrap_err().contains("--drive-root"));
}

/// Without `--state`, a real run keeps its state and log where ConfigMgr does: on the RAM disk
/// first, on the Windows drive once it is partitioned (so the restart finds them), in
/// `%SystemRoot%\CCM\Logs\SMSTSLog` in the full OS and `%SystemRoot%\CCM\Logs` at the end. The
/// restart is simulated as Windows does it: the RAM disk is gone and the Windows partition is C:.
#[test]
fn real_run_places_state_and_log_as_configmgr_and_finds_them_after_the_restart() {
    let folder = scratch("real-placement");
    let (bundle, policy) = fixture(&folder, "2099-01-01T00:00:00Z");
    let drives = folder.join("drives");
    real_fixture::stage_content(&policy, &drives);
    let tools = tools(&folder);
    let log = folder.join("tools.log");
    let b = bundle.to_str().unwrap();
    let common = |policy: &Path| -> Vec<String> {
        [
            "run",
            "--bundle",
            b,
            "--policy",
            policy.to_str().unwrap(),
            "--drive-root",
            drives.to_str().unwrap(),
            "--tools",
            tools.to_str().unwrap(),
            "--content",
            "X:\\Windows\\Temp\\osdgate\\content",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };
    // `_SMSTSLogPath` as the saved state has it: where the log is now.
    let log_path = |state: &Path| -> String {
        let state: RunState =
            serde_json::from_slice(&std::fs::read(state.join("state.json")).unwrap()).unwrap();
        state.variables.get(LOG_PATH).unwrap_or_default().to_owned()
    };
    let run = |args: &[String]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = agent(&args, &log);
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code(), text)
    };

    // Windows PE: partitioned, applied, set up; restarting into the full OS.
    let (code, text) = run(&common(&policy));
    assert_eq!(code, Some(3), "{text}");
    assert!(!drives.join("x/_SMSTaskSequence").exists(), "the state left the RAM disk");
    let on_disk = drives.join("w/_SMSTaskSequence");
    for file in ["state.json", "policy.json", "actions.json"] {
        assert!(on_disk.join(file).is_file(), "{file} on the Windows drive");
    }
    assert!(!drives.join("x/Windows/Temp/SMSTSLog/smsts.log").exists());
    assert_eq!(log_path(&on_disk), "W:\\_SMSTaskSequence\\Logs\\Smstslog");
    let winpe_log = std::fs::read(on_disk.join("Logs/Smstslog/smsts.log")).unwrap();
    let parsed = osdgate_model::cmtrace::read_log(&winpe_log);
    assert!(parsed.skipped.is_empty());
    let messages: Vec<&str> = parsed.records.iter().map(|r| r.record.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("moved from X:\\_SMSTaskSequence to W:\\_SMSTaskSequence")),
        "{messages:#?}"
    );
    assert!(messages.iter().any(|m| m.contains("smsts.log moved from X:\\Windows\\Temp\\SMSTSLog to W:\\_SMSTaskSequence\\Logs\\Smstslog")), "{messages:#?}");
    assert!(
        messages[0].contains("osdgate-agent")
            && messages.iter().any(|m| m.starts_with("Start executing step 1 of 7")),
        "the log from before the move came along"
    );

    // The restart: the RAM disk is gone, Windows sees its partition as C:.
    std::fs::remove_dir_all(drives.join("x")).unwrap();
    std::fs::rename(drives.join("w"), drives.join("c")).unwrap();
    let saved_policy = drives.join("c/_SMSTaskSequence/policy.json");
    let (code, text) = run(&common(&saved_policy));
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains("Resuming task sequence") && text.contains("[7/7] Restart Computer: done"),
        "{text}"
    );
    assert!(
        drives.join("c/Windows/CCM/Logs/SMSTSLog/smsts.log").is_file(),
        "the full OS's log folder"
    );
    assert!(!drives.join("c/_SMSTaskSequence/Logs/Smstslog/smsts.log").exists());
    assert_eq!(log_path(&drives.join("c/_SMSTaskSequence")), "C:\\Windows\\CCM\\Logs\\SMSTSLog");

    let (code, text) = run(&common(&saved_policy));
    assert_eq!(code, Some(0), "{text}");
    let final_log = std::fs::read(drives.join("c/Windows/CCM/Logs/smsts.log")).unwrap();
    assert!(!drives.join("c/Windows/CCM/Logs/SMSTSLog/smsts.log").exists());
    assert_eq!(log_path(&drives.join("c/_SMSTaskSequence")), "C:\\Windows\\CCM\\Logs");
    let parsed = osdgate_model::cmtrace::read_log(&final_log);
    assert!(parsed.skipped.is_empty());
    let messages: Vec<&str> = parsed.records.iter().map(|r| r.record.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.starts_with("Start executing step 1 of 7")),
        "one log from the first step"
    );
    assert_eq!(messages.iter().filter(|m| m.starts_with("Resuming task sequence")).count(), 2);
    assert!(messages.last().unwrap().contains("completed"), "{messages:#?}");

    // Every status message queued once, in the state folder that moved.
    let status: Vec<_> = std::fs::read_dir(drives.join("c/_SMSTaskSequence/status"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .collect();
    assert_eq!(
        status.len(),
        7 + 7 + 2 + 1,
        "started and succeeded per step, a running per restart, completed"
    );

    // A corrupted state file gives a clear message, and nothing runs.
    std::fs::write(drives.join("c/_SMSTaskSequence/state.json"), b"{\"version\": 1, \"deploy")
        .unwrap();
    let before = std::fs::read_to_string(&log).unwrap();
    let (code, text) = run(&common(&saved_policy));
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("state.json is not a state file of this agent")
            && text.contains("remove it to start the task sequence over"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap(), before, "no program started");
    std::fs::remove_dir_all(&folder).unwrap();
}

/// File, folder and registry conditions answered on the machine (registry through `reg.exe query`,
/// here a stand-in printing what Windows' reg prints); WMI is not evaluable and the step's
/// continue-on-error decides.
#[test]
fn real_run_evaluates_file_folder_and_registry_conditions() {
    let folder = scratch("real-conditions");
    let (bundle, policy) = fixture(&folder, "2099-01-01T00:00:00Z");
    let ran = real_fixture::use_condition_sequence(&policy);
    let tools = tools(&folder);
    fake_tool(
        &tools,
        "reg.exe",
        r#"case "$2|$4" in
  *osdgate-test\|Version) printf '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\osdgate-test\r\n    Version    REG_SZ    10.0\r\n\r\n'; exit 0;;
  *osdgate-test\|Count) printf '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\osdgate-test\r\n    Count    REG_DWORD    0x1f\r\n\r\n'; exit 0;;
  *) echo 'ERROR: The system was unable to find the specified registry key or value.' >&2; exit 1;;
esac"#,
    );
    let drives = folder.join("drives");
    std::fs::create_dir_all(drives.join("x/work")).unwrap();
    std::fs::write(drives.join("x/marker.txt"), b"here").unwrap();
    let log = folder.join("tools.log");
    let state = folder.join("state");
    let output = agent(
        &[
            "run",
            "--bundle",
            bundle.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "--drive-root",
            drives.to_str().unwrap(),
            "--tools",
            tools.to_str().unwrap(),
        ],
        &log,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    real_fixture::check_condition_run(&stdout, &ran);
    let queried: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("reg.exe"))
        .map(|l| l.split('\t').skip(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert!(
        queried.contains(&"query HKEY_LOCAL_MACHINE\\SOFTWARE\\osdgate-test /v Version".to_owned()),
        "{queried:?}"
    );
    std::fs::remove_dir_all(&folder).unwrap();
}
