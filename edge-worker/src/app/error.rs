use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use osdgate_model::api::{ErrorBody, ErrorCode};

/// The one error type of the relay. Every failure path turns into a JSON [`ErrorBody`] with a
/// stable, machine-readable `code` and a plain-words `message`; never a secret, never a stack trace.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub findings: Option<serde_json::Value>,
    /// Seconds, for `Retry-After` on 429.
    pub retry_after: Option<u64>,
    /// What really failed (storage and internal errors): logged under the request's ID by
    /// [`super::answer`], never sent to the client, who gets `message` and the ID.
    pub detail: Option<String>,
}

/// What a concealed error leaves on its response for [`super::answer`]: the detail to log, and the
/// body to send again with the request's ID in it.
#[derive(Debug, Clone)]
pub(crate) struct Concealed {
    pub body: ErrorBody,
    pub detail: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code.as_str())
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            findings: None,
            retry_after: None,
            detail: None,
        }
    }
    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn unprocessable(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
    pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }
    pub fn forbidden(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }
    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    /// The relay's storage failed. The client learns only that (and the request ID); `detail`
    /// goes to the log.
    pub fn storage(detail: impl Into<String>) -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::StorageUnavailable,
            "the relay's storage did not answer; try again in a moment, and if it persists give \
             the relay's administrator the request ID",
        );
        error.detail = Some(detail.into());
        error
    }
    /// A failure inside the relay. The client learns only that (and the request ID); `detail`
    /// goes to the log.
    pub fn internal(detail: impl Into<String>) -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the relay failed to handle this request; give the relay's administrator the request ID",
        );
        error.detail = Some(detail.into());
        error
    }
    pub fn too_large(limit: u64) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!("the request body is larger than this endpoint's limit of {limit} bytes"),
        )
    }
    pub fn with_findings(mut self, findings: serde_json::Value) -> Self {
        self.findings = Some(findings);
        self
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> ErrorCode {
        self.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code,
            message: self.message,
            findings: self.findings,
            request_id: None,
        };
        let concealed = self.detail.map(|detail| Concealed { body: body.clone(), detail });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(concealed) = concealed {
            response.extensions_mut().insert(concealed);
        }
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found(
        ErrorCode::NotFound,
        "no route for this path; the API is described at /api/v1/openapi.json",
    )
}

pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "this path does not accept this method; see /api/v1/openapi.json",
    )
}
