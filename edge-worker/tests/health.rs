//! The relay's router, exercised without the worker runtime: health, unknown paths, CORS.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use osdgate_model::api::Health;
use support::Relay;

#[tokio::test]
async fn health_reports_name_version_build_and_each_binding() {
    let relay = Relay::new();
    let reply = relay.anonymous("GET", "/api/v1/health", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let health: Health = serde_json::from_value(reply.json).unwrap();
    assert_eq!(health.name, "osdgate");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(health.build, "test-build");
    assert_eq!(health.bindings.len(), 1);
    assert!(health.bindings[0].reachable);
}

#[tokio::test]
async fn unknown_api_path_is_a_json_404_with_a_stable_code() {
    let reply = Relay::new().anonymous("GET", "/api/v1/no-such-thing", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "not_found");
}

#[tokio::test]
async fn wrong_method_is_a_json_405() {
    let reply = Relay::new().anonymous("DELETE", "/api/v1/health", None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.code(), "method_not_allowed");
}

#[tokio::test]
async fn noop_answers_without_storage() {
    let reply = Relay::new().anonymous("GET", "/api/v1/noop", None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
}

fn preflight(origin: &str) -> Request<Body> {
    Request::builder()
        .method("OPTIONS")
        .uri("/api/v1/admin/media")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type")
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn cors_answers_only_the_consoles_origin() {
    let relay = Relay::new();
    let allowed = relay.send(preflight("https://console.example")).await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(allowed.header("access-control-allow-origin"), Some("https://console.example"));
    assert!(allowed.header("access-control-allow-headers").unwrap().contains("authorization"));

    let denied = relay.send(preflight("https://evil.example")).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(denied.code(), "cors_origin_denied");
    assert_eq!(denied.header("access-control-allow-origin"), None);

    let simple = relay
        .send(
            Request::get("/api/v1/health")
                .header("origin", "https://evil.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(simple.status, StatusCode::OK);
    assert_eq!(simple.header("access-control-allow-origin"), None);
    assert_eq!(simple.header("x-content-type-options"), Some("nosniff"));

    let console = relay
        .send(
            Request::get("/api/v1/health")
                .header("origin", "https://console.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(console.header("access-control-allow-origin"), Some("https://console.example"));
    assert!(console.header("access-control-expose-headers").unwrap().contains("etag"));
}

#[tokio::test]
async fn without_a_configured_origin_no_cross_origin_request_is_allowed() {
    let relay = Relay::with(|config| config.console_origin = None);
    let denied = relay.send(preflight("https://console.example")).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}
