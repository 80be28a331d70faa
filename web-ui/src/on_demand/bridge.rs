//! The bridge between the console's main module and the on-demand pages module (`web-ui/pages`).
//!
//! The two are separate WebAssembly instances with their own memory and their own Leptos
//! runtime; what crosses is text. The main module owns the document ([`DocumentStore`] with undo,
//! autosave and the checker) and sends the pages module the document as JSON (again after every
//! change, an undo included), the preflight report as JSON ([`encode_report`]) and the language
//! tag. The pages module mirrors them ([`DocumentStore::mirror`]) and hands each edit back as a
//! whole new document: a message with a [`kind`](HostRequest) and, for a commit, the JSON and the
//! field path that coalesces typing into one undo step. Both sides use this file, so the words on
//! the wire exist once.

use osdgate_model::preflight::scenario::DocumentCheck;
use serde::{Deserialize, Serialize};

use crate::document::{CheckState, CheckedReport, HostRequest};

/// The message kinds the pages module sends (the first argument of the host's callback).
pub const COMMIT: &str = "commit";
pub const SEAL: &str = "seal";
pub const UNDO: &str = "undo";
pub const REDO: &str = "redo";

impl HostRequest {
    /// The request as the callback's three arguments: kind, document JSON, field path.
    pub fn into_message(self) -> (&'static str, Option<String>, Option<String>) {
        match self {
            HostRequest::Commit { json, field } => (COMMIT, Some(json), field),
            HostRequest::Seal => (SEAL, None, None),
            HostRequest::Undo => (UNDO, None, None),
            HostRequest::Redo => (REDO, None, None),
        }
    }

    /// The request a callback's arguments describe; `None` for an unknown kind or a commit
    /// without a document.
    pub fn from_message(kind: &str, json: Option<String>, field: Option<String>) -> Option<Self> {
        Some(match kind {
            COMMIT => HostRequest::Commit { json: json?, field },
            SEAL => HostRequest::Seal,
            UNDO => HostRequest::Undo,
            REDO => HostRequest::Redo,
            _ => return None,
        })
    }
}

/// The preflight report as it travels: the checker's answer and the state it is in.
#[derive(Debug, Serialize, Deserialize)]
struct ReportMessage {
    check: DocumentCheck,
    milliseconds: f64,
    /// `checking`, `current` or `failed`.
    state: String,
    /// Why the check failed, for `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
    received: bool,
}

/// `report` as JSON for the pages module.
pub fn encode_report(report: &CheckedReport) -> String {
    let message = ReportMessage {
        check: DocumentCheck { report: report.report.clone(), scenarios: report.scenarios.clone() },
        milliseconds: report.milliseconds,
        state: report.state_name().to_owned(),
        failure: match &report.state {
            CheckState::Failed(reason) => Some(reason.clone()),
            _ => None,
        },
        received: report.received,
    };
    serde_json::to_string(&message).unwrap_or_default()
}

/// The report [`encode_report`] wrote; text that is not one is a failed check naming why.
pub fn decode_report(json: &str) -> CheckedReport {
    match serde_json::from_str::<ReportMessage>(json) {
        Ok(message) => CheckedReport {
            report: message.check.report,
            scenarios: message.check.scenarios,
            milliseconds: message.milliseconds,
            state: match message.state.as_str() {
                "current" => CheckState::Current,
                "failed" => CheckState::Failed(message.failure.unwrap_or_default()),
                _ => CheckState::Checking,
            },
            received: message.received,
        },
        Err(error) => CheckedReport {
            report: Default::default(),
            scenarios: Vec::new(),
            milliseconds: 0.0,
            state: CheckState::Failed(format!("the report from the console did not read: {error}")),
            received: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use osdgate_model::model::Document;

    use super::*;

    #[test]
    fn requests_survive_the_trip() {
        let requests = [
            HostRequest::Commit { json: "{}".into(), field: Some("site.code".into()) },
            HostRequest::Commit { json: "{}".into(), field: None },
            HostRequest::Seal,
            HostRequest::Undo,
            HostRequest::Redo,
        ];
        for request in requests {
            let (kind, json, field) = request.clone().into_message();
            assert_eq!(HostRequest::from_message(kind, json, field), Some(request));
        }
        assert_eq!(HostRequest::from_message("commit", None, None), None);
        assert_eq!(HostRequest::from_message("delete", None, None), None);
    }

    #[test]
    fn reports_survive_the_trip_with_their_state() {
        let text = include_str!("../../../examples/cloud-content-from-boot-media.broken.toml");
        let document = Document::from_toml(text).unwrap();
        let check = DocumentCheck::of(&document, "2026-01-01T00:00:00Z".parse().unwrap());
        assert!(!check.report.findings.is_empty());
        for state in [CheckState::Checking, CheckState::Current, CheckState::Failed("x".into())] {
            let report = CheckedReport {
                report: check.report.clone(),
                scenarios: check.scenarios.clone(),
                milliseconds: 1.5,
                state,
                received: true,
            };
            assert_eq!(decode_report(&encode_report(&report)), report);
        }
        let garbage = decode_report("not json");
        assert!(
            matches!(garbage.state, CheckState::Failed(reason) if reason.contains("did not read"))
        );
    }
}
