//! `ETag` and `If-None-Match` for the admin lists the console polls while the monitoring page is
//! open (devices, a device's tokens, status messages). The tag is a digest of the JSON the relay
//! would send, so it changes exactly when the answer does; a poll whose list did not change gets
//! `304 Not Modified` with no body (RFC 9110 §8.8.3, §13.1.2) and the console keeps what it shows.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::extract::hex;

/// The strong entity tag of `body`: the first 128 bits of the SHA-256 of its bytes, quoted.
pub fn entity_tag(body: &[u8]) -> String {
    format!("\"{}\"", hex(&Sha256::digest(body)[..16]))
}

/// Whether `If-None-Match` names `tag` (or is `*`). The comparison is weak (RFC 9110 §13.1.2):
/// `W/"x"` matches `"x"`.
fn none_match(headers: &HeaderMap, tag: &str) -> bool {
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).any(|value| {
        value.split(',').map(str::trim).any(|candidate| {
            candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == tag
        })
    })
}

/// `body` as JSON with its `ETag`, or `304 Not Modified` with only the tag when the request's
/// `If-None-Match` already names it.
pub fn json_with_etag<T: Serialize>(headers: &HeaderMap, body: &T) -> Result<Response, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError::internal(e.to_string()))?;
    let tag = entity_tag(&bytes);
    let tag_value = HeaderValue::from_str(&tag).map_err(|e| ApiError::internal(e.to_string()))?;
    if none_match(headers, &tag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag_value)]).into_response());
    }
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::ETAG, tag_value),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_if_none_match(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn a_matching_tag_is_not_modified_and_anything_else_is_the_body() {
        let body = serde_json::json!({"devices": ["D1"]});
        let first = json_with_etag(&HeaderMap::new(), &body).unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        let tag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
        assert_eq!(tag.len(), 34);
        for matching in [tag.clone(), format!("W/{tag}"), format!("\"other\", {tag}"), "*".into()] {
            let again = json_with_etag(&with_if_none_match(&matching), &body).unwrap();
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{matching}");
            assert_eq!(again.headers()[header::ETAG], tag.as_str());
        }
        let changed = serde_json::json!({"devices": ["D1", "D2"]});
        let answer = json_with_etag(&with_if_none_match(&tag), &changed).unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert_ne!(answer.headers()[header::ETAG], tag.as_str());
    }
}
