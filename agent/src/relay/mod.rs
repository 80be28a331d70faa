//! The relay client: trust (only what the medium carries), HTTP, and the authenticated session
//! (media challenge–response, device registration with proof of possession, token renewal).

mod client;
mod session;
mod trust;

pub use client::{RelayClient, RelayError};
pub use session::{
    ConnectError, ConnectOptions, ConnectRetry, DEVICE_FILE, PASSWORD_ATTEMPTS, PasswordSource,
    Session, open_media_key,
};
pub use trust::{RelayOrigin, RelayTrust, relay_trust};

/// Where the identity a device registers with comes from: [`crate::identity`].
pub use crate::identity::HardwareIdentity;
