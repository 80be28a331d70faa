//! The relay's own settings are validated in one place before anything is served: weak or missing
//! secrets and malformed variables are refused with every problem, each naming its variable and the
//! fix, and callers learn only that the relay is misconfigured.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::collections::HashMap;

use axum::http::StatusCode;
use http_body_util::BodyExt;
use osdgate_relay::app::RelayConfig;
use osdgate_relay::app::settings::{SettingError, refusal};
use support::MemoryLog;

/// 32 random bytes as hex, the way `openssl rand -hex 32` and `cargo xtask dev` make them.
const STRONG_ADMIN: &str = "3f7a9c2e81d4b6f05a1e9d3c7b2f8a6e4d0c9b1a7f3e5d2c8b6a4f1e0d9c7b3a";
const STRONG_KEY: &str = "b1e07c4d9a3f25e8c6d1f0a9b7e3c5d2a8f4e6b0c9d7a1f3e5b2c8d6a4f0e9b7";
const STRONG_SEALING: &str = "5c9e2a7f1d3b8e4c6a0f9d2b7e5c1a3f8d6b4e0c2a9f7d5b3e1c8a6f4d2b0e9c";

fn settings(pairs: &[(&str, &str)]) -> Result<RelayConfig, Vec<SettingError>> {
    let mut values: HashMap<String, String> = HashMap::from([
        ("ADMIN_TOKEN".to_owned(), STRONG_ADMIN.to_owned()),
        ("TOKEN_SIGNING_KEY".to_owned(), STRONG_KEY.to_owned()),
        ("CONFIG_SEALING_KEY".to_owned(), STRONG_SEALING.to_owned()),
    ]);
    for (name, value) in pairs {
        values.insert((*name).to_owned(), (*value).to_owned());
    }
    RelayConfig::from_env(|name| values.get(name).cloned())
}

fn problems_of(pairs: &[(&str, &str)]) -> Vec<SettingError> {
    settings(pairs).expect_err("these settings must be refused")
}

#[test]
fn strong_secrets_and_defaults_make_a_configuration() {
    let config = settings(&[("CONSOLE_ORIGIN", ""), ("GATEWAY_ID", "")]).unwrap();
    assert_eq!(config.admin_token.as_deref(), Some(STRONG_ADMIN));
    assert_eq!(config.token_key.as_deref(), Some(STRONG_KEY.as_bytes()));
    let sealing = config.sealing_key.as_ref().expect("the sealing key");
    assert_eq!(
        sealing.id(),
        osdgate_relay::app::sealing::SealingKey::from_secret(STRONG_SEALING).id()
    );
    assert!(!format!("{config:?}").contains(STRONG_SEALING), "Debug never prints a secret");
    assert_eq!(config.console_origin, None);
    assert_eq!(config.client_cache_ms, osdgate_relay::app::DEFAULT_CLIENT_CACHE_MS);
    let tuned = settings(&[
        ("CLIENT_CACHE_SECONDS", "0"),
        ("AUTH_RATE_PER_SUBJECT", "3"),
        ("CONSOLE_ORIGIN", "https://console.contoso.example"),
        ("GATEWAY_ID", "gw-relay"),
    ])
    .unwrap();
    assert_eq!(tuned.client_cache_ms, 0);
    assert_eq!(tuned.limits.auth_per_subject, 3);
    assert_eq!(tuned.gateway_id.as_deref(), Some("gw-relay"));
}

#[test]
fn weak_secrets_are_refused_naming_the_variable_and_the_fix() {
    for weak in [
        "changeme",
        "test-admin-token-0123456789",
        &"a".repeat(64),
        &"ab".repeat(32),
        "0000000000000000000000000000000000000000",
    ] {
        let problems = problems_of(&[("ADMIN_TOKEN", weak)]);
        assert_eq!(problems.len(), 1, "{weak}: {problems:?}");
        assert_eq!(problems[0].variable, "ADMIN_TOKEN");
        assert!(problems[0].problem.contains("too weak"), "{}", problems[0]);
        assert!(problems[0].fix.contains("wrangler secret put ADMIN_TOKEN"), "{}", problems[0]);
        assert!(!problems[0].to_string().contains(weak), "the message never repeats a secret");
    }
    let problems = problems_of(&[("TOKEN_SIGNING_KEY", "short-key")]);
    assert_eq!(problems[0].variable, "TOKEN_SIGNING_KEY");
    // Issue 13, item 6: the key that seals the configuration's secrets in D1 is held to the same bar.
    for weak in ["short-sealing-key", &"01234567".repeat(4)] {
        let problems = problems_of(&[("CONFIG_SEALING_KEY", weak)]);
        assert_eq!(problems.len(), 1, "{weak}: {problems:?}");
        assert_eq!(problems[0].variable, "CONFIG_SEALING_KEY");
        assert!(problems[0].problem.contains("too weak"), "{}", problems[0]);
        assert!(
            problems[0].fix.contains("wrangler secret put CONFIG_SEALING_KEY"),
            "{}",
            problems[0]
        );
    }
}

#[test]
fn missing_secrets_are_not_defaulted_and_every_problem_is_reported_at_once() {
    let values: HashMap<&str, &str> =
        HashMap::from([("CLIENT_CACHE_SECONDS", "120"), ("AUTH_RATE_PER_ADDRESS", "lots")]);
    let problems = RelayConfig::from_env(|name| values.get(name).map(|v| (*v).to_owned()))
        .expect_err("nothing set is no configuration");
    let named: Vec<&str> = problems.iter().map(|p| p.variable).collect();
    assert_eq!(
        named,
        [
            "ADMIN_TOKEN",
            "TOKEN_SIGNING_KEY",
            "CONFIG_SEALING_KEY",
            "AUTH_RATE_PER_ADDRESS",
            "CLIENT_CACHE_SECONDS"
        ]
    );
    assert!(problems[0].problem.contains("not set"));
    assert!(problems[2].problem.contains("not set"), "{}", problems[2]);
    assert!(problems[4].problem.contains("from 0 to 60"), "{}", problems[4]);
}

#[test]
fn malformed_variables_are_refused_instead_of_silently_defaulted() {
    for (variable, value) in [
        ("CLIENT_CACHE_SECONDS", "five"),
        ("CLIENT_CACHE_SECONDS", "-1"),
        ("CLIENT_CACHE_SECONDS", "61"),
        ("AUTH_RATE_PER_SUBJECT", "0"),
        ("AUTH_RATE_PER_SUBJECT", "10.5"),
        ("CONSOLE_ORIGIN", "https://console.contoso.example/"),
        ("CONSOLE_ORIGIN", "console.contoso.example"),
        ("GATEWAY_ID", "gw relay"),
        ("RETAIN_STATUS_DAYS", "0"),
        ("RETAIN_AUTH_EVENTS_DAYS", "forever"),
    ] {
        let problems = problems_of(&[(variable, value)]);
        assert_eq!(problems.len(), 1, "{variable}={value}: {problems:?}");
        assert_eq!(problems[0].variable, variable, "{variable}={value}");
    }
}

#[tokio::test]
async fn an_invalid_relay_answers_only_that_it_is_misconfigured_and_logs_the_problems() {
    let problems = problems_of(&[("ADMIN_TOKEN", "changeme")]);
    let log = MemoryLog::default();
    let response = refusal(&problems, &log);
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "relay_misconfigured");
    assert!(!body.to_string().contains("ADMIN_TOKEN"), "anonymous callers learn nothing: {body}");
    let lines = log.lines();
    assert!(lines.iter().any(|l| l.contains("ADMIN_TOKEN") && l.contains("too weak")), "{lines:?}");
}

#[tokio::test]
async fn the_misconfigured_relay_refuses_every_request_and_still_reads_its_body() {
    use axum::body::Body;
    use tower::ServiceExt;
    let log = std::sync::Arc::new(MemoryLog::default());
    let service = osdgate_relay::app::settings::misconfigured(
        problems_of(&[("TOKEN_SIGNING_KEY", "")]),
        log.clone(),
    );
    let request = axum::http::Request::post("/api/v1/status")
        .body(Body::from_stream(futures_util::stream::iter([Ok::<_, std::io::Error>(
            axum::body::Bytes::from_static(b"{}"),
        )])))
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(log.lines().iter().any(|l| l.contains("TOKEN_SIGNING_KEY") && l.contains("not set")));
}
