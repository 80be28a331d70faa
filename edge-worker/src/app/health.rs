use axum::Json;
use axum::extract::{Extension, State};
use osdgate_model::api::Health;

use super::{AppState, RequestId};

/// `GET /api/v1/health`: the relay's identity and whether each storage binding answers. Anyone may
/// ask, so a binding's failure is only named here; what failed goes to the log under the request ID.
pub(crate) async fn get_health(
    State(state): State<AppState>,
    Extension(id): Extension<RequestId>,
) -> Json<Health> {
    let mut bindings = state.storage.probe().await;
    for binding in &mut bindings {
        if let Some(detail) = binding.error.take() {
            state
                .log
                .error(&format!("request {id}: health: binding {} failed: {detail}", binding.name));
            binding.error =
                Some(format!("did not answer; the relay logged why under request ID {id}"));
        }
    }
    Json(Health {
        name: osdgate_model::PRODUCT_NAME.to_owned(),
        version: osdgate_model::VERSION.to_owned(),
        build: state.build.to_string(),
        bindings,
    })
}
