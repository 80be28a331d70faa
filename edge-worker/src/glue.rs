//! The Cloudflare Worker entry point: binds the runtime's storage to [`crate::app::Storage`] and hands
//! every request to [`crate::app::router`]. No business logic lives here.

use std::sync::Arc;

use async_trait::async_trait;
use osdgate_model::api::{BindingKind, BindingStatus};
use tower_service::Service;
use worker::send::{SendFuture, SendWrapper};
use worker::{Context, Env, HttpRequest, event};

use crate::app::{AppState, Storage, router};

/// The binding names, as declared in `wrangler.toml`.
const D1_BINDING: &str = "DB";
const R2_BINDING: &str = "CONTENT";
const KV_BINDING: &str = "KV";

/// `SendWrapper` makes the runtime's handles usable from axum's `Send` futures: a Worker isolate
/// runs on one thread, so they never actually cross threads.
struct WorkerStorage {
    env: SendWrapper<Env>,
}

impl WorkerStorage {
    async fn probe_d1(&self) -> Result<(), String> {
        let db = self.env.d1(D1_BINDING).map_err(|e| e.to_string())?;
        db.prepare("SELECT 1").first::<serde_json::Value>(None).await.map_err(|e| e.to_string())?;
        Ok(())
    }

    async fn probe_r2(&self) -> Result<(), String> {
        let bucket = self.env.bucket(R2_BINDING).map_err(|e| e.to_string())?;
        bucket.head("osdgate-probe").await.map_err(|e| e.to_string())?;
        Ok(())
    }

    async fn probe_kv(&self) -> Result<(), String> {
        let kv = self.env.kv(KV_BINDING).map_err(|e| e.to_string())?;
        kv.get("osdgate-probe").text().await.map_err(|e| e.to_string())?;
        Ok(())
    }
}

fn status(name: &str, kind: BindingKind, result: Result<(), String>) -> BindingStatus {
    BindingStatus { name: name.to_owned(), kind, reachable: result.is_ok(), error: result.err() }
}

#[async_trait]
impl Storage for WorkerStorage {
    async fn probe(&self) -> Vec<BindingStatus> {
        SendFuture::new(async {
            vec![
                status(D1_BINDING, BindingKind::D1, self.probe_d1().await),
                status(R2_BINDING, BindingKind::R2, self.probe_r2().await),
                status(KV_BINDING, BindingKind::Kv, self.probe_kv().await),
            ]
        })
        .await
    }
}

#[event(fetch)]
async fn fetch(
    request: HttpRequest,
    env: Env,
    _ctx: Context,
) -> worker::Result<axum::http::Response<axum::body::Body>> {
    console_error_panic_hook::set_once();
    let state = AppState {
        build: Arc::from(crate::app::build_id()),
        storage: Arc::new(WorkerStorage { env: SendWrapper::new(env) }),
    };
    Ok(router(state).call(request).await?)
}
