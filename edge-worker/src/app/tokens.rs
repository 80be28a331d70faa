//! Bearer tokens for media and devices: `osdgate.v1.<claims>.<mac>`, where `claims` is URL-safe
//! base64 of JSON and `mac` is HMAC-SHA-256 (RustCrypto `hmac`) over `osdgate.v1.<claims>` with the
//! relay's `TOKEN_SIGNING_KEY`. The token is only a signed, expiring statement; revocation is
//! checked against D1 on every use.

use hmac::{Hmac, Mac};
use osdgate_model::api::{ErrorCode, SubjectKind};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::ApiError;
use super::extract::{decode_base64, encode_base64url};

const PREFIX: &str = "osdgate.v1.";

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Media or device.
    pub kind: SubjectKind,
    /// The media ID or device ID.
    pub sub: String,
    /// Token ID (device tokens are recorded and revocable by it).
    pub tid: String,
    /// The media the subject came through (the media itself for media tokens).
    pub media: String,
    /// Deployments the bearer may read.
    pub deployments: Vec<String>,
    pub iat: i64,
    pub exp: i64,
}

fn mac(key: &[u8], signed: &str) -> Result<Hmac<Sha256>, ApiError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|_| ApiError::internal("the token signing key is unusable"))?;
    mac.update(signed.as_bytes());
    Ok(mac)
}

/// Sign claims into a token.
pub fn sign(key: &[u8], claims: &Claims) -> Result<String, ApiError> {
    let json = serde_json::to_vec(claims).map_err(|e| ApiError::internal(e.to_string()))?;
    let signed = format!("{PREFIX}{}", encode_base64url(&json));
    let tag = mac(key, &signed)?.finalize().into_bytes();
    Ok(format!("{signed}.{}", encode_base64url(&tag)))
}

fn invalid() -> ApiError {
    ApiError::unauthorized(
        ErrorCode::TokenInvalid,
        "the bearer token is not a valid osdgate token; authenticate again",
    )
}

/// Check a token's MAC (constant time) and expiry; returns its claims.
pub fn verify(key: &[u8], token: &str, now: i64) -> Result<Claims, ApiError> {
    let rest = token.strip_prefix(PREFIX).ok_or_else(invalid)?;
    let (claims_b64, tag_b64) = rest.split_once('.').ok_or_else(invalid)?;
    let tag = decode_base64(tag_b64).ok_or_else(invalid)?;
    let signed_len = PREFIX.len() + claims_b64.len();
    let signed = token.get(..signed_len).ok_or_else(invalid)?;
    mac(key, signed)?.verify_slice(&tag).map_err(|_| invalid())?;
    let json = decode_base64(claims_b64).ok_or_else(invalid)?;
    let claims: Claims = serde_json::from_slice(&json).map_err(|_| invalid())?;
    if claims.exp <= now {
        return Err(ApiError::unauthorized(
            ErrorCode::TokenExpired,
            "the bearer token has expired; authenticate again (media) or renew it (device)",
        ));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            kind: SubjectKind::Media,
            sub: "m1".into(),
            tid: "t1".into(),
            media: "m1".into(),
            deployments: vec!["d1".into()],
            iat: 0,
            exp: 1000,
        }
    }

    #[test]
    fn signed_token_verifies_and_round_trips_claims() {
        let token = sign(b"key", &claims()).unwrap();
        assert_eq!(verify(b"key", &token, 999).unwrap(), claims());
    }

    #[test]
    fn expired_wrong_key_and_tampered_tokens_are_refused() {
        let token = sign(b"key", &claims()).unwrap();
        assert_eq!(verify(b"key", &token, 1000).unwrap_err().code, ErrorCode::TokenExpired);
        assert_eq!(verify(b"other", &token, 1).unwrap_err().code, ErrorCode::TokenInvalid);
        let mut forged = claims();
        forged.deployments.push("d2".into());
        let forged_claims = sign(b"key", &forged).unwrap();
        let (_, original_tag) = token.rsplit_once('.').unwrap();
        let (forged_signed, _) = forged_claims.rsplit_once('.').unwrap();
        let spliced = format!("{forged_signed}.{original_tag}");
        assert_eq!(verify(b"key", &spliced, 1).unwrap_err().code, ErrorCode::TokenInvalid);
        assert_eq!(verify(b"key", "Bearer nonsense", 1).unwrap_err().code, ErrorCode::TokenInvalid);
    }
}
