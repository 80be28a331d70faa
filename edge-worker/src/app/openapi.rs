//! The OpenAPI description (checked in at `edge-worker/openapi.json`).

use axum::http::header;
use axum::response::IntoResponse;

pub const CHECKED_IN: &str = include_str!("../../openapi.json");

pub async fn serve() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], CHECKED_IN)
}
