//! Per scenario of the seeds: is the document ready, and what blocks it (the console's overview).
//!
//! A scenario is ready when it has deployments and the document holding only those deployments
//! passes preflight without errors. Checking that reduced document (rather than sorting the full
//! report's findings by hand) keeps every rule where it lives, in `osdgate_model::preflight`: the
//! scenario's own rules fire for its deployments, and the document-wide rules block every scenario.

use serde::{Deserialize, Serialize};

use super::{Finding, Report, Severity, check_at};
use crate::model::{Document, Scenario, Timestamp};

/// The scenarios in the order the overview shows them.
pub const SCENARIOS: [Scenario; 4] = [
    Scenario::BootMediaOverGateway,
    Scenario::CloudContentFromBootMedia,
    Scenario::InPlaceUpgradeOverGateway,
    Scenario::SoftwareCenter,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Readiness {
    /// No deployment is meant for this scenario.
    NotConfigured,
    /// Preflight errors stand in the way; the findings are in [`ScenarioStatus::blocking`].
    Blocked,
    /// Every deployment of the scenario passes preflight.
    Ready,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioStatus {
    pub scenario: Scenario,
    /// IDs of the deployments meant for the scenario.
    pub deployments: Vec<String>,
    pub readiness: Readiness,
    /// The errors that block it, with paths into the full document.
    pub blocking: Vec<Finding>,
}

/// The status of every scenario of `document`, checked at `now`.
pub fn readiness(document: &Document, now: Timestamp) -> Vec<ScenarioStatus> {
    SCENARIOS.iter().map(|&scenario| status(document, scenario, now)).collect()
}

fn status(document: &Document, scenario: Scenario, now: Timestamp) -> ScenarioStatus {
    // Index in the reduced document → index in the full one.
    let original: Vec<usize> = document
        .deployments
        .iter()
        .enumerate()
        .filter(|(_, d)| d.scenario == scenario)
        .map(|(index, _)| index)
        .collect();
    let deployments = original.iter().map(|&i| document.deployments[i].id.clone()).collect();
    if original.is_empty() {
        return ScenarioStatus {
            scenario,
            deployments,
            readiness: Readiness::NotConfigured,
            blocking: Vec::new(),
        };
    }
    let mut reduced = document.clone();
    reduced.deployments.retain(|d| d.scenario == scenario);
    let blocking: Vec<Finding> = check_at(&reduced, now)
        .findings
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|mut finding| {
            finding.path = remap_deployment_index(&finding.path, &original);
            finding
        })
        .collect();
    let readiness = if blocking.is_empty() { Readiness::Ready } else { Readiness::Blocked };
    ScenarioStatus { scenario, deployments, readiness, blocking }
}

/// `deployments[1].purpose` in the reduced document is `deployments[original[1]].purpose`.
fn remap_deployment_index(path: &str, original: &[usize]) -> String {
    let Some(rest) = path.strip_prefix("deployments[") else { return path.to_owned() };
    let Some((index, tail)) = rest.split_once(']') else { return path.to_owned() };
    match index.parse::<usize>().ok().and_then(|i| original.get(i)) {
        Some(full) => format!("deployments[{full}]{tail}"),
        None => path.to_owned(),
    }
}

/// One recheck of the working document as the console shows it: the full report and, per
/// scenario, whether it is ready.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentCheck {
    pub report: Report,
    pub scenarios: Vec<ScenarioStatus>,
}

impl DocumentCheck {
    /// The report of `document` at `now` and the readiness of each scenario.
    pub fn of(document: &Document, now: Timestamp) -> Self {
        DocumentCheck { report: check_at(document, now), scenarios: readiness(document, now) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> Document {
        let path = format!("{}/../examples/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        Document::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    const NOW: Timestamp = Timestamp::from_unix_seconds(1_790_000_000);

    #[test]
    fn each_correct_example_makes_its_scenario_ready_and_only_that_one() {
        for (name, scenario) in [
            ("boot-media-over-gateway", Scenario::BootMediaOverGateway),
            ("cloud-content-from-boot-media", Scenario::CloudContentFromBootMedia),
            ("in-place-upgrade-over-gateway", Scenario::InPlaceUpgradeOverGateway),
            ("software-center", Scenario::SoftwareCenter),
        ] {
            for status in readiness(&example(name), NOW) {
                if status.scenario == scenario {
                    assert_eq!(status.readiness, Readiness::Ready, "{name}: {:?}", status.blocking);
                    assert!(!status.deployments.is_empty());
                } else {
                    assert_eq!(status.readiness, Readiness::NotConfigured, "{name}");
                }
            }
        }
    }

    #[test]
    fn a_broken_example_is_blocked_by_its_errors_with_full_document_paths() {
        let document = example("boot-media-over-gateway.broken");
        let statuses = readiness(&document, NOW);
        let boot = &statuses[0];
        assert_eq!(boot.readiness, Readiness::Blocked);
        let full = check_at(&document, NOW);
        for finding in &boot.blocking {
            assert!(full.findings.contains(finding), "{finding:?} is not in the full report");
        }
    }

    #[test]
    fn deployment_indexes_are_mapped_back() {
        assert_eq!(
            remap_deployment_index("deployments[1].purpose", &[0, 3]),
            "deployments[3].purpose"
        );
        assert_eq!(remap_deployment_index("deployments[0]", &[2]), "deployments[2]");
        assert_eq!(remap_deployment_index("site.code", &[2]), "site.code");
        assert_eq!(remap_deployment_index("deployments[9].x", &[2]), "deployments[9].x");
    }
}
