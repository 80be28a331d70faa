//! HTTP to the relay: one `ureq` agent whose TLS trusts only what [`super::trust`] decided, JSON in
//! and out, the relay's refusals read as typed [`ErrorCode`]s, and the bearer token of the current
//! credential.

use std::io::Read;
use std::time::Duration;

use osdgate_model::api::{API_PREFIX, ErrorBody, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use ureq::http::Response;

use super::trust::{RelayOrigin, RelayTrust};

/// How long one connection attempt, and one read of an answer, may take. A relay that goes away in
/// the middle of a download is noticed by the read timeout (or at once, when the connection is
/// closed) and the download resumes from where it stopped.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// JSON answers are small; a bigger one is not the relay's.
const JSON_LIMIT: u64 = 16 * 1024 * 1024;

/// Why a call to the relay did not give what was asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RelayError {
    /// No answer: no route, connection refused or dropped, timeout, name not found.
    #[error("cannot reach the relay at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    /// The TLS handshake failed: the relay's certificate does not chain to a root the medium trusts
    /// (or the connection is not the relay's).
    #[error(
        "the relay at {url} is not trusted: {detail} (this medium trusts only {trust}); if the gateway's certificate changed, build the medium again"
    )]
    Untrusted { url: String, detail: String, trust: String },
    /// The relay answered with a refusal.
    #[error("the relay refused {what} ({status}, {code}): {message}", code = code.map_or("no code", |c| c.as_str()))]
    Refused {
        what: String,
        status: u16,
        code: Option<ErrorCode>,
        message: String,
        /// `Retry-After`, in seconds, on 429 and 503.
        retry_after: Option<u64>,
    },
    /// The relay answered something this agent does not understand.
    #[error("the relay's answer to {what} is not what this agent understands: {detail}")]
    BadAnswer { what: String, detail: String },
}

impl RelayError {
    /// Worth trying again later: the relay was not reached, or answered 5xx or 429.
    pub fn is_transient(&self) -> bool {
        match self {
            RelayError::Unreachable { .. } => true,
            RelayError::Refused { status, .. } => *status >= 500 || *status == 429,
            RelayError::Untrusted { .. } | RelayError::BadAnswer { .. } => false,
        }
    }

    /// The relay's refusal code, if it refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            RelayError::Refused { code, .. } => *code,
            _ => None,
        }
    }

    /// The credential no longer works but the subject's key may log in again (an expired token,
    /// a revoked device token, a token the relay does not know).
    pub fn needs_new_token(&self) -> bool {
        matches!(
            self.code(),
            Some(ErrorCode::TokenExpired | ErrorCode::TokenRevoked | ErrorCode::TokenInvalid)
        )
    }
}

/// The relay client. A clone shares the connection pool and carries the token of the moment.
#[derive(Clone)]
pub struct RelayClient {
    http: ureq::Agent,
    origin: RelayOrigin,
    /// The gateway's public origin from `media.json`, when the agent talks to a stand-in on this
    /// machine (`--relay-url`, tests): URLs the relay hands out on it are mapped onto `origin`.
    public_origin: Option<String>,
    trust: RelayTrust,
    token: Option<String>,
}

impl std::fmt::Debug for RelayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayClient")
            .field("origin", &self.origin)
            .field("trust", &self.trust.describe())
            .field("token", &self.token.as_ref().map(|_| "…"))
            .finish()
    }
}

impl RelayClient {
    /// A client for the relay at `origin`, trusting exactly `trust`.
    pub fn new(origin: RelayOrigin, trust: RelayTrust) -> Self {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(trust.root_certs())
            .build();
        let http = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A redirect would send the bearer token on to wherever it points.
            .max_redirects(0)
            .https_only(!origin.is_loopback_http())
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_recv_response(Some(READ_TIMEOUT))
            .timeout_recv_body(None)
            .timeout_per_read(Some(READ_TIMEOUT))
            .user_agent(format!("osdgate-agent/{}", osdgate_model::VERSION))
            .tls_config(tls)
            .build()
            .into();
        RelayClient { http, origin, public_origin: None, trust, token: None }
    }

    /// Maps URLs on the gateway's public origin (`media.json`'s `relay_url`) onto this client's
    /// origin (a loopback stand-in for tests).
    pub fn with_public_origin(mut self, public: &RelayOrigin) -> Self {
        if public != &self.origin {
            self.public_origin = Some(public.as_str().to_owned());
        }
        self
    }

    pub fn origin(&self) -> &RelayOrigin {
        &self.origin
    }

    pub fn trust(&self) -> &RelayTrust {
        &self.trust
    }

    /// Uses `token` as the bearer of every following call.
    pub fn set_token(&mut self, token: String) {
        self.token = Some(token);
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// `origin` + `/api/v1` + `path`.
    pub fn api_url(&self, path: &str) -> String {
        format!("{}{API_PREFIX}{path}", self.origin.as_str())
    }

    /// A URL the relay handed out (a content source): absolute URLs must be on the relay's origin
    /// (the token is never sent elsewhere); paths are taken relative to the origin.
    pub fn resolve(&self, url: &str) -> Option<String> {
        if url.starts_with('/') {
            return Some(format!("{}{url}", self.origin.as_str()));
        }
        let on = |origin: &str| {
            url.strip_prefix(origin)
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))
                .map(|rest| format!("{}{rest}", self.origin.as_str()))
        };
        on(self.origin.as_str()).or_else(|| self.public_origin.as_deref().and_then(on))
    }

    fn classify(&self, url: &str, error: ureq::Error) -> RelayError {
        let detail = error.to_string();
        // rustls' refusals reach us either as their own variant or wrapped in an I/O error;
        // either way they name the certificate.
        let lower = detail.to_ascii_lowercase();
        let untrusted = matches!(error, ureq::Error::Rustls(_) | ureq::Error::Tls(_))
            || lower.contains("certificate")
            || lower.contains("unknownissuer");
        if untrusted {
            RelayError::Untrusted { url: url.to_owned(), detail, trust: self.trust.describe() }
        } else {
            RelayError::Unreachable { url: url.to_owned(), detail }
        }
    }

    /// Sends a request; `body` is JSON when given. Answers of every status come back as responses.
    fn send(
        &self,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        range_from: Option<u64>,
        bearer: bool,
    ) -> Result<Response<ureq::Body>, RelayError> {
        let mut request = ureq::http::Request::builder().method(method).uri(url);
        if let (true, Some(token)) = (bearer, &self.token) {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(from) = range_from {
            request = request.header("range", format!("bytes={from}-"));
        }
        let result = match body {
            Some(bytes) => {
                let request = request
                    .header("content-type", "application/json")
                    .body(bytes.to_vec())
                    .map_err(|e| RelayError::BadAnswer {
                        what: url.into(),
                        detail: e.to_string(),
                    })?;
                self.http.run(request)
            }
            None => {
                let request = request.body(()).map_err(|e| RelayError::BadAnswer {
                    what: url.into(),
                    detail: e.to_string(),
                })?;
                self.http.run(request)
            }
        };
        result.map_err(|e| self.classify(url, e))
    }

    /// The refusal in a non-2xx answer.
    pub fn refusal(what: &str, mut response: Response<ureq::Body>) -> RelayError {
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let text =
            response.body_mut().with_config().limit(64 * 1024).read_to_string().unwrap_or_default();
        match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => {
                let message = match body.request_id {
                    Some(id) => format!("{} (request {id})", body.message),
                    None => body.message,
                };
                RelayError::Refused {
                    what: what.to_owned(),
                    status,
                    code: Some(body.code),
                    message,
                    retry_after,
                }
            }
            Err(_) => RelayError::Refused {
                what: what.to_owned(),
                status,
                code: None,
                message: text.chars().take(200).collect(),
                retry_after,
            },
        }
    }

    fn json_answer<T: DeserializeOwned>(
        what: &str,
        mut response: Response<ureq::Body>,
    ) -> Result<T, RelayError> {
        if !response.status().is_success() {
            return Err(Self::refusal(what, response));
        }
        let mut bytes = Vec::new();
        response
            .body_mut()
            .with_config()
            .limit(JSON_LIMIT)
            .reader()
            .read_to_end(&mut bytes)
            .map_err(|e| RelayError::Unreachable { url: what.to_owned(), detail: e.to_string() })?;
        serde_json::from_slice(&bytes)
            .map_err(|e| RelayError::BadAnswer { what: what.to_owned(), detail: e.to_string() })
    }

    /// `POST` JSON to an API path with the bearer token, JSON back.
    pub fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        what: &str,
        path: &str,
        body: &B,
    ) -> Result<T, RelayError> {
        self.post(what, path, body, true)
    }

    /// `POST` JSON to an API path without any token (challenge–response).
    pub fn post_json_anonymous<B: Serialize, T: DeserializeOwned>(
        &self,
        what: &str,
        path: &str,
        body: &B,
    ) -> Result<T, RelayError> {
        self.post(what, path, body, false)
    }

    fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        what: &str,
        path: &str,
        body: &B,
        bearer: bool,
    ) -> Result<T, RelayError> {
        let url = self.api_url(path);
        let bytes = serde_json::to_vec(body)
            .map_err(|e| RelayError::BadAnswer { what: what.to_owned(), detail: e.to_string() })?;
        Self::json_answer(what, self.send("POST", &url, Some(&bytes), None, bearer)?)
    }

    /// `GET` an API path (or a URL on the relay's origin), JSON back.
    pub fn get_json<T: DeserializeOwned>(&self, what: &str, path: &str) -> Result<T, RelayError> {
        // An API path (`/policy`), or a URL the relay handed out (`/api/v1/content/...`, or
        // absolute on its origin).
        let url = if path.starts_with(API_PREFIX) || path.contains("://") {
            self.resolve(path).ok_or_else(|| RelayError::BadAnswer {
                what: what.to_owned(),
                detail: format!("{path} is not on the relay's origin; the token is not sent there"),
            })?
        } else {
            self.api_url(path)
        };
        Self::json_answer(what, self.send("GET", &url, None, None, true)?)
    }

    /// `GET` a file on the relay's origin from byte `from` on (`Range: bytes=from-` when `from` is
    /// not 0). The caller reads the body.
    pub fn get_from(&self, url: &str, from: u64) -> Result<Response<ureq::Body>, RelayError> {
        self.send("GET", url, None, (from > 0).then_some(from), true)
    }
}
