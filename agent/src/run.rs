//! `osdgate-agent run`: reads the bundle and the policy, runs the task sequence with the engine, and
//! reports every event to `smsts.log`, the status queue and the screen (step N of M).
//!
//! Until the relay client is built, the policy comes from a file (`--policy`). A dry run records
//! what the executors would do in `dry-run.json` and the log; a real run does it on the
//! [`RealMachine`] (content staged in a folder), keeps the same record in `actions.json`, and ends
//! at each restart the machine performs. The status messages wait in the queue (`status/` in the
//! state folder) for the relay client to send them.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use osdgate_model::api::{DeploymentPolicy, PolicyResponse, StatusPost, StepState};
use osdgate_model::cmtrace::{RolloverPolicy, Severity};
use osdgate_model::media::bundle::MediaConfig;
use osdgate_model::media::layout::MEDIA_CONFIG;
use osdgate_model::model::{DeploymentOption, TaskSequence, Timestamp};

use crate::condition::{NoMachineProbe, Probe};
use crate::engine::{
    Engine, Environment, Event, Observer, RunContext, RunOutcome, RunState, SkipReason,
};
use crate::executor::{DryRun, Machine, RecordedAction, StepExecutor};
use crate::logfile::SmstsLog;
use crate::placement::{Placed, SAVED_POLICY, check_resume_environment, move_folder};
use crate::platform::{ContentSource, Drives, NoContent, RealMachine, StagedContent};
use crate::probe::SystemProbe;
use crate::state::{StateFile, write_atomically};
use crate::status::StatusQueue;

/// The dry run's record of every command, file, content and restart, in the state folder.
pub const DRY_RUN_RECORD: &str = "dry-run.json";
/// A real run's record of the same (same format), in the state folder.
pub const ACTION_RECORD: &str = "actions.json";

/// `run`'s validated options.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The bundle folder (`osdgate\` on the medium, with `media.json`).
    pub bundle: PathBuf,
    pub policy_file: PathBuf,
    /// Which deployment of the policy file to run (needed when it holds several).
    pub deployment: Option<String>,
    pub state_folder: PathBuf,
    pub dry_run: bool,
    /// The current time, for the medium's expiry.
    pub now: Timestamp,
    /// A real run on a host without drive letters: drive `L:` is the folder `l` in here (tests).
    pub drive_root: Option<PathBuf>,
    /// Folders searched for programs before the `PATH` (tools carried on the medium).
    pub tools: Vec<PathBuf>,
    /// A real run's staged content: the Windows path of a folder with one folder per content ID.
    pub staged_content: Option<String>,
    /// A real run keeps its state and log where ConfigMgr does (`placement`) instead of in
    /// `state_folder`.
    pub place_automatically: bool,
}

/// How a run ended, for the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    Completed,
    Failed {
        code: u32,
        message: String,
    },
    /// A real run asked the machine to restart; the next start continues at the next step.
    Restarting,
}

/// Reads `media.json` from the bundle folder.
pub fn read_media_config(bundle: &Path) -> Result<MediaConfig, String> {
    let path = bundle.join(MEDIA_CONFIG);
    let bytes = fs::read(&path).map_err(|e| {
        format!(
            "--bundle: cannot read {} ({e}); point --bundle at the osdgate folder of the medium",
            path.display()
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        format!("--bundle: {} is not an osdgate media configuration ({e}); rebuild the medium with `osdgate media bundle`", path.display())
    })
}

/// Picks the deployment to run from a policy file (`PolicyResponse` or one `DeploymentPolicy`):
/// the one named, else the only one the medium may run.
pub fn select_policy(
    bytes: &[u8],
    media: &MediaConfig,
    wanted: Option<&str>,
) -> Result<DeploymentPolicy, String> {
    let deployments = match serde_json::from_slice::<PolicyResponse>(bytes) {
        Ok(response) => response.deployments,
        Err(_) => vec![serde_json::from_slice::<DeploymentPolicy>(bytes).map_err(|e| {
            format!("--policy: neither a policy response (GET /api/v1/policy) nor one deployment policy: {e}")
        })?],
    };
    let allowed: Vec<DeploymentPolicy> = deployments
        .into_iter()
        .filter(|d| media.deployments.iter().any(|m| m == &d.deployment_id))
        .collect();
    match wanted {
        Some(id) => allowed.into_iter().find(|d| d.deployment_id == id).ok_or_else(|| {
            format!(
                "--deployment {id}: not in the policy, or not one this medium may run ({})",
                media.deployments.join(", ")
            )
        }),
        None => match allowed.len() {
            1 => Ok(allowed.into_iter().next().expect("one element")),
            0 => Err(format!(
                "--policy: no deployment in it is one this medium may run ({})",
                media.deployments.join(", ")
            )),
            _ => Err(format!(
                "--policy holds {} deployments this medium may run ({}); choose one with --deployment",
                allowed.len(),
                allowed.iter().map(|d| d.deployment_id.as_str()).collect::<Vec<_>>().join(", ")
            )),
        },
    }
}

/// Everything an event goes to: the log, the status queue, the screen and the state file.
struct Reporter<'a> {
    log: SmstsLog,
    queue: StatusQueue,
    state_file: StateFile,
    screen: &'a mut dyn std::io::Write,
    sequence_name: String,
    queued: usize,
    /// A real run's placement: the state folder and the log move as ConfigMgr's do.
    placed: Option<Placed>,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn percent(done: usize, total: usize) -> u8 {
    (done.min(total) * 100).checked_div(total).map_or(100, |p| p as u8)
}

impl Reporter<'_> {
    fn status(
        &mut self,
        state: &RunState,
        step: &str,
        step_state: StepState,
        progress: Option<u8>,
        error_code: Option<u32>,
        with_log: bool,
    ) -> Result<(), String> {
        let post = StatusPost {
            message_id: String::new(),
            deployment_id: state.deployment_id.clone(),
            step: step.chars().take(512).collect(),
            state: step_state,
            progress,
            error_code: error_code.map(|c| format!("0x{c:08X}")),
            log_excerpt: with_log.then(|| self.log.excerpt()),
            sent_at: Some(now_ms()),
            smbios_guid: None,
        };
        self.queue.enqueue(post).map_err(|e| e.to_string())?;
        self.queued += 1;
        Ok(())
    }

    fn log(&mut self, severity: Severity, message: &str) -> Result<(), String> {
        self.log
            .write(severity, message, "run.rs")
            .map_err(|e| format!("cannot write {}: {e}", self.log.path().display()))
    }

    fn say(&mut self, line: &str) {
        // The screen is best effort: a closed console must not stop a deployment.
        let _ = writeln!(self.screen, "{line}");
    }
}

impl Observer for Reporter<'_> {
    fn event(&mut self, event: &Event, state: &RunState) -> Result<(), String> {
        match event {
            Event::SequenceStarted { step_count, resumed } => {
                let verb = if *resumed { "Resuming" } else { "Starting" };
                let text = format!(
                    "{verb} task sequence {} ({} steps) for deployment {}",
                    self.sequence_name, step_count, state.deployment_id
                );
                self.log(Severity::Information, &text)?;
                self.say(&text);
            }
            Event::GroupEntered { name, .. } => {
                self.log(Severity::Information, &format!("Entering group {name}"))?
            }
            Event::GroupSkipped { name, reason, .. } => {
                let why = skip_text(reason);
                self.log(Severity::Information, &format!("Skipping group {name}: {why}"))?;
                self.say(&format!("      group {name}: skipped ({why})"));
                self.status(state, name, StepState::Skipped, None, None, false)?;
            }
            Event::StepSkipped { name, ordinal, step_count, reason, .. } => {
                let why = skip_text(reason);
                self.log(
                    Severity::Information,
                    &format!("Skipping step {ordinal} of {step_count}, {name}: {why}"),
                )?;
                self.say(&format!("[{ordinal}/{step_count}] {name}: skipped ({why})"));
                self.status(
                    state,
                    name,
                    StepState::Skipped,
                    Some(percent(*ordinal, *step_count)),
                    None,
                    false,
                )?;
            }
            Event::StepStarted { name, ordinal, step_count, attempt, .. } => {
                let again =
                    if *attempt > 1 { format!(" (attempt {attempt})") } else { String::new() };
                self.log(
                    Severity::Information,
                    &format!("Start executing step {ordinal} of {step_count}: {name}{again}"),
                )?;
                self.say(&format!("[{ordinal}/{step_count}] {name}{again} ..."));
                self.status(
                    state,
                    name,
                    StepState::Started,
                    Some(percent(ordinal - 1, *step_count)),
                    None,
                    false,
                )?;
            }
            Event::StepSucceeded { name, ordinal, step_count, exit_code, message, .. } => {
                self.log(
                    Severity::Information,
                    &format!("Step {name} succeeded (exit code {exit_code}). {message}"),
                )?;
                self.say(&format!("[{ordinal}/{step_count}] {name}: done"));
                self.status(
                    state,
                    name,
                    StepState::Succeeded,
                    Some(percent(*ordinal, *step_count)),
                    None,
                    false,
                )?;
            }
            Event::Failed { name, ordinal, step_count, code, message, continues, .. } => {
                let what = if ordinal.is_some() { "Step" } else { "Group" };
                let after = if *continues {
                    "continuing (continue on error)"
                } else {
                    "the failure goes up to the enclosing group"
                };
                self.log(
                    Severity::Error,
                    &format!("{what} {name} failed with 0x{code:08X}: {message}; {after}"),
                )?;
                let position = ordinal
                    .map(|o| format!("[{o}/{step_count}] "))
                    .unwrap_or_else(|| "      ".to_owned());
                self.say(&format!("{position}{name}: FAILED 0x{code:08X}: {message}"));
                self.status(state, name, StepState::Failed, None, Some(*code), true)?;
            }
            Event::RestartRequired { into } => {
                let text = format!(
                    "The step asked for a restart into {}; the task sequence continues with the next step after it",
                    environment_text(*into)
                );
                self.log(Severity::Information, &text)?;
                self.say(&text);
                let current = state
                    .variables
                    .get(crate::variables::CURRENT_ACTION_NAME)
                    .unwrap_or("restart")
                    .to_owned();
                self.status(state, &current, StepState::Running, None, None, false)?;
            }
            Event::SequenceFinished { succeeded, code } => {
                let name = self.sequence_name.clone();
                if *succeeded {
                    self.log(Severity::Information, &format!("Task sequence {name} completed"))?;
                    self.say("The task sequence completed.");
                    self.status(state, &name, StepState::Completed, Some(100), None, false)?;
                } else {
                    let code = code.unwrap_or(crate::engine::GENERIC_ERROR);
                    self.log(
                        Severity::Error,
                        &format!("Task sequence {name} failed with 0x{code:08X}"),
                    )?;
                    self.say(&format!(
                        "The task sequence failed (0x{code:08X}). Log: {}",
                        self.log.path().display()
                    ));
                    self.status(state, &name, StepState::Failed, None, Some(code), true)?;
                }
            }
        }
        Ok(())
    }

    fn save(&mut self, state: &RunState) -> Result<(), String> {
        self.state_file.save(state).map_err(|e| e.to_string())?;
        self.place(state)
    }
}

impl Reporter<'_> {
    /// Moves the state folder and the log where they belong for `state` (a real run only).
    fn place(&mut self, state: &RunState) -> Result<(), String> {
        let Some(placed) = self.placed.as_mut() else { return Ok(()) };
        let wanted = placed.wanted_state_folder(state);
        if wanted != placed.state_folder {
            let (from, to) = (placed.host(&placed.state_folder)?, placed.host(&wanted)?);
            move_folder(&from, &to).map_err(|e| {
                format!(
                    "cannot move the task sequence state from {} to {wanted}: {e}",
                    placed.state_folder
                )
            })?;
            let old = std::mem::replace(&mut placed.state_folder, wanted.clone());
            self.state_file = StateFile::in_folder(&to).map_err(|e| e.to_string())?;
            self.queue = StatusQueue::open(&to.join("status")).map_err(|e| e.to_string())?;
            self.log(
                Severity::Information,
                &format!("The task sequence state moved from {old} to {wanted}"),
            )?;
        }
        let Some(placed) = self.placed.as_mut() else { return Ok(()) };
        let wanted = placed.wanted_log_folder(state);
        if wanted != placed.log_folder {
            let to = placed.host(&wanted)?;
            let old = std::mem::replace(&mut placed.log_folder, wanted.clone());
            self.log
                .move_to(&to)
                .map_err(|e| format!("cannot move smsts.log from {old} to {wanted}: {e}"))?;
            self.log(Severity::Information, &format!("smsts.log moved from {old} to {wanted}"))?;
        }
        Ok(())
    }

    /// The state folder on the host.
    fn state_folder(&self, fixed: &Path) -> Result<PathBuf, String> {
        match &self.placed {
            Some(placed) => placed.host(&placed.state_folder),
            None => Ok(fixed.to_owned()),
        }
    }
}

fn skip_text(reason: &SkipReason) -> &'static str {
    match reason {
        SkipReason::Disabled => "disabled",
        SkipReason::ConditionFalse => "its condition is false",
    }
}

fn environment_text(environment: Environment) -> &'static str {
    match environment {
        Environment::WindowsPe => "Windows PE",
        Environment::FullOs => "the full OS",
    }
}

/// Runs the task sequence of the policy file in a dry run. `screen` receives the progress lines.
pub fn run(options: &RunOptions, screen: &mut dyn std::io::Write) -> Result<RunEnd, String> {
    let real = if options.dry_run {
        None
    } else {
        let drives = Drives::host(options.drive_root.clone())?;
        let content: Box<dyn ContentSource> = match &options.staged_content {
            Some(folder) => Box::new(StagedContent { folder: folder.clone() }),
            None => Box::new(NoContent),
        };
        Some(RealMachine::new(drives, options.tools.clone(), content))
    };
    // A real run without --state keeps its state and log where ConfigMgr keeps them.
    let placed = match (&real, options.place_automatically) {
        (Some(machine), true) => {
            let (placed, saved) = Placed::at_start(machine.drives.clone())?;
            if let (Some(saved), Drives::Windows) = (&saved, &machine.drives) {
                let system_drive = std::env::var("SystemDrive").ok();
                check_resume_environment(saved.environment, system_drive.as_deref())?;
            }
            Some(placed)
        }
        _ => None,
    };
    let state_folder = match &placed {
        Some(placed) => placed.host(&placed.state_folder)?,
        None => options.state_folder.clone(),
    };
    let log_folder = match &placed {
        Some(placed) => placed.host(&placed.log_folder)?,
        None => state_folder.join("logs"),
    };
    let media = read_media_config(&options.bundle)?;
    let expires = Timestamp::parse(&media.expires_at)
        .map_err(|e| format!("--bundle: media.json expires_at: {e}"))?;
    if expires <= options.now {
        return Err(format!(
            "the medium {} expired at {}; create new media in the console",
            media.media_id, media.expires_at
        ));
    }
    let policy_bytes = fs::read(&options.policy_file)
        .map_err(|e| format!("--policy: cannot read {} ({e})", options.policy_file.display()))?;
    let policy = select_policy(&policy_bytes, &media, options.deployment.as_deref())?;
    let sequence: TaskSequence =
        serde_json::from_value(policy.task_sequence.clone()).map_err(|e| {
            format!(
                "--policy: deployments[{}].task_sequence is not a task sequence: {e}",
                policy.deployment_id
            )
        })?;

    let state_file = StateFile::in_folder(&state_folder).map_err(|e| e.to_string())?;
    let log = SmstsLog::open(&log_folder, RolloverPolicy::default())
        .map_err(|e| format!("cannot open the log folder {}: {e}", log_folder.display()))?;
    let queue = StatusQueue::open(&state_folder.join("status")).map_err(|e| e.to_string())?;
    let engine = Engine::new(sequence.clone());
    let mut reporter = Reporter {
        log,
        queue,
        state_file: state_file.clone(),
        screen,
        sequence_name: sequence.name.clone(),
        queued: 0,
        placed: placed.clone(),
    };

    let mut state = match state_file.load().map_err(|e| e.to_string())? {
        Some(state) => state,
        None => {
            let context = RunContext {
                deployment_id: policy.deployment_id.clone(),
                log_path: match &placed {
                    Some(placed) => placed.log_folder.clone(),
                    None => log_folder.display().to_string(),
                },
                download_on_demand: policy.deployment_option
                    == DeploymentOption::DownloadWhenNeeded,
                smbios_uuid: None,
            };
            let variables: Vec<(String, String, bool)> = policy
                .variables
                .iter()
                .map(|v| (v.name.clone(), v.value.clone(), v.secret))
                .collect();
            let state =
                engine.initial_state(&context, Environment::WindowsPe, &variables).map_err(
                    |e| format!("--policy: deployments[{}].variables: {e}", policy.deployment_id),
                )?;
            if !options.dry_run {
                // The full OS continues from this copy (SetupComplete.cmd names it).
                let bytes = serde_json::to_vec_pretty(&policy).map_err(|e| e.to_string())?;
                let saved = state_folder.join(SAVED_POLICY);
                write_atomically(&saved, &bytes)
                    .map_err(|e| format!("cannot write {}: {e}", saved.display()))?;
            }
            reporter.log(
                Severity::Information,
                &format!(
                    "osdgate-agent {} {}: medium {} ({}), deployment {} from {}",
                    osdgate_model::VERSION,
                    if options.dry_run { "dry run" } else { "run" },
                    media.media_id,
                    media.name,
                    policy.deployment_id,
                    options.policy_file.display()
                ),
            )?;
            state
        }
    };
    if state.deployment_id != policy.deployment_id {
        return Err(format!(
            "--state {} holds a run of deployment {}, not {}; use another state folder",
            state_folder.display(),
            state.deployment_id,
            policy.deployment_id
        ));
    }

    let record_name = if options.dry_run { DRY_RUN_RECORD } else { ACTION_RECORD };
    let record_path = state_folder.join(record_name);
    let mut recorded: Vec<RecordedAction> = match fs::read(&record_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{} is not a record of actions ({e}); remove the state folder to start over",
                record_path.display()
            )
        })?,
        Err(_) => Vec::new(),
    };
    let end = match real {
        None => {
            let mut executor = StepExecutor::new(DryRun::default(), policy.content.clone());
            let probe = NoMachineProbe;
            let end = run_until_end(
                &engine,
                &mut state,
                &mut executor,
                &probe,
                &mut reporter,
                &state_file,
            )?;
            recorded.append(&mut executor.machine.actions);
            end
        }
        Some(machine) => {
            let probe =
                SystemProbe { drives: machine.drives.clone(), tools: machine.tools.clone() };
            let mut executor = StepExecutor::new(machine, policy.content.clone());
            let end = run_until_end(
                &engine,
                &mut state,
                &mut executor,
                &probe,
                &mut reporter,
                &state_file,
            )?;
            recorded.append(&mut executor.machine.actions);
            end
        }
    };
    // The state folder may have moved to the disk during the run.
    let record_path = reporter.state_folder(&state_folder)?.join(record_name);
    let bytes = serde_json::to_vec_pretty(&recorded).map_err(|e| e.to_string())?;
    write_atomically(&record_path, &bytes)
        .map_err(|e| format!("cannot write {}: {e}", record_path.display()))?;
    let mut summary = String::new();
    let what = if options.dry_run { "Dry run recorded" } else { "Recorded" };
    let _ = write!(
        summary,
        "{what} {} actions in {}; log: {}; {} status messages queued in {} (sent once the relay client exists).",
        recorded.len(),
        record_path.display(),
        reporter.log.path().display(),
        reporter.queued,
        reporter.queue.folder().display()
    );
    reporter.say(&summary);
    Ok(end)
}

/// Runs the engine until the sequence ends; a dry run passes through restarts (recording them),
/// a real run restarts the machine and ends with [`RunEnd::Restarting`].
fn run_until_end<M: Machine>(
    engine: &Engine,
    state: &mut RunState,
    executor: &mut StepExecutor<M>,
    probe: &dyn Probe,
    reporter: &mut Reporter<'_>,
    state_file: &StateFile,
) -> Result<RunEnd, String> {
    let dry_run = executor.machine.passes_restarts();
    let end = loop {
        let environment_before = state.environment;
        let outcome = engine.run(state, executor, probe, reporter).map_err(|e| e.to_string())?;
        match outcome {
            RunOutcome::RestartRequired { into } => {
                // The dry run records the restart and resumes from the state file, as the agent
                // does when it starts again after the restart.
                let restart_step = crate::engine::ResolvedStep {
                    path: String::new(),
                    ordinal: 0,
                    step_count: engine.program().step_count,
                    name: state
                        .variables
                        .get(crate::variables::CURRENT_ACTION_NAME)
                        .unwrap_or("restart")
                        .to_owned(),
                    step_type: osdgate_model::model::StepType::Restart,
                    action: String::new(),
                    settings: vec![],
                    environment: environment_before,
                    attempt: 1,
                    timeout_minutes: None,
                };
                executor
                    .machine
                    .restart(&restart_step, into)
                    .map_err(|e| format!("the restart failed (0x{:08X}): {}", e.code, e.message))?;
                if !dry_run {
                    reporter.log(
                        Severity::Information,
                        "The machine is restarting; the task sequence continues at the next step after the restart",
                    )?;
                    reporter
                        .say("The machine is restarting; the task sequence continues after it.");
                    break RunEnd::Restarting;
                }
                reporter.log(
                    Severity::Information,
                    "Dry run: the restart is not performed; continuing from the saved state",
                )?;
                *state = state_file
                    .load()
                    .map_err(|e| e.to_string())?
                    .ok_or("the state file vanished during the run")?;
            }
            RunOutcome::Completed => break RunEnd::Completed,
            RunOutcome::Failed { code, message } => break RunEnd::Failed { code, message },
        }
    };
    Ok(end)
}
