//! Request and response types of the relay's HTTP API (`/api/v1/...`), shared by the relay, the
//! console, the agent and the CLI so that both sides of every call agree on the wire format.

mod health;

pub use health::{BindingKind, BindingStatus, Health};

/// The path prefix of every relay API route.
pub const API_PREFIX: &str = "/api/v1";
