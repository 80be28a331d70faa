//! What every answer carries: `Cache-Control: no-store` on tokens, policy and configuration; a
//! request ID in a header; storage and internal errors as a generic message naming that ID, their
//! detail in the log (never to the client, `/health` included); rollback checked like a publish.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::sync::Arc;

use async_trait::async_trait;
use axum::http::StatusCode;
use osdgate_model::api::{BindingKind, BindingStatus, REQUEST_ID_HEADER};
use osdgate_model::model::Document;
use osdgate_relay::app::storage::{Row, SqlValue, Statement, StorageError};
use osdgate_relay::app::{Database, RelayConfig, Storage};
use serde_json::{Value, json};
use support::{Relay, Reply};

/// What a real failure's detail might hold and a client must never see.
const DETAIL: &str = "D1_ERROR: no such table: config_versions (internal host d1-prod-7.internal)";

fn example() -> Value {
    let text = include_str!("../../examples/boot-media-over-gateway.toml");
    let document = Document::from_toml(text).expect("the example parses");
    serde_json::from_str(&document.to_json()).unwrap()
}

async fn put_config(relay: &Relay, document: &Value, if_match: Option<&str>) -> Reply {
    let mut call = relay.call("PUT", "/api/v1/admin/config").admin();
    if let Some(tag) = if_match {
        call = call.header("if-match", tag);
    }
    call.json(document).send().await
}

async fn rollback(relay: &Relay, to_version: i64, if_match: &str) -> Reply {
    relay
        .call("POST", "/api/v1/admin/config/rollback")
        .admin()
        .header("if-match", if_match)
        .json(&json!({"to_version": to_version}))
        .send()
        .await
}

fn assert_not_stored(what: &str, reply: &Reply) {
    assert!(reply.status.is_success(), "{what}: {} {}", reply.status, reply.text());
    assert_eq!(reply.header("cache-control"), Some("no-store"), "{what} may be cached");
}

#[tokio::test]
async fn responses_carrying_tokens_policy_or_configuration_are_never_stored() {
    let relay = Relay::new();
    let published = put_config(&relay, &example(), None).await;
    assert_not_stored("PUT config", &published);
    let etag = published.header("etag").unwrap().to_owned();
    assert_not_stored("GET config", &relay.admin("GET", "/api/v1/admin/config", None).await);
    assert_not_stored(
        "GET config history",
        &relay.admin("GET", "/api/v1/admin/config/history", None).await,
    );
    assert_not_stored(
        "GET config version",
        &relay.admin("GET", "/api/v1/admin/config/versions/1", None).await,
    );
    let mut second = example();
    second["content"][0]["name"] = json!("Boot image (x64), refreshed");
    let second = put_config(&relay, &second, Some(&etag)).await;
    assert_not_stored("PUT config again", &second);
    assert_not_stored("rollback", &rollback(&relay, 1, second.header("etag").unwrap()).await);

    let key = relay.register_media("usb-1", "usb-remote").await;
    assert_not_stored("GET media", &relay.admin("GET", "/api/v1/admin/media/usb-1", None).await);
    let challenge = relay
        .anonymous("POST", "/api/v1/auth/challenge", Some(json!({"kind": "media", "id": "usb-1"})))
        .await;
    assert_not_stored("challenge", &challenge);
    let token = relay.authenticate("media", "usb-1", &key).await;
    assert_not_stored("media token", &token);
    let token = token.json["token"].as_str().unwrap().to_owned();
    assert_not_stored("policy", &relay.client("GET", "/api/v1/policy", &token, None).await);
    assert_not_stored(
        "content locations",
        &relay.client("GET", "/api/v1/content/ABC00005/locations", &token, None).await,
    );
}

#[tokio::test]
async fn every_answer_names_its_request_id_and_ids_differ() {
    let relay = Relay::new();
    let first = relay.anonymous("GET", "/api/v1/noop", None).await;
    let second = relay.anonymous("GET", "/api/v1/no-such-route", None).await;
    let first = first.header(REQUEST_ID_HEADER).expect("a request ID header").to_owned();
    let second = second.header(REQUEST_ID_HEADER).expect("a request ID header").to_owned();
    assert!(first.len() >= 16, "{first}");
    assert_ne!(first, second);
}

/// A database whose every call fails the way D1 does when it is unreachable.
struct FailingDatabase;

#[async_trait]
impl Database for FailingDatabase {
    async fn query(&self, _: &str, _: &[SqlValue]) -> Result<Vec<Row>, StorageError> {
        Err(StorageError(DETAIL.into()))
    }
    async fn execute(&self, _: &str, _: &[SqlValue]) -> Result<u64, StorageError> {
        Err(StorageError(DETAIL.into()))
    }
    async fn batch(&self, _: Vec<Statement>) -> Result<(), StorageError> {
        Err(StorageError(DETAIL.into()))
    }
}

fn assert_concealed(relay: &Relay, what: &str, reply: &Reply) {
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {}", reply.text());
    assert_eq!(reply.code(), "storage_unavailable", "{what}");
    assert!(
        !reply.text().contains("no such table") && !reply.text().contains("internal host"),
        "{what} leaks the storage error to the client: {}",
        reply.text()
    );
    let id = reply.header(REQUEST_ID_HEADER).expect("a request ID header");
    assert_eq!(reply.json["request_id"], id, "{what}: the body names the header's request ID");
    assert!(reply.json["message"].as_str().unwrap().contains("request ID"), "{what}");
    assert!(
        relay.log.lines().iter().any(|line| line.contains(id) && line.contains(DETAIL)),
        "{what}: the detail is logged under the request ID: {:?}",
        relay.log.lines()
    );
}

#[tokio::test]
async fn storage_errors_reach_clients_as_a_generic_message_with_the_request_id_and_are_logged() {
    let mut relay = Relay::new();
    relay.state.db = Arc::new(FailingDatabase);
    let admin = relay.admin("GET", "/api/v1/admin/config", None).await;
    assert_concealed(&relay, "admin GET config", &admin);
    let anonymous = relay
        .anonymous("POST", "/api/v1/auth/challenge", Some(json!({"kind": "media", "id": "usb-1"})))
        .await;
    assert_concealed(&relay, "anonymous challenge", &anonymous);
}

/// Bindings that do not answer, with the runtime's own words for why.
struct FailingProbe;

#[async_trait]
impl Storage for FailingProbe {
    async fn probe(&self) -> Vec<BindingStatus> {
        vec![BindingStatus {
            name: "DB".into(),
            kind: BindingKind::D1,
            reachable: false,
            error: Some(DETAIL.into()),
        }]
    }
}

#[tokio::test]
async fn health_names_a_failing_binding_but_logs_why_instead_of_telling_anonymous_callers() {
    let mut relay = Relay::new();
    relay.state.storage = Arc::new(FailingProbe);
    let reply = relay.anonymous("GET", "/api/v1/health", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["bindings"][0]["reachable"], false);
    assert!(!reply.text().contains("no such table"), "health leaks: {}", reply.text());
    let id = reply.header(REQUEST_ID_HEADER).unwrap();
    assert!(reply.json["bindings"][0]["error"].as_str().unwrap().contains(id));
    assert!(relay.log.lines().iter().any(|line| line.contains(id) && line.contains(DETAIL)));
}

#[tokio::test]
async fn rollback_runs_preflight_like_publish() {
    let mut relay = Relay::new();
    let first = put_config(&relay, &example(), None).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let mut second = example();
    second["content"][0]["name"] = json!("Boot image (x64), refreshed");
    let second = put_config(&relay, &second, first.header("etag")).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text());
    // The relay is now a gateway that version 1 does not define (GATEWAY_ID changed): a publish
    // of version 1 would be refused, so its rollback must be too.
    let config =
        RelayConfig { gateway_id: Some("gw-elsewhere".into()), ..(*relay.state.config).clone() };
    relay.state.config = Arc::new(config);
    let refused = rollback(&relay, 1, second.header("etag").unwrap()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    assert_eq!(refused.code(), "gateway_unknown");
    let history = relay.admin("GET", "/api/v1/admin/config/history", None).await;
    assert_eq!(history.json["versions"].as_array().unwrap().len(), 2, "nothing was published");
}

#[tokio::test]
async fn rollback_to_a_version_whose_certificate_has_expired_since_is_refused_with_findings() {
    let relay = Relay::new();
    let first = put_config(&relay, &example(), None).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let mut renewed = example();
    renewed["gateways"][0]["certificate"]["trusted_roots"][0]["not_after"] =
        json!("2045-01-01T00:00:00Z");
    let second = put_config(&relay, &renewed, first.header("etag")).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text());
    // 2036: version 1's root (valid until 2035) has expired.
    relay.advance(2_082_758_400_000 - relay.now());
    let refused = rollback(&relay, 1, second.header("etag").unwrap()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    assert_eq!(refused.code(), "preflight_failed");
    assert!(refused.json["findings"].is_object() || refused.json["findings"].is_array());
}
