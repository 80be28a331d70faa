//! The route sweep (issue 13, "done when"): every operation of the checked-in `openapi.json` is
//! called without credentials, with a forged token and with each wrong kind of credential, and
//! must answer the refusal it declares; every path the router serves must be described, and every
//! method it answers on a path must be listed. `playwright/tests/route-sweep.spec.ts` runs the same
//! sweep against `wrangler dev`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use axum::http::StatusCode;
use serde_json::{Value, json};
use support::{ADMIN_TOKEN, Relay, sample_view, seed_view, signing_key};

const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"];

fn openapi() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A concrete URL for a path template: any value will do, credentials are checked first.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment {
            "{sha256}" => "a".repeat(64),
            "{*path}" | "{path}" => "dir/file.bin".to_owned(),
            s if s.starts_with('{') => "sweep-1".to_owned(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The security schemes an operation accepts (`adminToken`, `mediaToken`, `deviceToken`).
fn schemes(operation: &Value) -> Vec<String> {
    operation["security"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|requirement| requirement.as_object().unwrap().keys().cloned())
        .collect()
}

struct Credentials {
    media: String,
    device: String,
}

async fn relay_with_credentials() -> (Relay, Credentials) {
    let relay = Relay::new();
    seed_view(&relay, &sample_view(vec![]));
    let key = relay.seed_media("M1", &["DEP1"]);
    let media = relay.media_token("M1", &key).await;
    let registered = relay
        .register_device(
            "M1",
            &media,
            &signing_key("sweep-device"),
            json!({"mac": "AA:BB:CC:DD:EE:77"}),
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.text());
    let device = registered.json["token"]["token"].as_str().unwrap().to_owned();
    (relay, Credentials { media, device })
}

#[tokio::test]
async fn every_operation_refuses_missing_forged_and_wrong_kind_credentials_as_declared() {
    let (relay, credentials) = relay_with_credentials().await;
    let document = openapi();
    let forged = "osdgate.v1.eyJraW5kIjoibWVkaWEifQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let mut checked = 0;
    let mut failures = Vec::new();
    for (template, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let schemes = schemes(operation);
            if schemes.is_empty() {
                continue;
            }
            let declared = operation["responses"].as_object().unwrap();
            let admin = schemes.iter().any(|s| s == "adminToken");
            let media_ok = schemes.iter().any(|s| s == "mediaToken");
            let device_ok = schemes.iter().any(|s| s == "deviceToken");
            // (what, bearer, expected status)
            let mut cases: Vec<(&str, Option<&str>, u16)> =
                vec![("no credential", None, 401), ("a forged token", Some(forged), 401)];
            if admin {
                cases.push(("a media token", Some(&credentials.media), 401));
                cases.push(("a device token", Some(&credentials.device), 401));
            } else {
                cases.push(("the admin token", Some(ADMIN_TOKEN), 401));
                if !media_ok {
                    cases.push(("a media token", Some(&credentials.media), 403));
                }
                if !device_ok {
                    cases.push(("a device token", Some(&credentials.device), 403));
                }
            }
            let url = concrete(template);
            for (what, bearer, expected) in cases {
                if !declared.contains_key(&expected.to_string()) {
                    failures.push(format!(
                        "{method} {template}: {expected} for {what} is not declared"
                    ));
                }
                // Each call from its own address: per-address throttles of failed attempts must
                // not turn a declared 401 into a 429 halfway through the sweep.
                let address = format!("198.18.{}.{}", checked / 250, checked % 250 + 1);
                let mut call = relay.call(&method.to_uppercase(), &url).from(&address);
                if let Some(token) = bearer {
                    call = call.bearer(token);
                }
                if operation.get("requestBody").is_some() {
                    call = call.json(&json!({}));
                }
                let reply = call.send().await;
                checked += 1;
                if reply.status.as_u16() != expected {
                    failures.push(format!(
                        "{method} {template} with {what}: {} {} (expected {expected})",
                        reply.status,
                        reply.code()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} calls:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 100, "the sweep made {checked} calls");
}

#[tokio::test]
async fn every_route_the_router_serves_is_described_with_every_method_it_answers() {
    let relay = Relay::new();
    let document = openapi();
    let paths = document["paths"].as_object().unwrap();
    let mut failures = Vec::new();
    let served = osdgate_relay::app::served_paths();
    assert!(served.len() >= 30, "{served:?}");
    for template in &served {
        let described = template.replace("{*path}", "{path}");
        let Some(item) = paths.get(&described) else {
            failures.push(format!("{template} is served but not in openapi.json"));
            continue;
        };
        let listed: Vec<String> =
            item.as_object().unwrap().keys().map(|m| m.to_uppercase()).collect();
        for method in METHODS {
            let reply = relay.call(method, &concrete(template)).send().await;
            let answered = reply.status != StatusCode::METHOD_NOT_ALLOWED;
            let listed_here = listed.iter().any(|m| m == method)
                || (method == "HEAD" && listed.iter().any(|m| m == "GET"));
            if answered && !listed_here {
                failures.push(format!(
                    "{method} {template} answers {} but is not in openapi.json",
                    reply.status
                ));
            }
            if !answered && listed_here {
                failures.push(format!("{method} {template} is in openapi.json but not served"));
            }
        }
    }
    for template in paths.keys() {
        if !served.iter().any(|s| &s.replace("{*path}", "{path}") == template) {
            failures
                .push(format!("{template} is in openapi.json but the router has no such route"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The sweep itself can fail: a route the router serves without a description is found.
#[test]
fn the_sweep_sees_an_undescribed_route() {
    let document = openapi();
    let paths = document["paths"].as_object().unwrap();
    let served = osdgate_relay::app::served_paths();
    assert!(served.iter().all(|s| paths.contains_key(&s.replace("{*path}", "{path}"))));
    let mut with_extra = served.clone();
    with_extra.push("/api/v1/debug/dump".into());
    assert!(!with_extra.iter().all(|s| paths.contains_key(&s.replace("{*path}", "{path}"))));
}
