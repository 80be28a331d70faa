//! A real run's fixture, shared by `real_machine.rs` (Linux) and `wine.rs` (the Windows build): the
//! dry-run fixture with real content files staged where the dry run says content goes
//! (`X:\Windows\Temp\osdgate\content\<ID>`), their sizes and SHA-256 in the policy, so a real run
//! and a dry run of the same policy record the same actions.

use std::path::{Path, PathBuf};

use osdgate_model::api::PolicyResponse;
use osdgate_model::media::bundle::sha256_hex;

/// Stages the policy's content under `drives/x/Windows/Temp/osdgate/content` (small files with
/// their real hashes) and rewrites the policy file to name them. Returns the content folder.
pub fn stage_content(policy_file: &Path, drives: &Path) -> PathBuf {
    let mut policy: PolicyResponse =
        serde_json::from_slice(&std::fs::read(policy_file).unwrap()).unwrap();
    let staged = drives.join("x/Windows/Temp/osdgate/content");
    for content in &mut policy.deployments[0].content {
        for file in &mut content.files {
            let bytes = format!("{} {} test content\n", content.content_id, file.path).repeat(100);
            let path = staged.join(&content.content_id).join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
            file.size = bytes.len() as u64;
            file.sha256 = sha256_hex(bytes.as_bytes());
        }
    }
    std::fs::write(policy_file, serde_json::to_vec(&policy).unwrap()).unwrap();
    staged
}

/// A task sequence of Run Command Line steps guarded by machine conditions, for the real probe:
/// X:\marker.txt exists, X:\work is a folder, `HKLM\SOFTWARE\osdgate-test` has `Version` = `10.0`
/// (REG_SZ) and `Count` = 31 (REG_DWORD), and no `Missing` value. Returns the step names that must
/// run, in order; "Needs WMI" fails as not evaluable and continues on error.
pub fn use_condition_sequence(policy_file: &Path) -> Vec<&'static str> {
    let expression = |kind: &str, properties: &[(&str, &str)]| {
        serde_json::json!({
            "item": "expression",
            "type": kind,
            "properties": properties
                .iter()
                .map(|(name, value)| serde_json::json!({ "name": name, "value": value }))
                .collect::<Vec<_>>(),
        })
    };
    let key = "HKEY_LOCAL_MACHINE\\SOFTWARE\\osdgate-test";
    let registry = |value: &str, operator: &str, data: &str| {
        expression(
            "registry",
            &[("KeyPath", key), ("Value", value), ("Operator", operator), ("Data", data)],
        )
    };
    let step = |name: &str, condition: serde_json::Value, continue_on_error: bool| {
        serde_json::json!({
            "node": "step", "type": "run_command_line", "name": name, "action": "echo ran",
            "continue_on_error": continue_on_error, "condition": { "items": [condition] },
        })
    };
    let steps = serde_json::json!([
        step("File exists", expression("file", &[("Path", "X:\\marker.txt")]), false),
        step("File missing", expression("file", &[("Path", "X:\\absent.txt")]), false),
        step("Folder exists", expression("folder", &[("Path", "X:\\work")]), false),
        step("File is a folder", expression("file", &[("Path", "X:\\work")]), false),
        step("Registry equals", registry("Version", "equals", "10.0"), false),
        step("Registry differs", registry("Version", "equals", "6.1"), false),
        step("Registry greater", registry("Count", "greater", "16"), false),
        step("Registry not greater", registry("Count", "greater", "0x20"), false),
        step("Registry value missing", registry("Missing", "notExists", ""), false),
        step(
            "Registry key missing",
            expression(
                "registry",
                &[
                    ("KeyPath", "HKEY_LOCAL_MACHINE\\SOFTWARE\\osdgate-absent"),
                    ("Value", "x"),
                    ("Operator", "exists")
                ]
            ),
            false
        ),
        step(
            "Needs WMI",
            expression(
                "wmi",
                &[("Namespace", "root\\cimv2"), ("Query", "SELECT * FROM Win32_Battery")]
            ),
            true
        ),
        serde_json::json!({ "node": "step", "type": "run_command_line", "name": "Last", "action": "echo last" }),
    ]);
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(policy_file).unwrap()).unwrap();
    value["deployments"][0]["task_sequence"]["steps"] = steps;
    std::fs::write(policy_file, serde_json::to_vec(&value).unwrap()).unwrap();
    vec![
        "File exists",
        "Folder exists",
        "Registry equals",
        "Registry greater",
        "Registry value missing",
        "Last",
    ]
}

/// Checks a conditions run's output: the steps that ran, the ones skipped, WMI not evaluable.
pub fn check_condition_run(stdout: &str, ran: &[&str]) {
    let done: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": done"))
        .map(|l| l.split_once("] ").unwrap().1)
        .collect();
    assert_eq!(done, ran, "{stdout}");
    for skipped in [
        "File missing",
        "File is a folder",
        "Registry differs",
        "Registry not greater",
        "Registry key missing",
    ] {
        assert!(
            stdout.contains(&format!("{skipped}: skipped (its condition is false)")),
            "{skipped}: {stdout}"
        );
    }
    assert!(stdout.contains("Needs WMI: FAILED 0x80004001: the WMI query"), "{stdout}");
    assert!(stdout.contains("The task sequence completed."), "{stdout}");
}
