//! Client credentials on client routes: a media or device token, checked against its medium's or
//! device's current state (from the per-isolate cache, else D1).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use osdgate_model::api::{ErrorCode, SubjectKind};

use super::bearer;
use crate::app::credentials::{DeviceTokenState, cached_media, load_device_token, token_key};
use crate::app::tokens::{self, Claims};
use crate::app::{ApiError, AppState};

/// A client authenticated by a media or device token, still valid (not expired, not revoked).
#[derive(Debug, Clone)]
pub struct ClientAuth {
    pub claims: Claims,
    /// For a device token: the device's state and identity as checked.
    pub device: Option<DeviceTokenState>,
    /// The published document's medium the caller's boot medium was built from (`None` for media
    /// registered before registrations named one): what it may run is checked against that
    /// medium in the current version (`RelayView::medium_refusal`).
    pub medium: Option<String>,
}

impl ClientAuth {
    pub fn may_read(&self, deployment_id: &str) -> bool {
        self.claims.deployments.iter().any(|d| d == deployment_id)
    }
    pub fn device_id(&self) -> Option<&str> {
        (self.claims.kind == SubjectKind::Device).then_some(self.claims.sub.as_str())
    }
}

impl FromRequestParts<AppState> for ClientAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)?;
        let now = state.clock.now_ms();
        let claims = tokens::verify(token_key(state)?, token, now)?;
        match claims.kind {
            SubjectKind::Media => {
                let media = cached_media(state, &claims.sub, now).await?;
                media.usable(now)?;
                Ok(ClientAuth { claims, device: None, medium: media.medium })
            }
            SubjectKind::Device => {
                let ttl = state.config.client_cache_ms;
                let device = match state.cache.device_tokens.get(&claims.tid, now, ttl) {
                    Some(device) => device,
                    None => {
                        let device = load_device_token(state, &claims.tid, &claims.sub)
                            .await
                            .inspect_err(|_| state.cache.device_tokens.forget(&claims.tid))?;
                        state.cache.device_tokens.keep(&claims.tid, now, device.clone());
                        device
                    }
                };
                if device.device_revoked {
                    return Err(ApiError::unauthorized(
                        ErrorCode::DeviceRevoked,
                        "this device has been revoked by an admin",
                    ));
                }
                if device.token_revoked {
                    return Err(ApiError::unauthorized(
                        ErrorCode::TokenRevoked,
                        "this device token has been revoked; authenticate with the device key again",
                    ));
                }
                if !device.approved {
                    // A pending device is its medium's: a medium's end ends it too (from the
                    // cache like a media token, so no extra D1 round trip on the hot path).
                    cached_media(state, &device.media_id, now)
                        .await?
                        .carries_pending_device(now)?;
                }
                let medium = device.medium.clone();
                Ok(ClientAuth { claims, device: Some(device), medium })
            }
        }
    }
}

/// A client route only a media token may call (device registration); a device token is refused
/// here, before the body is read.
#[derive(Debug, Clone)]
pub struct MediaClient(pub ClientAuth);

impl FromRequestParts<AppState> for MediaClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = ClientAuth::from_request_parts(parts, state).await?;
        if auth.claims.kind != SubjectKind::Media {
            return Err(ApiError::forbidden(
                ErrorCode::MediaTokenRequired,
                "devices register with the media token of the medium they booted from",
            ));
        }
        Ok(MediaClient(auth))
    }
}

/// A client route only a device token may call (renewal); a media token is refused here.
#[derive(Debug, Clone)]
pub struct DeviceClient(pub ClientAuth);

impl FromRequestParts<AppState> for DeviceClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = ClientAuth::from_request_parts(parts, state).await?;
        if auth.device.is_none() {
            return Err(ApiError::forbidden(
                ErrorCode::DeviceTokenRequired,
                "only a device token can be renewed",
            ));
        }
        Ok(DeviceClient(auth))
    }
}
