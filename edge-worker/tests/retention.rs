//! Filling D1 cannot take the relay down: refused floods write nothing, and what clients leave
//! behind is pruned on schedule (`retention::prune`, the Cron Trigger's work).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use axum::http::StatusCode;
use osdgate_relay::app::Database;
use osdgate_relay::app::retention::{PruneReport, prune};
use serde_json::json;
use support::{Relay, START};

const DAY: i64 = 86_400_000;

async fn count(relay: &Relay, table: &str) -> i64 {
    let rows = relay.db.query(&format!("SELECT COUNT(*) AS n FROM {table}"), &[]).await.unwrap();
    rows[0]["n"].as_i64().unwrap()
}

async fn sql(relay: &Relay, statement: &str) {
    relay.db.execute(statement, &[]).await.unwrap();
}

#[tokio::test]
async fn a_flood_of_rate_limited_challenges_writes_nothing() {
    let relay = Relay::with(|config| config.limits.auth_per_address = 5);
    let mut limited = 0;
    for attempt in 0..200 {
        let reply = relay
            .anonymous(
                "POST",
                "/api/v1/auth/challenge",
                Some(json!({"kind": "media", "id": format!("made-up-{attempt}")})),
            )
            .await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
    }
    assert_eq!(limited, 195, "the address's budget is 5 a minute");
    // The five attempts within the budget got a challenge like any medium's (its nonce stored, so
    // the answer does not tell an unknown medium from a valid one) and their refusal (unknown
    // media) was recorded; the 195 rate-limited ones left no row anywhere.
    assert_eq!(count(&relay, "auth_events").await, 5);
    assert_eq!(count(&relay, "rate_limits").await, 1 + 5, "one address bucket, five subjects");
    assert_eq!(count(&relay, "auth_nonces").await, 5);
}

#[tokio::test]
async fn retention_prunes_what_is_old_in_slices_and_keeps_what_is_recent() {
    let relay = Relay::new();
    let now = START;
    let old_event = now - 91 * DAY;
    let old_status = now - 181 * DAY;
    let old_revocation = now - 91 * DAY;
    // 5,000 old authentication events (five slices of the prune batch) and 10 recent ones.
    sql(
        &relay,
        &format!(
            "INSERT INTO auth_events (at, subject_kind, subject_id, address, outcome) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) \
         SELECT {old_event}, 'media', 'm' || i, '198.51.100.' || (i % 250), 'media_unknown' FROM n"
        ),
    )
    .await;
    sql(
        &relay,
        &format!(
            "INSERT INTO auth_events (at, subject_kind, subject_id, address, outcome) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) \
         SELECT {now}, 'media', 'recent' || i, NULL, 'ok' FROM n"
        ),
    )
    .await;
    // 3,000 rate-limit windows long over, and the current one.
    sql(
        &relay,
        &format!(
            "INSERT INTO rate_limits (bucket, window_start, count) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
         SELECT 'address:203.0.113.' || i, {}, 1 FROM n",
            now - 3_600_000
        ),
    )
    .await;
    sql(
        &relay,
        &format!(
            "INSERT INTO rate_limits (bucket, window_start, count) VALUES ('address:now', {now}, 1)"
        ),
    )
    .await;
    sql(
        &relay,
        &format!(
            "INSERT INTO auth_nonces (nonce, subject_kind, subject_id, expires_at) VALUES \
         ('expired', 'media', 'm1', {}), ('live', 'media', 'm1', {})",
            now - 1,
            now + 60_000
        ),
    )
    .await;
    // 2,500 old status messages and 5 recent ones.
    sql(
        &relay,
        &format!(
            "INSERT INTO status_messages (message_id, deployment_id, step, state, received_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2505) \
         SELECT 'msg-' || i, 'ABC20001', 'Apply OS', 'succeeded', \
         CASE WHEN i <= 2500 THEN {old_status} ELSE {now} END FROM n"
        ),
    )
    .await;
    // A device revoked long ago (two tokens), one revoked yesterday, one active with an expired
    // token, a token revoked long ago and a live one.
    sql(&relay, &format!(
        "INSERT INTO devices (device_id, public_key, media_id, deployments, registered_at, revoked_at) VALUES \
         ('gone', 'k1', 'M1', '[]', {old_revocation}, {old_revocation}), \
         ('recent', 'k2', 'M1', '[]', {now}, {}), \
         ('active', 'k3', 'M1', '[]', {now}, NULL)",
        now - DAY
    )).await;
    sql(&relay, &format!(
        "INSERT INTO device_tokens (token_id, device_id, issued_at, expires_at, revoked_at) VALUES \
         ('t-gone-1', 'gone', {old_revocation}, {now}, NULL), \
         ('t-gone-2', 'gone', {old_revocation}, {now}, NULL), \
         ('t-recent', 'recent', {now}, {future}, {yesterday}), \
         ('t-expired', 'active', {old_revocation}, {expired}, NULL), \
         ('t-revoked', 'active', {old_revocation}, {future}, {old_revocation}), \
         ('t-live', 'active', {now}, {future}, NULL)",
        future = now + 30 * DAY,
        yesterday = now - DAY,
        expired = now - 91 * DAY,
    )).await;

    let report = prune(&relay.state).await.unwrap();
    assert_eq!(
        report,
        PruneReport {
            rate_limits: 3000,
            auth_nonces: 1,
            auth_events: 5000,
            status_messages: 2500,
            device_tokens: 4,
            devices: 1,
        }
    );
    assert_eq!(count(&relay, "auth_events").await, 10);
    assert_eq!(count(&relay, "rate_limits").await, 1);
    assert_eq!(count(&relay, "auth_nonces").await, 1);
    assert_eq!(count(&relay, "status_messages").await, 5);
    assert_eq!(count(&relay, "devices").await, 2);
    let tokens =
        relay.db.query("SELECT token_id FROM device_tokens ORDER BY token_id", &[]).await.unwrap();
    let tokens: Vec<&str> = tokens.iter().map(|row| row["token_id"].as_str().unwrap()).collect();
    assert_eq!(tokens, ["t-live", "t-recent"]);
    // Nothing is left to prune.
    assert_eq!(prune(&relay.state).await.unwrap(), PruneReport::default());
}

#[tokio::test]
async fn retention_follows_the_configured_days() {
    let relay = Relay::with(|config| config.retention.auth_events_days = 7);
    sql(
        &relay,
        &format!(
            "INSERT INTO auth_events (at, subject_kind, subject_id, outcome) VALUES \
         ({}, 'media', 'm', 'ok'), ({}, 'media', 'm', 'ok')",
            START - 8 * DAY,
            START - 6 * DAY
        ),
    )
    .await;
    assert_eq!(prune(&relay.state).await.unwrap().auth_events, 1);
    assert_eq!(count(&relay, "auth_events").await, 1);
}
