//! Secret values of the published configuration never leave the relay through `GET`, and a
//! document published back with the kept-secret placeholders keeps the stored secrets.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use osdgate_model::api::KEPT_SECRET;
use osdgate_model::model::Document;
use osdgate_relay::app::Database;
use serde_json::{Value, json};
use support::{ADMIN_TOKEN, Relay, Reply};

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
    assert_eq!(json["media"][0]["password"], MEDIA_PASSWORD);
    json
}

async fn put_config(relay: &Relay, document: &Value, if_match: Option<&str>) -> Reply {
    let mut builder = Request::put("/api/v1/admin/config")
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .header("content-type", "application/json");
    if let Some(tag) = if_match {
        builder = builder.header("if-match", tag);
    }
    relay.send(builder.body(Body::from(document.to_string())).unwrap()).await
}

async fn stored_latest(relay: &Relay) -> String {
    let rows = relay
        .db
        .query("SELECT document FROM config_versions ORDER BY version DESC LIMIT 1", &[])
        .await
        .unwrap();
    rows[0]["document"].as_str().unwrap().to_owned()
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
        assert!(
            !text.contains(JOIN_PASSWORD) && !text.contains(MEDIA_PASSWORD),
            "{path} leaks: {text}"
        );
        assert_eq!(shown.json["devices"][0]["variables"][1]["value"], KEPT_SECRET);
        assert_eq!(shown.json["devices"][0]["variables"][0]["value"], "LAPTOP-0042", "not secret");
        assert_eq!(shown.json["media"][0]["password"], KEPT_SECRET);
    }

    // Edit what GET returned and publish it: the secrets stay what they were.
    let mut edited = relay.admin("GET", "/api/v1/admin/config", None).await.json;
    edited["content"][0]["name"] = json!("Boot image (x64), refreshed");
    let second = put_config(&relay, &edited, first.header("etag")).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text());
    let stored = stored_latest(&relay).await;
    assert!(stored.contains(JOIN_PASSWORD) && stored.contains(MEDIA_PASSWORD), "{stored}");
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
