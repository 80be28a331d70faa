//! Publishing through the preflight checker, versioning with ETag/If-Match, history, rollback, and
//! serving policy and content location from a real published document.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use axum::http::StatusCode;
use osdgate_model::model::Document;
use serde_json::{Value, json};
use support::Relay;

/// The model's correct example for boot media over a gateway, as JSON, with a device variable.
fn example() -> Value {
    let text = include_str!("../../examples/boot-media-over-gateway.toml");
    let document = Document::from_toml(text).expect("the example parses");
    let mut json: Value = serde_json::from_str(&document.to_json()).unwrap();
    json["devices"][0]["variables"] = json!([{"name": "OSDComputerName", "value": "LAPTOP-0042"}]);
    json
}

fn broken() -> Value {
    let mut json = example();
    json["deployments"][0]["allow_internet"] = json!(false);
    json["deployments"][0]["make_available_to"] = json!("clients_only");
    json
}

async fn publish(relay: &Relay, document: &Value, if_match: Option<&str>) -> support::Reply {
    let mut call = relay
        .call("PUT", "/api/v1/admin/config")
        .admin()
        .header("x-osdgate-actor", "bob@example.com")
        .header("x-osdgate-comment", "first cut");
    if let Some(tag) = if_match {
        call = call.header("if-match", tag);
    }
    call.json(document).send().await
}

async fn rollback(relay: &Relay, to_version: i64, if_match: &str) -> support::Reply {
    relay
        .call("POST", "/api/v1/admin/config/rollback")
        .admin()
        .header("if-match", if_match)
        .json(&json!({"to_version": to_version}))
        .send()
        .await
}

/// A medium `usb-1` for the example's deployment, and its token.
async fn usb_token(relay: &Relay) -> String {
    let key = relay.register_media("usb-1", "usb-remote").await;
    relay.media_token("usb-1", &key).await
}

#[tokio::test]
async fn publish_rejects_documents_with_preflight_errors_with_every_finding() {
    let relay = Relay::new();
    let reply = publish(&relay, &broken(), None).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
    assert_eq!(reply.code(), "preflight_failed");
    let findings = reply.json["findings"]["findings"].as_array().expect("the report's findings");
    assert!(findings.len() >= 2, "both broken settings are reported: {findings:?}");
    let nothing = relay.admin("GET", "/api/v1/admin/config", None).await;
    assert_eq!(nothing.code(), "no_configuration");
    let garbage = relay
        .call("PUT", "/api/v1/admin/config")
        .admin()
        .header("content-type", "application/json")
        .body("{\"schema\": 1")
        .send()
        .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
    assert_eq!(garbage.code(), "invalid_document");
}

#[tokio::test]
async fn publish_is_versioned_with_etags_history_and_rollback() {
    let relay = Relay::new();
    let first = publish(&relay, &example(), None).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let etag1 = first.header("etag").unwrap().to_owned();
    assert_eq!(first.json["version"]["version"], 1);
    assert_eq!(first.json["version"]["etag"], etag1.as_str());
    assert_eq!(first.json["version"]["published_by"], "bob@example.com");
    assert_eq!(first.json["version"]["comment"], "first cut");

    let current = relay.admin("GET", "/api/v1/admin/config", None).await;
    assert_eq!(current.header("etag"), Some(etag1.as_str()));
    assert_eq!(current.json["deployments"][0]["id"], "ABC20001");
    let unchanged = relay
        .call("GET", "/api/v1/admin/config")
        .admin()
        .header("if-none-match", &etag1)
        .send()
        .await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);

    let mut second_doc = example();
    second_doc["content"][0]["name"] = json!("Boot image (x64), refreshed");
    let missing = publish(&relay, &second_doc, None).await;
    assert_eq!(missing.status, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(missing.code(), "precondition_required");
    let stale = publish(&relay, &second_doc, Some("\"v0-nope\"")).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.code(), "precondition_failed");
    let second = publish(&relay, &second_doc, Some(&etag1)).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text());
    let etag2 = second.header("etag").unwrap().to_owned();
    assert_ne!(etag1, etag2);
    // The first admin's tag is now stale: their publish cannot overwrite the second silently.
    let late = publish(&relay, &example(), Some(&etag1)).await;
    assert_eq!(late.code(), "precondition_failed");

    let history = relay.admin("GET", "/api/v1/admin/config/history", None).await;
    let versions: Vec<i64> = history.json["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [2, 1]);
    let old = relay.admin("GET", "/api/v1/admin/config/versions/1", None).await;
    assert_eq!(old.json["content"][0]["name"], "Boot image (x64)");
    assert_eq!(
        relay.admin("GET", "/api/v1/admin/config/versions/9", None).await.code(),
        "version_not_found"
    );

    let no_tag =
        relay.admin("POST", "/api/v1/admin/config/rollback", Some(json!({"to_version": 1}))).await;
    assert_eq!(no_tag.code(), "precondition_required");
    let rollback = rollback(&relay, 1, &etag2).await;
    assert_eq!(rollback.status, StatusCode::OK, "{}", rollback.text());
    assert_eq!(rollback.json["version"]["version"], 3);
    assert_eq!(rollback.json["version"]["rolled_back_from"], 1);
    let current = relay.admin("GET", "/api/v1/admin/config", None).await;
    assert_eq!(current.json["content"][0]["name"], "Boot image (x64)");
    assert_eq!(
        relay.admin("GET", "/api/v1/admin/config/history", None).await.json["versions"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn policy_and_locations_come_from_the_published_plan() {
    let relay = Relay::new();
    assert_eq!(publish(&relay, &example(), None).await.status, StatusCode::CREATED);
    let token = usb_token(&relay).await;
    // Device-specific variables reach the device's own token (registered with its MAC).
    let device = relay
        .register_device(
            "usb-1",
            &token,
            &support::signing_key("laptop-42"),
            json!({"mac": "00-1a-2b-3c-4d-5e"}),
        )
        .await;
    assert_eq!(device.status, StatusCode::CREATED, "{}", device.text());
    let device_token = device.json["token"]["token"].as_str().unwrap().to_owned();
    let policy = relay.client("GET", "/api/v1/policy", &device_token, None).await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.text());
    let deployment = &policy.json["deployments"][0];
    assert_eq!(deployment["deployment_id"], "ABC20001");
    assert_eq!(deployment["name"], "Reimage remote worker");
    assert_eq!(deployment["task_sequence"]["id"], "ABC00020");
    let content: Vec<&str> = deployment["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["content_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        content,
        ["ABC00005", "ABC00010", "ABC00011", "ABC00012"],
        "boot image, OS image, client, drivers"
    );
    assert_eq!(deployment["content"][1]["files"][0]["size"], 5_368_709_120u64);
    assert_eq!(
        deployment["content"][1]["files"][0]["sha256"],
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
    );
    let computer = deployment["variables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "OSDComputerName")
        .cloned();
    assert_eq!(computer.unwrap()["value"], "LAPTOP-0042");
    let anonymous_device =
        relay.client("GET", "/api/v1/policy?mac=00-1a-2b-3c-4d-5e", &token, None).await;
    assert!(
        anonymous_device.json["deployments"][0]["variables"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["name"] != "OSDComputerName")
    );

    let locate = |ip: &'static str, content: &'static str| {
        relay
            .call("GET", &format!("/api/v1/content/{content}/locations"))
            .bearer(&token)
            .from(ip)
            .send()
    };
    let hq = locate("10.20.1.2", "ABC00010").await;
    assert_eq!(hq.json["boundary_groups"], json!(["bg-hq"]));
    let order: Vec<&str> =
        hq.json["sources"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    let prefer_cloud =
        example()["boundary_groups"][0]["prefer_cloud_sources"].as_bool().unwrap_or(false);
    if prefer_cloud {
        assert_eq!(order, ["gw-relay", "dp-hq"]);
    } else {
        assert_eq!(order, ["dp-hq", "gw-relay"]);
    }
    assert_eq!(
        hq.json["sources"].as_array().unwrap().iter().find(|s| s["id"] == "gw-relay").unwrap()["url"],
        "https://relay.contoso.example/api/v1/content/ABC00010/"
    );
    let home = locate("198.51.100.20", "ABC00010").await;
    let order: Vec<&str> = home.json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["gw-relay"], "outside every boundary group: the gateway only");
}

#[tokio::test]
async fn a_deployment_that_stops_allowing_internet_clients_cannot_be_published_over_a_served_one() {
    let relay = Relay::new();
    let first = publish(&relay, &example(), None).await;
    let token = usb_token(&relay).await;
    let mut hidden = example();
    hidden["deployments"][0]["allow_internet"] = json!(false);
    let reply = publish(&relay, &hidden, first.header("etag")).await;
    assert_eq!(reply.code(), "preflight_failed", "{}", reply.text());
    let policy = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(policy.status, StatusCode::OK, "the published version keeps serving");
}

/// The relay keeps the parsed view between requests; every publish and rollback must still show
/// at once in the policy devices get.
#[tokio::test]
async fn policy_follows_every_publish_and_rollback_at_once() {
    let relay = Relay::new();
    let first = publish(&relay, &example(), None).await;
    let token = usb_token(&relay).await;
    let name = |reply: &support::Reply| reply.json["deployments"][0]["content"][0]["name"].clone();
    let version = |reply: &support::Reply| reply.json["deployments"][0]["config_version"].clone();
    let v1 = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!((version(&v1), name(&v1)), (json!(1), json!("Boot image (x64)")));
    let again = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(again.json, v1.json, "the cached view serves the same policy");

    let mut second_doc = example();
    second_doc["content"][0]["name"] = json!("Boot image (x64), refreshed");
    let second = publish(&relay, &second_doc, first.header("etag")).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text());
    let v2 = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!((version(&v2), name(&v2)), (json!(2), json!("Boot image (x64), refreshed")));

    let rollback = rollback(&relay, 1, second.header("etag").unwrap()).await;
    assert_eq!(rollback.status, StatusCode::OK, "{}", rollback.text());
    let v3 = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!((version(&v3), name(&v3)), (json!(3), json!("Boot image (x64)")));
}
