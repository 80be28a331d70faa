//! `osdgate-model`: the one model crate that the console (wasm32), the relay (wasm32), the agent and
//! the CLI share.
//!
//! Invariant: nothing in this crate does I/O. Functions take bytes or values and return values, so the
//! same code runs in the browser, in the edge worker and natively.

pub mod api;
pub mod cmtrace;
pub mod hex;
pub mod locate;
pub mod media;
pub mod model;
pub mod monitor;
pub mod preflight;
pub mod tasksequence;
pub mod trust;
pub mod wim;

/// The product name, as the relay reports it in `GET /api/v1/health`.
pub const PRODUCT_NAME: &str = "osdgate";

/// The version of the model crate, which is the version of the whole workspace.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
