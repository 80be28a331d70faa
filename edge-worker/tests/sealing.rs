//! Issue 13, item 6: the configuration's secret values are never kept in clear in D1 — not in the
//! current document, not in any version's view or history — yet an approved device still gets
//! them, `GET` still masks them, rollback still works, rows stored before sealing are sealed in
//! place, and a relay with the wrong `CONFIG_SEALING_KEY` says so.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::sync::Arc;

use axum::http::StatusCode;
use osdgate_model::api::KEPT_SECRET;
use osdgate_model::model::Document;
use osdgate_relay::app::sealing::{
    Part, SEALED_PREFIX, SealingKey, open_value, seal_stored_versions, seal_value,
};
use osdgate_relay::app::{Database, RelayConfig};
use serde_json::{Value, json};
use support::{CONFIG_SEALING_KEY, Relay, Reply, signing_key};

const JOIN_PASSWORD: &str = "Join-Domain-S3cret!";
const ADMIN_PASSWORD: &str = "Local-Admin-Pa55word";
const OTHER_PASSWORD: &str = "Second-Join-S3cret!";
const DEVICE_GUID: &str = "4C4C4544-0042-3510-8052-B4C04F4B4E32";

/// The boot-media example with a secret device variable and a hidden task sequence variable.
fn example(join_password: &str) -> Value {
    let text = include_str!("../../examples/boot-media-over-gateway.toml");
    let mut json: Value =
        serde_json::from_str(&Document::from_toml(text).unwrap().to_json()).unwrap();
    json["devices"][0]["variables"] = json!([
        {"name": "OSDComputerName", "value": "LAPTOP-0042"},
        {"name": "OSDJoinPassword", "value": join_password, "secret": true},
    ]);
    let steps = &mut json["task_sequences"][0]["steps"][0]["children"];
    let settings = steps
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|step| step["name"] == "Apply Windows Settings")
        .unwrap();
    settings["variables"].as_array_mut().unwrap().push(json!({
        "name": "OSDLocalAdminPassword", "property": "AdminPassword", "hidden": true,
        "value": ADMIN_PASSWORD,
    }));
    json
}

async fn publish(relay: &Relay, document: &Value, if_match: Option<&str>) -> Reply {
    let mut call = relay.call("PUT", "/api/v1/admin/config").admin().json(document);
    if let Some(tag) = if_match {
        call = call.header("if-match", tag);
    }
    call.send().await
}

fn assert_not_stored(relay: &Relay, secrets: &[&str]) {
    for secret in secrets {
        let found = relay.db.cells_containing(secret);
        assert!(found.is_empty(), "{secret} is stored in clear in {found:?}");
    }
}

/// An approved device of the example's medium, registered as the example's device; its token.
async fn approved_device(relay: &Relay) -> String {
    let media_key = relay.register_media("M1", "usb-remote").await;
    let media_token = relay.media_token("M1", &media_key).await;
    let device = relay
        .register_device(
            "M1",
            &media_token,
            &signing_key("laptop-0042"),
            json!({"smbios_guid": DEVICE_GUID}),
        )
        .await;
    assert_eq!(device.status, StatusCode::CREATED, "{}", device.text());
    let approved = relay.approve_device(device.json["device_id"].as_str().unwrap()).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
    device.json["token"]["token"].as_str().unwrap().to_owned()
}

/// The value of variable `name` in the first deployment of a policy answer.
fn variable(policy: &Reply, name: &str) -> Option<String> {
    policy.json["deployments"][0]["variables"]
        .as_array()?
        .iter()
        .find(|v| v["name"] == name)
        .map(|v| v["value"].as_str().unwrap().to_owned())
}

/// The value of the hidden task sequence variable in a policy answer's task sequence.
fn hidden_value(policy: &Reply) -> Option<String> {
    let tree = &policy.json["deployments"][0]["task_sequence"];
    let mut found = None;
    fn walk(value: &Value, found: &mut Option<String>) {
        match value {
            Value::Object(map) => {
                if map.get("name").and_then(Value::as_str) == Some("OSDLocalAdminPassword") {
                    *found = map.get("value").and_then(Value::as_str).map(str::to_owned);
                }
                map.values().for_each(|child| walk(child, found));
            }
            Value::Array(items) => items.iter().for_each(|child| walk(child, found)),
            _ => {}
        }
    }
    walk(tree, &mut found);
    found
}

#[tokio::test]
async fn secrets_are_sealed_in_d1_and_an_approved_device_gets_them_in_clear() {
    let relay = Relay::new();
    let published = publish(&relay, &example(JOIN_PASSWORD), None).await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.text());
    assert_not_stored(&relay, &[JOIN_PASSWORD, ADMIN_PASSWORD]);
    let rows =
        relay.db.query("SELECT document, view, sealed FROM config_versions", &[]).await.unwrap();
    assert_eq!(rows[0]["sealed"], 1);
    for column in ["document", "view"] {
        let text = rows[0][column].as_str().unwrap();
        assert!(text.contains(SEALED_PREFIX), "{column} holds no sealed value: {text}");
    }

    // GET masks, whatever is stored.
    let shown = relay.admin("GET", "/api/v1/admin/config", None).await;
    assert_eq!(shown.json["devices"][0]["variables"][1]["value"], KEPT_SECRET);
    assert!(!shown.text().contains(SEALED_PREFIX), "{}", shown.text());

    // The entitled device gets the clear values.
    let token = approved_device(&relay).await;
    let policy = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.text());
    assert_eq!(variable(&policy, "OSDJoinPassword").as_deref(), Some(JOIN_PASSWORD));
    assert_eq!(hidden_value(&policy).as_deref(), Some(ADMIN_PASSWORD));
    assert!(!policy.text().contains(SEALED_PREFIX), "{}", policy.text());
    // Registration and the device's own reads wrote nothing in clear either.
    assert_not_stored(&relay, &[JOIN_PASSWORD, ADMIN_PASSWORD]);

    // Publishing GET's masked document back keeps the secrets, sealed again for version 2.
    let second = publish(&relay, &shown.json, published.header("etag")).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text());
    assert_not_stored(&relay, &[JOIN_PASSWORD, ADMIN_PASSWORD]);
    let policy = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(policy.json["deployments"][0]["config_version"], 2);
    assert_eq!(variable(&policy, "OSDJoinPassword").as_deref(), Some(JOIN_PASSWORD));
}

#[tokio::test]
async fn rollback_opens_the_old_secrets_and_seals_them_for_the_new_version() {
    let relay = Relay::new();
    let first = publish(&relay, &example(JOIN_PASSWORD), None).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let second = publish(&relay, &example(OTHER_PASSWORD), first.header("etag")).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text());
    let token = approved_device(&relay).await;
    let policy = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(variable(&policy, "OSDJoinPassword").as_deref(), Some(OTHER_PASSWORD));

    let rolled = relay
        .call("POST", "/api/v1/admin/config/rollback")
        .admin()
        .header("if-match", second.header("etag").unwrap())
        .json(&json!({"to_version": 1}))
        .send()
        .await;
    assert_eq!(rolled.status, StatusCode::OK, "{}", rolled.text());
    assert_eq!(rolled.json["version"]["version"], 3);
    assert_not_stored(&relay, &[JOIN_PASSWORD, OTHER_PASSWORD, ADMIN_PASSWORD]);
    let policy = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(policy.json["deployments"][0]["config_version"], 3);
    assert_eq!(variable(&policy, "OSDJoinPassword").as_deref(), Some(JOIN_PASSWORD));
    assert_eq!(hidden_value(&policy).as_deref(), Some(ADMIN_PASSWORD));
    // Version 3 is sealed for itself: its values are not version 1's bytes copied over.
    let rows = relay
        .db
        .query("SELECT version, document FROM config_versions ORDER BY version", &[])
        .await
        .unwrap();
    let sealed_of = |text: &str| -> Vec<String> {
        text.split('"').filter(|part| part.starts_with(SEALED_PREFIX)).map(str::to_owned).collect()
    };
    let (one, three) = (
        sealed_of(rows[0]["document"].as_str().unwrap()),
        sealed_of(rows[2]["document"].as_str().unwrap()),
    );
    assert_eq!(one.len(), 2);
    assert_eq!(three.len(), 2);
    assert!(one.iter().all(|value| !three.contains(value)));
}

#[tokio::test]
async fn a_relay_with_another_sealing_key_refuses_with_a_clear_error() {
    let relay = Relay::new();
    let published = publish(&relay, &example(JOIN_PASSWORD), None).await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.text());
    let token = approved_device(&relay).await;

    // The same database behind a relay whose CONFIG_SEALING_KEY was replaced.
    let wrong = SealingKey::from_secret("another-config-sealing-key-fedcba9876543210");
    let right = SealingKey::from_secret(CONFIG_SEALING_KEY);
    let mut state = relay.state.clone();
    state.config =
        Arc::new(RelayConfig { sealing_key: Some(wrong.clone()), ..(*relay.state.config).clone() });
    state.cache = Arc::default();
    let misconfigured = Relay {
        state,
        clock: relay.clock.clone(),
        db: relay.db.clone(),
        blobs: relay.blobs.clone(),
        log: relay.log.clone(),
    };

    let policy = misconfigured.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(policy.status, StatusCode::SERVICE_UNAVAILABLE, "{}", policy.text());
    assert_eq!(policy.code(), "relay_misconfigured");
    assert!(
        !policy.text().contains("CONFIG_SEALING_KEY"),
        "the reason is for the log: {}",
        policy.text()
    );
    let request_id = policy.json["request_id"].as_str().unwrap().to_owned();
    let logged = relay.log.lines().into_iter().find(|line| line.contains(&request_id)).unwrap();
    let expected = format!(
        "was sealed with another CONFIG_SEALING_KEY (key id {}; this relay's key is {})",
        right.id(),
        wrong.id()
    );
    assert!(logged.contains(&expected), "{logged}");
    assert!(
        logged.contains("OSDJoinPassword") || logged.contains("OSDLocalAdminPassword"),
        "{logged}"
    );

    // Publishing GET's masked document needs the stored secrets: refused the same way, nothing stored.
    let shown = misconfigured.admin("GET", "/api/v1/admin/config", None).await;
    assert_eq!(shown.status, StatusCode::OK, "GET masks and needs no key: {}", shown.text());
    let refused = publish(&misconfigured, &shown.json, published.header("etag")).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE, "{}", refused.text());
    let versions = relay.db.query("SELECT COUNT(*) AS n FROM config_versions", &[]).await.unwrap();
    assert_eq!(versions[0]["n"], 1);
}

#[test]
fn a_sealed_value_opens_only_for_its_version_part_and_field() {
    let key = SealingKey::from_secret(CONFIG_SEALING_KEY);
    let path = ".devices[pc-0042].variables[OSDJoinPassword].value";
    let sealed = seal_value(&key, 4, Part::Document, path, JOIN_PASSWORD, &[7; 24]).unwrap();
    assert!(sealed.starts_with(&format!("{SEALED_PREFIX}{}:", key.id())), "{sealed}");
    assert!(!sealed.contains(JOIN_PASSWORD));
    assert_eq!(open_value(&key, 4, Part::Document, path, &sealed).unwrap(), JOIN_PASSWORD);
    for (version, part, field) in [
        (5, Part::Document, path),
        (4, Part::View, path),
        (4, Part::Document, ".devices[pc-0043].variables[OSDJoinPassword].value"),
    ] {
        let error = open_value(&key, version, part, field, &sealed).unwrap_err();
        assert_eq!(error.code().as_str(), "relay_misconfigured");
        let detail = error.detail.unwrap();
        assert!(detail.contains("does not open") && detail.contains(field), "{detail}");
    }
    let mut damaged = sealed.clone();
    damaged.pop();
    damaged.push(if sealed.ends_with('A') { 'B' } else { 'A' });
    let detail = open_value(&key, 4, Part::Document, path, &damaged).unwrap_err().detail.unwrap();
    assert!(detail.contains("does not open"), "{detail}");
}

/// Rows stored before sealing keep working as they are, and are sealed in place — by the Cron
/// Trigger's pass, or before the next publish — with a digest that no longer covers the secret.
#[tokio::test]
async fn rows_stored_in_clear_before_sealing_are_sealed_in_place() {
    let relay = Relay::new();
    let published = publish(&relay, &example(JOIN_PASSWORD), None).await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.text());
    // What a relay before sealing stored: the same version with its secrets in clear.
    let (document, view) = {
        let rows = relay.db.query("SELECT document, view FROM config_versions", &[]).await.unwrap();
        let mut document: Value =
            serde_json::from_str(rows[0]["document"].as_str().unwrap()).unwrap();
        let mut view: Value = serde_json::from_str(rows[0]["view"].as_str().unwrap()).unwrap();
        osdgate_relay::app::sealing::open_all(&relay.state, &mut document, 1, Part::Document, true)
            .unwrap();
        osdgate_relay::app::sealing::open_all(&relay.state, &mut view, 1, Part::View, true)
            .unwrap();
        (document.to_string(), view.to_string())
    };
    relay
        .db
        .execute(
            "UPDATE config_versions SET document = ?1, view = ?2, sha256 = ?3, sealed = 0 WHERE version = 1",
            &[document.clone().into(), view.clone().into(), "ab".repeat(32).into()],
        )
        .await
        .unwrap();
    relay.state.cache.forget_latest();
    assert!(!relay.db.cells_containing(JOIN_PASSWORD).is_empty(), "the legacy row is in clear");

    // Read as it is until sealed.
    let token = approved_device(&relay).await;
    let policy = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(variable(&policy, "OSDJoinPassword").as_deref(), Some(JOIN_PASSWORD));

    let report = seal_stored_versions(&relay.state).await.unwrap();
    assert_eq!(report.config_versions, 1);
    assert_not_stored(&relay, &[JOIN_PASSWORD, ADMIN_PASSWORD]);
    assert_eq!(seal_stored_versions(&relay.state).await.unwrap().config_versions, 0, "once");
    let rows = relay.db.query("SELECT sha256, sealed FROM config_versions", &[]).await.unwrap();
    assert_eq!(rows[0]["sealed"], 1);
    assert_ne!(rows[0]["sha256"], "ab".repeat(32), "the digest is recomputed without the secrets");
    let policy = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(variable(&policy, "OSDJoinPassword").as_deref(), Some(JOIN_PASSWORD));
    assert_eq!(hidden_value(&policy).as_deref(), Some(ADMIN_PASSWORD));

    // A publish seals what is left in clear before it stores anything.
    relay.sql("UPDATE config_versions SET sealed = 0");
    relay
        .db
        .execute(
            "UPDATE config_versions SET document = ?1, view = ?2",
            &[document.into(), view.into()],
        )
        .await
        .unwrap();
    let current = relay.admin("GET", "/api/v1/admin/config", None).await;
    let again = publish(&relay, &current.json, current.header("etag")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_not_stored(&relay, &[JOIN_PASSWORD, ADMIN_PASSWORD]);
}

/// Issue 13, item 2 (audit): a hidden task sequence variable is a secret like a secret device
/// variable — a media token and a pending device get the step with the value empty; only an
/// approved device gets it.
#[tokio::test]
async fn hidden_task_sequence_variables_reach_only_an_approved_device() {
    let relay = Relay::new();
    let published = publish(&relay, &example(JOIN_PASSWORD), None).await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.text());
    let media_key = relay.register_media("M1", "usb-remote").await;
    let media_token = relay.media_token("M1", &media_key).await;
    let as_media = relay.client("GET", "/api/v1/policy", &media_token, None).await;
    assert_eq!(as_media.status, StatusCode::OK, "{}", as_media.text());
    assert_eq!(
        hidden_value(&as_media).as_deref(),
        Some(""),
        "media token: the step, not the secret"
    );
    assert!(!as_media.text().contains(ADMIN_PASSWORD));
    let device = relay
        .register_device(
            "M1",
            &media_token,
            &signing_key("laptop-0042"),
            json!({"smbios_guid": DEVICE_GUID}),
        )
        .await;
    let token = device.json["token"]["token"].as_str().unwrap().to_owned();
    let pending = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(hidden_value(&pending).as_deref(), Some(""), "pending device");
    assert!(!pending.text().contains(ADMIN_PASSWORD) && !pending.text().contains(JOIN_PASSWORD));
    relay.approve_device(device.json["device_id"].as_str().unwrap()).await;
    let approved = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(hidden_value(&approved).as_deref(), Some(ADMIN_PASSWORD));
}
