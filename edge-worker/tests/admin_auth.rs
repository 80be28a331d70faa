//! Failed admin authentications are throttled per client address and recorded; the throttled
//! address is refused even with the right token, and the refusal writes nothing.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use axum::http::StatusCode;
use osdgate_relay::app::Database;
use support::{ADMIN_TOKEN, Relay, Reply};

async fn admin_from(relay: &Relay, address: &str, token: &str) -> Reply {
    relay.call("GET", "/api/v1/admin/media").bearer(token).from(address).send().await
}

async fn count(relay: &Relay, sql: &str) -> i64 {
    relay.db.query(sql, &[]).await.unwrap()[0]["n"].as_i64().unwrap()
}

#[tokio::test]
async fn failed_admin_authentications_are_recorded_and_throttled_per_address() {
    let relay = Relay::with(|config| config.limits.admin_failures_per_address = 10);
    for _ in 0..10 {
        let reply = admin_from(&relay, "198.51.100.1", "guess").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text());
    }
    let events = relay.admin("GET", "/api/v1/admin/auth-events?kind=admin", None).await;
    assert_eq!(events.status, StatusCode::OK, "{}", events.text());
    let recorded = count(
        &relay,
        "SELECT COUNT(*) AS n FROM auth_events WHERE subject_kind = 'admin' AND address = '198.51.100.1' AND outcome = 'unauthorized'",
    )
    .await;
    assert_eq!(recorded, 10);

    // The eleventh attempt is refused before the token is compared: the right one too.
    let throttled = admin_from(&relay, "198.51.100.1", ADMIN_TOKEN).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "{}", throttled.text());
    assert_eq!(throttled.code(), "rate_limited");
    assert!(throttled.header("retry-after").is_some());
    for _ in 0..50 {
        admin_from(&relay, "198.51.100.1", "guess").await;
    }
    assert_eq!(
        count(&relay, "SELECT COUNT(*) AS n FROM auth_events WHERE subject_kind = 'admin'").await,
        10,
        "throttled attempts write nothing"
    );
    // Another address is not affected, and the window ends.
    assert_eq!(admin_from(&relay, "198.51.100.2", ADMIN_TOKEN).await.status, StatusCode::OK);
    relay.advance(60_000);
    assert_eq!(admin_from(&relay, "198.51.100.1", ADMIN_TOKEN).await.status, StatusCode::OK);
}
