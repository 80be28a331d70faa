//! A relay upgraded over the database an older relay wrote still serves its published versions
//! (issue 14, item 1). Views stored before f755f60 lack the scenario and the deployment option
//! the policy carries; they are rebuilt from the version's stored document by today's adapter,
//! never filled in with defaults, and a version whose document cannot be rebuilt is refused with
//! the fix (publish again).
//!
//! The rows are those the relay before f755f60 wrote, in its shape (`git show d92c087:edge-worker/src/app/view.rs`
//! and `adapter.rs`): a `config_versions` row whose view has no format number, no scenario, no
//! deployment option, no pre-download and no media, and whose `not_served` follows that relay's rule
//! (a deployment that does not allow internet clients was not served); a document whose medium
//! still holds a `password` (removed by migration 0004) and names no deployments; a `media` row with
//! the columns of migration 0002 (deployments given directly). They are written before migration
//! 0003, and today's migrations run over them, as `wrangler d1 migrations apply` does on upgrade.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use axum::http::StatusCode;
use osdgate_model::model::Document;
use serde_json::{Value, json};
use support::{Relay, START, Sqlite, signing_key};

/// An example published by today's relay, to take the document and the view's common parts from.
async fn published(example: &str) -> (Value, Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../examples/{example}.toml"));
    let document = Document::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap();
    let relay = Relay::new();
    let body: Value = serde_json::from_str(&document.to_json()).unwrap();
    let reply = relay.call("PUT", "/api/v1/admin/config").admin().json(&body).send().await;
    assert_eq!(reply.status, StatusCode::CREATED, "{example}: {}", reply.text());
    let row = relay.row("SELECT document, view FROM config_versions WHERE version = 1");
    let document: Value = serde_json::from_str(row["document"].as_str().unwrap()).unwrap();
    let view: Value = serde_json::from_str(row["view"].as_str().unwrap()).unwrap();
    (document, view)
}

/// The rows the relay before f755f60 stored for `example`, with its medium `usb-1` registered for
/// the example's first deployment.
async fn old_rows(example: &str) -> (Value, Value) {
    let (mut document, mut view) = published(example).await;
    // The document as that relay's model wrote it: a medium with its password, no deployments.
    for medium in document["media"].as_array_mut().unwrap() {
        let medium = medium.as_object_mut().unwrap();
        medium.remove("deployments");
        medium.remove("protection");
        medium.insert("password".into(), json!("Remote-Reimage-2026"));
    }
    // The view in that relay's shape.
    let fields = view.as_object_mut().unwrap();
    fields.remove("format");
    fields.remove("media");
    for (index, deployment) in fields["deployments"].as_array_mut().unwrap().iter_mut().enumerate()
    {
        let source = &document["deployments"][index];
        let deployment = deployment.as_object_mut().unwrap();
        for field in ["scenario", "deployment_option", "pre_download"] {
            assert!(deployment.remove(field).is_some(), "today's view has {field}");
        }
        let not_served = if source["allow_internet"] != true {
            json!(
                "the deployment does not allow the task sequence to run for clients on the internet"
            )
        } else {
            Value::Null
        };
        deployment.insert("not_served".into(), not_served);
    }
    let text = document.to_string();
    let sha256 =
        osdgate_model::hex::lower(&<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()));
    let version = json!({
        "version": 1, "document": text, "view": view.to_string(), "sha256": sha256,
        "published_at": START, "published_by": "admin", "comment": null, "rolled_back_from": null,
    });
    let key = signing_key("usb-1");
    let media = json!({
        "media_id": "usb-1",
        "public_key": support::b64url(key.verifying_key().as_bytes()),
        "deployments": json!([document["deployments"][0]["id"]]).to_string(),
        "expires_at": START + 86_400_000,
        "created_by": "alice@example.com",
        "created_at": START,
    });
    (version, media)
}

/// The relay over the rows of `example` as the old relay left them, `edit` applied to the
/// `config_versions` row first.
struct OldRelay {
    version: Value,
    relay: Relay,
}

async fn old_relay(example: &str, edit: impl FnOnce(&mut Value)) -> OldRelay {
    let (mut version, media) = old_rows(example).await;
    edit(&mut version);
    let database = Sqlite::migrated_with_rows_before(
        "0003_device_trust.sql",
        &[("config_versions", vec![version.clone()]), ("media", vec![media])],
    );
    OldRelay { version, relay: Relay::over(database, |_| {}) }
}

impl OldRelay {
    fn stored_view(&self) -> Value {
        serde_json::from_str(self.version["view"].as_str().unwrap()).unwrap()
    }

    fn stored_document(&self) -> Document {
        Document::from_json(self.version["document"].as_str().unwrap()).unwrap()
    }

    async fn token(&self) -> String {
        self.relay.media_token("usb-1", &signing_key("usb-1")).await
    }
}

#[tokio::test]
async fn a_view_stored_before_the_policy_carried_the_deployment_option_is_rebuilt_from_its_document()
 {
    for example in ["boot-media-over-gateway", "cloud-content-from-boot-media"] {
        let old = old_relay(example, |_| {}).await;
        let stored = old.stored_view();
        assert!(stored.get("format").is_none(), "{example}: a view from before view formats");
        for deployment in stored["deployments"].as_array().unwrap() {
            assert!(deployment.get("scenario").is_none(), "{example}: the old shape");
            assert!(deployment.get("deployment_option").is_none(), "{example}: the old shape");
        }
        let document = old.stored_document();
        let deployment = &document.deployments[0];

        // Migration 0004 took the password out of the stored document.
        let stored = old.relay.row("SELECT document FROM config_versions WHERE version = 1");
        assert!(!stored["document"].as_str().unwrap().contains("password"), "{example}");

        let token = old.token().await;
        let policy = old.relay.client("GET", "/api/v1/policy", &token, None).await;
        assert_eq!(policy.status, StatusCode::OK, "{example}: {}", policy.text());
        let served = &policy.json["deployments"][0];
        assert_eq!(served["deployment_id"], deployment.id.as_str(), "{example}");
        // The fields the old view lacks come from the document, as the adapter computes them for
        // a publish today.
        assert_eq!(served["scenario"], json!(deployment.scenario), "{example}");
        assert_eq!(served["deployment_option"], json!(deployment.deployment_option), "{example}");
        assert_eq!(served["pre_download"], json!(deployment.pre_download), "{example}");
        assert_eq!(served["config_version"], 1, "{example}");
        let sequence = document.task_sequence(&deployment.task_sequence_id).unwrap();
        let listed: Vec<&str> = served["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["content_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            listed.iter().copied().collect::<std::collections::BTreeSet<_>>(),
            sequence.referenced_content(),
            "{example}"
        );
        for id in listed {
            let reply = old
                .relay
                .call("GET", &format!("/api/v1/content/{id}/locations"))
                .bearer(&token)
                .from("10.20.1.5")
                .send()
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{example} {id}: {}", reply.text());
        }
    }
}

/// What the old relay refused, today's serves, by today's per-scenario rule applied to the stored
/// document: cloud content for intranet boot media needs no "Allow task sequence to run for client
/// on the internet" (issue 14, item 1), which the old relay's view marked not served.
#[tokio::test]
async fn an_old_version_is_served_by_todays_serving_rule() {
    let old = old_relay("cloud-content-from-boot-media", |_| {}).await;
    assert!(old.stored_view()["deployments"][0]["not_served"].is_string());
    let token = old.token().await;
    let policy = old.relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.text());
}

#[tokio::test]
async fn an_old_view_whose_document_cannot_be_rebuilt_is_refused_until_the_admin_publishes_again() {
    // A document today's model cannot read (an old relay's document under a schema this one
    // does not know): nothing is guessed, the relay refuses with the fix.
    let old = old_relay("boot-media-over-gateway", |row| {
        let mut document: Value = serde_json::from_str(row["document"].as_str().unwrap()).unwrap();
        document["schema"] = json!("osdgate/v0");
        row["document"] = document.to_string().into();
    })
    .await;
    let token = old.token().await;
    for path in ["/api/v1/policy", "/api/v1/content/ABC00010/locations"] {
        let reply = old.relay.client("GET", path, &token, None).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {}", reply.text());
        assert_eq!(reply.code(), "configuration_outdated", "{path}");
        let message = reply.json["message"].as_str().unwrap();
        assert!(message.contains("configuration version 1"), "{message}");
        assert!(message.contains("publish the configuration again"), "{message}");
        assert!(message.contains("schema"), "names what stops the rebuild: {message}");
    }

    // The admin publishes the configuration again (as today's example has it): version 2 is
    // stored in today's format and served.
    let current = old.relay.admin("GET", "/api/v1/admin/config", None).await;
    let etag = current.header("etag").unwrap().to_owned();
    let text = include_str!("../../examples/boot-media-over-gateway.toml");
    let body: Value = serde_json::from_str(&Document::from_toml(text).unwrap().to_json()).unwrap();
    let published = old
        .relay
        .call("PUT", "/api/v1/admin/config")
        .admin()
        .header("if-match", &etag)
        .json(&body)
        .send()
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text());
    let policy = old.relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.text());
    assert_eq!(policy.json["deployments"][0]["config_version"], 2);
}
