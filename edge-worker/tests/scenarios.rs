//! Every scenario example the relay serves as preflight calls it valid (issue 14, items 1, 3, 4):
//! each `examples/*.toml` (not the `.broken` ones) is published, its content uploaded, and the
//! scenario's client — a medium registered from the example's document medium — gets its policy
//! (with the deployment option) and downloads every package the policy references. The client
//! scenarios (in-place upgrade, Software Center) run on installed ConfigMgr clients: no medium gets
//! them (issue 14, items 1 and 2). Publishing reports content that is distributed to the relay but not uploaded,
//! with the same findings as the model's check that `osdgate check --relay` runs.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use axum::http::StatusCode;
use osdgate_model::model::{Document, Timestamp};
use osdgate_model::preflight;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::Relay;

/// Every example file in `examples/` (the `.broken` ones too), by file name, with its text.
fn example_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut found: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    found.sort();
    found
}

/// Every correct example in `examples/`, by file name.
fn examples() -> Vec<(String, Document)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut found: Vec<(String, Document)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.ends_with(".toml") && !name.ends_with(".broken.toml")
        })
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let document = Document::from_toml(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, document)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(found.len() >= 4, "the four scenario examples are there: {:?}", found.len());
    found
}

/// The example's files get real bytes (the examples describe multi-GiB images): each file's
/// content is derived from its package and path, and its size and SHA-256 are set to match.
fn with_real_files(document: &mut Document) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for package in &mut document.content {
        for file in &mut package.files {
            let bytes = format!("{} {} ", package.id, file.path).repeat(50).into_bytes();
            file.size = bytes.len() as u64;
            file.sha256 = hex(&Sha256::digest(&bytes));
            files.push((file.sha256.clone(), bytes));
        }
    }
    files
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now(relay: &Relay) -> Timestamp {
    Timestamp::from_unix_seconds(relay.now().div_euclid(1000))
}

async fn publish(relay: &Relay, document: &Document, if_match: Option<&str>) -> support::Reply {
    let body: Value = serde_json::from_str(&document.to_json()).unwrap();
    let mut call = relay.call("PUT", "/api/v1/admin/config").admin();
    if let Some(tag) = if_match {
        call = call.header("if-match", tag);
    }
    call.json(&body).send().await
}

fn etag_of(reply: &support::Reply) -> String {
    reply.header("etag").unwrap().to_owned()
}

/// A client scenario's deployments reach no medium: a document medium naming one is refused at
/// publish (`OSDG-MEDIA-011`), a registration finds no medium, and a medium registered before
/// registrations named a document medium (its deployments given directly) gets no policy and no
/// content for them.
async fn client_scenarios_are_refused_to_media(
    relay: &Relay,
    name: &str,
    document: &Document,
    etag: &str,
) {
    let deployment = &document.deployments[0];
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/boot-media-over-gateway.toml");
    let mut medium =
        Document::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap().media.remove(0);
    medium.boot_image_id = None;
    medium.management_points.clear();
    medium.deployments = vec![deployment.id.clone()];
    let mut with_medium = document.clone();
    with_medium.media.push(medium);
    let refused = publish(relay, &with_medium, Some(etag)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", refused.text());
    let mismatch = refused.json["findings"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "OSDG-MEDIA-011")
        .unwrap_or_else(|| panic!("{name}: {}", refused.text()))
        .clone();
    assert_eq!(mismatch["path"], "media[0].deployments[0]", "{name}");
    assert!(mismatch["message"].as_str().unwrap().contains("installed ConfigMgr clients"));

    let key = support::signing_key("usb-unknown");
    let unknown = relay
        .admin(
            "POST",
            "/api/v1/admin/media",
            Some(json!({"medium": "usb-remote", "media_id": "usb-unknown", "created_by": "alice",
                        "public_key": support::b64(key.verifying_key().as_bytes()),
                        "expires_at": relay.now() + 1000})),
        )
        .await;
    assert_eq!(unknown.code(), "unknown_medium", "{name}: {}", unknown.text());

    let key = relay.seed_media("usb-legacy", &[deployment.id.as_str()]);
    let token = relay.media_token("usb-legacy", &key).await;
    let policy = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(policy.status, StatusCode::FORBIDDEN, "{name}: {}", policy.text());
    assert_eq!(policy.code(), "deployment_not_served", "{name}");
    assert!(policy.text().contains("installed ConfigMgr clients"), "{name}: {}", policy.text());
    let sequence = document.task_sequence(&deployment.task_sequence_id).unwrap();
    for id in sequence.referenced_content() {
        let reply =
            relay.client("GET", &format!("/api/v1/content/{id}/locations"), &token, None).await;
        assert_eq!(reply.code(), "content_not_allowed", "{name} {id}: {}", reply.text());
    }
}

fn findings_of(reply: &support::Reply, rule: &str) -> Vec<Value> {
    reply.json["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("findings in {}", reply.text()))
        .iter()
        .filter(|f| f["rule"] == rule)
        .cloned()
        .collect()
}

/// What the model's check says for the relay's state, asked the way `osdgate check --relay` asks
/// it: the admin API's blob records, then `preflight::check_uploaded`.
async fn model_verdict(relay: &Relay, document: &Document) -> Value {
    let gateway = preflight::relay_gateway(document, None).unwrap().unwrap();
    let mut held = BTreeSet::new();
    for sha256 in preflight::files_to_upload(document, gateway) {
        let reply = relay.admin("GET", &format!("/api/v1/admin/blobs/{sha256}"), None).await;
        match reply.status {
            StatusCode::OK => {
                held.insert(sha256);
            }
            StatusCode::NOT_FOUND => {}
            other => panic!("blob lookup answered {other}: {}", reply.text()),
        }
    }
    let report = preflight::check_at(document, now(relay))
        .with_findings(preflight::check_uploaded(document, gateway, |h| held.contains(h)));
    assert!(!report.has_errors(), "{}", report.to_human());
    serde_json::to_value(&report.findings).unwrap()
}

#[tokio::test]
async fn every_example_is_served_to_its_scenario_client_with_all_its_content() {
    for (name, mut document) in examples() {
        let relay = Relay::new();
        let files = with_real_files(&mut document);

        // Published before any upload: every file the relay must serve is reported missing, with
        // the package and the fix, and the relay's findings are the model's.
        let first = publish(&relay, &document, None).await;
        assert_eq!(first.status, StatusCode::CREATED, "{name}: {}", first.text());
        let missing = findings_of(&first, "OSDG-CONTENT-007");
        let gateway = preflight::relay_gateway(&document, None).unwrap().unwrap();
        let needed = preflight::files_to_upload(&document, gateway);
        assert!(!needed.is_empty(), "{name}: the example serves content");
        assert_eq!(missing.len(), needed.len(), "{name}: one finding per file: {missing:?}");
        for finding in &missing {
            let message = finding["message"].as_str().unwrap();
            assert!(message.contains("package `"), "{name}: {message}");
            assert!(finding["fix"].as_str().unwrap().contains("/api/v1/admin/blobs/"));
        }
        assert_eq!(first.json["findings"], model_verdict(&relay, &document).await, "{name}");

        // Upload what the relay must serve, publish again: nothing is missing, same verdict.
        for (sha256, bytes) in &files {
            if !needed.contains(sha256) {
                continue;
            }
            let reply = relay
                .call("PUT", &format!("/api/v1/admin/blobs/{sha256}"))
                .admin()
                .body(bytes.clone())
                .send()
                .await;
            assert!(reply.status.is_success(), "{name}: upload {}", reply.text());
        }
        let etag = etag_of(&first);
        let second = publish(&relay, &document, Some(&etag)).await;
        assert_eq!(second.status, StatusCode::OK, "{name}: {}", second.text());
        assert!(findings_of(&second, "OSDG-CONTENT-007").is_empty(), "{name}: {}", second.text());
        assert_eq!(second.json["findings"], model_verdict(&relay, &document).await, "{name}");

        // The scenario's client: a medium registered from the example's medium. Only the
        // boot-media scenarios have one; in-place upgrade and Software Center run on installed
        // ConfigMgr clients, and the relay serves no medium for them (issue 14, item 1).
        if !document.deployments.iter().all(|d| d.scenario.from_media()) {
            assert!(document.media.is_empty(), "{name}: no medium for a client scenario");
            client_scenarios_are_refused_to_media(&relay, &name, &document, &etag_of(&second))
                .await;
            continue;
        }
        let medium = &document.media[0];
        assert_eq!(
            medium.deployments.iter().collect::<BTreeSet<_>>(),
            document.deployments.iter().map(|d| &d.id).collect::<BTreeSet<_>>(),
            "{name}: the example's medium runs its deployments"
        );
        let key = relay.register_media("usb-e2e", &medium.id).await;
        let token = relay.media_token("usb-e2e", &key).await;
        let policy = relay.client("GET", "/api/v1/policy", &token, None).await;
        assert_eq!(policy.status, StatusCode::OK, "{name}: {}", policy.text());
        let served = policy.json["deployments"].as_array().unwrap();
        assert_eq!(served.len(), document.deployments.len(), "{name}: every deployment is served");
        for deployment in &document.deployments {
            let got = served.iter().find(|p| p["deployment_id"] == deployment.id.as_str()).unwrap();
            // The settings that decide when the device downloads reach it.
            assert_eq!(got["scenario"], json!(deployment.scenario), "{name}");
            assert_eq!(got["deployment_option"], json!(deployment.deployment_option), "{name}");
            assert_eq!(got["pre_download"], json!(deployment.pre_download), "{name}");
            let sequence = document.task_sequence(&deployment.task_sequence_id).unwrap();
            let referenced: BTreeSet<&str> = sequence.referenced_content();
            let listed: BTreeSet<&str> = got["content"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["content_id"].as_str().unwrap())
                .collect();
            assert_eq!(listed, referenced, "{name}: the policy lists every referenced package");
            for package in got["content"].as_array().unwrap() {
                let id = package["content_id"].as_str().unwrap();
                let locations = relay
                    .call("GET", &format!("/api/v1/content/{id}/locations"))
                    .bearer(&token)
                    .from("10.20.1.5")
                    .send()
                    .await;
                assert_eq!(locations.status, StatusCode::OK, "{name} {id}: {}", locations.text());
                for file in package["files"].as_array().unwrap() {
                    let path = file["path"].as_str().unwrap();
                    let sha256 = file["sha256"].as_str().unwrap();
                    let download = relay
                        .client("GET", &format!("/api/v1/content/{id}/files/{path}"), &token, None)
                        .await;
                    assert_eq!(
                        download.status,
                        StatusCode::OK,
                        "{name} {id}/{path}: {}",
                        download.text()
                    );
                    assert_eq!(hex(&Sha256::digest(&download.bytes)), sha256, "{name} {id}/{path}");
                    assert_eq!(download.bytes.len() as u64, file["size"].as_u64().unwrap());
                }
            }
        }
    }
}

/// Done-when of issue 14: `osdgate check` and the relay give the same verdict for every example,
/// the `.broken` ones included. The relay gets the file's own content as JSON (a document that
/// still carries a media `password` is refused for it, `OSDG-MEDIA-009`, as `osdgate check` refuses
/// the file) and answers with the findings of `osdgate check FILE --now <the relay's time>` (the
/// model's `check_at` on the file as the CLI reads it); a correct example is published, with the
/// findings of `osdgate check FILE --relay` (the content it holds: none yet).
#[tokio::test]
async fn the_relay_and_osdgate_check_give_the_same_verdict_on_every_example() {
    let files = example_files();
    assert_eq!(
        files.iter().filter(|(name, _)| name.ends_with(".broken.toml")).count(),
        files.len() / 2,
        "each example has its broken variant: {:?}",
        files.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for (name, text) in files {
        let relay = Relay::new();
        let document = Document::from_toml(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let as_written: Value = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let check = preflight::check_at(&document, now(&relay));
        let reply =
            relay.call("PUT", "/api/v1/admin/config").admin().json(&as_written).send().await;
        if check.has_errors() {
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", reply.text());
            assert_eq!(reply.code(), "preflight_failed", "{name}");
            assert_eq!(reply.json["findings"], serde_json::to_value(&check).unwrap(), "{name}");
            // The same report `osdgate check` is tested to give for the file (`cli/tests/cli.rs`).
            let expected_path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../examples")
                .join(name.replace(".toml", ".expected.json"));
            let expected: Value =
                serde_json::from_str(&std::fs::read_to_string(&expected_path).unwrap()).unwrap();
            let rules = |report: &Value| -> Vec<(String, String, String)> {
                report["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        let text = |key: &str| f[key].as_str().unwrap().to_owned();
                        (text("rule"), text("severity"), text("path"))
                    })
                    .collect()
            };
            assert_eq!(rules(&reply.json["findings"]), rules(&expected), "{name}");
        } else {
            assert!(!name.ends_with(".broken.toml"), "{name}: a broken example has errors");
            assert_eq!(reply.status, StatusCode::CREATED, "{name}: {}", reply.text());
            assert_eq!(reply.json["findings"], model_verdict(&relay, &document).await, "{name}");
        }
    }
}
