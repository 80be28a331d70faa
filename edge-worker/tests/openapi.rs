//! The checked-in OpenAPI description matches the types and routes.
#![cfg(not(target_arch = "wasm32"))]

#[test]
fn checked_in_openapi_json_is_current() {
    let generated =
        serde_json::to_string_pretty(&osdgate_relay::app::openapi::document()).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var_os("OSDGATE_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap();
    assert!(
        checked_in == generated,
        "edge-worker/openapi.json is stale; regenerate it with `OSDGATE_UPDATE_OPENAPI=1 cargo test -p osdgate-relay --test openapi`"
    );
}

#[test]
fn every_operation_declares_its_security_and_every_route_is_described() {
    let document = osdgate_relay::app::openapi::document();
    let paths = document["paths"].as_object().unwrap();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let security = operation["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} has no security"));
            let public = [
                "/api/v1/health",
                "/api/v1/noop",
                "/api/v1/openapi.json",
                "/api/v1/auth/challenge",
                "/api/v1/auth/token",
            ];
            if path.starts_with("/api/v1/admin/") {
                assert_eq!(
                    security,
                    &vec![serde_json::json!({"adminToken": []})],
                    "{method} {path}"
                );
            } else if public.contains(&path.as_str()) {
                assert!(security.is_empty(), "{method} {path}");
            } else {
                let media = serde_json::json!({"mediaToken": []});
                let device = serde_json::json!({"deviceToken": []});
                let expected = match path.as_str() {
                    "/api/v1/devices" | "/api/v1/devices/nonce" => vec![media],
                    "/api/v1/devices/self/token" => vec![device],
                    _ => vec![media, device],
                };
                assert_eq!(security, &expected, "{method} {path}");
            }
        }
    }
    assert!(document["components"]["schemas"]["StatusPost"].is_object());
}
