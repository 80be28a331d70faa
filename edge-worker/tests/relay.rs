//! Every endpoint and every refusal of the relay, natively over in-memory storage.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use axum::http::StatusCode;
use ed25519_dalek::Signer;
use http_body_util::BodyExt;
use osdgate_model::api::ContentFile;
use osdgate_relay::app::router;
use osdgate_relay::app::storage::RuntimeBody;
use serde_json::json;
use sha2::{Digest, Sha256};
use support::{ADMIN_TOKEN, Relay, b64, sample_view, seed_view, signing_key};
use tower::ServiceExt;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn file(path: &str, bytes: &[u8]) -> ContentFile {
    ContentFile { path: path.into(), size: bytes.len() as u64, sha256: sha256_hex(bytes) }
}

/// A relay with the sample view published and medium `M1` (DEP1, DEP-HIDDEN) registered.
async fn relay_with_media(files: Vec<ContentFile>) -> (Relay, String) {
    let relay = Relay::new();
    seed_view(&relay, &sample_view(files));
    let key = relay.seed_media("M1", &["DEP1", "DEP-HIDDEN"]);
    let token = relay.media_token("M1", &key).await;
    (relay, token)
}

async fn revoke_device(relay: &Relay, device_id: &str) -> support::Reply {
    relay
        .admin(
            "POST",
            &format!("/api/v1/admin/devices/{device_id}/revoke"),
            Some(json!({"reason": "stolen"})),
        )
        .await
}

// ---- admin credential ----

#[tokio::test]
async fn admin_routes_refuse_missing_malformed_and_wrong_credentials() {
    let relay = Relay::new();
    let missing = relay.anonymous("GET", "/api/v1/admin/media", None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.code(), "unauthorized");
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    let wrong = relay.client("GET", "/api/v1/admin/media", "not-the-token", None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(!wrong.text().contains(ADMIN_TOKEN));
    let basic =
        relay.call("GET", "/api/v1/admin/media").header("authorization", "Basic abc").send().await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    let ok = relay.admin("GET", "/api/v1/admin/media", None).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json, json!([]));
}

#[tokio::test]
async fn credentials_are_checked_before_the_body_is_read() {
    let relay = Relay::new();
    // 50 MiB declared, no credential: refused as unauthorized, not as too large or unreadable.
    let reply = relay
        .call("PUT", &format!("/api/v1/admin/blobs/{}", "a".repeat(64)))
        .header("content-length", &(50u64 << 20).to_string())
        .body("short")
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = relay.call("POST", "/api/v1/status").body("{not json").send().await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admin_api_without_a_configured_secret_is_unavailable_not_open() {
    let relay = Relay::with(|config| config.admin_token = None);
    let reply = relay.admin("GET", "/api/v1/admin/media", None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.code(), "admin_not_configured");
}

#[tokio::test]
async fn bodies_over_the_limit_and_bad_json_get_stable_codes() {
    let relay = Relay::new();
    let big = json!({"media_id": "x".repeat(70_000)});
    let reply = relay.admin("POST", "/api/v1/admin/media", Some(big)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.code(), "payload_too_large");
    let reply = relay
        .call("POST", "/api/v1/admin/media")
        .admin()
        .header("content-type", "application/json")
        .body("{\"media_id\": 5")
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.code(), "invalid_json");
    assert!(reply.json["message"].as_str().unwrap().contains("line 1"));
}

// ---- media ----

/// The boot-media example, published: its medium `usb-remote` ("Remote worker USB stick") runs
/// `ABC20001` and expires 2027-11-01.
async fn publish_boot_example(relay: &Relay) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/boot-media-over-gateway.toml");
    let document =
        osdgate_model::model::Document::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap();
    let body: serde_json::Value = serde_json::from_str(&document.to_json()).unwrap();
    let reply = relay.call("PUT", "/api/v1/admin/config").admin().json(&body).send().await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
}

/// 2027-11-01T00:00:00Z, the example medium's expiry, in milliseconds.
const EXAMPLE_MEDIA_EXPIRY_MS: i64 = 1_825_027_200_000;

/// Issue 14, item 2: one medium, one record. A registration names the published document's
/// medium; the relay takes the deployments from it and holds the expiry to it.
#[tokio::test]
async fn media_registration_names_the_documents_medium_and_validates_every_field() {
    let relay = Relay::new();
    let key = signing_key("k");
    let valid = json!({
        "medium": "usb-remote", "media_id": "M1", "public_key": b64(key.verifying_key().as_bytes()),
        "expires_at": relay.now() + 1000, "created_by": "alice", "auto_approve": true,
    });
    let no_config = relay.admin("POST", "/api/v1/admin/media", Some(valid.clone())).await;
    assert_eq!(no_config.code(), "no_configuration");
    publish_boot_example(&relay).await;
    let cases = [
        ("media_id", json!("../etc"), "invalid_id"),
        ("public_key", json!("AAAA"), "invalid_public_key"),
        ("public_key", json!(b64(&[0u8; 32])), "invalid_public_key"),
        ("expires_at", json!(relay.now() - 1), "invalid_expiry"),
        ("expires_at", json!(EXAMPLE_MEDIA_EXPIRY_MS + 1), "invalid_expiry"),
        ("medium", json!("usb-nowhere"), "unknown_medium"),
        ("created_by", json!(" "), "invalid_created_by"),
    ];
    for (field, value, code) in cases {
        let mut body = valid.clone();
        body[field] = value;
        let reply = relay.admin("POST", "/api/v1/admin/media", Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", reply.text());
        assert_eq!(reply.code(), code, "{field}");
    }
    // Deployments come from the document, never from the registration.
    let mut own_deployments = valid.clone();
    own_deployments["deployments"] = json!(["ABC20001"]);
    let reply = relay.admin("POST", "/api/v1/admin/media", Some(own_deployments)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert!(reply.json["message"].as_str().unwrap().contains("deployments"), "{}", reply.text());

    let created = relay.admin("POST", "/api/v1/admin/media", Some(valid.clone())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json["created_by"], "alice");
    assert_eq!(created.json["medium"], "usb-remote");
    assert_eq!(created.json["deployments"], json!(["ABC20001"]));
    assert_eq!(created.json["auto_approve"], true);
    let again = relay.admin("POST", "/api/v1/admin/media", Some(valid.clone())).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "media_exists");
    // By the medium's display name too, up to the document's expiry.
    let mut by_name = valid;
    by_name["medium"] = json!("Remote worker USB stick");
    by_name["media_id"] = json!("M2");
    by_name["expires_at"] = json!(EXAMPLE_MEDIA_EXPIRY_MS);
    let named = relay.admin("POST", "/api/v1/admin/media", Some(by_name)).await;
    assert_eq!(named.status, StatusCode::CREATED, "{}", named.text());
    assert_eq!(named.json["medium"], "usb-remote");
    let listed = relay.admin("GET", "/api/v1/admin/media", None).await;
    assert_eq!(listed.json.as_array().unwrap().len(), 2);
    let one = relay.admin("GET", "/api/v1/admin/media/M1", None).await;
    assert_eq!(one.json["media_id"], "M1");
    let missing = relay.admin("GET", "/api/v1/admin/media/M3", None).await;
    assert_eq!(missing.code(), "media_not_found");
}

/// Issue 14, item 2: registering runs the media rules on the published document; a document
/// stored before media named their deployments gets the finding, not a medium.
#[tokio::test]
async fn media_registration_runs_the_media_rules_on_the_published_document() {
    let relay = Relay::new();
    publish_boot_example(&relay).await;
    relay.sql(
        "UPDATE config_versions SET document = json_remove(document, '$.media[0].deployments')",
    );
    let key = signing_key("k");
    let reply = relay
        .admin(
            "POST",
            "/api/v1/admin/media",
            Some(json!({"medium": "usb-remote", "media_id": "M1", "created_by": "alice",
                        "public_key": b64(key.verifying_key().as_bytes()), "expires_at": relay.now() + 1000})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
    assert_eq!(reply.code(), "preflight_failed");
    let findings = reply.json["findings"]["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "OSDG-MEDIA-010" && f["path"] == "media[0].deployments"),
        "{}",
        reply.text()
    );
    assert_eq!(relay.admin("GET", "/api/v1/admin/media", None).await.json, json!([]));
}

// ---- challenge–response ----

#[tokio::test]
async fn media_authenticates_by_signing_a_single_use_nonce() {
    let relay = Relay::new();
    seed_view(&relay, &sample_view(vec![]));
    let key = relay.seed_media("M1", &["DEP1"]);
    let challenge = relay
        .anonymous("POST", "/api/v1/auth/challenge", Some(json!({"kind": "media", "id": "M1"})))
        .await;
    assert_eq!(challenge.status, StatusCode::OK);
    let nonce = challenge.json["nonce"].as_str().unwrap().to_owned();
    let message = challenge.json["message"].as_str().unwrap().to_owned();
    assert_eq!(
        message,
        osdgate_model::api::challenge_message(osdgate_model::api::SubjectKind::Media, "M1", &nonce)
    );
    let answer = json!({"kind": "media", "id": "M1", "nonce": nonce, "signature": b64(&key.sign(message.as_bytes()).to_bytes())});
    let token = relay.anonymous("POST", "/api/v1/auth/token", Some(answer.clone())).await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.text());
    assert_eq!(token.json["deployments"], json!(["DEP1"]));
    assert_eq!(token.json["expires_at"], relay.now() + 30 * 60_000);
    let replay = relay.anonymous("POST", "/api/v1/auth/token", Some(answer)).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(replay.code(), "nonce_replayed");
}

#[tokio::test]
async fn wrong_signatures_expired_and_foreign_nonces_are_refused_and_recorded() {
    let relay = Relay::new();
    seed_view(&relay, &sample_view(vec![]));
    let key = relay.seed_media("M1", &["DEP1"]);
    relay.seed_media("M2", &["DEP1"]);
    let ask = |id: &'static str| {
        relay.anonymous("POST", "/api/v1/auth/challenge", Some(json!({"kind": "media", "id": id})))
    };
    let challenge = ask("M1").await;
    let nonce = challenge.json["nonce"].as_str().unwrap().to_owned();
    let message = challenge.json["message"].as_str().unwrap().to_owned();
    let wrong_key = signing_key("someone else");
    let forged = relay
        .anonymous("POST", "/api/v1/auth/token", Some(json!({"kind": "media", "id": "M1", "nonce": nonce, "signature": b64(&wrong_key.sign(message.as_bytes()).to_bytes())})))
        .await;
    assert_eq!(forged.code(), "signature_invalid");
    let garbage = ask("M1").await;
    let reply = relay
        .anonymous("POST", "/api/v1/auth/token", Some(json!({"kind": "media", "id": "M1", "nonce": garbage.json["nonce"], "signature": "!!"})))
        .await;
    assert_eq!(reply.code(), "signature_invalid");
    // A nonce issued to M2 cannot be answered for M1.
    let other = ask("M2").await;
    let other_nonce = other.json["nonce"].as_str().unwrap();
    let msg = osdgate_model::api::challenge_message(
        osdgate_model::api::SubjectKind::Media,
        "M1",
        other_nonce,
    );
    let reply = relay
        .anonymous("POST", "/api/v1/auth/token", Some(json!({"kind": "media", "id": "M1", "nonce": other_nonce, "signature": b64(&key.sign(msg.as_bytes()).to_bytes())})))
        .await;
    assert_eq!(reply.code(), "nonce_mismatch");
    let unknown = relay
        .anonymous(
            "POST",
            "/api/v1/auth/token",
            Some(json!({"kind": "media", "id": "M1", "nonce": "made-up", "signature": "AA"})),
        )
        .await;
    assert_eq!(unknown.code(), "nonce_unknown");
    // Expired challenge.
    let late = ask("M1").await;
    relay.advance(61_000);
    let reply = relay
        .anonymous("POST", "/api/v1/auth/token", Some(json!({"kind": "media", "id": "M1", "nonce": late.json["nonce"], "signature": b64(&key.sign(late.json["message"].as_str().unwrap().as_bytes()).to_bytes())})))
        .await;
    assert_eq!(reply.code(), "nonce_expired");
    let events = relay.admin("GET", "/api/v1/admin/auth-events?kind=media&subject=M1", None).await;
    let outcomes: Vec<&str> = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "signature_invalid",
            "signature_invalid",
            "nonce_mismatch",
            "nonce_unknown",
            "nonce_expired"
        ]
    );
    assert_eq!(events.json["events"][0]["address"], support::CLIENT_ADDRESS);
    let next = events.json["next_cursor"].as_str().unwrap();
    let page = relay.admin("GET", &format!("/api/v1/admin/auth-events?after={next}"), None).await;
    assert_eq!(page.json["events"], json!([]));
}

#[tokio::test]
async fn revoked_expired_and_unknown_media_cannot_authenticate_or_use_tokens() {
    let relay = Relay::new();
    seed_view(&relay, &sample_view(vec![]));
    let key = relay.seed_media("M1", &["DEP1"]);
    let token = relay.media_token("M1", &key).await;
    assert_eq!(relay.client("GET", "/api/v1/policy", &token, None).await.status, StatusCode::OK);
    let revoked = relay
        .admin(
            "POST",
            "/api/v1/admin/media/M1/revoke",
            Some(json!({"reason": "lost in the post", "approved_devices": "keep"})),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert_eq!(revoked.json["revoked_reason"], "lost in the post");
    let first_revocation = revoked.json["revoked_at"].clone();
    relay.advance(5);
    let again = relay
        .admin("POST", "/api/v1/admin/media/M1/revoke", Some(json!({"approved_devices": "keep"})))
        .await;
    assert_eq!(again.json["revoked_at"], first_revocation);
    let reply = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.code(), "media_revoked");
    // The key's holder learns why; nobody else does (see the uniform-challenge test).
    let login = relay.authenticate("media", "M1", &key).await;
    assert_eq!(login.code(), "media_revoked");
    let missing = relay
        .admin("POST", "/api/v1/admin/media/NOPE/revoke", Some(json!({"approved_devices": "keep"})))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let key2 = relay.seed_media("M2", &["DEP1"]);
    let token2 = relay.media_token("M2", &key2).await;
    relay.advance(86_400_000);
    let expired = relay.client("GET", "/api/v1/policy", &token2, None).await;
    assert_eq!(expired.code(), "token_expired");
    let login = relay.authenticate("media", "M2", &key2).await;
    assert_eq!(login.code(), "media_expired");
}

#[tokio::test]
async fn authentication_attempts_are_rate_limited_per_media_and_address_and_per_address() {
    let relay = Relay::new();
    seed_view(&relay, &sample_view(vec![]));
    relay.seed_media("M1", &["DEP1"]);
    let ask = |from: &'static str, id: String| {
        relay
            .call("POST", "/api/v1/auth/challenge")
            .from(from)
            .json(&json!({"kind": "media", "id": id}))
            .send()
    };
    for _ in 0..10 {
        assert_eq!(ask("198.51.100.1", "M1".into()).await.status, StatusCode::OK);
    }
    let limited = ask("198.51.100.1", "M1".into()).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.code(), "rate_limited");
    assert!(limited.header("retry-after").is_some());
    assert_eq!(
        ask("198.51.100.2", "M1".into()).await.status,
        StatusCode::OK,
        "another address still has the medium's budget"
    );
    relay.advance(60_000);
    assert_eq!(ask("198.51.100.1", "M1".into()).await.status, StatusCode::OK);

    // Per address: 60 attempts across many media from one address.
    let relay = Relay::new();
    for n in 0..60 {
        let reply = relay
            .anonymous(
                "POST",
                "/api/v1/auth/challenge",
                Some(json!({"kind": "media", "id": format!("X{n}")})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let limited = relay
        .anonymous("POST", "/api/v1/auth/challenge", Some(json!({"kind": "media", "id": "X99"})))
        .await;
    assert_eq!(limited.code(), "rate_limited");
    assert!(limited.json["message"].as_str().unwrap().contains("address"));
}

/// Issue 13, item 4: whoever floods a medium's challenges from their own address spends only their
/// own budget; the real device with that medium, elsewhere, still authenticates.
#[tokio::test]
async fn an_anonymous_flood_of_challenges_for_a_medium_does_not_stop_the_real_device() {
    let relay = Relay::new();
    seed_view(&relay, &sample_view(vec![]));
    let key = relay.seed_media("M1", &["DEP1"]);
    let mut refused = 0;
    for _ in 0..200 {
        let reply = relay
            .call("POST", "/api/v1/auth/challenge")
            .from("192.0.2.66")
            .json(&json!({"kind": "media", "id": "M1"}))
            .send()
            .await;
        refused += usize::from(reply.status == StatusCode::TOO_MANY_REQUESTS);
    }
    assert!(refused >= 150, "the flood itself is throttled ({refused} refused)");
    let real = relay.authenticate_from("203.0.113.50", "media", "M1", &key).await;
    assert_eq!(real.status, StatusCode::OK, "{}", real.text());
    assert_eq!(real.json["kind"], "media");
}

/// Issue 13, item 4: an anonymous caller cannot tell an unknown, revoked or expired medium from a
/// valid one by its challenge, nor by a token request without the key; the admin's log has the
/// real reason.
#[tokio::test]
async fn challenges_answer_unknown_revoked_and_expired_media_like_valid_ones() {
    let relay = Relay::new();
    seed_view(&relay, &sample_view(vec![]));
    relay.seed_media("VALID", &["DEP1"]);
    relay.seed_media("REVOKED", &["DEP1"]);
    relay
        .admin(
            "POST",
            "/api/v1/admin/media/REVOKED/revoke",
            Some(json!({"approved_devices": "keep"})),
        )
        .await;
    let expiring = relay.seed_media_with("EXPIRED", &["DEP1"], relay.now() + 10, false);
    relay.advance(20);
    let stranger = signing_key("stranger");
    let mut shapes = Vec::new();
    for id in ["VALID", "UNKNOWN", "REVOKED", "EXPIRED"] {
        let challenge = relay
            .anonymous("POST", "/api/v1/auth/challenge", Some(json!({"kind": "media", "id": id})))
            .await;
        assert_eq!(challenge.status, StatusCode::OK, "{id}: {}", challenge.text());
        let mut keys: Vec<String> = challenge.json.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        let mut headers: Vec<String> = challenge
            .headers
            .keys()
            .map(|h| h.as_str().to_owned())
            .filter(|h| h != "x-request-id")
            .collect();
        headers.sort();
        shapes.push((keys, headers, challenge.json["expires_at"].clone()));
        let nonce = challenge.json["nonce"].as_str().unwrap();
        let message = challenge.json["message"].as_str().unwrap();
        let answer = relay
            .anonymous(
                "POST",
                "/api/v1/auth/token",
                Some(json!({"kind": "media", "id": id, "nonce": nonce,
                "signature": b64(&stranger.sign(message.as_bytes()).to_bytes())})),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{id}");
        assert_eq!(answer.code(), "signature_invalid", "{id}");
    }
    assert!(shapes.windows(2).all(|pair| pair[0] == pair[1]), "{shapes:?}");
    let events = relay.admin("GET", "/api/v1/admin/auth-events?kind=media", None).await;
    let outcomes: Vec<(String, String)> = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["subject"].as_str().unwrap().into(), e["outcome"].as_str().unwrap().into()))
        .collect();
    for expected in [
        ("UNKNOWN", "media_unknown"),
        ("REVOKED", "media_revoked"),
        ("EXPIRED", "media_expired"),
        ("VALID", "signature_invalid"),
    ] {
        assert!(
            outcomes.iter().filter(|(s, o)| s == expected.0 && o == expected.1).count() >= 1,
            "{expected:?} in {outcomes:?}"
        );
    }
    // The expired medium's real holder learns why.
    assert_eq!(relay.authenticate("media", "EXPIRED", &expiring).await.code(), "media_expired");
}

/// Issue 13, item 4: JSON endpoints take only `application/json`, so a cross-site "simple"
/// request (form or text/plain, sent by browsers without a CORS preflight) never reaches one.
#[tokio::test]
async fn json_endpoints_refuse_other_content_types() {
    let (relay, token) = relay_with_media(vec![]).await;
    let body = json!({"kind": "media", "id": "M1"}).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let mut call = relay.call("POST", "/api/v1/auth/challenge").body(body.clone());
        if let Some(content_type) = content_type {
            call = call.header("content-type", content_type);
        }
        let reply = call.send().await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type:?}");
        assert_eq!(reply.code(), "unsupported_media_type");
    }
    let status = relay
        .call("POST", "/api/v1/status")
        .bearer(&token)
        .header("content-type", "text/plain")
        .body(status_body("m", "s").to_string())
        .send()
        .await;
    assert_eq!(status.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let publish = relay
        .call("PUT", "/api/v1/admin/config")
        .admin()
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await;
    assert_eq!(publish.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let charset = relay
        .call("POST", "/api/v1/auth/challenge")
        .header("content-type", "Application/JSON; charset=utf-8")
        .body(body)
        .send()
        .await;
    assert_eq!(charset.status, StatusCode::OK, "{}", charset.text());
}

#[tokio::test]
async fn tampered_and_foreign_tokens_are_refused() {
    let (relay, token) = relay_with_media(vec![]).await;
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &tampered, None).await.code(),
        "token_invalid"
    );
    let other = Relay::with(|config| config.token_key = Some(b"another relay".to_vec()));
    seed_view(&other, &sample_view(vec![]));
    assert_eq!(other.client("GET", "/api/v1/policy", &token, None).await.code(), "token_invalid");
    assert_eq!(
        relay.client("GET", "/api/v1/policy", ADMIN_TOKEN, None).await.code(),
        "token_invalid"
    );
}

// ---- policy ----

#[tokio::test]
async fn policy_serves_only_deployments_that_allow_internet_and_media() {
    let bytes = b"image bytes";
    let (relay, token) = relay_with_media(vec![file("sources/install.wim", bytes)]).await;
    let reply = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let deployments = reply.json["deployments"].as_array().unwrap();
    assert_eq!(deployments.len(), 1, "DEP-HIDDEN is not served");
    let policy = &deployments[0];
    assert_eq!(policy["deployment_id"], "DEP1");
    assert_eq!(policy["config_version"], 1);
    assert_eq!(policy["task_sequence"]["name"], "Win11");
    assert_eq!(
        policy["content"][0]["files"][0],
        json!({"path": "sources/install.wim", "size": bytes.len(), "sha256": sha256_hex(bytes)})
    );
    assert_eq!(policy["content"][0]["locations_url"], "/api/v1/content/PKG1/locations");
    assert_eq!(
        policy["variables"][0],
        json!({"name": "OSDComputerName", "value": "PC-DEFAULT", "device_specific": false, "secret": false})
    );

    let hidden = relay.client("GET", "/api/v1/policy?deployment=DEP-HIDDEN", &token, None).await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN);
    assert_eq!(hidden.code(), "deployment_not_served");
    assert!(hidden.json["message"].as_str().unwrap().contains("internet"));
    let foreign = relay.client("GET", "/api/v1/policy?deployment=DEP9", &token, None).await;
    assert_eq!(foreign.code(), "deployment_not_allowed");
}

const ALICE_GUID: &str = "4C4C4544-0042-3510-8052-B4C04F4B4E31";

/// The sample view with a secret variable for DEP1 and one for Alice's device.
fn view_with_secrets() -> osdgate_relay::app::view::RelayView {
    let mut view = sample_view(vec![]);
    let secret = |name: &str, value: &str| osdgate_model::api::PolicyVariable {
        name: name.into(),
        value: value.into(),
        device_specific: false,
        secret: true,
    };
    view.deployments[0].variables.push(secret("DomainJoinPassword", "hunter2"));
    view.deployments[0].devices[0].variables.push(secret("BitLockerPin", "4711"));
    view
}

fn variables(reply: &support::Reply) -> Vec<(String, String)> {
    reply.json["deployments"][0]["variables"]
        .as_array()
        .unwrap_or_else(|| panic!("no variables: {}", reply.text()))
        .iter()
        .map(|v| (v["name"].as_str().unwrap().into(), v["value"].as_str().unwrap().into()))
        .collect()
}

fn value_of<'v>(variables: &'v [(String, String)], name: &str) -> Option<&'v str> {
    variables.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Issue 13, item 2: a media token gets no device-specific variables, whatever identity the
/// query names; a device token gets exactly its own device's, whatever the query names.
#[tokio::test]
async fn a_device_token_cannot_select_another_devices_variables() {
    let relay = Relay::new();
    seed_view(&relay, &view_with_secrets());
    let media_key = relay.seed_media("M1", &["DEP1"]);
    let media_token = relay.media_token("M1", &media_key).await;
    for query in ["", "?smbios_guid=4c4c4544-0042-3510-8052-b4c04f4b4e31", "?mac=AA-BB-CC-DD-EE-01"]
    {
        let reply =
            relay.client("GET", &format!("/api/v1/policy{query}"), &media_token, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let served = variables(&reply);
        assert_eq!(value_of(&served, "OSDComputerName"), Some("PC-DEFAULT"), "media token {query}");
        assert!(
            reply.json["deployments"][0]["variables"]
                .as_array()
                .unwrap()
                .iter()
                .all(|v| v["device_specific"] == false && v["secret"] == false),
            "{}",
            reply.text()
        );
    }
    // Mallory registers her own device, then names Alice's identity in the query.
    let mallory = relay
        .register_device(
            "M1",
            &media_token,
            &signing_key("mallory"),
            json!({"mac": "AA:BB:CC:DD:EE:66"}),
        )
        .await;
    assert_eq!(mallory.status, StatusCode::CREATED, "{}", mallory.text());
    let mallory_token = mallory.json["token"]["token"].as_str().unwrap().to_owned();
    for query in [
        "",
        "?smbios_guid=4C4C4544-0042-3510-8052-B4C04F4B4E31",
        "?mac=AA:BB:CC:DD:EE:01&smbios_guid=4C4C4544-0042-3510-8052-B4C04F4B4E31",
    ] {
        let reply =
            relay.client("GET", &format!("/api/v1/policy{query}"), &mallory_token, None).await;
        assert_eq!(value_of(&variables(&reply), "OSDComputerName"), Some("PC-DEFAULT"), "{query}");
    }
    // Alice's own device token gets Alice's variables, whatever it names.
    let alice = relay
        .register_device(
            "M1",
            &media_token,
            &signing_key("alice"),
            json!({"smbios_guid": ALICE_GUID.to_lowercase()}),
        )
        .await;
    let alice_token = alice.json["token"]["token"].as_str().unwrap().to_owned();
    let reply =
        relay.client("GET", "/api/v1/policy?mac=AA:BB:CC:DD:EE:66", &alice_token, None).await;
    let served = variables(&reply);
    assert_eq!(value_of(&served, "OSDComputerName"), Some("PC-ALICE"));
    assert_eq!(value_of(&served, "Locale"), Some("en-US"));
}

/// Issue 13, item 2: a hardware identity is self-asserted, so secrets wait for the admin's
/// approval: neither a media token nor a pending device gets one.
#[tokio::test]
async fn secret_variables_reach_only_an_approved_device() {
    let relay = Relay::new();
    seed_view(&relay, &view_with_secrets());
    let media_key = relay.seed_media("M1", &["DEP1"]);
    let media_token = relay.media_token("M1", &media_key).await;
    let media_view = variables(&relay.client("GET", "/api/v1/policy", &media_token, None).await);
    assert_eq!(value_of(&media_view, "DomainJoinPassword"), None);
    let alice = relay
        .register_device(
            "M1",
            &media_token,
            &signing_key("alice"),
            json!({"smbios_guid": ALICE_GUID}),
        )
        .await;
    let device_id = alice.json["device_id"].as_str().unwrap().to_owned();
    let token = alice.json["token"]["token"].as_str().unwrap().to_owned();
    let pending = variables(&relay.client("GET", "/api/v1/policy", &token, None).await);
    assert_eq!(value_of(&pending, "OSDComputerName"), Some("PC-ALICE"));
    assert_eq!(value_of(&pending, "DomainJoinPassword"), None, "pending: no secret");
    assert_eq!(value_of(&pending, "BitLockerPin"), None, "pending: not even its own device's");
    let approved = relay.approve_device(&device_id).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
    assert_eq!(approved.json["state"], "approved");
    let served = variables(&relay.client("GET", "/api/v1/policy", &token, None).await);
    assert_eq!(value_of(&served, "DomainJoinPassword"), Some("hunter2"));
    assert_eq!(value_of(&served, "BitLockerPin"), Some("4711"));
}

/// Issue 13, item 2: an identity bound to a live device's key cannot be claimed with another key;
/// the attempt is refused and shown to the admin under the device whose identity was claimed.
#[tokio::test]
async fn a_claimed_identity_bound_to_another_key_is_refused_and_shown_to_the_admin() {
    let (relay, media_token) = relay_with_media(vec![]).await;
    let alice = relay
        .register_device(
            "M1",
            &media_token,
            &signing_key("alice"),
            json!({"smbios_guid": ALICE_GUID, "mac": "AA:BB:CC:DD:EE:01"}),
        )
        .await;
    let alice_id = alice.json["device_id"].as_str().unwrap().to_owned();
    for claim in [
        json!({"smbios_guid": ALICE_GUID.to_lowercase()}),
        json!({"mac": "aa-bb-cc-dd-ee-01"}),
        json!({"smbios_guid": "4C4C4544-0000-0000-0000-000000000000", "mac": "AA:BB:CC:DD:EE:01"}),
    ] {
        let reply =
            relay.register_device("M1", &media_token, &signing_key("mallory"), claim.clone()).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{claim}: {}", reply.text());
        assert_eq!(reply.code(), "device_identity_in_use");
        assert!(reply.json.get("token").is_none());
    }
    let events = relay
        .admin("GET", &format!("/api/v1/admin/auth-events?kind=device&subject={alice_id}"), None)
        .await;
    let outcomes: Vec<&str> = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["device_identity_in_use"; 3]);
    let devices = relay.admin("GET", "/api/v1/admin/devices", None).await;
    assert_eq!(devices.json.as_array().unwrap().len(), 1, "nothing registered for the claims");
    // Once the admin revokes the old device, its identity may be registered with a new key.
    revoke_device(&relay, &alice_id).await;
    let reinstalled = relay
        .register_device(
            "M1",
            &media_token,
            &signing_key("alice-new"),
            json!({"smbios_guid": ALICE_GUID}),
        )
        .await;
    assert_eq!(reinstalled.status, StatusCode::CREATED, "{}", reinstalled.text());
}

/// Issue 13, item 3: registration proves possession of the device key.
#[tokio::test]
async fn registration_without_proof_of_possession_gets_no_token() {
    let (relay, media_token) = relay_with_media(vec![]).await;
    let key = signing_key("device-1");
    let public_key = b64(key.verifying_key().as_bytes());
    let bare = json!({"mac": "AA:BB:CC:DD:EE:10", "public_key": public_key});
    let refused = relay.client("POST", "/api/v1/devices", &media_token, Some(bare.clone())).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.code(), "possession_proof_required");
    assert_eq!(relay.admin("GET", "/api/v1/admin/devices", None).await.json, json!([]));
    // The real device registers with its proof...
    let registered =
        relay.register_device("M1", &media_token, &key, json!({"mac": "AA:BB:CC:DD:EE:10"})).await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.text());
    // ...and re-posting its (now known) public key without the proof gets nothing.
    let replayed = relay.client("POST", "/api/v1/devices", &media_token, Some(bare)).await;
    assert_eq!(replayed.code(), "possession_proof_required");
    assert!(replayed.json.get("token").is_none());
    // A proof by another key, a reused nonce, another medium's nonce: refused.
    let nonce = |token: &str| {
        let token = token.to_owned();
        let relay = &relay;
        async move {
            relay.client("POST", "/api/v1/devices/nonce", &token, None).await.json["nonce"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let n1 = nonce(&media_token).await;
    let wrong_signer = signing_key("mallory");
    let message =
        osdgate_model::api::registration_message("M1", &n1, key.verifying_key().as_bytes());
    let body = |nonce: &str, signature: Vec<u8>| json!({"mac": "AA:BB:CC:DD:EE:10", "public_key": public_key, "nonce": nonce, "signature": b64(&signature)});
    let forged = relay
        .client(
            "POST",
            "/api/v1/devices",
            &media_token,
            Some(body(&n1, wrong_signer.sign(&message).to_bytes().to_vec())),
        )
        .await;
    assert_eq!(forged.code(), "signature_invalid");
    let reused = relay
        .client(
            "POST",
            "/api/v1/devices",
            &media_token,
            Some(body(&n1, key.sign(&message).to_bytes().to_vec())),
        )
        .await;
    assert_eq!(reused.code(), "nonce_replayed");
    let other_key = relay.seed_media("M2", &["DEP1"]);
    let other_token = relay.media_token("M2", &other_key).await;
    let foreign = nonce(&other_token).await;
    let message =
        osdgate_model::api::registration_message("M1", &foreign, key.verifying_key().as_bytes());
    let crossed = relay
        .client(
            "POST",
            "/api/v1/devices",
            &media_token,
            Some(body(&foreign, key.sign(&message).to_bytes().to_vec())),
        )
        .await;
    assert_eq!(crossed.code(), "nonce_mismatch");
    // A challenge answer is never a registration proof (domain separation).
    let n2 = nonce(&media_token).await;
    let challenge_text =
        osdgate_model::api::challenge_message(osdgate_model::api::SubjectKind::Media, "M1", &n2);
    let confused = relay
        .client(
            "POST",
            "/api/v1/devices",
            &media_token,
            Some(body(&n2, key.sign(challenge_text.as_bytes()).to_bytes().to_vec())),
        )
        .await;
    assert_eq!(confused.code(), "signature_invalid");
    assert_eq!(
        relay.admin("GET", "/api/v1/admin/devices", None).await.json.as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn policy_before_any_publish_is_a_clear_404() {
    let relay = Relay::new();
    seed_view(&relay, &sample_view(vec![]));
    let key = relay.seed_media("M1", &["DEP1"]);
    let token = relay.media_token("M1", &key).await;
    let served = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(served.status, StatusCode::OK, "{}", served.text());
    // Emptied behind this relay's back (another isolate, a reset): seen once the kept pointer to
    // the latest version is older than CLIENT_CACHE_SECONDS.
    osdgate_relay::app::Database::query(&*relay.db, "DELETE FROM config_versions", &[])
        .await
        .unwrap();
    let still = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(still.status, StatusCode::OK, "within the cache time the kept view serves");
    relay.advance(osdgate_relay::app::DEFAULT_CLIENT_CACHE_MS);
    let reply = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(reply.code(), "no_configuration");
}

/// A revocation written by another isolate reaches this one within CLIENT_CACHE_SECONDS; one made
/// through this isolate takes effect on the very next request.
#[tokio::test]
async fn revocations_from_other_isolates_apply_within_the_client_cache_time() {
    let (relay, token) = relay_with_media(vec![]).await;
    assert_eq!(relay.client("GET", "/api/v1/policy", &token, None).await.status, StatusCode::OK);
    osdgate_relay::app::Database::execute(
        &*relay.db,
        "UPDATE media SET revoked_at = 1 WHERE media_id = 'M1'",
        &[],
    )
    .await
    .unwrap();
    relay.advance(osdgate_relay::app::DEFAULT_CLIENT_CACHE_MS - 1);
    assert_eq!(relay.client("GET", "/api/v1/policy", &token, None).await.status, StatusCode::OK);
    relay.advance(1);
    let refused = relay.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(refused.code(), "media_revoked");

    let strict = Relay::with(|config| config.client_cache_ms = 0);
    seed_view(&strict, &sample_view(vec![]));
    let key = strict.seed_media("M1", &["DEP1"]);
    let token = strict.media_token("M1", &key).await;
    assert_eq!(strict.client("GET", "/api/v1/policy", &token, None).await.status, StatusCode::OK);
    osdgate_relay::app::Database::execute(
        &*strict.db,
        "UPDATE media SET revoked_at = 1 WHERE media_id = 'M1'",
        &[],
    )
    .await
    .unwrap();
    let refused = strict.client("GET", "/api/v1/policy", &token, None).await;
    assert_eq!(refused.code(), "media_revoked", "CLIENT_CACHE_SECONDS = 0 checks every request");
}

// ---- content location ----

#[tokio::test]
async fn content_location_follows_the_clients_boundary_group() {
    let (relay, token) = relay_with_media(vec![]).await;
    let ask = |ip: &'static str, content: &'static str| {
        let token = token.clone();
        let relay = &relay;
        async move {
            relay
                .call("GET", &format!("/api/v1/content/{content}/locations"))
                .bearer(&token)
                .from(ip)
                .send()
                .await
        }
    };
    let inside = ask("10.1.4.5", "PKG1").await;
    assert_eq!(inside.status, StatusCode::OK, "{}", inside.text());
    assert_eq!(inside.json["boundary_groups"], json!(["office"]));
    let ids: Vec<&str> = inside.json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["gw", "dp1"], "prefer cloud puts the gateway first");
    assert_eq!(inside.json["sources"][0]["url"], "https://relay.example/api/v1/content/PKG1/");
    let outside = ask("198.51.100.1", "PKG1").await;
    let ids: Vec<&str> = outside.json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["gw"]);
    let outside_not_on_gateway = ask("198.51.100.1", "PKG2").await;
    assert_eq!(outside_not_on_gateway.json["sources"], json!([]));
    let not_referenced = ask("10.1.4.5", "PKG9").await;
    assert_eq!(not_referenced.code(), "content_not_allowed");
}

// ---- content upload and download ----

fn pattern(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8 ^ (i >> 12) as u8).collect()
}

#[tokio::test]
async fn single_upload_is_hash_checked_and_served_with_ranges_and_etags() {
    let bytes = pattern(100_000);
    let sha = sha256_hex(&bytes);
    let (relay, token) = relay_with_media(vec![file("sources/install.wim", &bytes)]).await;
    let path = "/api/v1/content/PKG1/files/sources/install.wim";
    let not_yet = relay.client("GET", path, &token, None).await;
    assert_eq!(not_yet.code(), "content_not_uploaded");

    let upload = |body: Vec<u8>, sha: String| {
        relay.call("PUT", &format!("/api/v1/admin/blobs/{sha}")).admin().body(body).send()
    };
    let mut corrupted = bytes.clone();
    corrupted[5] ^= 1;
    let refused = upload(corrupted, sha.clone()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.code(), "sha256_mismatch");
    assert!(relay.blobs.objects.lock().unwrap().is_empty(), "nothing stored on mismatch");
    let bad_hash = upload(bytes.clone(), "xyz".into()).await;
    assert_eq!(bad_hash.code(), "invalid_sha256");
    let stored = upload(bytes.clone(), sha.to_uppercase()).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text());
    assert_eq!(stored.json["size"], 100_000);
    let again = upload(vec![], sha.clone()).await;
    assert_eq!(again.status, StatusCode::OK, "already complete: stored once");
    let record = relay.admin("GET", &format!("/api/v1/admin/blobs/{sha}"), None).await;
    assert_eq!(record.json["sha256"], sha);

    let full = relay.client("GET", path, &token, None).await;
    assert_eq!(full.status, StatusCode::OK);
    assert_eq!(&full.bytes[..], &bytes[..]);
    let etag = format!("\"{sha}\"");
    assert_eq!(full.header("etag"), Some(etag.as_str()));
    assert_eq!(full.header("x-osdgate-sha256"), Some(sha.as_str()));
    assert_eq!(full.header("accept-ranges"), Some("bytes"));
    assert_eq!(full.header("content-length"), Some("100000"));

    let get = |headers: Vec<(&'static str, String)>, method: &'static str| {
        let mut call = relay.call(method, path).bearer(&token);
        for (name, value) in headers {
            call = call.header(name, &value);
        }
        call.send()
    };
    let middle = get(vec![("range", "bytes=50000-".into())], "GET").await;
    assert_eq!(middle.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(middle.header("content-range"), Some("bytes 50000-99999/100000"));
    assert_eq!(&middle.bytes[..], &bytes[50_000..]);
    let suffix = get(vec![("range", "bytes=-10".into())], "GET").await;
    assert_eq!(&suffix.bytes[..], &bytes[99_990..]);
    let beyond = get(vec![("range", "bytes=100000-".into())], "GET").await;
    assert_eq!(beyond.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(beyond.header("content-range"), Some("bytes */100000"));
    let cached = get(vec![("if-none-match", etag.clone())], "GET").await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert!(cached.bytes.is_empty());
    let same = get(vec![("range", "bytes=0-9".into()), ("if-range", etag.clone())], "GET").await;
    assert_eq!(same.status, StatusCode::PARTIAL_CONTENT);
    let changed =
        get(vec![("range", "bytes=0-9".into()), ("if-range", "\"other\"".into())], "GET").await;
    assert_eq!(changed.status, StatusCode::OK, "If-Range mismatch sends the whole object");
    assert_eq!(changed.bytes.len(), 100_000);
    let head = get(vec![], "HEAD").await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("content-length"), Some("100000"));
    assert!(head.bytes.is_empty());
    let data = relay.admin("GET", &format!("/api/v1/admin/blobs/{sha}/data"), None).await;
    assert_eq!(&data.bytes[..], &bytes[..]);
}

#[tokio::test]
async fn content_is_served_only_when_referenced_distributed_and_listed() {
    let bytes = b"driver".to_vec();
    let (relay, token) = relay_with_media(vec![file("a.cab", &bytes)]).await;
    let no_traversal =
        relay.client("GET", "/api/v1/content/PKG1/files/../../blobs/x", &token, None).await;
    assert_eq!(no_traversal.code(), "file_not_found");
    let no_listing = relay.client("GET", "/api/v1/content/PKG1/files/", &token, None).await;
    assert_ne!(no_listing.status, StatusCode::OK);
    let not_here = relay.client("GET", "/api/v1/content/PKG2/files/x", &token, None).await;
    assert_eq!(not_here.code(), "content_not_distributed");
    let foreign = relay.client("GET", "/api/v1/content/PKG9/files/x", &token, None).await;
    assert_eq!(foreign.code(), "content_not_allowed");
    let anonymous = relay.anonymous("GET", "/api/v1/content/PKG1/files/a.cab", None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // A medium allowed only the hidden deployment gets nothing, even for content it references.
    let key = relay.seed_media("M3", &["DEP-HIDDEN"]);
    let hidden = relay.media_token("M3", &key).await;
    let reply = relay.client("GET", "/api/v1/content/PKG1/files/a.cab", &hidden, None).await;
    assert_eq!(reply.code(), "content_not_allowed");
}

#[tokio::test]
async fn multipart_upload_becomes_visible_only_when_complete_and_verified() {
    let part = osdgate_relay::app::blobs::PART_SIZE as usize;
    let bytes = pattern(part * 2 + 12_345);
    let sha = sha256_hex(&bytes);
    let (relay, token) = relay_with_media(vec![file("big.wim", &bytes)]).await;
    let started = relay
        .admin(
            "POST",
            &format!("/api/v1/admin/blobs/{sha}/uploads"),
            Some(json!({"size": bytes.len()})),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
    assert_eq!(started.json["part_count"], 3);
    let upload_id = started.json["upload_id"].as_str().unwrap().to_owned();
    let put_part = |n: usize, body: Vec<u8>| {
        relay
            .call("PUT", &format!("/api/v1/admin/blobs/{sha}/uploads/{upload_id}/parts/{n}"))
            .admin()
            .body(body)
            .send()
    };
    let complete_path = format!("/api/v1/admin/blobs/{sha}/uploads/{upload_id}/complete");
    let complete = || relay.admin("POST", &complete_path, None);
    let short = put_part(1, bytes[..100].to_vec()).await;
    assert_eq!(short.code(), "invalid_part_size");
    let zero = put_part(0, vec![]).await;
    assert_eq!(zero.code(), "invalid_part_number");
    let four = put_part(4, vec![]).await;
    assert_eq!(four.code(), "invalid_part_number");
    // Parts in any order; part 3 is the short last one.
    let third = put_part(3, bytes[2 * part..].to_vec()).await;
    assert_eq!(third.status, StatusCode::OK, "{}", third.text());
    assert_eq!(third.json["sha256"], sha256_hex(&bytes[2 * part..]));
    put_part(1, bytes[..part].to_vec()).await;
    let incomplete = complete().await;
    assert_eq!(incomplete.code(), "upload_incomplete");
    assert!(incomplete.json["message"].as_str().unwrap().contains('2'));
    let invisible = relay.client("GET", "/api/v1/content/PKG1/files/big.wim", &token, None).await;
    assert_eq!(invisible.code(), "content_not_uploaded");
    put_part(2, bytes[part..2 * part].to_vec()).await;
    let done = complete().await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text());
    let range = relay
        .call("GET", "/api/v1/content/PKG1/files/big.wim")
        .bearer(&token)
        .header("range", &format!("bytes={}-", part + 7))
        .send()
        .await;
    assert_eq!(range.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(&range.bytes[..], &bytes[part + 7..]);
    let gone = complete().await;
    assert_eq!(gone.code(), "upload_not_found");
    let exists = relay
        .admin("POST", &format!("/api/v1/admin/blobs/{sha}/uploads"), Some(json!({"size": 5})))
        .await;
    assert_eq!(exists.code(), "blob_exists");
}

/// In the worker, R2 answers with the runtime's own stream; the response must carry it untouched
/// (an extension, no axum body) while an upload's completion still hashes the bytes in Rust.
#[tokio::test]
async fn downloads_hand_the_runtimes_stream_to_the_response_untouched() {
    let part = osdgate_relay::app::blobs::PART_SIZE as usize;
    let bytes = pattern(part + 4_321);
    let sha = sha256_hex(&bytes);
    let (relay, token) = relay_with_media(vec![file("big.wim", &bytes)]).await;
    relay.blobs.runtime_bodies.store(true, std::sync::atomic::Ordering::SeqCst);
    let started = relay
        .admin(
            "POST",
            &format!("/api/v1/admin/blobs/{sha}/uploads"),
            Some(json!({"size": bytes.len()})),
        )
        .await;
    let upload_id = started.json["upload_id"].as_str().unwrap().to_owned();
    for (n, chunk) in [(1, &bytes[..part]), (2, &bytes[part..])] {
        let put = relay
            .call("PUT", &format!("/api/v1/admin/blobs/{sha}/uploads/{upload_id}/parts/{n}"))
            .admin()
            .body(chunk.to_vec())
            .send()
            .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text());
    }
    let done = relay
        .admin("POST", &format!("/api/v1/admin/blobs/{sha}/uploads/{upload_id}/complete"), None)
        .await;
    assert_eq!(
        done.status,
        StatusCode::CREATED,
        "hashed through the runtime body: {}",
        done.text()
    );

    let ranged = || {
        relay
            .call("GET", "/api/v1/content/PKG1/files/big.wim")
            .bearer(&token)
            .header("range", "bytes=100-")
            .build()
    };
    let raw = router(relay.state.clone()).oneshot(ranged()).await.unwrap();
    assert_eq!(raw.status(), StatusCode::PARTIAL_CONTENT);
    assert!(raw.extensions().get::<RuntimeBody>().is_some(), "the runtime's stream is carried");
    assert_eq!(raw.headers()["content-length"], (bytes.len() - 100).to_string().as_str());
    let own = raw.into_body().collect().await.unwrap().to_bytes();
    assert!(own.is_empty(), "no bytes pass through the relay's own body");
    let read = relay.send(ranged()).await;
    assert_eq!(&read.bytes[..], &bytes[100..]);
    let head = relay.call("HEAD", "/api/v1/content/PKG1/files/big.wim").bearer(&token).send().await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.bytes.is_empty());
}

#[tokio::test]
async fn multipart_upload_with_wrong_bytes_is_deleted_and_abort_forgets_it() {
    let bytes = pattern(1000);
    let sha = sha256_hex(b"something else");
    let relay = Relay::new();
    let started = relay
        .admin("POST", &format!("/api/v1/admin/blobs/{sha}/uploads"), Some(json!({"size": 1000})))
        .await;
    let upload_id = started.json["upload_id"].as_str().unwrap().to_owned();
    let reply = relay
        .call("PUT", &format!("/api/v1/admin/blobs/{sha}/uploads/{upload_id}/parts/1"))
        .admin()
        .body(bytes)
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let done = relay
        .admin("POST", &format!("/api/v1/admin/blobs/{sha}/uploads/{upload_id}/complete"), None)
        .await;
    assert_eq!(done.code(), "sha256_mismatch");
    assert!(relay.blobs.objects.lock().unwrap().is_empty());
    assert_eq!(
        relay.admin("GET", &format!("/api/v1/admin/blobs/{sha}"), None).await.code(),
        "blob_not_found"
    );

    let started = relay
        .admin("POST", &format!("/api/v1/admin/blobs/{sha}/uploads"), Some(json!({"size": 1000})))
        .await;
    let upload_id = started.json["upload_id"].as_str().unwrap().to_owned();
    let aborted = relay
        .admin("DELETE", &format!("/api/v1/admin/blobs/{sha}/uploads/{upload_id}"), None)
        .await;
    assert_eq!(aborted.status, StatusCode::NO_CONTENT);
    let gone = relay
        .admin("DELETE", &format!("/api/v1/admin/blobs/{sha}/uploads/{upload_id}"), None)
        .await;
    assert_eq!(gone.code(), "upload_not_found");
    let zero = relay
        .admin("POST", &format!("/api/v1/admin/blobs/{sha}/uploads"), Some(json!({"size": 0})))
        .await;
    assert_eq!(zero.code(), "invalid_size");
}

// ---- status ----

fn status_body(id: &str, step: &str) -> serde_json::Value {
    json!({"message_id": id, "deployment_id": "DEP1", "step": step, "state": "running", "progress": 40,
           "error_code": null, "log_excerpt": "Applying image", "smbios_guid": "4C4C4544-0042-3510-8052-B4C04F4B4E31"})
}

#[tokio::test]
async fn status_posts_are_idempotent_and_paged_by_cursor() {
    let (relay, token) = relay_with_media(vec![]).await;
    let first = relay
        .client("POST", "/api/v1/status", &token, Some(status_body("msg-1", "Apply OS")))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    assert_eq!(first.json["duplicate"], false);
    let again = relay
        .client("POST", "/api/v1/status", &token, Some(status_body("msg-1", "Apply OS")))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json["duplicate"], true);
    assert_eq!(again.json["sequence"], first.json["sequence"]);
    for n in 2..=5 {
        relay
            .client(
                "POST",
                "/api/v1/status",
                &token,
                Some(status_body(&format!("msg-{n}"), "step")),
            )
            .await;
    }
    let page = relay.admin("GET", "/api/v1/admin/status?deployment=DEP1&limit=3", None).await;
    assert_eq!(page.json["messages"].as_array().unwrap().len(), 3);
    assert_eq!(page.json["has_more"], true);
    assert_eq!(page.json["messages"][0]["media_id"], "M1");
    assert_eq!(page.json["messages"][0]["log_excerpt"], "Applying image");
    let cursor = page.json["next_cursor"].as_str().unwrap();
    let rest = relay
        .admin("GET", &format!("/api/v1/admin/status?deployment=DEP1&after={cursor}"), None)
        .await;
    let ids: Vec<&str> = rest.json["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["msg-4", "msg-5"]);
    assert_eq!(rest.json["has_more"], false);
    let cursor = rest.json["next_cursor"].as_str().unwrap();
    let empty = relay.admin("GET", &format!("/api/v1/admin/status?after={cursor}"), None).await;
    assert_eq!(empty.json["messages"], json!([]));
    assert_eq!(empty.json["next_cursor"], cursor, "polling keeps its place");
    let other = relay.admin("GET", "/api/v1/admin/status?deployment=DEP9", None).await;
    assert_eq!(other.json["messages"], json!([]));
    assert_eq!(
        relay.admin("GET", "/api/v1/admin/status?after=x", None).await.code(),
        "invalid_cursor"
    );
    assert_eq!(
        relay.admin("GET", "/api/v1/admin/status?limit=0", None).await.code(),
        "invalid_limit"
    );
}

/// The monitoring page polls the status messages and the devices with `If-None-Match`: an
/// unchanged list answers 304 with no body; a new message, a new device or an approval changes it.
#[tokio::test]
async fn polled_admin_lists_answer_not_modified_until_they_change() {
    let (relay, token) = relay_with_media(vec![]).await;
    relay.client("POST", "/api/v1/status", &token, Some(status_body("msg-1", "Apply OS"))).await;
    let poll = |path: &'static str, tag: Option<String>| {
        let relay = &relay;
        async move {
            let mut call = relay.call("GET", path).admin();
            if let Some(tag) = tag {
                call = call.header("If-None-Match", &tag);
            }
            call.send().await
        }
    };
    for path in ["/api/v1/admin/status?deployment=DEP1", "/api/v1/admin/devices"] {
        let first = poll(path, None).await;
        assert_eq!(first.status, StatusCode::OK, "{path}: {}", first.text());
        let tag = first.header("etag").expect("an ETag").to_owned();
        let again = poll(path, Some(tag.clone())).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.bytes.is_empty(), "{path}: a 304 has no body");
        assert_eq!(again.header("etag"), Some(tag.as_str()));
        let stale = poll(path, Some("\"stale\"".into())).await;
        assert_eq!(stale.status, StatusCode::OK, "{path}");
        assert_eq!(stale.json, first.json);
    }
    let status_tag = poll("/api/v1/admin/status?deployment=DEP1", None).await;
    let status_tag = status_tag.header("etag").unwrap().to_owned();
    relay.client("POST", "/api/v1/status", &token, Some(status_body("msg-2", "Setup"))).await;
    let changed = poll("/api/v1/admin/status?deployment=DEP1", Some(status_tag)).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.json["messages"][1]["message_id"], "msg-2");

    let devices = poll("/api/v1/admin/devices", None).await;
    let devices_tag = devices.header("etag").unwrap().to_owned();
    let registered = relay
        .register_device("M1", &token, &signing_key("d1"), json!({"mac": "AA:BB:CC:DD:EE:01"}))
        .await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.text());
    let after_registration = poll("/api/v1/admin/devices", Some(devices_tag)).await;
    assert_eq!(after_registration.status, StatusCode::OK);
    assert_eq!(after_registration.json[0]["state"], "pending");
    let pending_tag = after_registration.header("etag").unwrap().to_owned();
    let device_id = after_registration.json[0]["device_id"].as_str().unwrap().to_owned();
    let approved =
        relay.admin("POST", &format!("/api/v1/admin/devices/{device_id}/approve"), None).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
    let after_approval = poll("/api/v1/admin/devices", Some(pending_tag)).await;
    assert_eq!(after_approval.status, StatusCode::OK);
    assert_eq!(after_approval.json[0]["state"], "approved");
}

#[tokio::test]
async fn concurrent_status_posts_are_all_stored_exactly_once() {
    let (relay, token) = relay_with_media(vec![]).await;
    let relay = std::sync::Arc::new(relay);
    let mut tasks = Vec::new();
    for n in 0..40 {
        let relay = relay.clone();
        let token = token.clone();
        // Every message is sent twice, concurrently.
        for _ in 0..2 {
            let relay = relay.clone();
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                relay
                    .client(
                        "POST",
                        "/api/v1/status",
                        &token,
                        Some(status_body(&format!("c-{n}"), "step")),
                    )
                    .await
                    .status
            }));
        }
    }
    let mut created = 0;
    for task in tasks {
        let status = task.await.unwrap();
        assert!(status == StatusCode::CREATED || status == StatusCode::OK);
        created += usize::from(status == StatusCode::CREATED);
    }
    assert_eq!(created, 40);
    let page = relay.admin("GET", "/api/v1/admin/status?limit=500", None).await;
    assert_eq!(page.json["messages"].as_array().unwrap().len(), 40);
}

#[tokio::test]
async fn status_posts_are_validated() {
    let (relay, token) = relay_with_media(vec![]).await;
    let cases = [
        ("deployment_id", json!("DEP9"), "deployment_not_allowed"),
        ("message_id", json!(""), "invalid_id"),
        ("step", json!(""), "invalid_step"),
        ("progress", json!(101), "invalid_progress"),
        ("error_code", json!("x".repeat(65)), "invalid_error_code"),
        ("log_excerpt", json!("x".repeat(17 * 1024)), "log_excerpt_too_long"),
        ("smbios_guid", json!("nope"), "invalid_smbios_guid"),
    ];
    for (field, value, code) in cases {
        let mut body = status_body("v-1", "step");
        body[field] = value;
        let reply = relay.client("POST", "/api/v1/status", &token, Some(body)).await;
        assert_eq!(reply.code(), code, "{field}: {}", reply.text());
    }
    let reuse = relay.client("POST", "/api/v1/status", &token, Some(status_body("dup", "a"))).await;
    assert_eq!(reuse.status, StatusCode::CREATED);
    let key = relay.seed_media("M9", &["DEP1"]);
    let other_token = relay.media_token("M9", &key).await;
    let conflict =
        relay.client("POST", "/api/v1/status", &other_token, Some(status_body("dup", "a"))).await;
    assert_eq!(conflict.code(), "message_id_conflict");
}

// ---- devices ----

#[tokio::test]
async fn devices_register_renew_and_are_revocable() {
    let (relay, media_token) = relay_with_media(vec![]).await;
    let device_key = signing_key("device-1");
    let identity =
        json!({"smbios_guid": "4c4c4544-0042-3510-8052-b4c04f4b4e31", "mac": "aa-bb-cc-dd-ee-01"});
    let registered = relay.register_device("M1", &media_token, &device_key, identity.clone()).await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.text());
    let device_id = registered.json["device_id"].as_str().unwrap().to_owned();
    let device_token = registered.json["token"]["token"].as_str().unwrap().to_owned();
    assert_eq!(registered.json["token"]["kind"], "device");
    // The device token reads policy; its registered identity selects its variables.
    let policy = relay.client("GET", "/api/v1/policy", &device_token, None).await;
    assert_eq!(policy.json["deployments"][0]["variables"][0]["value"], "PC-ALICE");
    // Retrying the registration returns the same device.
    let retry = relay.register_device("M1", &media_token, &device_key, identity).await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(retry.json["device_id"], device_id.as_str());
    // A device token cannot register devices.
    let refused = relay
        .client("POST", "/api/v1/devices", &device_token, Some(json!({"mac": "AA:BB:CC:DD:EE:02", "public_key": b64(signing_key("d2").verifying_key().as_bytes())})))
        .await;
    assert_eq!(refused.code(), "media_token_required");
    let no_identity =
        relay.register_device("M1", &media_token, &signing_key("d3"), json!({})).await;
    assert_eq!(no_identity.code(), "device_identity_missing");

    // Renew: the old token stops working, the new one works.
    let renewed = relay.client("POST", "/api/v1/devices/self/token", &device_token, None).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.text());
    let new_token = renewed.json["token"].as_str().unwrap().to_owned();
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &device_token, None).await.code(),
        "token_revoked"
    );
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &new_token, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        relay.client("POST", "/api/v1/devices/self/token", &media_token, None).await.code(),
        "device_token_required"
    );

    // Challenge–response with the device key issues a device token too.
    // (A millisecond later, so it is the last of the device's tokens, which are listed by issue time.)
    relay.advance(1);
    let by_key = relay.authenticate("device", &device_id, &device_key).await;
    assert_eq!(by_key.status, StatusCode::OK, "{}", by_key.text());
    assert_eq!(by_key.json["kind"], "device");
    let key_token = by_key.json["token"].as_str().unwrap().to_owned();

    // Admin views.
    let devices = relay.admin("GET", "/api/v1/admin/devices", None).await;
    assert_eq!(devices.json[0]["smbios_guid"], "4C4C4544-0042-3510-8052-B4C04F4B4E31");
    assert_eq!(devices.json[0]["mac"], "AA:BB:CC:DD:EE:01");
    assert_eq!(devices.json[0]["media_id"], "M1");
    assert_eq!(devices.json[0]["state"], "pending");
    let tokens =
        relay.admin("GET", &format!("/api/v1/admin/devices/{device_id}/tokens"), None).await;
    let tokens = tokens.json.as_array().unwrap().clone();
    assert_eq!(tokens.len(), 4, "registration, retried registration, renewal, key challenge");
    assert!(
        !serde_json::to_string(&tokens).unwrap().contains(&new_token),
        "tokens are never shown"
    );
    // Revoke one token.
    let last = tokens.last().unwrap()["token_id"].as_str().unwrap().to_owned();
    let revoked =
        relay.admin("POST", &format!("/api/v1/admin/device-tokens/{last}/revoke"), None).await;
    assert!(revoked.json["revoked_at"].is_i64());
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &key_token, None).await.code(),
        "token_revoked"
    );
    assert_eq!(
        relay.admin("POST", "/api/v1/admin/device-tokens/nope/revoke", None).await.code(),
        "token_not_found"
    );
    // Revoke the device: every token and the key stop working.
    let revoked = revoke_device(&relay, &device_id).await;
    assert!(revoked.json["revoked_at"].is_i64());
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &new_token, None).await.code(),
        "device_revoked"
    );
    let login = relay.authenticate("device", &device_id, &device_key).await;
    assert_eq!(login.code(), "device_revoked");
    assert_eq!(
        relay.admin("GET", "/api/v1/admin/devices/nope/tokens", None).await.code(),
        "device_not_found"
    );
    // Status from a device token records the device.
    let second = relay
        .register_device(
            "M1",
            &media_token,
            &signing_key("device-2"),
            json!({"mac": "AA:BB:CC:DD:EE:09"}),
        )
        .await;
    let token2 = second.json["token"]["token"].as_str().unwrap();
    let device2 = second.json["device_id"].as_str().unwrap();
    relay.client("POST", "/api/v1/status", token2, Some(status_body("from-device", "done"))).await;
    let page = relay.admin("GET", &format!("/api/v1/admin/status?device={device2}"), None).await;
    assert_eq!(page.json["messages"][0]["message_id"], "from-device");
}

/// Device tokens follow the same rule as media: a revocation by another isolate applies within
/// CLIENT_CACHE_SECONDS, one through this isolate at once.
#[tokio::test]
async fn device_revocations_from_other_isolates_apply_within_the_client_cache_time() {
    let (relay, media_token) = relay_with_media(vec![]).await;
    let register = |name: &'static str, mac: &'static str| {
        let (relay, media_token) = (&relay, &media_token);
        async move {
            relay.register_device("M1", media_token, &signing_key(name), json!({"mac": mac})).await
        }
    };
    let first = register("device-a", "aa-bb-cc-dd-ee-0a").await;
    let first_token = first.json["token"]["token"].as_str().unwrap().to_owned();
    let second = register("device-b", "aa-bb-cc-dd-ee-0b").await;
    let second_id = second.json["device_id"].as_str().unwrap().to_owned();
    let second_token = second.json["token"]["token"].as_str().unwrap().to_owned();
    for token in [&first_token, &second_token] {
        assert_eq!(relay.client("GET", "/api/v1/policy", token, None).await.status, StatusCode::OK);
    }
    osdgate_relay::app::Database::execute(&*relay.db, "UPDATE devices SET revoked_at = 1", &[])
        .await
        .unwrap();
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &first_token, None).await.status,
        StatusCode::OK,
        "within the cache time"
    );
    let revoke = revoke_device(&relay, &second_id).await;
    assert_eq!(revoke.status, StatusCode::OK, "{}", revoke.text());
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &second_token, None).await.code(),
        "device_revoked",
        "revoked through this relay: at once"
    );
    relay.advance(osdgate_relay::app::DEFAULT_CLIENT_CACHE_MS);
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &first_token, None).await.code(),
        "device_revoked"
    );
}

// ---- device trust: a medium's end ends what it started ----

/// Register a device through `M1` and return (device ID, device token).
async fn pending_device(
    relay: &Relay,
    media_token: &str,
    name: &str,
    mac: &str,
) -> (String, String) {
    let reply =
        relay.register_device("M1", media_token, &signing_key(name), json!({"mac": mac})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    (
        reply.json["device_id"].as_str().unwrap().to_owned(),
        reply.json["token"]["token"].as_str().unwrap().to_owned(),
    )
}

/// Issue 13, item 1.
#[tokio::test]
async fn revoking_a_medium_stops_its_pending_devices_tokens_renewals_and_key_logins() {
    let (relay, media_token) = relay_with_media(vec![]).await;
    let (pending_id, pending_token) =
        pending_device(&relay, &media_token, "pending", "AA:BB:CC:DD:EE:20").await;
    let (approved_id, approved_token) =
        pending_device(&relay, &media_token, "approved", "AA:BB:CC:DD:EE:21").await;
    assert_eq!(relay.approve_device(&approved_id).await.json["state"], "approved");
    // Before: the pending device works, renews and logs in with its key.
    let renewed = relay.client("POST", "/api/v1/devices/self/token", &pending_token, None).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.text());
    let renewed_token = renewed.json["token"].as_str().unwrap().to_owned();
    assert!(
        renewed.json["expires_at"].as_i64().unwrap() <= relay.now() + 86_400_000,
        "never beyond the medium"
    );
    let login = relay.authenticate("device", &pending_id, &signing_key("pending")).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text());
    let login_token = login.json["token"].as_str().unwrap().to_owned();

    // The admin must say what happens to approved devices.
    let unsaid =
        relay.admin("POST", "/api/v1/admin/media/M1/revoke", Some(json!({"reason": "lost"}))).await;
    assert_eq!(unsaid.status, StatusCode::BAD_REQUEST, "{}", unsaid.text());
    assert!(unsaid.json["message"].as_str().unwrap().contains("approved_devices"));
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &renewed_token, None).await.status,
        StatusCode::OK
    );

    let revoked = relay
        .admin(
            "POST",
            "/api/v1/admin/media/M1/revoke",
            Some(json!({"reason": "lost", "approved_devices": "keep"})),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
    for token in [&renewed_token, &login_token] {
        let reply = relay.client("GET", "/api/v1/policy", token, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text());
        assert_eq!(reply.code(), "device_revoked");
        let renewal = relay.client("POST", "/api/v1/devices/self/token", token, None).await;
        assert_eq!(renewal.status, StatusCode::UNAUTHORIZED);
    }
    let key_login = relay.authenticate("device", &pending_id, &signing_key("pending")).await;
    assert_eq!(key_login.code(), "device_revoked");
    let devices = relay.admin("GET", "/api/v1/admin/devices", None).await;
    let state_of = |id: &str| {
        devices.json.as_array().unwrap().iter().find(|d| d["device_id"] == id).unwrap()["state"]
            .clone()
    };
    assert_eq!(state_of(&pending_id), "revoked");
    assert_eq!(state_of(&approved_id), "approved");
    // The approved device has an identity of its own: it keeps working and logging in.
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &approved_token, None).await.status,
        StatusCode::OK
    );
    let approved_login = relay.authenticate("device", &approved_id, &signing_key("approved")).await;
    assert_eq!(approved_login.status, StatusCode::OK, "{}", approved_login.text());

    // Asked explicitly, a second revoke takes the approved devices too.
    let all = relay
        .admin("POST", "/api/v1/admin/media/M1/revoke", Some(json!({"approved_devices": "revoke"})))
        .await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &approved_token, None).await.code(),
        "device_revoked"
    );
    assert_eq!(
        relay.authenticate("device", &approved_id, &signing_key("approved")).await.code(),
        "device_revoked"
    );
    assert_eq!(relay.approve_device(&pending_id).await.code(), "device_not_approvable");
}

/// Issue 13, item 1: an expired medium ends its pending devices (tokens, renewals, key logins);
/// approved devices live on.
#[tokio::test]
async fn an_expired_medium_ends_its_pending_devices_but_not_its_approved_ones() {
    let (relay, media_token) = relay_with_media(vec![]).await;
    let (pending_id, pending_token) =
        pending_device(&relay, &media_token, "pending", "AA:BB:CC:DD:EE:30").await;
    let (approved_id, _) =
        pending_device(&relay, &media_token, "approved", "AA:BB:CC:DD:EE:31").await;
    relay.approve_device(&approved_id).await;
    let approved_login = relay.authenticate("device", &approved_id, &signing_key("approved")).await;
    let approved_token = approved_login.json["token"].as_str().unwrap().to_owned();
    assert!(
        approved_login.json["expires_at"].as_i64().unwrap() > relay.now() + 86_400_000,
        "approved: a full-length token"
    );
    relay.advance(86_400_000); // the medium's expiry (see register_media)
    let reply = relay.client("GET", "/api/v1/policy", &pending_token, None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.code() == "token_expired" || reply.code() == "media_expired", "{}", reply.text());
    assert_eq!(
        relay.client("POST", "/api/v1/devices/self/token", &pending_token, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        relay.authenticate("device", &pending_id, &signing_key("pending")).await.code(),
        "media_expired"
    );
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &approved_token, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        relay.authenticate("device", &approved_id, &signing_key("approved")).await.status,
        StatusCode::OK
    );
}

/// Issue 13, item 1: a medium revoked through another isolate stops its pending devices here
/// within CLIENT_CACHE_SECONDS (the pending device's check reads the medium's cached row).
#[tokio::test]
async fn a_medium_revoked_elsewhere_stops_its_pending_devices_within_the_client_cache_time() {
    let (relay, media_token) = relay_with_media(vec![]).await;
    let (_, pending_token) =
        pending_device(&relay, &media_token, "pending", "AA:BB:CC:DD:EE:40").await;
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &pending_token, None).await.status,
        StatusCode::OK
    );
    osdgate_relay::app::Database::execute(
        &*relay.db,
        "UPDATE media SET revoked_at = 1 WHERE media_id = 'M1'",
        &[],
    )
    .await
    .unwrap();
    relay.advance(osdgate_relay::app::DEFAULT_CLIENT_CACHE_MS);
    let refused = relay.client("GET", "/api/v1/policy", &pending_token, None).await;
    assert_eq!(refused.code(), "media_revoked", "{}", refused.text());
}

#[tokio::test]
async fn media_that_approve_automatically_give_their_devices_an_identity_at_once() {
    let relay = Relay::new();
    seed_view(&relay, &view_with_secrets());
    let key = relay.seed_media_with("AUTO", &["DEP1"], relay.now() + 60_000, true);
    let created = relay.admin("GET", "/api/v1/admin/media/AUTO", None).await;
    assert_eq!(created.json["auto_approve"], true);
    let token = relay.media_token("AUTO", &key).await;
    let reply = relay
        .register_device(
            "AUTO",
            &token,
            &signing_key("auto-dev"),
            json!({"smbios_guid": ALICE_GUID}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert!(
        reply.json["token"]["expires_at"].as_i64().unwrap() > relay.now() + 60_000,
        "not bound to the medium"
    );
    let device_token = reply.json["token"]["token"].as_str().unwrap().to_owned();
    let device = &relay.admin("GET", "/api/v1/admin/devices", None).await.json[0];
    assert_eq!(device["state"], "approved");
    assert_eq!(device["approved_by"], "auto:AUTO");
    assert_eq!(
        value_of(
            &variables(&relay.client("GET", "/api/v1/policy", &device_token, None).await),
            "BitLockerPin"
        ),
        Some("4711")
    );
    relay
        .admin("POST", "/api/v1/admin/media/AUTO/revoke", Some(json!({"approved_devices": "keep"})))
        .await;
    assert_eq!(
        relay.client("GET", "/api/v1/policy", &device_token, None).await.status,
        StatusCode::OK
    );
}
