//! The validated plan: a document that passed preflight without errors.
//!
//! Like ripgrep's `LowArgs` → `HiArgs`, raw input ([`Document`]) and validated state ([`Plan`]) are
//! different types. A `Plan` can only be made by [`Document::validate`] (or [`Document::validate_at`]),
//! so code that publishes to the relay or builds media cannot be handed an unchecked document.

use serde::Serialize;

use super::{Document, Timestamp};
use crate::preflight::{self, Finding, Report};

/// A document with no error findings, with the warnings and advice it still has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    document: Document,
    report: Report,
}

impl Plan {
    /// The validated document.
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// The report of the check that admitted this plan (warnings and advice only).
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The warnings and advice that remain.
    pub fn findings(&self) -> &[Finding] {
        &self.report.findings
    }

    /// Gives the document back (to edit it; it must be validated again to get a plan).
    pub fn into_document(self) -> Document {
        self.document
    }
}

impl Document {
    /// Runs every preflight rule that needs no clock; returns the plan, or the report when it has
    /// errors.
    pub fn validate(&self) -> Result<Plan, Report> {
        Self::plan_from(self, preflight::check(self))
    }

    /// As [`Document::validate`], also running the rules that compare with the time `now`
    /// (expired media and roots).
    pub fn validate_at(&self, now: Timestamp) -> Result<Plan, Report> {
        Self::plan_from(self, preflight::check_at(self, now))
    }

    fn plan_from(document: &Document, report: Report) -> Result<Plan, Report> {
        if report.has_errors() {
            Err(report)
        } else {
            Ok(Plan { document: document.clone(), report })
        }
    }
}
