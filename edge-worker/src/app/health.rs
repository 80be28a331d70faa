use axum::Json;
use axum::extract::State;
use osdgate_model::api::Health;

use super::AppState;

/// `GET /api/v1/health`: the relay's identity and whether each storage binding answers.
pub(crate) async fn get_health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        name: osdgate_model::PRODUCT_NAME.to_owned(),
        version: osdgate_model::VERSION.to_owned(),
        build: state.build.to_string(),
        bindings: state.storage.probe().await,
    })
}
