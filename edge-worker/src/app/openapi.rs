//! The OpenAPI 3.1 description of the relay, generated from the request and response types of
//! `osdgate_model::api` (their `schemars` schemas), with every operation's security requirement.
//! Checked in at `edge-worker/openapi.json` (a native test fails when it is stale; regenerate with
//! `OSDGATE_UPDATE_OPENAPI=1 cargo test -p osdgate-relay --test openapi`) and served as is.

use axum::http::header;
use axum::response::IntoResponse;
use osdgate_model::api::*;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

pub const CHECKED_IN: &str = include_str!("../../openapi.json");

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], CHECKED_IN)
}

/// Who may call an operation. Every refusal of a missing, forged or wrong-kind credential is
/// declared as a response (401, and 403 where the token is valid but of the other client kind), so
/// the route sweep test can hold the relay to it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Security {
    None,
    Admin,
    /// A media token or a device token.
    Client,
    /// A media token only (a device token is refused with 403 `media_token_required`).
    Media,
    /// A device token only (a media token is refused with 403 `device_token_required`).
    Device,
}

type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

fn any_json(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "object", "description": "the configuration document (JSON Schema: `osdgate schema`)"})
}

fn bytes(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({"type": "string", "format": "binary"})
}

struct Operation {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    security: Security,
    request: Option<(&'static str, SchemaFn)>,
    response: (u16, &'static str, Option<SchemaFn>),
    query: &'static [(&'static str, &'static str)],
    headers: &'static [(&'static str, &'static str)],
}

const JSON: &str = "application/json";
const OCTETS: &str = "application/octet-stream";

fn operations() -> Vec<Operation> {
    use Security::*;
    let op = |method, path, summary, security, request, response| Operation {
        method,
        path,
        summary,
        security,
        request,
        response,
        query: &[],
        headers: &[],
    };
    vec![
        op(
            "get",
            "/api/v1/health",
            "The relay's identity and whether each storage binding answers",
            None,
            Option::None,
            (200, JSON, Some(schema::<Health> as SchemaFn)),
        ),
        op(
            "get",
            "/api/v1/noop",
            "Answers at once without storage (benchmark baseline)",
            None,
            Option::None,
            (204, JSON, Option::None),
        ),
        op(
            "get",
            "/api/v1/openapi.json",
            "This description",
            None,
            Option::None,
            (200, JSON, Option::None),
        ),
        op(
            "post",
            "/api/v1/auth/challenge",
            "Ask for a single-use nonce to sign with the media or device key",
            None,
            Some((JSON, schema::<ChallengeRequest>)),
            (200, JSON, Some(schema::<Challenge>)),
        ),
        op(
            "post",
            "/api/v1/auth/token",
            "Answer a challenge with an ed25519 signature; returns a bearer token",
            None,
            Some((JSON, schema::<TokenRequest>)),
            (200, JSON, Some(schema::<IssuedToken>)),
        ),
        Operation {
            query: &[("deployment", "one deployment ID")],
            ..op(
                "get",
                "/api/v1/policy",
                "The policies of the deployments the caller may run; a device token gets its own device's variables (secret ones only once approved), a media token none that are device-specific",
                Client,
                Option::None,
                (200, JSON, Some(schema::<PolicyResponse>)),
            )
        },
        Operation {
            headers: &[("CF-Connecting-IP", "the client's address, set by Cloudflare")],
            ..op(
                "get",
                "/api/v1/content/{content_id}/locations",
                "Ordered content sources for the caller's address",
                Client,
                Option::None,
                (200, JSON, Some(schema::<ContentLocations>)),
            )
        },
        Operation {
            headers: &[("Range", "bytes=a-b"), ("If-Range", "ETag"), ("If-None-Match", "ETag")],
            ..op(
                "get",
                "/api/v1/content/{content_id}/files/{path}",
                "One file of a content package (Range, ETag, SHA-256 header); HEAD too",
                Client,
                Option::None,
                (200, OCTETS, Some(bytes as SchemaFn)),
            )
        },
        op(
            "post",
            "/api/v1/status",
            "Post a status message (idempotent by message_id)",
            Client,
            Some((JSON, schema::<StatusPost>)),
            (201, JSON, Some(schema::<StatusAccepted>)),
        ),
        op(
            "post",
            "/api/v1/devices",
            "Register the device's key with proof of possession (a signature over registration_message with a nonce from /devices/nonce); returns a device token, pending until approved unless the medium approves automatically",
            Media,
            Some((JSON, schema::<RegisterDevice>)),
            (201, JSON, Some(schema::<DeviceRegistered>)),
        ),
        op(
            "post",
            "/api/v1/devices/nonce",
            "A single-use nonce for one device registration through this medium",
            Media,
            Option::None,
            (200, JSON, Some(schema::<RegistrationNonce>)),
        ),
        op(
            "post",
            "/api/v1/devices/self/token",
            "Renew a device token (the presented one is revoked; a pending device's token never outlives its medium)",
            Device,
            Option::None,
            (200, JSON, Some(schema::<IssuedToken>)),
        ),
        Operation {
            headers: &[("If-None-Match", "ETag")],
            ..op(
                "get",
                "/api/v1/admin/config",
                "The current configuration document, with its ETag",
                Admin,
                Option::None,
                (200, JSON, Some(any_json as SchemaFn)),
            )
        },
        Operation {
            headers: &[
                ("If-Match", "the current ETag; required once a version exists"),
                ("X-Osdgate-Actor", "who publishes"),
                ("X-Osdgate-Comment", "what changed"),
            ],
            ..op(
                "put",
                "/api/v1/admin/config",
                "Publish a configuration (refused with the preflight findings on errors)",
                Admin,
                Some((JSON, any_json)),
                (200, JSON, Some(schema::<Published>)),
            )
        },
        op(
            "get",
            "/api/v1/admin/config/history",
            "Every published version, newest first",
            Admin,
            Option::None,
            (200, JSON, Some(schema::<ConfigHistory>)),
        ),
        op(
            "get",
            "/api/v1/admin/config/versions/{version}",
            "One published version's document",
            Admin,
            Option::None,
            (200, JSON, Some(any_json as SchemaFn)),
        ),
        Operation {
            headers: &[("If-Match", "the current ETag")],
            ..op(
                "post",
                "/api/v1/admin/config/rollback",
                "Publish an older version again as the new current version",
                Admin,
                Some((JSON, schema::<Rollback>)),
                (200, JSON, Some(schema::<Published>)),
            )
        },
        op(
            "get",
            "/api/v1/admin/media",
            "Registered boot media",
            Admin,
            Option::None,
            (200, JSON, Some(schema::<Vec<MediaRecord>> as SchemaFn)),
        ),
        op(
            "post",
            "/api/v1/admin/media",
            "Register a built medium of the published document's medium (named by `medium`; its deployments come from the document, the media rules run, 422 preflight_failed with the findings otherwise): public key, media ID, expiry, creator",
            Admin,
            Some((JSON, schema::<RegisterMedia>)),
            (201, JSON, Some(schema::<MediaRecord>)),
        ),
        op(
            "get",
            "/api/v1/admin/media/{media_id}",
            "One medium",
            Admin,
            Option::None,
            (200, JSON, Some(schema::<MediaRecord>)),
        ),
        op(
            "post",
            "/api/v1/admin/media/{media_id}/revoke",
            "Revoke a medium and its pending devices, and its approved devices too when approved_devices is revoke (refused everywhere within CLIENT_CACHE_SECONDS)",
            Admin,
            Some((JSON, schema::<RevokeMedia>)),
            (200, JSON, Some(schema::<MediaRecord>)),
        ),
        Operation {
            query: &[
                ("kind", "media or device"),
                ("subject", "media or device ID"),
                ("after", "cursor"),
                ("limit", "1-500"),
            ],
            ..op(
                "get",
                "/api/v1/admin/auth-events",
                "Authentication attempts, accepted and refused",
                Admin,
                Option::None,
                (200, JSON, Some(schema::<AuthEventPage>)),
            )
        },
        Operation {
            headers: &[("If-None-Match", "ETag")],
            ..op(
                "get",
                "/api/v1/admin/devices",
                "Registered devices, with an ETag (304 while none changed)",
                Admin,
                Option::None,
                (200, JSON, Some(schema::<Vec<DeviceRecord>> as SchemaFn)),
            )
        },
        op(
            "get",
            "/api/v1/admin/devices/{device_id}/tokens",
            "A device's tokens (never the token values)",
            Admin,
            Option::None,
            (200, JSON, Some(schema::<Vec<DeviceTokenRecord>> as SchemaFn)),
        ),
        op(
            "post",
            "/api/v1/admin/devices/{device_id}/approve",
            "Approve a pending device: an identity of its own, secret variables (X-Osdgate-Actor names the admin)",
            Admin,
            Option::None,
            (200, JSON, Some(schema::<DeviceRecord>)),
        ),
        op(
            "post",
            "/api/v1/admin/devices/{device_id}/revoke",
            "Revoke a device and all its tokens (refused everywhere within CLIENT_CACHE_SECONDS)",
            Admin,
            Some((JSON, schema::<Revoke>)),
            (200, JSON, Some(schema::<DeviceRecord>)),
        ),
        op(
            "post",
            "/api/v1/admin/device-tokens/{token_id}/revoke",
            "Revoke one device token (refused everywhere within CLIENT_CACHE_SECONDS)",
            Admin,
            Option::None,
            (200, JSON, Some(schema::<DeviceTokenRecord>)),
        ),
        Operation {
            query: &[
                ("deployment", "deployment ID"),
                ("device", "device ID"),
                ("after", "cursor from the previous page"),
                ("limit", "1-500"),
            ],
            headers: &[("If-None-Match", "ETag")],
            ..op(
                "get",
                "/api/v1/admin/status",
                "Status messages, oldest first from the cursor, with an ETag (304 while nothing new arrived)",
                Admin,
                Option::None,
                (200, JSON, Some(schema::<StatusPage>)),
            )
        },
        op(
            "get",
            "/api/v1/admin/blobs/{sha256}",
            "A complete, verified blob",
            Admin,
            Option::None,
            (200, JSON, Some(schema::<BlobRecord>)),
        ),
        op(
            "put",
            "/api/v1/admin/blobs/{sha256}",
            "Upload a whole file (up to 16 MiB), SHA-256 checked",
            Admin,
            Some((OCTETS, bytes)),
            (201, JSON, Some(schema::<BlobRecord>)),
        ),
        op(
            "get",
            "/api/v1/admin/blobs/{sha256}/data",
            "A blob's bytes straight from R2",
            Admin,
            Option::None,
            (200, OCTETS, Some(bytes as SchemaFn)),
        ),
        op(
            "post",
            "/api/v1/admin/blobs/{sha256}/uploads",
            "Start a multipart upload",
            Admin,
            Some((JSON, schema::<StartUpload>)),
            (201, JSON, Some(schema::<UploadSession>)),
        ),
        op(
            "put",
            "/api/v1/admin/blobs/{sha256}/uploads/{upload_id}/parts/{part_number}",
            "Upload one part",
            Admin,
            Some((OCTETS, bytes)),
            (200, JSON, Some(schema::<PartReceived>)),
        ),
        op(
            "post",
            "/api/v1/admin/blobs/{sha256}/uploads/{upload_id}/complete",
            "Assemble, verify the SHA-256 and make the blob visible",
            Admin,
            Option::None,
            (201, JSON, Some(schema::<BlobRecord>)),
        ),
        op(
            "delete",
            "/api/v1/admin/blobs/{sha256}/uploads/{upload_id}",
            "Abort a multipart upload",
            Admin,
            Option::None,
            (204, JSON, Option::None),
        ),
    ]
}

/// The whole OpenAPI document.
pub fn document() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut generator = settings.into_generator();
    let error_ref = generator.subschema_for::<ErrorBody>();
    let mut paths = Map::new();
    for operation in operations() {
        let mut parameters = Vec::new();
        for segment in operation.path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                parameters.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}));
            }
        }
        for (name, description) in operation.query {
            parameters.push(json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}}));
        }
        for (name, description) in operation.headers {
            parameters.push(json!({"name": name, "in": "header", "required": false, "description": description, "schema": {"type": "string"}}));
        }
        let (status, media, body) = operation.response;
        let mut success = json!({"description": "success"});
        if let Some(body) = body {
            success["content"] = json!({ media: {"schema": body(&mut generator)} });
        }
        let mut responses = Map::new();
        responses.insert(status.to_string(), success);
        responses.insert("default".into(), json!({"description": "a refusal with a stable code", "content": {JSON: {"schema": error_ref}}}));
        if matches!(operation.request, Some((JSON, _))) {
            responses.insert("415".into(), json!({"description": "a body without `Content-Type: application/json` (`unsupported_media_type`)", "content": {JSON: {"schema": error_ref}}}));
        }
        let unauthorized = |what: &str| json!({"description": format!("no, a malformed, a forged or an expired credential, or {what} (`unauthorized`, `token_invalid`, `token_expired`, ...)"), "content": {JSON: {"schema": error_ref}}});
        let wrong_kind = |code: ErrorCode| json!({"description": format!("a valid token of the other client kind (`{code}`)"), "content": {JSON: {"schema": error_ref}}});
        let security = match operation.security {
            Security::None => json!([]),
            Security::Admin => {
                responses.insert("401".into(), unauthorized("any credential but the admin token"));
                json!([{"adminToken": []}])
            }
            Security::Client => {
                responses.insert("401".into(), unauthorized("the admin token"));
                json!([{"mediaToken": []}, {"deviceToken": []}])
            }
            Security::Media => {
                responses.insert("401".into(), unauthorized("the admin token"));
                responses.insert("403".into(), wrong_kind(ErrorCode::MediaTokenRequired));
                json!([{"mediaToken": []}])
            }
            Security::Device => {
                responses.insert("401".into(), unauthorized("the admin token"));
                responses.insert("403".into(), wrong_kind(ErrorCode::DeviceTokenRequired));
                json!([{"deviceToken": []}])
            }
        };
        let mut entry = json!({
            "summary": operation.summary,
            "operationId": format!("{}{}", operation.method, operation.path.replace(['/', '{', '}', '.', '-'], "_")),
            "security": security,
            "parameters": parameters,
            "responses": responses,
        });
        if let Some((media, request)) = operation.request {
            entry["requestBody"] = json!({"required": true, "content": { media: {"schema": request(&mut generator)} }});
        }
        let path = paths.entry(operation.path.to_owned()).or_insert_with(|| json!({}));
        path[operation.method] = entry;
    }
    let schemas: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "osdgate relay API",
            "version": osdgate_model::VERSION,
            "description": "The osdgate relay (gateway): admin API for the console and CLI, and the client API for boot media and devices. Every refusal is a JSON ErrorBody with a stable code.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer", "description": "the ADMIN_TOKEN secret"},
                "mediaToken": {"type": "http", "scheme": "bearer", "description": "a media token (POST /api/v1/auth/token with kind media)"},
                "deviceToken": {"type": "http", "scheme": "bearer", "description": "a device token (POST /api/v1/devices, /api/v1/devices/self/token, or /api/v1/auth/token with kind device)"},
            },
        },
    })
}
