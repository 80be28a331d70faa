//! The relay and preflight apply the same rules to identifiers and address ranges (issue 14, item
//! 12): every MAC and SMBIOS GUID form the model accepts in a document the relay accepts from a
//! device, and every client address a document's boundary puts in a group the relay locates there.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::net::IpAddr;

use axum::http::StatusCode;
use osdgate_model::model::{
    Boundary, Document, is_placeholder_guid, normalize_guid, normalize_mac,
};
use serde_json::{Value, json};
use support::{Relay, signing_key};

fn example() -> Document {
    let text = include_str!("../../examples/boot-media-over-gateway.toml");
    let mut document = Document::from_toml(text).unwrap();
    // One subnet and one range per family, so both boundary kinds are compared.
    document.boundary_groups[0].boundaries = vec![
        Boundary::Subnet("10.20.0.0/16".parse().unwrap()),
        Boundary::Range {
            start: "192.0.2.10".parse().unwrap(),
            end: "192.0.2.20".parse().unwrap(),
        },
        Boundary::Subnet("2001:db8:20::/48".parse().unwrap()),
    ];
    document
}

async fn published_relay() -> (Relay, String) {
    let relay = Relay::new();
    let body: Value = serde_json::from_str(&example().to_json()).unwrap();
    let reply = relay.call("PUT", "/api/v1/admin/config").admin().json(&body).send().await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let key = relay.register_media("usb-1", "usb-remote").await;
    let token = relay.media_token("usb-1", &key).await;
    (relay, token)
}

#[tokio::test]
async fn relay_and_preflight_agree_on_every_identifier_form() {
    let (relay, token) = published_relay().await;
    let macs = [
        "00:1A:2B:3C:4D:5E",
        "00:1a:2b:3c:4d:5e",
        "00-1A-2B-3C-4D-5E",
        "001A2B3C4D5E",
        "001a2b3c4d5e",
        " 00:1A:2B:3C:4D:5E ",
        "00:1A:2B:3C:4D",
        "00:1A:2B:3C:4D:5E:6F",
        "001A2B3C4D5",
        "zz:1A:2B:3C:4D:5E",
        "001A.2B3C.4D5E",
        "0:1A:2B:3C:4D:5E",
    ];
    // Identities reach the relay only through a device's registration (a policy query's identity
    // is ignored): each form registers a device with its own key, whose token selects variables.
    for (n, mac) in macs.into_iter().enumerate() {
        let model = normalize_mac(mac);
        relay.advance(60_000); // registration nonces are rate-limited per medium and address
        let reply = relay
            .register_device(
                "usb-1",
                &token,
                &signing_key(&format!("mac-{n}")),
                json!({"mac": mac}),
            )
            .await;
        match &model {
            Some(normal) => {
                assert_eq!(reply.status, StatusCode::CREATED, "{mac:?}: {}", reply.text());
                let device_token = reply.json["token"]["token"].as_str().unwrap();
                let policy = relay.client("GET", "/api/v1/policy", device_token, None).await;
                // The device's own variable is selected exactly when the forms name the device.
                let selected = policy.json["deployments"][0]["variables"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|v| v["device_specific"] == true);
                assert_eq!(selected, normal == "00:1A:2B:3C:4D:5E", "{mac:?}");
                // Free the identity for the next form (a live device's identity cannot be claimed).
                revoke(&relay, reply.json["device_id"].as_str().unwrap()).await;
            }
            None => {
                assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{mac:?}");
                assert_eq!(reply.code(), "invalid_mac", "{mac:?}");
            }
        }
    }
    let guids = [
        "4C4C4544-0042-3510-8052-B4C04F4B4E32",
        "4c4c4544-0042-3510-8052-b4c04f4b4e32",
        "{4C4C4544-0042-3510-8052-B4C04F4B4E32}",
        "4C4C45440042351080524C04F4B4E32",
        "4C4C4544-0042-3510-8052",
        "4C4C4544-0042-3510-8052-B4C04F4B4E3Z",
        "4C4C4544-00423-510-8052-B4C04F4B4E32",
        "00000000-0000-0000-0000-000000000000",
        "{ffffffff-ffff-ffff-ffff-ffffffffffff}",
    ];
    for (n, guid) in guids.into_iter().enumerate() {
        // What preflight accepts in a document's devices[] is what a device may register with.
        let model = normalize_guid(guid).filter(|g| !is_placeholder_guid(g));
        relay.advance(60_000);
        let reply = relay
            .register_device(
                "usb-1",
                &token,
                &signing_key(&format!("guid-{n}")),
                json!({"smbios_guid": guid}),
            )
            .await;
        match model {
            Some(_) => {
                assert_eq!(reply.status, StatusCode::CREATED, "{guid:?}: {}", reply.text());
                revoke(&relay, reply.json["device_id"].as_str().unwrap()).await;
            }
            None => assert_eq!(reply.code(), "invalid_smbios_guid", "{guid:?}"),
        }
    }
}

async fn revoke(relay: &Relay, device_id: &str) {
    let reply = relay
        .admin("POST", &format!("/api/v1/admin/devices/{device_id}/revoke"), Some(json!({})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

#[tokio::test]
async fn relay_and_preflight_agree_on_every_range_form() {
    let (relay, token) = published_relay().await;
    let document = example();
    let group = &document.boundary_groups[0];
    let addresses = [
        "10.20.1.5",
        "::ffff:10.20.1.5",
        "10.21.0.1",
        "::ffff:10.21.0.1",
        "192.0.2.10",
        "192.0.2.20",
        "::ffff:192.0.2.15",
        "192.0.2.21",
        "2001:db8:20:1::5",
        "2001:db8:21::5",
        "::10.20.1.5",
    ];
    for address in addresses {
        let ip: IpAddr = address.parse().unwrap();
        let model = group.contains(ip);
        let reply = relay
            .call("GET", "/api/v1/content/ABC00010/locations")
            .bearer(&token)
            .from(address)
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{address}: {}", reply.text());
        let relay_groups = reply.json["boundary_groups"].as_array().unwrap();
        let located = relay_groups.iter().any(|g| g == group.id.as_str());
        assert_eq!(located, model, "{address}: relay {relay_groups:?}, preflight {model}");
    }
    // An IPv4-mapped address is its IPv4 address, for both.
    assert!(group.contains("::ffff:10.20.1.5".parse().unwrap()));
}
