//! `osdgate-agent run`: reads the bundle and the policy, runs the task sequence with the engine, and
//! reports every event to `smsts.log`, the status queue and the screen (step N of M).
//!
//! The policy comes from the relay (the medium authenticates, the device registers, the policy of
//! this device is fetched; content is downloaded and verified before a step uses it, and status
//! messages are sent as they happen) or, offline, from a file (`--policy`; the status messages then
//! wait in the queue). A dry run records what the executors would do in
//! `dry-run.json` and the log; a real run does it on the [`RealMachine`] (content from the relay, or
//! staged in a folder), keeps the same record in `actions.json`, and ends at each restart the
//! machine performs.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use osdgate_model::api::{DeploymentPolicy, PolicyResponse, StepState};
use osdgate_model::cmtrace::{RolloverPolicy, Severity};
use osdgate_model::media::bundle::MediaConfig;
use osdgate_model::media::layout::MEDIA_CONFIG;
use osdgate_model::model::{DeploymentOption, TaskSequence, Timestamp};

use crate::condition::{NoMachineProbe, Probe};
use crate::content::{ContentCache, RetryPolicy};
use crate::engine::{
    Engine, Environment, Event, Observer, RunContext, RunOutcome, RunState, SkipReason,
};
use crate::executor::{DryRun, Machine, RecordedAction, StepExecutor};
use crate::logfile::SmstsLog;
use crate::online::{ContentHome, Fetching, Online, Outputs, SharedSession};
use crate::placement::{Placed, SAVED_POLICY, check_resume_environment, move_folder};
use crate::platform::{ContentSource, Drives, NoContent, RealMachine, StagedContent};
use crate::probe::SystemProbe;
use crate::relay::{ConnectOptions, ConnectRetry, HardwareIdentity, PasswordSource, Session};
use crate::state::{StateFile, write_atomically};
use crate::status::StatusQueue;

/// The dry run's record of every command, file, content and restart, in the state folder.
pub const DRY_RUN_RECORD: &str = "dry-run.json";
/// A real run's record of the same (same format), in the state folder.
pub const ACTION_RECORD: &str = "actions.json";

/// The content cache inside the state folder; it moves with the state folder (a real run's goes
/// from the RAM disk to the Windows drive once the disk is partitioned).
pub const CONTENT_FOLDER: &str = "content";

/// Where the policy comes from.
#[derive(Debug, Clone)]
pub enum PolicySource {
    /// A policy JSON file (offline; status messages stay queued).
    File(PathBuf),
    /// The relay named in `media.json`.
    Relay {
        password: PasswordSource,
        identity: HardwareIdentity,
        /// How patiently to reach the relay before the policy is known.
        retry: ConnectRetry,
        /// A loopback stand-in for the medium's relay (tests).
        relay_url: Option<String>,
    },
}

/// `run`'s validated options.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The bundle folder (`osdgate\` on the medium, with `media.json`).
    pub bundle: PathBuf,
    pub policy: PolicySource,
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

/// Everything an event goes to: the log, the status queue, the screen (through [`Outputs`]) and
/// the state file.
struct Reporter<'a> {
    out: Rc<RefCell<Outputs<'a>>>,
    state_file: StateFile,
    sequence_name: String,
    /// A real run's placement: the state folder and the log move as ConfigMgr's do.
    placed: Option<Placed>,
    /// The content cache, which moves with the state folder.
    content_home: ContentHome,
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
        self.out.borrow_mut().status(
            &state.deployment_id,
            step,
            step_state,
            progress,
            error_code,
            with_log,
        )
    }

    fn log(&mut self, severity: Severity, message: &str) -> Result<(), String> {
        self.out.borrow_mut().log(severity, message, "run.rs")
    }

    fn say(&mut self, line: &str) {
        self.out.borrow_mut().say(line);
    }

    fn log_path(&self) -> PathBuf {
        self.out.borrow().log.path()
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
                    let log = self.log_path();
                    self.say(&format!(
                        "The task sequence failed (0x{code:08X}). Log: {}",
                        log.display()
                    ));
                    self.status(state, &name, StepState::Failed, None, Some(code), true)?;
                }
            }
        }
        self.check_session()
    }

    fn save(&mut self, state: &mut RunState) -> Result<(), String> {
        self.state_file.save(state).map_err(|e| e.to_string())?;
        if self.place(state)? {
            self.state_file.save(state).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

impl Reporter<'_> {
    /// Moves the state folder and the log where they belong for `state` (a real run only), and
    /// points `_SMSTSLogPath` at the log's folder; true when `state` changed.
    fn place(&mut self, state: &mut RunState) -> Result<bool, String> {
        let Some(placed) = self.placed.as_mut() else { return Ok(false) };
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
            self.content_home
                .move_to(to.join(CONTENT_FOLDER), format!("{wanted}\\{CONTENT_FOLDER}"));
            self.state_file = StateFile::in_folder(&to).map_err(|e| e.to_string())?;
            self.out.borrow_mut().queue =
                StatusQueue::open(&to.join("status")).map_err(|e| e.to_string())?;
            self.log(
                Severity::Information,
                &format!("The task sequence state moved from {old} to {wanted}"),
            )?;
        }
        let Some(placed) = self.placed.as_mut() else { return Ok(false) };
        let wanted = placed.wanted_log_folder(state);
        if wanted != placed.log_folder {
            let to = placed.host(&wanted)?;
            let old = std::mem::replace(&mut placed.log_folder, wanted.clone());
            self.out
                .borrow_mut()
                .log
                .move_to(&to)
                .map_err(|e| format!("cannot move smsts.log from {old} to {wanted}: {e}"))?;
            self.log(Severity::Information, &format!("smsts.log moved from {old} to {wanted}"))?;
        }
        // Set after a move, and after a restart (the saved value is the folder of before).
        let Some(placed) = self.placed.as_ref() else { return Ok(false) };
        if state.variables.get(crate::variables::LOG_PATH) == Some(placed.log_folder.as_str()) {
            return Ok(false);
        }
        state.variables.set_built_in(crate::variables::LOG_PATH, placed.log_folder.clone());
        Ok(true)
    }

    /// The state folder on the host.
    fn state_folder(&self, fixed: &Path) -> Result<PathBuf, String> {
        match &self.placed {
            Some(placed) => placed.host(&placed.state_folder),
            None => Ok(fixed.to_owned()),
        }
    }
}

impl Reporter<'_> {
    /// After each event: a device IT revoked ends the run here.
    fn check_session(&mut self) -> Result<(), String> {
        let session = self.out.borrow().session.clone();
        if let Some(session) = session
            && session.try_borrow().is_ok_and(|s| s.device_revoked())
        {
            return Err(DEVICE_REVOKED.to_owned());
        }
        Ok(())
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

/// Why the run ends when IT revokes the device in the middle of it.
pub const DEVICE_REVOKED: &str = "IT has revoked this device at the relay; the task sequence stops here. Ask IT why before starting again";

/// The policy to run and, online, the session it came from.
struct Loaded {
    policy: DeploymentPolicy,
    session: Option<SharedSession>,
    source: String,
}

/// A line for the screen and the log (both best effort before the run's outputs exist).
fn announce(log: &mut SmstsLog, screen: &mut dyn std::io::Write, severity: Severity, line: &str) {
    let _ = writeln!(screen, "{line}");
    let _ = log.write(severity, line, "relay");
}

fn load_policy(
    options: &RunOptions,
    state_folder: &Path,
    media: &MediaConfig,
    log: &mut SmstsLog,
    screen: &mut dyn std::io::Write,
) -> Result<Loaded, String> {
    match &options.policy {
        PolicySource::File(path) => {
            let bytes = fs::read(path)
                .map_err(|e| format!("--policy: cannot read {} ({e})", path.display()))?;
            let policy = select_policy(&bytes, media, options.deployment.as_deref())?;
            Ok(Loaded { policy, session: None, source: path.display().to_string() })
        }
        PolicySource::Relay { password, identity, retry, relay_url } => {
            let connect = ConnectOptions {
                bundle: options.bundle.clone(),
                state_folder: state_folder.to_owned(),
                password: password.clone(),
                identity: identity.clone(),
                retry: *retry,
                relay_url: relay_url.clone(),
            };
            let connected = Session::connect(&connect, media, &mut |line: &str| {
                announce(log, screen, Severity::Information, line)
            });
            let mut session = connected.map_err(|e| {
                let text = e.to_string();
                let _ = log.write(Severity::Error, &text, "relay");
                text
            })?;
            let response = session.policy().map_err(|e| {
                let text = format!("fetching the policy failed: {e}");
                let _ = log.write(Severity::Error, &text, "relay");
                text
            })?;
            for note in session.take_notes() {
                let _ = log.write(Severity::Information, &note, "relay");
            }
            let policy = session.select(response, options.deployment.as_deref())?;
            let source = format!("{} (relay)", session.client().origin().as_str());
            let line = format!(
                "Policy of deployment {} ({}) from {source}: {} content package(s), {}{}",
                policy.deployment_id,
                policy.name,
                policy.content.len(),
                match policy.deployment_option {
                    DeploymentOption::DownloadWhenNeeded => "content downloaded when needed",
                    DeploymentOption::DownloadAllBeforeStarting => {
                        "all content downloaded before starting"
                    }
                    // No share to access over the internet: the relay's content is downloaded.
                    DeploymentOption::AccessContentDirectly => {
                        "content accessed directly, which over the relay means downloaded when needed"
                    }
                },
                if policy.pre_download { ", pre-download on" } else { "" }
            );
            announce(log, screen, Severity::Information, &line);
            Ok(Loaded { policy, session: Some(Rc::new(RefCell::new(session))), source })
        }
    }
}

/// Runs the deployment's task sequence (a dry run, or for real). `screen` receives the progress
/// lines.
pub fn run(options: &RunOptions, screen: &mut dyn std::io::Write) -> Result<RunEnd, String> {
    let real = if options.dry_run { None } else { Some(Drives::host(options.drive_root.clone())?) };
    // A real run without --state keeps its state and log where ConfigMgr keeps them.
    let placed = match (&real, options.place_automatically) {
        (Some(drives), true) => {
            let (placed, saved) = Placed::at_start(drives.clone())?;
            if let (Some(saved), Drives::Windows) = (&saved, drives) {
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
            "the medium {} expired at {}; ask IT for a new medium",
            media.media_id, media.expires_at
        ));
    }
    let state_file = StateFile::in_folder(&state_folder).map_err(|e| e.to_string())?;
    let mut log = SmstsLog::open(&log_folder, RolloverPolicy::default())
        .map_err(|e| format!("cannot open the log folder {}: {e}", log_folder.display()))?;
    let Loaded { policy, session, source } =
        load_policy(options, &state_folder, &media, &mut log, screen)?;
    let sequence: TaskSequence =
        serde_json::from_value(policy.task_sequence.clone()).map_err(|e| {
            format!(
                "policy: deployments[{}].task_sequence is not a task sequence: {e}",
                policy.deployment_id
            )
        })?;
    let retry = RetryPolicy::from_variables(&policy.variables)?;

    let queue = StatusQueue::open(&state_folder.join("status")).map_err(|e| e.to_string())?;
    // Downloads land in the state folder's cache, wherever the state folder is at the time.
    let content_home = ContentHome::new(
        state_folder.join(CONTENT_FOLDER),
        match &placed {
            Some(placed) => format!("{}\\{CONTENT_FOLDER}", placed.state_folder),
            None => state_folder.join(CONTENT_FOLDER).display().to_string(),
        },
    );
    let engine = Engine::new(sequence.clone());
    let outputs = Rc::new(RefCell::new(Outputs::new(log, queue, screen, session.clone())));
    let mut reporter = Reporter {
        out: Rc::clone(&outputs),
        state_file: state_file.clone(),
        sequence_name: sequence.name.clone(),
        placed: placed.clone(),
        content_home: content_home.clone(),
    };

    let saved = state_file.load().map_err(|e| e.to_string())?;
    let fresh = saved.is_none();
    let mut state = match saved {
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
                    |e| format!("policy: deployments[{}].variables: {e}", policy.deployment_id),
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
                    "osdgate-agent {} {}: medium {} ({}), deployment {} from {source}",
                    osdgate_model::VERSION,
                    if options.dry_run { "dry run" } else { "run" },
                    media.media_id,
                    media.name,
                    policy.deployment_id,
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
    let online = || {
        session.as_ref().map(|session| Online {
            session: Rc::clone(session),
            cache: ContentCache::new(&content_home.host()),
            home: content_home.clone(),
            retry,
            outputs: Rc::clone(&outputs),
            deployment_id: policy.deployment_id.clone(),
        })
    };
    let mut context = Drive {
        engine: &engine,
        state: &mut state,
        reporter: &mut reporter,
        state_file: &state_file,
        policy: &policy,
        fresh,
        online: session.is_some(),
    };
    let end = match real {
        None => {
            let mut executor = StepExecutor::new(
                Fetching::new(DryRun::default(), online()),
                policy.content.clone(),
            );
            let end = context.run(&mut executor, &NoMachineProbe);
            recorded.append(&mut executor.machine.inner.actions);
            end
        }
        Some(drives) => {
            // Content from the relay lands in the cache and is handed to the machine from there
            // (verified again where it lies); offline, from the staged folder.
            let content: Box<dyn ContentSource> = match (&session, &options.staged_content) {
                (Some(_), _) => Box::new(content_home.clone()),
                (None, Some(folder)) => Box::new(StagedContent { folder: folder.clone() }),
                (None, None) => Box::new(NoContent),
            };
            let probe = SystemProbe { drives: drives.clone(), tools: options.tools.clone() };
            let machine = RealMachine::new(drives, options.tools.clone(), content);
            let mut executor =
                StepExecutor::new(Fetching::new(machine, online()), policy.content.clone());
            let end = context.run(&mut executor, &probe);
            recorded.append(&mut executor.machine.inner.actions);
            end
        }
    };
    // The state folder may have moved to the disk during the run.
    let record_path = match reporter.state_folder(&state_folder) {
        Ok(folder) => folder.join(record_name),
        Err(_) => record_path,
    };
    let finished = finish(&outputs, retry, &record_path, recorded, options.dry_run);
    let end = end?;
    finished?;
    Ok(end)
}

/// What running the engine needs.
struct Drive<'r, 'a> {
    engine: &'r Engine,
    state: &'r mut RunState,
    reporter: &'r mut Reporter<'a>,
    state_file: &'r StateFile,
    policy: &'r DeploymentPolicy,
    fresh: bool,
    online: bool,
}

impl Drive<'_, '_> {
    /// Downloads ahead when the deployment says so, then runs the engine until the sequence ends;
    /// a dry run passes through restarts (recording them), a real run restarts the machine and
    /// ends with [`RunEnd::Restarting`].
    fn run<M: Machine>(
        &mut self,
        executor: &mut StepExecutor<Fetching<'_, M>>,
        probe: &dyn Probe,
    ) -> Result<RunEnd, String> {
        if let Some(end) = self.download_before_start(executor)? {
            return Ok(end);
        }
        let dry_run = executor.machine.passes_restarts();
        let end = loop {
            let environment_before = self.state.environment;
            let outcome = match self.engine.run(self.state, executor, probe, self.reporter) {
                Ok(outcome) => outcome,
                Err(error) => {
                    let message = error.to_string();
                    if message.contains(DEVICE_REVOKED) {
                        let name = self.reporter.sequence_name.clone();
                        self.reporter.log(Severity::Error, DEVICE_REVOKED)?;
                        self.reporter.status(
                            self.state,
                            &name,
                            StepState::Failed,
                            None,
                            Some(crate::content::REFUSED_ERROR),
                            true,
                        )?;
                        return Err(DEVICE_REVOKED.to_owned());
                    }
                    return Err(message);
                }
            };
            match outcome {
                RunOutcome::RestartRequired { into } => {
                    // The dry run records the restart and resumes from the state file, as the agent
                    // does when it starts again after the restart.
                    let restart_step = crate::engine::ResolvedStep {
                        path: String::new(),
                        ordinal: 0,
                        step_count: self.engine.program().step_count,
                        name: self
                            .state
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
                    executor.machine.restart(&restart_step, into).map_err(|e| {
                        format!("the restart failed (0x{:08X}): {}", e.code, e.message)
                    })?;
                    if !dry_run {
                        self.reporter.log(
                            Severity::Information,
                            "The machine is restarting; the task sequence continues at the next step after the restart",
                        )?;
                        self.reporter.say(
                            "The machine is restarting; the task sequence continues after it.",
                        );
                        break RunEnd::Restarting;
                    }
                    self.reporter.log(
                        Severity::Information,
                        "Dry run: the restart is not performed; continuing from the saved state",
                    )?;
                    *self.state = self
                        .state_file
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

    /// "Download all content locally before starting task sequence" and "Pre-download content"
    /// (seed 002): every package is downloaded and verified before the first step. A failure ends
    /// the run before any step.
    fn download_before_start<M: Machine>(
        &mut self,
        executor: &mut StepExecutor<Fetching<'_, M>>,
    ) -> Result<Option<RunEnd>, String> {
        let policy = self.policy;
        let before_start = policy.deployment_option == DeploymentOption::DownloadAllBeforeStarting
            || policy.pre_download;
        if !self.online || !before_start || policy.content.is_empty() {
            return Ok(None);
        }
        let step = "Download content before starting";
        if self.fresh {
            self.reporter.say(&format!(
                "Downloading all {} content package(s) before the first step ...",
                policy.content.len()
            ));
        }
        self.reporter.status(self.state, step, StepState::Started, Some(0), None, false)?;
        for content in &policy.content {
            if let Err(error) = executor.machine.fetch_before_start(step, content) {
                self.reporter.log(Severity::Error, &format!("{step} failed: {}", error.message))?;
                self.reporter
                    .say(&format!("{step}: FAILED 0x{:08X}: {}", error.code, error.message));
                self.reporter.status(
                    self.state,
                    step,
                    StepState::Failed,
                    None,
                    Some(error.code),
                    true,
                )?;
                self.reporter.check_session()?;
                return Ok(Some(RunEnd::Failed { code: error.code, message: error.message }));
            }
        }
        self.reporter.status(self.state, step, StepState::Succeeded, Some(100), None, false)?;
        Ok(None)
    }
}

/// Writes the record of actions, sends what is still queued, and says where everything is.
fn finish(
    outputs: &Rc<RefCell<Outputs<'_>>>,
    retry: RetryPolicy,
    record_path: &Path,
    recorded: Vec<RecordedAction>,
    dry_run: bool,
) -> Result<(), String> {
    let bytes = serde_json::to_vec_pretty(&recorded).map_err(|e| e.to_string())?;
    write_atomically(record_path, &bytes)
        .map_err(|e| format!("cannot write {}: {e}", record_path.display()))?;
    let mut out = outputs.borrow_mut();
    let left = out.drain(retry)?;
    let online = out.session.is_some();
    let mut summary = String::new();
    let what = if dry_run { "Dry run recorded" } else { "Recorded" };
    let _ = write!(
        summary,
        "{what} {} actions in {}; log: {}; {} status message(s) queued",
        recorded.len(),
        record_path.display(),
        out.log.path().display(),
        out.queued,
    );
    if online {
        let _ = write!(summary, ", {} sent to the relay", out.sent);
        if left > 0 {
            let _ = write!(
                summary,
                "; {left} could not be sent yet and wait in {} (sent at the next start)",
                out.queue.folder().display()
            );
        }
        summary.push('.');
    } else {
        let _ = write!(
            summary,
            " in {} (no relay: the policy came from a file).",
            out.queue.folder().display()
        );
    }
    out.say(&summary);
    Ok(())
}
