//! One medium, one record, over time (issue 14, item 2): a registered medium is served what its
//! document medium names in the *current* version. A republish that takes a deployment off the
//! medium ends that deployment's policy and content for sticks already registered (and devices
//! registered through them); a republish that puts it back restores it.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use axum::http::StatusCode;
use osdgate_model::api::ErrorCode;
use osdgate_model::model::Document;
use serde_json::{Value, json};
use support::{Relay, signing_key};

/// Runs only on `ABC20001`: the drivers of the example's task sequence.
const DRIVERS: &str = "ABC00012";
/// Referenced by both deployments: the OS image.
const OS_IMAGE: &str = "ABC00010";

/// The boot-media example with a second deployment, `ABC20002`, whose task sequence (`ABC00021`)
/// is the example's without the driver step, and the medium running `deployments`.
fn document(deployments: &[&str]) -> Value {
    let text = include_str!("../../examples/boot-media-over-gateway.toml");
    let mut document: Value =
        serde_json::from_str(&Document::from_toml(text).unwrap().to_json()).unwrap();
    let mut sequence = document["task_sequences"][0].clone();
    sequence["id"] = json!("ABC00021");
    sequence["name"] = json!("Reimage remote worker, no drivers");
    sequence["references"].as_array_mut().unwrap().retain(|r| r["package"] != DRIVERS);
    for group in sequence["steps"].as_array_mut().unwrap() {
        if let Some(children) = group["children"].as_array_mut() {
            children.retain(|step| step["type"] != "apply_driver_package");
        }
    }
    document["task_sequences"].as_array_mut().unwrap().push(sequence);
    let mut deployment = document["deployments"][0].clone();
    deployment["id"] = json!("ABC20002");
    deployment["task_sequence_id"] = json!("ABC00021");
    document["deployments"].as_array_mut().unwrap().push(deployment);
    document["media"][0]["deployments"] = json!(deployments);
    document
}

async fn publish(relay: &Relay, document: &Value) {
    let current = relay.admin("GET", "/api/v1/admin/config", None).await;
    let mut call = relay.call("PUT", "/api/v1/admin/config").admin();
    if let Some(etag) = current.header("etag") {
        call = call.header("if-match", etag);
    }
    let reply = call.json(document).send().await;
    assert!(reply.status.is_success(), "{}", reply.text());
}

fn served(policy: &support::Reply) -> Vec<String> {
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.text());
    policy.json["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["deployment_id"].as_str().unwrap().to_owned())
        .collect()
}

/// What `token` is served: the deployments of its policy, and whether it may locate and download
/// the drivers and the OS image.
async fn check(relay: &Relay, token: &str, deployments: &[&str], drivers: bool) {
    let policy = relay.client("GET", "/api/v1/policy", token, None).await;
    assert_eq!(served(&policy), deployments);
    let one = relay.client("GET", "/api/v1/policy?deployment=ABC20001", token, None).await;
    if drivers {
        assert_eq!(served(&one), ["ABC20001"]);
    } else {
        assert_eq!(one.status, StatusCode::FORBIDDEN, "{}", one.text());
        assert_eq!(one.code(), ErrorCode::DeploymentNotAllowed.as_str());
        let message = one.json["message"].as_str().unwrap();
        assert!(message.contains("medium usb-remote"), "{message}");
        assert!(message.contains("no longer runs deployment ABC20001"), "{message}");
    }
    for (package, file, allowed) in
        [(DRIVERS, "drivers/network/e1d.inf", drivers), (OS_IMAGE, "install.wim", true)]
    {
        let locations =
            relay.client("GET", &format!("/api/v1/content/{package}/locations"), token, None).await;
        let download = relay
            .client("GET", &format!("/api/v1/content/{package}/files/{file}"), token, None)
            .await;
        if allowed {
            assert_eq!(locations.status, StatusCode::OK, "{package}: {}", locations.text());
            // Nothing was uploaded: the relay gets as far as the blob lookup.
            assert_eq!(download.status, StatusCode::NOT_FOUND, "{package}: {}", download.text());
            assert_eq!(download.code(), ErrorCode::ContentNotUploaded.as_str(), "{package}");
        } else {
            for reply in [&locations, &download] {
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{package}: {}", reply.text());
                assert_eq!(reply.code(), ErrorCode::ContentNotAllowed.as_str(), "{package}");
            }
        }
    }
}

#[tokio::test]
async fn a_deployment_taken_off_the_medium_ends_for_registered_media_until_it_is_put_back() {
    let relay = Relay::new();
    publish(&relay, &document(&["ABC20001", "ABC20002"])).await;
    let key = relay.register_media("usb-1", "usb-remote").await;
    let media_token = relay.media_token("usb-1", &key).await;
    let device = relay
        .register_device(
            "usb-1",
            &media_token,
            &signing_key("device-1"),
            json!({"mac": "00:1A:2B:3C:4D:5E"}),
        )
        .await;
    assert_eq!(device.status, StatusCode::CREATED, "{}", device.text());
    let device_token = device.json["token"]["token"].as_str().unwrap().to_owned();
    for token in [&media_token, &device_token] {
        check(&relay, token, &["ABC20001", "ABC20002"], true).await;
    }

    // Republished without ABC20001 on the medium (the deployment stays in the document).
    publish(&relay, &document(&["ABC20002"])).await;
    for token in [&media_token, &device_token] {
        check(&relay, token, &["ABC20002"], false).await;
    }
    // A new login gets the same token contents (the registration's deployments): the current
    // version still decides.
    let fresh = relay.media_token("usb-1", &key).await;
    check(&relay, &fresh, &["ABC20002"], false).await;

    // Put back: served again, to the tokens issued before as well.
    publish(&relay, &document(&["ABC20001", "ABC20002"])).await;
    for token in [&media_token, &device_token, &fresh] {
        check(&relay, token, &["ABC20001", "ABC20002"], true).await;
    }
}

#[tokio::test]
async fn a_medium_taken_out_of_the_document_gets_nothing() {
    let relay = Relay::new();
    publish(&relay, &document(&["ABC20001", "ABC20002"])).await;
    let key = relay.register_media("usb-1", "usb-remote").await;
    let token = relay.media_token("usb-1", &key).await;
    let mut without = document(&["ABC20001"]);
    without["media"][0]["id"] = json!("usb-branch");
    publish(&relay, &without).await;
    let policy = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(policy.status, StatusCode::FORBIDDEN, "{}", policy.text());
    assert_eq!(policy.code(), ErrorCode::DeploymentNotServed.as_str());
    assert!(policy.text().contains("no longer has"), "{}", policy.text());
    let content =
        relay.client("GET", &format!("/api/v1/content/{OS_IMAGE}/locations"), &token, None).await;
    assert_eq!(content.code(), ErrorCode::ContentNotAllowed.as_str(), "{}", content.text());
}
