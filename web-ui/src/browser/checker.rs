//! Preflight off the main thread: the console's checker module (`web-ui/checker`) in a dedicated
//! Web Worker (`checker.js`). The main thread sends the document as JSON — the text it writes to
//! IndexedDB anyway — and gets `osdgate check`'s report and the scenarios' readiness back, so a
//! recheck never blocks typing and the rules are not part of the first load.
//!
//! [`Checker::inline`] runs the same check in the calling thread (native tests and the browser
//! tests of the stores, which have no built worker); the console itself uses [`Checker::worker`].

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use osdgate_model::model::DocumentError;
use osdgate_model::preflight::scenario::DocumentCheck;

/// One answer of the checker: the check and the milliseconds it took where it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub check: DocumentCheck,
    pub milliseconds: f64,
}

/// Why a recheck did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// The document did not read (it cannot: the console wrote it; a bug if it happens).
    #[error("the document could not be read for checking: {0}")]
    Refused(DocumentError),
    /// The checker could not be loaded or answered nonsense.
    #[error("the preflight checker is not available ({0}); check the connection and reload")]
    Unavailable(String),
}

type CheckFuture = Pin<Box<dyn Future<Output = Result<Checked, CheckError>>>>;

/// Where the document is checked.
#[derive(Clone)]
pub struct Checker(Rc<dyn Fn(String, i64) -> CheckFuture>);

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Checker")
    }
}

impl Checker {
    /// Checks `document_json` at `now` (Unix seconds).
    pub fn check(&self, document_json: String, now: i64) -> CheckFuture {
        (self.0)(document_json, now)
    }

    /// In this thread, with the rules linked in: for tests. (The console never calls it, so its
    /// main module does not carry the rules.)
    pub fn inline() -> Self {
        Checker(Rc::new(|json: String, now: i64| {
            Box::pin(async move {
                use osdgate_model::model::{Document, Timestamp};
                let started = super::now_ms();
                let document = Document::from_json(&json).map_err(CheckError::Refused)?;
                let check = DocumentCheck::of(&document, Timestamp::from_unix_seconds(now));
                Ok(Checked { check, milliseconds: super::now_ms() - started })
            }) as CheckFuture
        }))
    }

    /// Natively there is no worker: the same check, inline.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn worker() -> Self {
        Self::inline()
    }

    /// In the checker worker (`/pkg/checker/worker.js`), started now so that it loads while the
    /// page renders.
    #[cfg(target_arch = "wasm32")]
    pub fn worker() -> Self {
        worker::start_checker();
        Checker(Rc::new(|json: String, now: i64| Box::pin(worker::check(json, now)) as CheckFuture))
    }
}

#[cfg(target_arch = "wasm32")]
mod worker {
    use wasm_bindgen::prelude::*;

    use osdgate_model::model::DocumentFormat;

    use super::{CheckError, Checked};
    use crate::browser::{BrowserError, document_error};

    #[wasm_bindgen(module = "/src/browser/checker.js")]
    extern "C" {
        pub(super) fn start_checker();
        #[wasm_bindgen(catch)]
        async fn check_in_worker(document: String, now: f64) -> Result<JsValue, JsValue>;
    }

    fn field(answer: &JsValue, name: &str) -> Option<JsValue> {
        js_sys::Reflect::get(answer, &JsValue::from_str(name)).ok().filter(|v| !v.is_undefined())
    }

    pub(super) async fn check(json: String, now: i64) -> Result<Checked, CheckError> {
        let answer = check_in_worker(json, now as f64).await.map_err(|error| {
            CheckError::Unavailable(BrowserError::js("starting the checker", error).reason)
        })?;
        let milliseconds = field(&answer, "milliseconds").and_then(|v| v.as_f64()).unwrap_or(0.0);
        if let Some(check) = field(&answer, "check").and_then(|v| v.as_string()) {
            let check = serde_json::from_str(&check)
                .map_err(|error| CheckError::Unavailable(error.to_string()))?;
            return Ok(Checked { check, milliseconds });
        }
        if let Some(refused) = field(&answer, "refused").and_then(|v| v.as_string()) {
            return Err(CheckError::Refused(document_error(&refused, DocumentFormat::Json)));
        }
        let failed = field(&answer, "failed").and_then(|v| v.as_string());
        Err(CheckError::Unavailable(failed.unwrap_or_else(|| "no answer".to_owned())))
    }
}
