//! Secret values of the published configuration never leave the relay through `GET`, and a
//! document published back with the kept-secret placeholders keeps the stored secrets.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use axum::http::StatusCode;
use osdgate_model::api::KEPT_SECRET;
use osdgate_model::model::Document;
use osdgate_relay::app::Database;
use serde_json::{Value, json};
use support::{Relay, Reply};

const JOIN_PASSWORD: &str = "Join-Domain-S3cret!";
const MEDIA_PASSWORD: &str = "Remote-Reimage-2026";

fn example() -> Value {
    let text = include_str!("../../examples/boot-media-over-gateway.toml");
    let mut json: Value =
        serde_json::from_str(&Document::from_toml(text).unwrap().to_json()).unwrap();
    json["devices"][0]["variables"] = json!([
        {"name": "OSDComputerName", "value": "LAPTOP-0042"},
        {"name": "OSDJoinPassword", "value": JOIN_PASSWORD, "secret": true},
    ]);
    json
}

async fn put_config(relay: &Relay, document: &Value, if_match: Option<&str>) -> Reply {
    let mut call = relay.call("PUT", "/api/v1/admin/config").admin();
    if let Some(tag) = if_match {
        call = call.header("if-match", tag);
    }
    call.json(document).send().await
}

/// The latest stored document with its secrets opened (D1 holds them sealed: tests/sealing.rs).
async fn stored_latest(relay: &Relay) -> String {
    let (_, document) =
        osdgate_relay::app::config::stored_document(&relay.state, None).await.unwrap().unwrap();
    document.to_string()
}

#[tokio::test]
async fn get_masks_secrets_and_publishing_the_masked_document_keeps_them() {
    let relay = Relay::new();
    let first = put_config(&relay, &example(), None).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());

    for path in ["/api/v1/admin/config", "/api/v1/admin/config/versions/1"] {
        let shown = relay.admin("GET", path, None).await;
        assert_eq!(shown.status, StatusCode::OK);
        let text = shown.text();
        assert!(!text.contains(JOIN_PASSWORD), "{path} leaks: {text}");
        assert_eq!(shown.json["devices"][0]["variables"][1]["value"], KEPT_SECRET);
        assert_eq!(shown.json["devices"][0]["variables"][0]["value"], "LAPTOP-0042", "not secret");
    }

    // Edit what GET returned and publish it: the secrets stay what they were.
    let mut edited = relay.admin("GET", "/api/v1/admin/config", None).await.json;
    edited["content"][0]["name"] = json!("Boot image (x64), refreshed");
    let second = put_config(&relay, &edited, first.header("etag")).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text());
    let stored = stored_latest(&relay).await;
    assert!(stored.contains(JOIN_PASSWORD), "{stored}");
    assert!(!stored.contains(KEPT_SECRET));
    assert!(stored.contains("refreshed"));

    // A placeholder where nothing is kept (a new secret variable) is refused, naming the field.
    let mut invented = edited.clone();
    invented["devices"][0]["variables"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "OSDLocalAdminPassword", "value": KEPT_SECRET, "secret": true}));
    let refused = put_config(&relay, &invented, second.header("etag")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    assert_eq!(refused.code(), "secret_not_kept");
    assert!(refused.json["message"].as_str().unwrap().contains("variables[OSDLocalAdminPassword]"));
}

/// Issue 11 / issue 14 item 2: a media password never enters the relay. A document that still
/// carries one is refused with the finding that names the field and the fix, the answer does not
/// echo it, and nothing is stored.
#[tokio::test]
async fn a_document_with_a_media_password_is_refused_and_the_password_is_not_kept() {
    let relay = Relay::new();
    let mut document = example();
    document["media"][0]["password"] = json!(MEDIA_PASSWORD);
    let refused = put_config(&relay, &document, None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    assert_eq!(refused.code(), "preflight_failed");
    assert!(!refused.text().contains(MEDIA_PASSWORD), "{}", refused.text());
    let finding = refused.json["findings"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "OSDG-MEDIA-009")
        .unwrap_or_else(|| panic!("{}", refused.text()))
        .clone();
    assert_eq!(finding["path"], "media[0].password");
    assert!(finding["fix"].as_str().unwrap().contains("Remove `password`"), "{finding}");
    let rows = relay.db.query("SELECT COUNT(*) AS n FROM config_versions", &[]).await.unwrap();
    assert_eq!(rows[0]["n"], 0);
}

/// Migration 0004 removes the media passwords that documents published before it hold, from
/// every stored version, and keeps everything else of the document.
#[test]
fn migration_0004_removes_stored_media_passwords() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let connection = rusqlite::Connection::open_in_memory().unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let (before, from): (Vec<_>, Vec<_>) =
        files.into_iter().partition(|f| f.file_name().unwrap().to_string_lossy().as_ref() < "0004");
    for file in before {
        connection.execute_batch(&std::fs::read_to_string(file).unwrap()).unwrap();
    }
    let mut old = example();
    old["media"][0]["password"] = json!(MEDIA_PASSWORD);
    let mut second = old["media"][0].clone();
    second["id"] = json!("usb-spare");
    second["password"] = json!("Spare-Stick-2026!");
    old["media"].as_array_mut().unwrap().push(second);
    for (version, document) in [(1, old.clone()), (2, example())] {
        connection
            .execute(
                "INSERT INTO config_versions (version, document, view, sha256, published_at, published_by) VALUES (?1, ?2, '{}', 'x', 0, 'test')",
                rusqlite::params![version, document.to_string()],
            )
            .unwrap();
    }
    for file in from {
        connection.execute_batch(&std::fs::read_to_string(file).unwrap()).unwrap();
    }
    let stored: Vec<Value> = connection
        .prepare("SELECT document FROM config_versions ORDER BY version")
        .unwrap()
        .query_map([], |row| row.get::<_, String>(0))
        .unwrap()
        .map(|text| serde_json::from_str(&text.unwrap()).unwrap())
        .collect();
    let text = stored[0].to_string();
    assert!(!text.contains(MEDIA_PASSWORD) && !text.contains("Spare-Stick"), "{text}");
    let mut expected = old;
    for media in expected["media"].as_array_mut().unwrap() {
        media.as_object_mut().unwrap().remove("password");
    }
    assert_eq!(stored[0], expected, "the rest of the document is kept, media in order");
    assert_eq!(stored[1], example(), "a document without passwords is untouched");
}
