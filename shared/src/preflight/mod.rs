//! Preflight: every prerequisite in the seeds, checked up front, all at once.
//!
//! [`check`] runs every rule that depends only on the document; [`check_at`] also runs the rules that
//! compare with the current time (expired media, expired roots). The crate has no clock, so the
//! caller passes `now` (the CLI and the console use the system clock). A report records which time,
//! if any, it was checked at.
//!
//! Every finding has a stable rule ID (see [`RULES`] and `docs/preflight.md`), a severity, the JSON
//! path of the offending field, a message, the fix and the seed section the rule comes from.

mod boundary;
mod certificate;
mod client;
mod content;
pub(crate) use content::is_package_id;
mod context;
mod deployment;
mod device;
mod media;
/// The media password rule, also applied when a medium is built (`media::identity`).
pub(crate) use media::is_strong_password;
mod network;
mod reference;
pub(crate) mod rules;
pub mod scenario;
mod site;
mod task_sequence;
mod upload;

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::{Document, Timestamp};
pub use context::Context;
pub use rules::{RULES, Rule, SeedSection, rule};
pub use task_sequence::{import_oddity_findings, lint_task_sequence};
pub use upload::{RelayGatewayError, check_uploaded, files_to_upload, relay_gateway};

/// How bad a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The deployment will fail: no plan until it is fixed.
    Error,
    /// Likely to fail or to surprise; the plan is still made.
    Warning,
    /// A recommendation from the seeds.
    Advice,
}

impl Severity {
    /// `error`, `warning` or `advice`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Advice => "advice",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in the seeds a rule comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeedReference {
    /// The seed file, such as `002_d27a6ceb6a6f25eb.txt`.
    pub file: String,
    /// The heading the rule comes from.
    pub section: String,
}

/// One problem found in a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Stable rule ID, such as `OSDG-CONTENT-001`.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// JSON path of the offending field, such as `deployments[0].deployment_option`.
    pub path: String,
    /// What is wrong, in plain words.
    pub message: String,
    /// How to fix it.
    pub fix: String,
    /// The seed section the rule comes from; `None` for rules about the document's own consistency
    /// (duplicate IDs, dangling references, malformed values).
    pub seed: Option<SeedReference>,
}

/// All findings of one check, in a stable order (by path, then rule).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// The time the time-dependent rules compared with; `None` when they did not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<Timestamp>,
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Number of advice findings.
    pub advice: usize,
    /// The findings.
    pub findings: Vec<Finding>,
}

impl Report {
    fn from_findings(mut findings: Vec<Finding>, checked_at: Option<Timestamp>) -> Self {
        findings.sort_by(|a, b| {
            (a.severity, &a.rule, &a.path, &a.message)
                .cmp(&(b.severity, &b.rule, &b.path, &b.message))
        });
        findings.dedup();
        let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
        Report {
            checked_at,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            advice: count(Severity::Advice),
            findings,
        }
    }

    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The findings with `severity`.
    pub fn with_severity(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.severity == severity)
    }

    /// The distinct rule IDs that fired, sorted.
    pub fn rule_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.findings.iter().map(|f| f.rule.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Whether rule `id` fired.
    pub fn has_rule(&self, id: &str) -> bool {
        self.findings.iter().any(|f| f.rule == id)
    }

    /// The report as people read it.
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        for finding in &self.findings {
            out.push_str(&format!("{} {} at {}\n", finding.severity, finding.rule, finding.path));
            out.push_str(&format!("  {}\n", finding.message));
            out.push_str(&format!("  fix: {}\n", finding.fix));
            if let Some(seed) = &finding.seed {
                out.push_str(&format!("  seed: {} > {}\n", seed.file, seed.section));
            }
            out.push('\n');
        }
        let plural = |n: usize, word: &str| {
            if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
        };
        out.push_str(&format!(
            "{}, {}, {} advice\n",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            self.advice
        ));
        out
    }
}

/// Runs every rule that does not depend on the current time.
pub fn check(document: &Document) -> Report {
    run(document, None)
}

/// Runs every rule, comparing expiry dates with `now`.
pub fn check_at(document: &Document, now: Timestamp) -> Report {
    run(document, Some(now))
}

/// The medium a relay registration (or a build) names: the document's `media[].id`, else its
/// display `name` when exactly one medium has it. Returns its index.
pub fn find_medium(document: &Document, wanted: &str) -> Option<usize> {
    if let Some(index) = document.media.iter().position(|m| m.id == wanted) {
        return Some(index);
    }
    let mut named = document.media.iter().enumerate().filter(|(_, m)| m.name == wanted);
    match (named.next(), named.next()) {
        (Some((index, _)), None) => Some(index),
        _ => None,
    }
}

/// The media rules for one medium as registered at a relay (issue 14, item 2): every rule runs on
/// the document with the medium's `expires_at` replaced by the registration's (when given), at
/// `now`, and the report keeps the findings about that medium (`media[index]...`), about the
/// deployments it names (`deployments[j]...`), and every error (a document that no longer passes,
/// say with an expired root, makes no working medium). A registration is refused when this has
/// errors.
pub fn check_medium(
    document: &Document,
    index: usize,
    expires_at: Option<Timestamp>,
    now: Timestamp,
) -> Report {
    let Some(media) = document.media.get(index) else {
        return Report::from_findings(Vec::new(), Some(now));
    };
    let mut registered = document.clone();
    if let Some(expires_at) = expires_at {
        registered.media[index].expires_at = Some(expires_at);
    }
    let mut prefixes = vec![format!("media[{index}]")];
    prefixes.extend(
        document
            .deployments
            .iter()
            .enumerate()
            .filter(|(_, d)| media.deployments.contains(&d.id))
            .map(|(j, _)| format!("deployments[{j}]")),
    );
    let about = |path: &str| {
        prefixes.iter().any(|prefix| {
            path.strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
    };
    let findings = run(&registered, Some(now))
        .findings
        .into_iter()
        .filter(|f| f.severity == Severity::Error || about(&f.path));
    Report::from_findings(findings.collect(), Some(now))
}

fn run(document: &Document, now: Option<Timestamp>) -> Report {
    let mut context = Context::new(document, now);
    reference::check(&mut context);
    site::check(&mut context);
    content::check(&mut context);
    client::check(&mut context);
    boundary::check(&mut context);
    task_sequence::check(&mut context);
    deployment::check(&mut context);
    media::check(&mut context);
    certificate::check(&mut context);
    network::check(&mut context);
    device::check(&mut context);
    Report::from_findings(context.into_findings(), now)
}
