//! The relay's admin calls the console makes: the published configuration (read, publish with
//! `If-Match`, history, one version, rollback). Every call carries the admin credential as a bearer
//! token; the relay answers refusals with its `ErrorBody`, which arrives here as
//! [`RelayError::Refused`] with the relay's code, words and, for a refused publish, its findings.

use gloo_net::http::{Request, RequestBuilder, Response};
use osdgate_model::api::{API_PREFIX, ConfigHistory, ErrorCode, Published, Rollback};

use super::{RelayError, refusal};

/// Who publishes, as the relay records it (`X-Osdgate-Actor`, `published_by` in the history).
const ACTOR: &str = "console";

/// A published document as the relay sent it: its entity tag and its JSON text (secrets replaced
/// by the relay's kept-secret placeholder).
#[derive(Debug, Clone, PartialEq)]
pub struct RelayDocument {
    pub etag: String,
    pub text: String,
}

fn authorized(builder: RequestBuilder, token: &str) -> RequestBuilder {
    builder.header("authorization", &format!("Bearer {token}")).header("x-osdgate-actor", ACTOR)
}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, RelayError> {
    let request = request.map_err(|e| RelayError::Unreachable(e.to_string()))?;
    request.send().await.map_err(|e| RelayError::Unreachable(e.to_string()))
}

/// `Ok` answers pass, refusals become [`RelayError`]s.
async fn accepted(response: Response, path: &str) -> Result<Response, RelayError> {
    if response.ok() { Ok(response) } else { Err(refusal(response, path.to_owned()).await) }
}

async fn json<T: serde::de::DeserializeOwned>(
    response: Response,
    path: &str,
) -> Result<T, RelayError> {
    response
        .json::<T>()
        .await
        .map_err(|e| RelayError::Malformed { path: path.to_owned(), reason: e.to_string() })
}

async fn document(response: Response, path: &str) -> Result<RelayDocument, RelayError> {
    let etag = response.headers().get("etag").ok_or_else(|| RelayError::Malformed {
        path: path.to_owned(),
        reason: "no ETag".to_owned(),
    })?;
    let text = response
        .text()
        .await
        .map_err(|e| RelayError::Malformed { path: path.to_owned(), reason: e.to_string() })?;
    Ok(RelayDocument { etag, text })
}

/// `GET /admin/config`: the current version, or `None` when nothing is published yet.
pub async fn current(token: &str) -> Result<Option<RelayDocument>, RelayError> {
    let path = format!("{API_PREFIX}/admin/config");
    let response = send(authorized(Request::get(&path), token).build()).await?;
    match accepted(response, &path).await {
        Ok(response) => document(response, &path).await.map(Some),
        Err(error) if error.code() == Some(ErrorCode::NoConfiguration) => Ok(None),
        Err(error) => Err(error),
    }
}

/// `GET /admin/config/versions/{version}`.
pub async fn version(token: &str, version: i64) -> Result<RelayDocument, RelayError> {
    let path = format!("{API_PREFIX}/admin/config/versions/{version}");
    let response = send(authorized(Request::get(&path), token).build()).await?;
    document(accepted(response, &path).await?, &path).await
}

/// `PUT /admin/config`: publishes `document` (JSON text). `if_match` is the entity tag of the
/// version the document was based on (`None` for the first publish); a refusal with
/// [`ErrorCode::PreconditionFailed`] means someone else published since.
pub async fn publish(
    token: &str,
    document: &str,
    if_match: Option<&str>,
    comment: Option<&str>,
) -> Result<Published, RelayError> {
    let path = format!("{API_PREFIX}/admin/config");
    let mut builder =
        authorized(Request::put(&path), token).header("content-type", "application/json");
    if let Some(etag) = if_match {
        builder = builder.header("if-match", etag);
    }
    if let Some(comment) = comment.map(str::trim).filter(|c| !c.is_empty()) {
        // Header values are ASCII: other characters are replaced rather than refused.
        let ascii: String = comment
            .chars()
            .map(|c| if c.is_ascii() && !c.is_ascii_control() { c } else { '?' })
            .collect();
        builder = builder.header("x-osdgate-comment", &ascii);
    }
    let response = send(builder.body(document.to_owned())).await?;
    json(accepted(response, &path).await?, &path).await
}

/// `GET /admin/config/history`, newest first.
pub async fn history(token: &str) -> Result<ConfigHistory, RelayError> {
    let path = format!("{API_PREFIX}/admin/config/history");
    let response = send(authorized(Request::get(&path), token).build()).await?;
    json(accepted(response, &path).await?, &path).await
}

/// `POST /admin/config/rollback`: publishes `to_version` again as the new current version;
/// `if_match` names the current version.
pub async fn rollback(
    token: &str,
    to_version: i64,
    if_match: &str,
) -> Result<Published, RelayError> {
    let path = format!("{API_PREFIX}/admin/config/rollback");
    let body = Rollback { to_version, comment: None };
    let response =
        send(authorized(Request::post(&path), token).header("if-match", if_match).json(&body))
            .await?;
    json(accepted(response, &path).await?, &path).await
}
