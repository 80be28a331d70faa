//! The relay's router, exercised without the worker runtime.

use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use osdgate_model::api::{BindingKind, BindingStatus, Health};
use osdgate_relay::app::{AppState, Storage, router};
use tower::ServiceExt;

struct FakeStorage {
    d1_up: bool,
}

#[async_trait]
impl Storage for FakeStorage {
    async fn probe(&self) -> Vec<BindingStatus> {
        vec![BindingStatus {
            name: "DB".into(),
            kind: BindingKind::D1,
            reachable: self.d1_up,
            error: (!self.d1_up).then(|| "D1 did not answer".into()),
        }]
    }
}

fn state(d1_up: bool) -> AppState {
    AppState { build: Arc::from("test-build"), storage: Arc::new(FakeStorage { d1_up }) }
}

async fn get(state: AppState, path: &str) -> (StatusCode, serde_json::Value) {
    let response =
        router(state).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn health_reports_name_version_build_and_each_binding() {
    let (status, json) = get(state(false), "/api/v1/health").await;
    assert_eq!(status, StatusCode::OK);
    let health: Health = serde_json::from_value(json).unwrap();
    assert_eq!(health.name, "osdgate");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(health.build, "test-build");
    assert_eq!(health.bindings.len(), 1);
    assert!(!health.bindings[0].reachable);
    assert_eq!(health.bindings[0].error.as_deref(), Some("D1 did not answer"));
}

#[tokio::test]
async fn unknown_api_path_is_a_json_404_with_a_stable_code() {
    let (status, json) = get(state(true), "/api/v1/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json["code"], "not_found");
}
