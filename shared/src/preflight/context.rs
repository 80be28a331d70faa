//! What the rules share: the document, lookups built once, and the findings collected so far.
//!
//! Lookups are built once per check (hash maps by ID, each task sequence's referenced content), so
//! every rule is linear in the size of what it inspects rather than rescanning lists per item.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{Finding, Rule};
use crate::model::{
    BootImage, ContentPackage, Deployment, Device, Document, Gateway, Scenario, TaskSequence,
    Timestamp,
};

/// A deployment with its index in the document and its task sequence (with index) when that exists.
pub type DeploymentRef<'a> = (usize, &'a Deployment, Option<(usize, &'a TaskSequence)>);

/// The state of one check.
#[derive(Debug)]
pub struct Context<'a> {
    /// The document being checked.
    pub document: &'a Document,
    /// The time to compare expiry dates with; `None` skips those rules (see [`super::check`]).
    pub now: Option<Timestamp>,
    findings: Vec<Finding>,
    content: HashMap<&'a str, (usize, &'a ContentPackage)>,
    gateways: HashMap<&'a str, (usize, &'a Gateway)>,
    distribution_points: HashSet<&'a str>,
    task_sequences: HashMap<&'a str, (usize, &'a TaskSequence)>,
    boot_images: HashMap<&'a str, (usize, &'a BootImage)>,
    collections: HashSet<&'a str>,
    referenced_content: Vec<BTreeSet<&'a str>>,
}

impl<'a> Context<'a> {
    /// Builds the lookups for `document`.
    pub fn new(document: &'a Document, now: Option<Timestamp>) -> Self {
        fn index<'a, T>(
            items: &'a [T],
            id: impl Fn(&'a T) -> &'a str,
        ) -> HashMap<&'a str, (usize, &'a T)> {
            let mut map = HashMap::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                // The first object with an ID wins; duplicates are reported by OSDG-DOC-001.
                map.entry(id(item)).or_insert((i, item));
            }
            map
        }
        Context {
            document,
            now,
            findings: Vec::new(),
            content: index(&document.content, |c| c.id.as_str()),
            gateways: index(&document.gateways, |g| g.id.as_str()),
            distribution_points: document
                .distribution_points
                .iter()
                .map(|d| d.id.as_str())
                .collect(),
            task_sequences: index(&document.task_sequences, |t| t.id.as_str()),
            boot_images: index(&document.boot_images, |b| b.id.as_str()),
            collections: document.collections.iter().map(|c| c.id.as_str()).collect(),
            referenced_content: document
                .task_sequences
                .iter()
                .map(TaskSequence::referenced_content)
                .collect(),
        }
    }

    /// Records a finding of `rule` at `path`, with the rule's usual fix.
    pub fn report(&mut self, rule: &Rule, path: impl Into<String>, message: impl Into<String>) {
        self.report_with_fix(rule, path, message, rule.fix);
    }

    /// Records a finding with a fix specific to this case.
    pub fn report_with_fix(
        &mut self,
        rule: &Rule,
        path: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        let mut finding = rule.finding(path, message);
        finding.fix = fix.into();
        self.findings.push(finding);
    }

    pub(super) fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// The content package with `id` and its index.
    pub fn content(&self, id: &str) -> Option<(usize, &'a ContentPackage)> {
        self.content.get(id).copied()
    }

    /// The gateway with `id` and its index.
    pub fn gateway(&self, id: &str) -> Option<(usize, &'a Gateway)> {
        self.gateways.get(id).copied()
    }

    /// Whether `id` is a gateway or a distribution point.
    pub fn is_content_location(&self, id: &str) -> bool {
        self.gateways.contains_key(id) || self.distribution_points.contains(id)
    }

    /// Whether `id` is a distribution point.
    pub fn is_distribution_point(&self, id: &str) -> bool {
        self.distribution_points.contains(id)
    }

    /// The task sequence with `id` and its index.
    pub fn task_sequence(&self, id: &str) -> Option<(usize, &'a TaskSequence)> {
        self.task_sequences.get(id).copied()
    }

    /// The boot image with `id` and its index.
    pub fn boot_image(&self, id: &str) -> Option<(usize, &'a BootImage)> {
        self.boot_images.get(id).copied()
    }

    /// Whether a collection `id` exists.
    pub fn has_collection(&self, id: &str) -> bool {
        self.collections.contains(id)
    }

    /// The content the task sequence at `index` references (see [`TaskSequence::referenced_content`]).
    pub fn referenced_content(&self, task_sequence_index: usize) -> Option<&BTreeSet<&'a str>> {
        self.referenced_content.get(task_sequence_index)
    }

    /// Whether any gateway is content-enabled.
    pub fn has_content_gateway(&self) -> bool {
        self.document.gateways.iter().any(|g| g.content_enabled)
    }

    /// The deployments with their index and task sequence (when it exists).
    pub fn deployments(&self) -> Vec<DeploymentRef<'a>> {
        self.document
            .deployments
            .iter()
            .enumerate()
            .map(|(i, d)| (i, d, self.task_sequence(&d.task_sequence_id)))
            .collect()
    }

    /// Deployments of `scenario`.
    pub fn deployments_of(&self, scenario: Scenario) -> Vec<DeploymentRef<'a>> {
        self.deployments().into_iter().filter(|(_, d, _)| d.scenario == scenario).collect()
    }

    /// Devices in `collection_id`, with their index.
    pub fn devices_in(
        &self,
        collection_id: &'a str,
    ) -> impl Iterator<Item = (usize, &'a Device)> + 'a {
        self.document.devices.iter().enumerate().filter(move |(_, d)| d.is_member_of(collection_id))
    }
}

/// Whether `text` is `count` hex digits.
pub fn is_hex(text: &str, count: usize) -> bool {
    text.len() == count && text.bytes().all(|b| b.is_ascii_hexdigit())
}
