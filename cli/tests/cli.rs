//! The `osdgate` binary: check, ts import/export/lint, schema; exit codes and outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn osdgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_osdgate")).args(args).output().expect("run osdgate")
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path).to_string_lossy().into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("osdgate-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const NOW: &str = "2026-11-22T00:00:00Z";

#[test]
fn check_exit_codes_follow_the_findings() {
    for scenario in [
        "boot-media-over-gateway",
        "cloud-content-from-boot-media",
        "in-place-upgrade-over-gateway",
        "software-center",
    ] {
        let ok = osdgate(&["check", &repo(&format!("examples/{scenario}.toml")), "--now", NOW]);
        assert_eq!(
            ok.status.code(),
            Some(0),
            "{scenario}: {}",
            String::from_utf8_lossy(&ok.stdout)
        );
        let broken = osdgate(&[
            "check",
            &repo(&format!("examples/{scenario}.broken.toml")),
            "--format",
            "json",
            "--now",
            NOW,
        ]);
        assert_eq!(broken.status.code(), Some(1), "{scenario}");
        let report: serde_json::Value = serde_json::from_slice(&broken.stdout).unwrap();
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(repo(&format!("examples/{scenario}.broken.expected.json")))
                .unwrap(),
        )
        .unwrap();
        let rules = |v: &serde_json::Value| -> Vec<String> {
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["path"].as_str().unwrap()))
                .collect()
        };
        assert_eq!(rules(&report), rules(&expected), "{scenario}");
        assert_eq!(report["checked_at"], NOW);
    }
}

#[test]
fn human_report_names_rule_path_fix_and_seed() {
    let out =
        osdgate(&["check", &repo("examples/boot-media-over-gateway.broken.toml"), "--now", NOW]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("error OSDG-DEPLOY-003 at deployments[0].deployment_option"), "{text}");
    assert!(text.contains("fix: Set deployment_option = \"download_when_needed\"."), "{text}");
    assert!(
        text.contains(
            "seed: 002_d27a6ceb6a6f25eb.txt > Deploy an OS over CMG using bootable media"
        ),
        "{text}"
    );
    // An old document's media password: refused by name with the fix, its value never shown.
    assert!(text.contains("error OSDG-MEDIA-009 at media[0].password"), "{text}");
    assert!(text.contains("fix: Remove `password` from the media"), "{text}");
    assert!(!text.contains("\"secret\""), "{text}");
    assert!(text.contains("11 errors, 1 warning, 2 advice"), "{text}");
}

#[test]
fn unreadable_input_exits_2_with_position_and_no_stdout() {
    let dir = temp_dir("bad");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "schema = \"osdgate/v1\"\n[site]\ncode = \"ABC\"\nversion = \"1999\"\n")
        .unwrap();
    let out = osdgate(&["check", bad.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 4, column"), "{stderr}");
    let missing = osdgate(&["check", dir.join("missing.json").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stdout.is_empty());
    let bad_json = dir.join("bad.json");
    std::fs::write(&bad_json, "{\n  \"schema\": \"osdgate/v1\",\n  \"site\": ,\n}").unwrap();
    let out = osdgate(&["check", bad_json.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3, column 11"));
}

#[test]
fn ts_import_export_lint_round_trip() {
    let dir = temp_dir("ts");
    let fixture = repo("shared/tests/corpus/tasksequence/reimage-3.10.xml");
    let json_path = dir.join("ts.json");
    let out =
        osdgate(&["ts", "import", &fixture, "--id", "ABC00020", "-o", json_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(model["id"], "ABC00020");
    assert_eq!(model["steps"][0]["node"], "group");
    // No temporary files are left next to the output.
    let leftovers: Vec<_> =
        std::fs::read_dir(&dir).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");

    let exported = osdgate(&["ts", "export", json_path.to_str().unwrap()]);
    assert_eq!(exported.status.code(), Some(0));
    let xml = String::from_utf8(exported.stdout).unwrap();
    let original =
        osdgate_model::tasksequence::import_xml(&std::fs::read_to_string(&fixture).unwrap())
            .unwrap();
    let mut back = osdgate_model::tasksequence::import_xml(&xml).unwrap();
    back.id = original.id.clone();
    back.name = original.name.clone();
    assert_eq!(back, original);

    let lint = osdgate(&["ts", "lint", json_path.to_str().unwrap()]);
    assert_eq!(lint.status.code(), Some(0), "{}", String::from_utf8_lossy(&lint.stdout));
    let lint = osdgate(&[
        "ts",
        "lint",
        &repo("shared/tests/corpus/tasksequence/domain-join.xml"),
        "--format",
        "json",
    ]);
    assert_eq!(lint.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&lint.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["OSDG-TS-001", "OSDG-TS-002", "OSDG-TS-004"]);

    let from_document = osdgate(&["ts", "export", &repo("examples/boot-media-over-gateway.toml")]);
    assert_eq!(from_document.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&from_document.stdout)
            .contains("SMS_TaskSequence_ApplyNetworkSettingsAction")
    );

    let broken = dir.join("broken.xml");
    std::fs::write(&broken, "<sequence>\n  <group>\n</sequence>").unwrap();
    let out = osdgate(&["ts", "lint", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3"));
}

#[test]
fn schema_is_json_schema_of_documents() {
    let out = osdgate(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["title"], "osdgate document");
    assert!(schema["$defs"]["Deployment"]["properties"]["deployment_option"].is_object());
}

/// A stand-in for the relay's admin API on loopback: `GET /api/v1/admin/blobs/{sha256}` answers
/// 200 for the held hashes and 404 for the others, 401 without the right bearer token. Serves
/// until the test ends (one connection per request).
fn fake_relay(token: &'static str, held: Vec<String>) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut authorized = false;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if lower.starts_with("authorization:") && line.trim_end().ends_with(token) {
                    authorized = true;
                }
            }
            let path = request_line.split(' ').nth(1).unwrap_or("");
            let (status, body) = match path.strip_prefix("/api/v1/admin/blobs/") {
                _ if !authorized => (
                    "401 Unauthorized",
                    r#"{"code":"unauthorized","message":"the admin token is wrong"}"#.to_owned(),
                ),
                Some(sha) if held.iter().any(|h| h == sha) => {
                    ("200 OK", format!(r#"{{"sha256":"{sha}","size":1,"uploaded_at":0}}"#))
                }
                Some(_) => {
                    ("404 Not Found", r#"{"code":"blob_not_found","message":"no blob"}"#.to_owned())
                }
                None => {
                    ("404 Not Found", r#"{"code":"not_found","message":"no route"}"#.to_owned())
                }
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{address}")
}

/// Issue 14, item 3: `osdgate check --relay` reports content the relay must serve but does not
/// hold, with the same findings the model's check (and the relay at publish) gives.
#[test]
fn check_against_a_relay_reports_content_not_uploaded() {
    use osdgate_model::model::{Document, Timestamp};
    use osdgate_model::preflight;
    let path = repo("examples/boot-media-over-gateway.toml");
    let document = Document::from_toml(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let gateway = preflight::relay_gateway(&document, None).unwrap().unwrap();
    let mut needed = preflight::files_to_upload(&document, gateway);
    let not_uploaded = needed.pop().unwrap();
    let relay = fake_relay("s3cret-admin", needed.clone());
    let dir = temp_dir("relay");
    let token_file = dir.join("admin-token");
    std::fs::write(&token_file, "s3cret-admin\n").unwrap();
    let out = osdgate(&[
        "check",
        &path,
        "--relay",
        &relay,
        "--admin-token-file",
        &token_file.to_string_lossy(),
        "--format",
        "json",
        "--now",
        NOW,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let missing: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "OSDG-CONTENT-007")
        .collect();
    assert_eq!(missing.len(), 1, "{report}");
    assert!(missing[0]["fix"].as_str().unwrap().contains(&not_uploaded));
    let expected = preflight::check_at(&document, Timestamp::parse(NOW).unwrap()).with_findings(
        preflight::check_uploaded(&document, gateway, |h| needed.iter().any(|n| n == h)),
    );
    assert_eq!(report, serde_json::to_value(&expected).unwrap());

    // A wrong token is the relay's refusal, said plainly; no token at all is refused before asking.
    std::fs::write(&token_file, "wrong").unwrap();
    let refused = osdgate(&[
        "check",
        &path,
        "--relay",
        &relay,
        "--admin-token-file",
        &token_file.to_string_lossy(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("401") && stderr.contains("the admin token is wrong"), "{stderr}");
    let no_token = Command::new(env!("CARGO_BIN_EXE_osdgate"))
        .args(["check", &path, "--relay", &relay])
        .env_remove("OSDGATE_ADMIN_TOKEN")
        .env_remove("OSDGATE_ADMIN_TOKEN_FILE")
        .output()
        .unwrap();
    assert_eq!(no_token.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_token.stderr).contains("--admin-token-file"));
}

/// Issue 14, item 11: `osdgate ts import` reads what real tools write, warns once per oddity with
/// its position, and the export gives the odd elements back unchanged.
#[test]
fn ts_import_keeps_schema_oddities_and_warns() {
    let dir = temp_dir("oddities");
    let json = dir.join("ts.json");
    let xml = dir.join("back.xml");
    let source = repo("shared/tests/corpus/tasksequence/oddities.xml");
    let out = osdgate(&["ts", "import", &source, "-o", &json.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("warning OSDG-TS-008 at line ").count(), 3, "{stderr}");
    assert!(stderr.contains("line 6, column 5"), "{stderr}");
    let out = osdgate(&["ts", "export", &json.to_string_lossy(), "-o", &xml.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let exported = std::fs::read_to_string(&xml).unwrap();
    assert!(exported.contains(r#"<step name="Vendor tool step" successCodeList="0 3010" vendor:flavour="x" xmlns:vendor="urn:vendor">"#), "{exported}");
    assert!(exported.contains(r#"retryCount="several""#), "{exported}");
}
