//! Monitoring (seed 002, "Monitor OS deployments"): the relay's status messages folded into what an
//! admin watches per deployment and device — the current step as "step N of M", progress (with the
//! download in flight), the last error with its code, and the latest log excerpt read with the
//! CMTrace reader — plus [`StatusFeed`], the polling state for the admin API's status list (a
//! cursor and an `ETag`). No I/O: the console sends the requests the feed describes and hands the
//! answers back.
//!
//! Status messages name a step, not its position, so "N of M" comes from the deployment's task
//! sequence in the document ([`StepPlan`]): M counts its steps as the agent's engine does (every
//! step, disabled ones included; groups and verbatim elements not), and N is the position of the
//! reported step's name. Names may repeat, so a name is looked up from the device's current
//! position forward (the task sequence only moves forward, apart from a restart resuming the same
//! step), and from the start only when nothing ahead has that name.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::api::{StatusMessage, StatusPage, StepState, download_of};
use crate::cmtrace::{ParsedLog, read_log};
use crate::model::{Document, TaskSequence};

/// The steps of a deployment's task sequence in the order the agent runs and counts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepPlan {
    /// The task sequence's name: the agent reports the whole sequence's end under it.
    pub sequence_name: String,
    /// Every step's name, depth first (the agent's ordinal is the index + 1).
    pub steps: Vec<String>,
}

impl StepPlan {
    /// The plan of `sequence`.
    pub fn of(sequence: &TaskSequence) -> Self {
        StepPlan {
            sequence_name: sequence.name.clone(),
            steps: sequence.steps().into_iter().map(|(step, _)| step.name.clone()).collect(),
        }
    }

    /// Each deployment's plan, by deployment ID (deployments whose task sequence the document does
    /// not hold have none: their devices show the step's name without "N of M").
    pub fn for_document(document: &Document) -> BTreeMap<String, StepPlan> {
        document
            .deployments
            .iter()
            .filter_map(|deployment| {
                let sequence =
                    document.task_sequences.iter().find(|s| s.id == deployment.task_sequence_id)?;
                Some((deployment.id.clone(), StepPlan::of(sequence)))
            })
            .collect()
    }

    /// The ordinal (1-based) of the step named `name`: the first at or after `from` (an ordinal,
    /// 1-based; 0 or past the end search from the start), else the first anywhere.
    fn ordinal_of(&self, name: &str, from: usize) -> Option<usize> {
        let start = from.saturating_sub(1).min(self.steps.len());
        let ahead = self.steps[start..].iter().position(|step| step == name).map(|i| start + i);
        ahead.or_else(|| self.steps.iter().position(|step| step == name)).map(|i| i + 1)
    }
}

/// Who reported: a registered device (device token), or a medium's token before the device
/// registered (with the SMBIOS GUID it claimed, if any).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reporter {
    Device { device_id: String },
    Medium { media_id: String, smbios_guid: Option<String> },
}

impl Reporter {
    /// The reporter of `message`.
    pub fn of(message: &StatusMessage) -> Self {
        match &message.device_id {
            Some(device_id) => Reporter::Device { device_id: device_id.clone() },
            None => Reporter::Medium {
                media_id: message.media_id.clone().unwrap_or_default(),
                smbios_guid: message.smbios_guid.clone(),
            },
        }
    }

    /// The registered device's ID, if it is one.
    pub fn device_id(&self) -> Option<&str> {
        match self {
            Reporter::Device { device_id } => Some(device_id),
            Reporter::Medium { .. } => None,
        }
    }
}

/// Where a device's run stands as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Steps are still being reported.
    Running,
    /// The task sequence completed.
    Completed,
    /// The task sequence ended with an error.
    Failed,
}

/// A download reported in flight for the current step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Download {
    pub content_id: String,
    /// 0–100, when the device sent it.
    pub percent: Option<u8>,
}

/// A failure a device reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportedError {
    /// The step (or group, or the task sequence) that failed.
    pub step: String,
    /// Its ordinal when it is a step of the plan.
    pub ordinal: Option<usize>,
    /// As the device sent it, e.g. `0x80070002`.
    pub code: Option<String>,
    /// The symbolic name of a well-known code ([`error_name`]).
    pub code_name: Option<&'static str>,
    /// The relay's receipt time, milliseconds since the Unix epoch.
    pub received_at: i64,
    /// The message's position in the relay's order.
    pub sequence: i64,
}

/// The latest log excerpt a device sent, read with the CMTrace reader: its records, and whatever
/// the reader had to skip (the excerpt's cut head, a torn record) as kind and offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogExcerpt {
    /// The step of the message that carried it.
    pub step: String,
    pub received_at: i64,
    pub sequence: i64,
    pub log: ParsedLog,
}

/// The outcome of one step as last reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReport {
    pub ordinal: usize,
    pub name: String,
    pub state: StepState,
    pub code: Option<String>,
    pub received_at: i64,
}

/// What one device has reported for one deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceProgress {
    pub reporter: Reporter,
    /// The step of the latest message, as reported (for a download: the step it belongs to).
    pub step: String,
    /// N of "step N of M": the latest reported step's position in the plan. It stays on the last
    /// step when the device reports a group or the whole sequence.
    pub ordinal: Option<usize>,
    /// M, from the plan.
    pub step_count: Option<usize>,
    /// The state of the latest message.
    pub state: StepState,
    /// The latest progress a step message carried (the agent's share of the task sequence done).
    pub progress: Option<u8>,
    /// The download the current step is waiting for, while one is reported.
    pub download: Option<Download>,
    pub outcome: RunOutcome,
    pub last_error: Option<ReportedError>,
    pub log: Option<LogExcerpt>,
    /// Each step of the plan that has been reported, by ordinal.
    pub steps: Vec<StepReport>,
    pub first_received_at: i64,
    pub last_received_at: i64,
    pub last_sequence: i64,
    pub messages: usize,
}

/// The devices of one deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentProgress {
    pub deployment_id: String,
    /// M of the deployment's task sequence, when the document holds it.
    pub step_count: Option<usize>,
    pub devices: Vec<DeviceProgress>,
}

impl DeploymentProgress {
    /// How many devices are running, completed and failed.
    pub fn counts(&self) -> OutcomeCounts {
        let mut counts = OutcomeCounts::default();
        for device in &self.devices {
            match device.outcome {
                RunOutcome::Running => counts.running += 1,
                RunOutcome::Completed => counts.completed += 1,
                RunOutcome::Failed => counts.failed += 1,
            }
        }
        counts
    }
}

/// Devices per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    pub running: usize,
    pub completed: usize,
    pub failed: usize,
}

/// The fold: every status message applied once, in the relay's order.
#[derive(Debug, Clone, Default)]
pub struct Monitor {
    plans: BTreeMap<String, StepPlan>,
    deployments: BTreeMap<String, BTreeMap<Reporter, DeviceProgress>>,
    last_sequence: i64,
}

impl Monitor {
    /// An empty fold that counts steps with `plans` (by deployment ID, [`StepPlan::for_document`]).
    pub fn new(plans: BTreeMap<String, StepPlan>) -> Self {
        Monitor { plans, ..Monitor::default() }
    }

    /// The relay sequence of the last message applied (0 before any).
    pub fn last_sequence(&self) -> i64 {
        self.last_sequence
    }

    /// Applies every message of `page`; returns how many were new.
    pub fn apply_page(&mut self, page: &StatusPage) -> usize {
        page.messages.iter().filter(|message| self.apply(message)).count()
    }

    /// Applies `message`; `false` (and nothing changes) when a message at or before it in the
    /// relay's order was already applied, so a page read twice counts once.
    pub fn apply(&mut self, message: &StatusMessage) -> bool {
        if message.sequence <= self.last_sequence {
            return false;
        }
        self.last_sequence = message.sequence;
        let plan = self.plans.get(&message.deployment_id);
        let reporter = Reporter::of(message);
        let device = self
            .deployments
            .entry(message.deployment_id.clone())
            .or_default()
            .entry(reporter.clone())
            .or_insert_with(|| DeviceProgress {
                reporter,
                step: String::new(),
                ordinal: None,
                step_count: plan.map(|p| p.steps.len()),
                state: message.state,
                progress: None,
                download: None,
                outcome: RunOutcome::Running,
                last_error: None,
                log: None,
                steps: Vec::new(),
                first_received_at: message.received_at,
                last_received_at: message.received_at,
                last_sequence: message.sequence,
                messages: 0,
            });
        device.absorb(message, plan);
        true
    }

    /// Every deployment with its devices (ordered by deployment ID, then reporter).
    pub fn deployments(&self) -> Vec<DeploymentProgress> {
        self.deployments.keys().filter_map(|id| self.deployment(id)).collect()
    }

    /// One deployment's devices; `None` before any of its devices reported.
    pub fn deployment(&self, deployment_id: &str) -> Option<DeploymentProgress> {
        let devices = self.deployments.get(deployment_id)?;
        Some(DeploymentProgress {
            deployment_id: deployment_id.to_owned(),
            step_count: self.plans.get(deployment_id).map(|p| p.steps.len()),
            devices: devices.values().cloned().collect(),
        })
    }
}

impl DeviceProgress {
    fn absorb(&mut self, message: &StatusMessage, plan: Option<&StepPlan>) {
        self.messages += 1;
        self.last_received_at = message.received_at;
        self.last_sequence = message.sequence;
        self.state = message.state;

        let download = download_of(&message.step);
        let step_name = download.map_or(message.step.as_str(), |(step, _)| step);
        let is_sequence = plan.is_some_and(|p| p.sequence_name == step_name);
        let ordinal = if is_sequence {
            None
        } else {
            plan.and_then(|plan| {
                // A step already finished moves the search past it; one in progress (a restart
                // resumes it) is found again where it is.
                let current = self.ordinal.unwrap_or(0);
                let finished = matches!(
                    self.steps.iter().find(|s| s.ordinal == current).map(|s| s.state),
                    Some(StepState::Succeeded | StepState::Skipped | StepState::Failed)
                );
                plan.ordinal_of(step_name, if finished { current + 1 } else { current })
            })
        };
        self.step = step_name.to_owned();
        if ordinal.is_some() {
            self.ordinal = ordinal;
        }

        match download {
            Some((_, content_id)) => {
                self.download =
                    Some(Download { content_id: content_id.to_owned(), percent: message.progress })
            }
            None => {
                self.download = None;
                if message.progress.is_some() {
                    self.progress = message.progress;
                }
            }
        }

        if let (Some(ordinal), None) = (ordinal, download) {
            let report = StepReport {
                ordinal,
                name: step_name.to_owned(),
                state: message.state,
                code: message.error_code.clone(),
                received_at: message.received_at,
            };
            match self.steps.binary_search_by_key(&ordinal, |s| s.ordinal) {
                Ok(at) => self.steps[at] = report,
                Err(at) => self.steps.insert(at, report),
            }
        }

        match message.state {
            StepState::Failed => {
                self.last_error = Some(ReportedError {
                    step: step_name.to_owned(),
                    ordinal,
                    code: message.error_code.clone(),
                    code_name: message.error_code.as_deref().and_then(error_name),
                    received_at: message.received_at,
                    sequence: message.sequence,
                });
                // The agent reports the whole run's failure under the task sequence's name; without
                // a plan, any failure is taken as the run's until the device reports again.
                if is_sequence || plan.is_none() {
                    self.outcome = RunOutcome::Failed;
                }
            }
            StepState::Completed => self.outcome = RunOutcome::Completed,
            // A device that reports again after a failure or completion is running again (a
            // deployment run once more, or a step continuing on error).
            _ => self.outcome = RunOutcome::Running,
        }

        if let Some(excerpt) = &message.log_excerpt {
            self.log = Some(LogExcerpt {
                step: step_name.to_owned(),
                received_at: message.received_at,
                sequence: message.sequence,
                log: read_log(excerpt.as_bytes()),
            });
        }
    }
}

/// Well-known result codes task sequences end with, by their symbolic names (winerror.h; the
/// facility-7 HRESULTs of Win32 errors, and the COM codes the agent uses). The console shows the
/// name beside the code; the meaning is looked up by the admin as for ConfigMgr.
const ERROR_NAMES: &[(u32, &str)] = &[
    (0x8000_4001, "E_NOTIMPL"),
    (0x8000_4005, "E_FAIL"),
    (0x8007_0002, "ERROR_FILE_NOT_FOUND"),
    (0x8007_0003, "ERROR_PATH_NOT_FOUND"),
    (0x8007_0005, "E_ACCESSDENIED"),
    (0x8007_000D, "ERROR_INVALID_DATA"),
    (0x8007_0032, "ERROR_NOT_SUPPORTED"),
    (0x8007_0057, "E_INVALIDARG"),
    (0x8007_0070, "ERROR_DISK_FULL"),
    (0x8007_03E3, "ERROR_OPERATION_ABORTED"),
    (0x8007_0490, "ERROR_NOT_FOUND"),
    (0x8007_05B4, "ERROR_TIMEOUT"),
    (0x8007_0BC2, "ERROR_SUCCESS_REBOOT_REQUIRED"),
    (0x8007_2EE7, "ERROR_INTERNET_NAME_NOT_RESOLVED"),
    (0x8007_2EFD, "ERROR_INTERNET_CANNOT_CONNECT"),
];

/// The symbolic name of a reported code (`0x80070002`, any case, or a decimal exit code), when it
/// is one of [`ERROR_NAMES`].
pub fn error_name(code: &str) -> Option<&'static str> {
    let code = code.trim();
    let value = match code.strip_prefix("0x").or_else(|| code.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        // Decimal exit codes may be negative (a signed HRESULT).
        None => code.parse::<i64>().ok().and_then(|v| u32::try_from(v & 0xFFFF_FFFF).ok())?,
    };
    ERROR_NAMES.iter().find(|(known, _)| *known == value).map(|(_, name)| *name)
}

/// What the feed asks the relay next: `GET` of `path` with `If-None-Match` when it has a tag for
/// that exact query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollRequest {
    pub path: String,
    pub if_none_match: Option<String>,
}

/// The relay's answer to a [`PollRequest`].
#[derive(Debug, Clone, PartialEq)]
pub enum PollAnswer {
    /// `304 Not Modified`: nothing new since the tag.
    NotModified,
    /// `200` with its `ETag` (if any) and the page.
    Page { etag: Option<String>, page: StatusPage },
}

/// When to poll again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollNext {
    /// More messages wait behind this page: ask again at once.
    Immediately,
    /// Up to date: ask again after the polling interval.
    AfterInterval,
}

/// The polling state for `GET /api/v1/admin/status`: the cursor after the last message read, and
/// the entity tag of the last answer *for that cursor* (a tag belongs to one query; once the cursor
/// moves the old tag would never match, so it is not sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusFeed {
    deployment: Option<String>,
    limit: u32,
    cursor: String,
    tag: Option<(String, String)>,
}

/// The largest page the relay serves (its `limit` bound).
pub const STATUS_PAGE_LIMIT: u32 = 500;

impl StatusFeed {
    /// A feed from the first message on, of one deployment or (`None`) of all.
    pub fn new(deployment: Option<&str>) -> Self {
        StatusFeed {
            deployment: deployment.map(str::to_owned),
            limit: STATUS_PAGE_LIMIT,
            cursor: "0".to_owned(),
            tag: None,
        }
    }

    /// The cursor the next request starts after.
    pub fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The next request.
    pub fn request(&self) -> PollRequest {
        let mut path = format!(
            "{}/admin/status?after={}&limit={}",
            crate::api::API_PREFIX,
            self.cursor,
            self.limit
        );
        if let Some(deployment) = &self.deployment {
            path.push_str("&deployment=");
            path.push_str(&query_value(deployment));
        }
        let if_none_match = self
            .tag
            .as_ref()
            .filter(|(cursor, _)| *cursor == self.cursor)
            .map(|(_, tag)| tag.clone());
        PollRequest { path, if_none_match }
    }

    /// Takes the relay's answer: new messages go into `monitor`, the cursor and tag move on.
    pub fn receive(&mut self, answer: PollAnswer, monitor: &mut Monitor) -> PollNext {
        match answer {
            PollAnswer::NotModified => PollNext::AfterInterval,
            PollAnswer::Page { etag, page } => {
                monitor.apply_page(&page);
                if let Some(etag) = etag {
                    self.tag = Some((self.cursor.clone(), etag));
                }
                self.cursor = page.next_cursor.clone();
                if page.has_more { PollNext::Immediately } else { PollNext::AfterInterval }
            }
        }
    }
}

/// `value` percent-encoded for a query string (RFC 3986 unreserved characters kept).
fn query_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmtrace::{LogRecord, LogTime, ReadErrorKind, Severity, format_record};
    use crate::model::{Node, Step, StepType};

    fn sequence() -> TaskSequence {
        let step = |name: &str| Node::Step(Step::new(StepType::RunCommandLine, name));
        let mut sequence: TaskSequence = serde_json::from_value(serde_json::json!({
            "id": "ABC00020", "name": "Windows 11 over the gateway"
        }))
        .unwrap();
        sequence.steps = vec![
            step("Partition Disk"),
            Node::Group(crate::model::Group {
                name: "Install".into(),
                description: String::new(),
                disabled: true,
                continue_on_error: false,
                condition: None,
                extra_attributes: Vec::new(),
                children: vec![step("Apply Operating System"), step("Run")],
            }),
            step("Run"),
            step("Restart"),
        ];
        sequence
    }

    fn plans() -> BTreeMap<String, StepPlan> {
        BTreeMap::from([("ABC20001".to_owned(), StepPlan::of(&sequence()))])
    }

    struct Sender {
        sequence: i64,
        device: Option<&'static str>,
        deployment: &'static str,
    }

    impl Sender {
        fn device(device: &'static str) -> Self {
            Sender { sequence: 0, device: Some(device), deployment: "ABC20001" }
        }

        fn send(&mut self, step: &str, state: StepState, progress: Option<u8>) -> StatusMessage {
            self.sequence += 1;
            StatusMessage {
                sequence: self.sequence,
                message_id: format!("m{}", self.sequence),
                deployment_id: self.deployment.to_owned(),
                device_id: self.device.map(str::to_owned),
                media_id: Some("usb-1".into()),
                smbios_guid: None,
                step: step.to_owned(),
                state,
                progress,
                error_code: None,
                log_excerpt: None,
                sent_at: None,
                received_at: 1_000 * self.sequence,
            }
        }
    }

    #[test]
    fn the_plan_counts_every_step_as_the_engine_does() {
        let plan = StepPlan::of(&sequence());
        assert_eq!(
            plan.steps,
            ["Partition Disk", "Apply Operating System", "Run", "Run", "Restart"]
        );
        assert_eq!(plan.sequence_name, "Windows 11 over the gateway");
    }

    #[test]
    fn steps_become_n_of_m_and_repeated_names_move_forward() {
        let mut monitor = Monitor::new(plans());
        let mut device = Sender::device("dev-1");
        for message in [
            device.send("Partition Disk", StepState::Started, Some(0)),
            device.send("Partition Disk", StepState::Succeeded, Some(20)),
            device.send("Apply Operating System", StepState::Skipped, Some(40)),
            device.send("Run", StepState::Skipped, Some(60)),
            device.send("Run", StepState::Started, Some(60)),
        ] {
            assert!(monitor.apply(&message));
        }
        let deployment = monitor.deployment("ABC20001").unwrap();
        let progress = &deployment.devices[0];
        assert_eq!((progress.ordinal, progress.step_count), (Some(4), Some(5)));
        assert_eq!(progress.step, "Run");
        assert_eq!(progress.state, StepState::Started);
        assert_eq!(progress.progress, Some(60));
        assert_eq!(progress.outcome, RunOutcome::Running);
        let states: Vec<_> = progress.steps.iter().map(|s| (s.ordinal, s.state)).collect();
        assert_eq!(
            states,
            [
                (1, StepState::Succeeded),
                (2, StepState::Skipped),
                (3, StepState::Skipped),
                (4, StepState::Started)
            ]
        );
        // A restart resumes the step in progress: the same step, not the next of that name.
        assert!(monitor.apply(&device.send("Run", StepState::Running, None)));
        assert_eq!(monitor.deployment("ABC20001").unwrap().devices[0].ordinal, Some(4));
    }

    #[test]
    fn a_failed_step_carries_its_code_and_parsed_log_and_the_sequence_failure_ends_the_run() {
        let mut monitor = Monitor::new(plans());
        let mut device = Sender::device("dev-1");
        monitor.apply(&device.send("Partition Disk", StepState::Started, Some(0)));
        let record = |message: &str, severity| {
            format_record(&LogRecord {
                message: message.into(),
                time: LogTime::from_unix_millis(1_796_181_300_007, -60).unwrap(),
                component: "osdgate-agent".into(),
                context: String::new(),
                severity,
                thread: 2844,
                file: "run.rs".into(),
            })
            .unwrap()
        };
        // An excerpt cut inside a record, then two whole records.
        let excerpt = format!(
            "t one]LOG]!><time=\"04:15:00.007-060\" date=\"12-02-2026\" component=\"x\" context=\"\" type=\"1\" thread=\"1\" file=\"\">\r\n{}{}",
            record("Start executing step 1 of 5: Partition Disk", Severity::Information),
            record(
                "Step Partition Disk failed with 0x80070002: diskpart.exe not found",
                Severity::Error
            ),
        );
        let mut failed = device.send("Partition Disk", StepState::Failed, None);
        failed.error_code = Some("0x80070002".into());
        failed.log_excerpt = Some(excerpt);
        monitor.apply(&failed);

        let progress = &monitor.deployment("ABC20001").unwrap().devices[0];
        let error = progress.last_error.as_ref().unwrap();
        assert_eq!(error.step, "Partition Disk");
        assert_eq!(error.ordinal, Some(1));
        assert_eq!(error.code.as_deref(), Some("0x80070002"));
        assert_eq!(error.code_name, Some("ERROR_FILE_NOT_FOUND"));
        assert_eq!(error.received_at, 2_000);
        // A failed step with continue-on-error does not end the run by itself.
        assert_eq!(progress.outcome, RunOutcome::Running);
        let log = &progress.log.as_ref().unwrap().log;
        assert_eq!(log.records.len(), 2);
        assert_eq!(log.records[1].record.severity, Severity::Error);
        assert_eq!(log.records[1].record.time.to_unix_millis(), 1_796_181_300_007);
        assert_eq!(log.skipped.len(), 1);
        assert_eq!(log.skipped[0].kind, ReadErrorKind::TornFragment);

        let mut end = device.send("Windows 11 over the gateway", StepState::Failed, None);
        end.error_code = Some("0x80070002".into());
        monitor.apply(&end);
        let progress = &monitor.deployment("ABC20001").unwrap().devices[0];
        assert_eq!(progress.outcome, RunOutcome::Failed);
        // The sequence's failure names no step: "N of M" stays on the failed step.
        assert_eq!(progress.ordinal, Some(1));
        assert_eq!(progress.last_error.as_ref().unwrap().ordinal, None);
        assert_eq!(monitor.deployment("ABC20001").unwrap().counts().failed, 1);
    }

    #[test]
    fn downloads_show_beside_the_step_and_completion_ends_the_run() {
        let mut monitor = Monitor::new(plans());
        let mut device = Sender::device("dev-1");
        monitor.apply(&device.send("Partition Disk", StepState::Succeeded, Some(20)));
        monitor.apply(&device.send("Apply Operating System", StepState::Started, Some(20)));
        let download = crate::api::download_step("Apply Operating System", "ABC00010");
        monitor.apply(&device.send(&download, StepState::Running, Some(75)));
        let progress = &monitor.deployment("ABC20001").unwrap().devices[0];
        assert_eq!(progress.step, "Apply Operating System");
        assert_eq!(progress.ordinal, Some(2));
        assert_eq!(progress.progress, Some(20), "the sequence's share, not the download's");
        assert_eq!(
            progress.download,
            Some(Download { content_id: "ABC00010".into(), percent: Some(75) })
        );
        assert_eq!(progress.steps[1].state, StepState::Started, "a download is no step outcome");
        monitor.apply(&device.send("Apply Operating System", StepState::Succeeded, Some(40)));
        monitor.apply(&device.send("Windows 11 over the gateway", StepState::Completed, Some(100)));
        let progress = &monitor.deployment("ABC20001").unwrap().devices[0];
        assert_eq!(progress.download, None);
        assert_eq!(progress.outcome, RunOutcome::Completed);
        assert_eq!(progress.progress, Some(100));
        assert_eq!(monitor.deployment("ABC20001").unwrap().counts().completed, 1);
    }

    #[test]
    fn devices_and_deployments_are_kept_apart_and_a_message_counts_once() {
        let mut monitor = Monitor::new(plans());
        let mut first = Sender::device("dev-1");
        let first_message = first.send("Partition Disk", StepState::Started, Some(0));
        let mut second = Sender { sequence: 1, device: None, deployment: "OTHER" };
        let second_message = second.send("Format", StepState::Started, Some(0));
        assert!(monitor.apply(&first_message));
        assert!(monitor.apply(&second_message));
        assert!(!monitor.apply(&first_message), "already applied");
        assert!(!monitor.apply(&second_message), "already applied");
        assert_eq!(monitor.last_sequence(), 2);
        let deployments = monitor.deployments();
        assert_eq!(deployments.len(), 2);
        assert_eq!(deployments[0].devices[0].messages, 1);
        let other = &deployments[1];
        assert_eq!(other.step_count, None, "no plan for a deployment the document lacks");
        assert_eq!(other.devices[0].ordinal, None);
        assert_eq!(
            other.devices[0].reporter,
            Reporter::Medium { media_id: "usb-1".into(), smbios_guid: None }
        );
        assert_eq!(deployments[0].devices[0].reporter.device_id(), Some("dev-1"));
    }

    #[test]
    fn error_names_read_hex_and_decimal_codes() {
        assert_eq!(error_name("0x80070002"), Some("ERROR_FILE_NOT_FOUND"));
        assert_eq!(error_name("0X800705b4"), Some("ERROR_TIMEOUT"));
        assert_eq!(error_name("-2147024894"), Some("ERROR_FILE_NOT_FOUND"));
        assert_eq!(error_name("0x12345678"), None);
        assert_eq!(error_name("not a code"), None);
    }

    fn page(messages: Vec<StatusMessage>, has_more: bool) -> StatusPage {
        let next_cursor = messages.last().map_or("0".to_owned(), |m| m.sequence.to_string());
        StatusPage { messages, next_cursor, has_more }
    }

    #[test]
    fn the_feed_moves_its_cursor_and_sends_a_tag_only_for_its_own_query() {
        let mut monitor = Monitor::new(plans());
        let mut feed = StatusFeed::new(Some("ABC 2/1"));
        assert_eq!(
            feed.request(),
            PollRequest {
                path: "/api/v1/admin/status?after=0&limit=500&deployment=ABC%202%2F1".into(),
                if_none_match: None
            }
        );
        let mut device = Sender::device("dev-1");
        let first = vec![device.send("Partition Disk", StepState::Started, Some(0))];
        let next = feed.receive(
            PollAnswer::Page { etag: Some("\"a\"".into()), page: page(first, true) },
            &mut monitor,
        );
        assert_eq!(next, PollNext::Immediately);
        // The cursor moved: the tag of the old query is not sent.
        assert_eq!(feed.cursor(), "1");
        assert_eq!(feed.request().if_none_match, None);
        let empty = StatusPage { messages: Vec::new(), next_cursor: "1".into(), has_more: false };
        let next = feed
            .receive(PollAnswer::Page { etag: Some("\"b\"".into()), page: empty }, &mut monitor);
        assert_eq!(next, PollNext::AfterInterval);
        assert_eq!(feed.request().if_none_match.as_deref(), Some("\"b\""));
        assert_eq!(feed.receive(PollAnswer::NotModified, &mut monitor), PollNext::AfterInterval);
        assert_eq!(feed.request().if_none_match.as_deref(), Some("\"b\""));
        assert_eq!(monitor.deployment("ABC20001").unwrap().devices[0].messages, 1);
    }
}
