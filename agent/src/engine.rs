//! The task sequence engine: pure logic, no I/O of its own. It runs a task sequence the way the
//! ConfigMgr engine does, through three traits the caller implements: an [`Executor`] that performs
//! steps, a [`Probe`] that answers machine conditions and an [`Observer`] that records progress
//! (log, status queue, display) and keeps the [`RunState`] on disk.
//!
//! The tree is compiled into a flat instruction table (as ConfigMgr's engine does, hence
//! `_SMSTSInstructionTableSize` and `_SMSTSNextInstructionPointer`); the state is the pointer into it
//! plus the variables, so it can be saved before and after every step and a run resumes where it
//! stopped:
//!
//! - A step that asks for a restart (Restart Computer, Setup Windows and ConfigMgr) is recorded as
//!   succeeded with the pointer on the next instruction, then [`Engine::run`] returns
//!   [`RunOutcome::RestartRequired`]; the next run with the saved state continues there.
//! - A step that was running when the machine went down without asking for it (power loss, crash)
//!   is not run a second time (partitioning or applying an image twice is worse than stopping): it
//!   fails with [`INTERRUPTED_ERROR`], and its continue-on-error decides what follows.
//!
//! Rules (ConfigMgr's, spec section 4): disabled groups and steps are skipped; a false condition
//! skips; a condition that is not evaluable here fails the group or step, which its continue-on-error
//! may absorb; a failed step without continue-on-error fails its group, and a group's failure
//! continues after the group when it has continue-on-error, else fails the group above, up to the
//! whole sequence. A step's settings (`defaultVarList`) are defaults: a task sequence variable of the
//! same name overrides them, and `%VAR%` expands in every value and in the command line.

use serde::{Deserialize, Serialize};

use osdgate_model::model::{Condition, Node, RunIn, Step, StepType, TaskSequence};

use crate::condition::{Probe, Truth, evaluate};
use crate::variables::{self as builtin, Variables};

/// Exit codes that count as success when a step has no `successCodeList`: ConfigMgr's default
/// (`0 3010`, 3010 = success, restart required).
pub const DEFAULT_SUCCESS_CODES: &[u32] = &[0, 3010];

/// The error code of a step that was running when the machine stopped unexpectedly
/// (`ERROR_OPERATION_ABORTED`, 0x800703E3).
pub const INTERRUPTED_ERROR: u32 = 0x8007_03E3;
/// The error code of a step or group whose condition is not evaluable here (`E_NOTIMPL`).
pub const NOT_EVALUABLE_ERROR: u32 = 0x8000_4001;
/// The error code of a step that could not start (`E_FAIL`).
pub const GENERIC_ERROR: u32 = 0x8000_4005;
/// The error code of a step in the wrong environment (`ERROR_NOT_SUPPORTED`, 0x80070032).
pub const WRONG_ENVIRONMENT_ERROR: u32 = 0x8007_0032;
/// The error code of a setting that is not valid (`ERROR_INVALID_PARAMETER`, 0x80070057).
pub const INVALID_SETTING_ERROR: u32 = 0x8007_0057;

/// One entry of the instruction table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instruction {
    /// The start of a group; `end` is the index of the first instruction after it.
    Group {
        path: String,
        name: String,
        disabled: bool,
        continue_on_error: bool,
        condition: Option<Condition>,
        end: usize,
        parent: Option<usize>,
    },
    /// A step, with its 1-based ordinal among all steps (for "step N of M").
    Step { path: String, step: Box<Step>, ordinal: usize, parent: Option<usize> },
}

impl Instruction {
    fn parent(&self) -> Option<usize> {
        match self {
            Instruction::Group { parent, .. } | Instruction::Step { parent, .. } => *parent,
        }
    }
}

/// The compiled task sequence.
#[derive(Debug, Clone)]
pub struct Program {
    pub instructions: Vec<Instruction>,
    /// How many steps (not groups) the table holds: the M of "step N of M".
    pub step_count: usize,
}

impl Program {
    /// Compiles `sequence` (verbatim elements such as `<subtasksequence>` are not run: they are
    /// reported by [`Program::unsupported`]).
    pub fn compile(sequence: &TaskSequence) -> Self {
        let mut program = Program { instructions: Vec::new(), step_count: 0 };
        let mut indices = Vec::new();
        program.add(&sequence.steps, None, &mut indices);
        program
    }

    fn add(&mut self, nodes: &[Node], parent: Option<usize>, indices: &mut Vec<usize>) {
        for (index, node) in nodes.iter().enumerate() {
            indices.push(index);
            let path = TaskSequence::step_path(indices);
            match node {
                Node::Group(group) => {
                    let at = self.instructions.len();
                    self.instructions.push(Instruction::Group {
                        path,
                        name: group.name.clone(),
                        disabled: group.disabled,
                        continue_on_error: group.continue_on_error,
                        condition: group.condition.clone(),
                        end: at + 1,
                        parent,
                    });
                    self.add(&group.children, Some(at), indices);
                    let end = self.instructions.len();
                    if let Some(Instruction::Group { end: slot, .. }) =
                        self.instructions.get_mut(at)
                    {
                        *slot = end;
                    }
                }
                Node::Step(step) => {
                    self.step_count += 1;
                    self.instructions.push(Instruction::Step {
                        path,
                        step: Box::new(step.clone()),
                        ordinal: self.step_count,
                        parent,
                    });
                }
                Node::Verbatim(_) => {}
            }
            indices.pop();
        }
    }
}

/// Where the engine is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    WindowsPe,
    FullOs,
}

/// A step's setting after overrides and expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The task sequence variable name (`OSDWorkgroupName`).
    pub name: String,
    /// The step class property (`WorkgroupName`).
    pub property: String,
    pub value: String,
    /// Hidden in the task sequence, or a secret policy variable: never logged.
    pub secret: bool,
}

/// A step ready to run: its settings resolved against the environment.
#[derive(Debug, Clone)]
pub struct ResolvedStep {
    pub path: String,
    pub ordinal: usize,
    pub step_count: usize,
    pub name: String,
    pub step_type: StepType,
    /// `<action>` with `%VAR%` expanded.
    pub action: String,
    pub settings: Vec<Setting>,
    pub environment: Environment,
    /// A fresh attempt number, 1 for the first.
    pub attempt: u32,
    /// The step's `timeout` attribute in minutes: each program the step runs is stopped after it.
    pub timeout_minutes: Option<u32>,
}

impl ResolvedStep {
    /// The value of the setting whose variable or property is `name` (case-insensitive).
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name) || s.property.eq_ignore_ascii_case(name))
            .map(|s| s.value.as_str())
    }
}

/// What an executor reports for a step that ran.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    /// The exit code of the step's program (the last one, when it ran several); 0 when it ran no
    /// program and succeeded.
    pub exit_code: u32,
    /// A line for the log.
    pub message: String,
    /// The machine must restart into this environment before the next step.
    pub restart_into: Option<Environment>,
    /// Variables the step sets (name, value, secret), such as the drive letters it assigned.
    pub set_variables: Vec<(String, String, bool)>,
}

/// Why a step could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepError {
    /// A Windows/ConfigMgr error code, such as 0x80070002.
    pub code: u32,
    pub message: String,
}

/// Performs steps.
pub trait Executor {
    /// Runs `step`. An `Ok` with an exit code outside the step's success codes is a failure too.
    fn execute(
        &mut self,
        step: &ResolvedStep,
        variables: &Variables,
    ) -> Result<Completion, StepError>;
}

/// Why a step or group did not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    Disabled,
    ConditionFalse,
}

/// What happened, for the observer (log, status queue, progress display).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    SequenceStarted {
        step_count: usize,
        resumed: bool,
    },
    GroupEntered {
        path: String,
        name: String,
    },
    GroupSkipped {
        path: String,
        name: String,
        reason: SkipReason,
    },
    StepSkipped {
        path: String,
        name: String,
        ordinal: usize,
        step_count: usize,
        reason: SkipReason,
    },
    StepStarted {
        path: String,
        name: String,
        ordinal: usize,
        step_count: usize,
        attempt: u32,
    },
    StepSucceeded {
        path: String,
        name: String,
        ordinal: usize,
        step_count: usize,
        exit_code: u32,
        message: String,
    },
    /// A step or group failed; `continues` says whether its continue-on-error absorbed it.
    Failed {
        path: String,
        name: String,
        ordinal: Option<usize>,
        step_count: usize,
        code: u32,
        message: String,
        continues: bool,
    },
    RestartRequired {
        into: Environment,
    },
    SequenceFinished {
        succeeded: bool,
        code: Option<u32>,
    },
}

/// Records what the engine does and keeps its state. An error stops the run (the state saved last
/// lets it resume): the engine never carries on without a record of what it did.
pub trait Observer {
    fn event(&mut self, event: &Event, state: &RunState) -> Result<(), String>;
    /// Stores `state` durably (written atomically) before the engine goes on. The observer may
    /// update the built-in variables that describe where it keeps things (`_SMSTSLogPath` when
    /// the log moves).
    fn save(&mut self, state: &mut RunState) -> Result<(), String>;
}

/// A step's result, kept in the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepResult {
    pub path: String,
    pub name: String,
    pub outcome: StepOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum StepOutcome {
    Succeeded { exit_code: u32 },
    Skipped { reason: SkipReason },
    Failed { code: u32, message: String, continued: bool },
}

/// Everything needed to resume: saved before and after every step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunState {
    /// The format of this file.
    pub version: u32,
    pub deployment_id: String,
    /// The task sequence's package ID, and a fingerprint of its content: a saved state is only
    /// resumed for the very same sequence.
    pub package_id: String,
    pub sequence_fingerprint: String,
    pub environment: Environment,
    /// `_SMSTSNextInstructionPointer`.
    pub next_instruction: usize,
    /// The step that was started and has not finished.
    pub in_progress: Option<usize>,
    /// Set when the last step asked for a restart: the next run is the expected resume.
    pub restart_pending: bool,
    pub variables: Variables,
    pub results: Vec<StepResult>,
    pub finished: Option<Finished>,
}

/// The end of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finished {
    pub succeeded: bool,
    pub code: Option<u32>,
    pub message: String,
}

/// What [`Engine::run`] stopped at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    Completed,
    Failed {
        code: u32,
        message: String,
    },
    /// Restart the machine into `into`, then run again with the saved state.
    RestartRequired {
        into: Environment,
    },
}

/// Why the engine could not go on at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error(
        "the saved state is for {saved}, not for the task sequence {current}; remove the state folder to start over"
    )]
    StateMismatch { saved: String, current: String },
    #[error(
        "the saved state's next instruction {0} is beyond the task sequence; remove the state folder to start over"
    )]
    StateOutOfRange(usize),
    #[error("this task sequence already finished ({0}); remove the state folder to run it again")]
    AlreadyFinished(String),
    #[error("could not record progress: {0}")]
    Observer(String),
}

/// The fixed facts of a run, which the built-in variables expose.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub deployment_id: String,
    /// The folder of `smsts.log`, as the step programs see it.
    pub log_path: String,
    /// `_SMSTSDownloadOnDemand`.
    pub download_on_demand: bool,
    pub smbios_uuid: Option<String>,
}

/// The engine for one task sequence.
#[derive(Debug)]
pub struct Engine {
    program: Program,
    sequence: TaskSequence,
    fingerprint: String,
}

impl Engine {
    pub fn new(sequence: TaskSequence) -> Self {
        let program = Program::compile(&sequence);
        let fingerprint = fingerprint(&sequence);
        Engine { program, sequence, fingerprint }
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// A fresh state: the built-ins, the sequence's global variables, then the policy's variables
    /// (`(name, value, secret)`; a policy variable overrides a global one, as collection and device
    /// variables do in ConfigMgr). A name the sequence may not set is an error naming it.
    pub fn initial_state(
        &self,
        context: &RunContext,
        environment: Environment,
        policy_variables: &[(String, String, bool)],
    ) -> Result<RunState, crate::variables::SetError> {
        let mut variables = Variables::default();
        for global in &self.sequence.global_variables {
            variables.set(&global.name, &global.value, false)?;
        }
        for (name, value, secret) in policy_variables {
            variables.set(name, value, *secret)?;
        }
        variables.set_built_in(builtin::MEDIA_TYPE, "BootMedia");
        variables.set_built_in(builtin::LAUNCH_MODE, "UFD");
        variables.set_built_in(builtin::LOG_PATH, context.log_path.clone());
        variables.set_built_in(builtin::ADVERT_ID, context.deployment_id.clone());
        variables.set_built_in(builtin::PACKAGE_ID, self.sequence.id.clone());
        variables.set_built_in(builtin::PACKAGE_NAME, self.sequence.name.clone());
        if let Some(boot_image) = &self.sequence.boot_image_id {
            variables.set_built_in(builtin::BOOT_IMAGE_ID, boot_image.clone());
        }
        variables.set_built_in(builtin::DOWNLOAD_ON_DEMAND, bool_text(context.download_on_demand));
        if let Some(uuid) = &context.smbios_uuid {
            variables.set_built_in(builtin::UUID, uuid.clone());
        }
        variables.set_built_in(
            builtin::INSTRUCTION_TABLE_SIZE,
            self.program.instructions.len().to_string(),
        );
        variables.set_built_in(builtin::NEXT_INSTRUCTION_POINTER, "0");
        variables.set_built_in(builtin::IN_WINPE, bool_text(environment == Environment::WindowsPe));
        Ok(RunState {
            version: 1,
            deployment_id: context.deployment_id.clone(),
            package_id: self.sequence.id.clone(),
            sequence_fingerprint: self.fingerprint.clone(),
            environment,
            next_instruction: 0,
            in_progress: None,
            restart_pending: false,
            variables,
            results: Vec::new(),
            finished: None,
        })
    }

    /// Runs from `state` until the sequence ends or a step asks for a restart. `state` is kept up to
    /// date and handed to the observer to save before and after every step.
    pub fn run(
        &self,
        state: &mut RunState,
        executor: &mut dyn Executor,
        probe: &dyn Probe,
        observer: &mut dyn Observer,
    ) -> Result<RunOutcome, EngineError> {
        if state.package_id != self.sequence.id || state.sequence_fingerprint != self.fingerprint {
            return Err(EngineError::StateMismatch {
                saved: format!("{} ({})", state.package_id, state.sequence_fingerprint),
                current: format!("{} ({})", self.sequence.id, self.fingerprint),
            });
        }
        if let Some(finished) = &state.finished {
            return Err(EngineError::AlreadyFinished(finished.message.clone()));
        }
        if state.next_instruction > self.program.instructions.len() {
            return Err(EngineError::StateOutOfRange(state.next_instruction));
        }
        if let Some(index) = state.in_progress
            && index >= self.program.instructions.len()
        {
            return Err(EngineError::StateOutOfRange(index));
        }
        let mut run = Run { engine: self, state, executor, probe, observer };
        run.go()
    }
}

fn bool_text(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// A stable fingerprint of the sequence (FNV-1a 64 over its JSON): tells a saved state apart from
/// a changed sequence. Not a security measure; the policy's integrity comes from the relay.
fn fingerprint(sequence: &TaskSequence) -> String {
    let json = serde_json::to_vec(sequence).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in json {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Parses `successCodeList` (space-separated; negative numbers are the same 32-bit codes written
/// signed, as `-2147024894` for 0x80070002).
pub fn parse_success_codes(list: &str) -> Result<Vec<u32>, String> {
    list.split_whitespace()
        .map(|token| {
            if let Some(hex) = token.strip_prefix("0x").or_else(|| token.strip_prefix("0X")) {
                return u32::from_str_radix(hex, 16).map_err(|_| token.to_owned());
            }
            match token.parse::<i64>() {
                Ok(value) if (i64::from(i32::MIN)..0).contains(&value) => Ok(value as i32 as u32),
                Ok(value) => u32::try_from(value).map_err(|_| token.to_owned()),
                Err(_) => Err(token.to_owned()),
            }
        })
        .collect::<Result<Vec<u32>, String>>()
        .map_err(|token| {
            format!(
                "successCodeList {list:?}: {token:?} is not an exit code; write exit codes separated by spaces, such as \"0 3010\""
            )
        })
}

struct Run<'a> {
    engine: &'a Engine,
    state: &'a mut RunState,
    executor: &'a mut dyn Executor,
    probe: &'a dyn Probe,
    observer: &'a mut dyn Observer,
}

/// What to do after an instruction.
enum Flow {
    Next(usize),
    /// A failure that must unwind from the instruction at this index.
    Fail {
        from: usize,
        code: u32,
        message: String,
    },
    Restart(Environment),
}

impl Run<'_> {
    fn emit(&mut self, event: Event) -> Result<(), EngineError> {
        self.observer.event(&event, self.state).map_err(EngineError::Observer)
    }

    fn save(&mut self) -> Result<(), EngineError> {
        self.state.variables.set_built_in(
            builtin::NEXT_INSTRUCTION_POINTER,
            self.state.next_instruction.to_string(),
        );
        self.observer.save(self.state).map_err(EngineError::Observer)
    }

    fn go(&mut self) -> Result<RunOutcome, EngineError> {
        let engine = self.engine;
        let program = &engine.program;
        let resumed = self.state.next_instruction > 0 || self.state.in_progress.is_some();
        self.state.variables.set_built_in(
            builtin::IN_WINPE,
            bool_text(self.state.environment == Environment::WindowsPe),
        );
        self.emit(Event::SequenceStarted { step_count: program.step_count, resumed })?;
        self.state.restart_pending = false;

        // A step that was running when the machine stopped is not run again.
        if let Some(index) = self.state.in_progress.take() {
            let flow = Flow::Fail {
                from: index,
                code: INTERRUPTED_ERROR,
                message: "the machine stopped while this step was running (power loss or crash); it is not run a second time".to_owned(),
            };
            if let Some(outcome) = self.follow(flow)? {
                return Ok(outcome);
            }
        }
        while self.state.next_instruction < program.instructions.len() {
            let index = self.state.next_instruction;
            let flow = match &program.instructions[index] {
                Instruction::Group { path, name, disabled, condition, end, .. } => {
                    let (path, name) = (path.clone(), name.clone());
                    if *disabled {
                        self.emit(Event::GroupSkipped {
                            path,
                            name,
                            reason: SkipReason::Disabled,
                        })?;
                        Flow::Next(*end)
                    } else {
                        match condition
                            .as_ref()
                            .map(|c| evaluate(c, &self.state.variables, self.probe))
                        {
                            Some(Truth::False) => {
                                self.emit(Event::GroupSkipped {
                                    path,
                                    name,
                                    reason: SkipReason::ConditionFalse,
                                })?;
                                Flow::Next(*end)
                            }
                            Some(Truth::NotEvaluable(reason)) => Flow::Fail {
                                from: index,
                                code: NOT_EVALUABLE_ERROR,
                                message: reason,
                            },
                            Some(Truth::True) | None => {
                                self.emit(Event::GroupEntered { path, name })?;
                                Flow::Next(index + 1)
                            }
                        }
                    }
                }
                Instruction::Step { path, step, ordinal, .. } => {
                    self.step(index, path, step, *ordinal)?
                }
            };
            if let Some(outcome) = self.follow(flow)? {
                return Ok(outcome);
            }
        }
        self.finish(true, None, "the task sequence completed".to_owned())?;
        Ok(RunOutcome::Completed)
    }

    /// Applies a flow; `Some` ends the run.
    fn follow(&mut self, flow: Flow) -> Result<Option<RunOutcome>, EngineError> {
        match flow {
            Flow::Next(next) => {
                self.state.next_instruction = next;
                self.save()?;
                Ok(None)
            }
            Flow::Restart(into) => {
                self.state.restart_pending = true;
                self.state.environment = into;
                self.save()?;
                self.emit(Event::RestartRequired { into })?;
                Ok(Some(RunOutcome::RestartRequired { into }))
            }
            Flow::Fail { from, code, message } => self.unwind(from, code, message),
        }
    }

    /// A failure at instruction `from`: its own continue-on-error, then each enclosing group's.
    fn unwind(
        &mut self,
        from: usize,
        code: u32,
        message: String,
    ) -> Result<Option<RunOutcome>, EngineError> {
        let engine = self.engine;
        let program = &engine.program;
        let step_count = program.step_count;
        let mut current = from;
        loop {
            let (path, name, ordinal, continue_on_error, resume_at) =
                match &program.instructions[current] {
                    Instruction::Group { path, name, continue_on_error, end, .. } => {
                        (path.clone(), name.clone(), None, *continue_on_error, *end)
                    }
                    Instruction::Step { path, step, ordinal, .. } => (
                        path.clone(),
                        step.name.clone(),
                        Some(*ordinal),
                        step.continue_on_error,
                        current + 1,
                    ),
                };
            if ordinal.is_some() {
                self.state.results.push(StepResult {
                    path: path.clone(),
                    name: name.clone(),
                    outcome: StepOutcome::Failed {
                        code,
                        message: message.clone(),
                        continued: continue_on_error,
                    },
                });
            }
            self.emit(Event::Failed {
                path,
                name: name.clone(),
                ordinal,
                step_count,
                code,
                message: message.clone(),
                continues: continue_on_error,
            })?;
            if continue_on_error {
                self.state.next_instruction = resume_at;
                self.save()?;
                return Ok(None);
            }
            match program.instructions[current].parent() {
                Some(parent) => current = parent,
                None => {
                    let text = format!("{name} failed: {message}");
                    self.finish(false, Some(code), text.clone())?;
                    return Ok(Some(RunOutcome::Failed { code, message: text }));
                }
            }
        }
    }

    fn finish(
        &mut self,
        succeeded: bool,
        code: Option<u32>,
        message: String,
    ) -> Result<(), EngineError> {
        self.state.next_instruction = self.engine.program.instructions.len();
        self.state.finished = Some(Finished { succeeded, code, message });
        self.save()?;
        self.emit(Event::SequenceFinished { succeeded, code })
    }

    fn step(
        &mut self,
        index: usize,
        path: &str,
        step: &Step,
        ordinal: usize,
    ) -> Result<Flow, EngineError> {
        let step_count = self.engine.program.step_count;
        let skip = |reason| Event::StepSkipped {
            path: path.to_owned(),
            name: step.name.clone(),
            ordinal,
            step_count,
            reason,
        };
        let record_skip = |state: &mut RunState, reason: SkipReason| {
            state.results.push(StepResult {
                path: path.to_owned(),
                name: step.name.clone(),
                outcome: StepOutcome::Skipped { reason },
            });
        };
        if step.disabled {
            record_skip(self.state, SkipReason::Disabled);
            self.emit(skip(SkipReason::Disabled))?;
            return Ok(Flow::Next(index + 1));
        }
        match step.condition.as_ref().map(|c| evaluate(c, &self.state.variables, self.probe)) {
            Some(Truth::False) => {
                record_skip(self.state, SkipReason::ConditionFalse);
                self.emit(skip(SkipReason::ConditionFalse))?;
                return Ok(Flow::Next(index + 1));
            }
            Some(Truth::NotEvaluable(reason)) => {
                return Ok(Flow::Fail { from: index, code: NOT_EVALUABLE_ERROR, message: reason });
            }
            Some(Truth::True) | None => {}
        }
        let environment = self.state.environment;
        let runs_here = match step.run_in {
            None | Some(RunIn::WinPeAndFullOs) => true,
            Some(RunIn::WinPe) => environment == Environment::WindowsPe,
            Some(RunIn::FullOs) => environment == Environment::FullOs,
        };
        if !runs_here {
            let message = format!(
                "this step runs in {} (runIn), but the task sequence is in {}",
                step.run_in.map(RunIn::as_str).unwrap_or_default(),
                if environment == Environment::WindowsPe { "Windows PE" } else { "the full OS" }
            );
            return Ok(Flow::Fail { from: index, code: WRONG_ENVIRONMENT_ERROR, message });
        }
        let success_codes = match &step.success_codes {
            Some(list) => match parse_success_codes(list) {
                Ok(codes) => codes,
                Err(message) => {
                    return Ok(Flow::Fail { from: index, code: INVALID_SETTING_ERROR, message });
                }
            },
            None => DEFAULT_SUCCESS_CODES.to_vec(),
        };

        self.state.variables.set_built_in(builtin::CURRENT_ACTION_NAME, step.name.clone());
        let attempts = step.retry_count.unwrap_or(0).saturating_add(1);
        let mut last_failure = (GENERIC_ERROR, String::new());
        for attempt in 1..=attempts {
            let resolved = self.resolve(index, path, step, ordinal, attempt);
            self.state.in_progress = Some(index);
            self.save()?;
            self.emit(Event::StepStarted {
                path: path.to_owned(),
                name: step.name.clone(),
                ordinal,
                step_count,
                attempt,
            })?;
            let result = if step.step_type == StepType::SetVariable {
                set_variable(&resolved, &mut self.state.variables)
            } else {
                self.executor.execute(&resolved, &self.state.variables)
            };
            self.state.in_progress = None;
            let vars = &mut self.state.variables;
            vars.set_built_in(builtin::LAST_ACTION_NAME, step.name.clone());
            match result {
                Ok(completion) if success_codes.contains(&completion.exit_code) => {
                    vars.set_built_in(
                        builtin::LAST_ACTION_RET_CODE,
                        completion.exit_code.to_string(),
                    );
                    vars.set_built_in(builtin::LAST_ACTION_SUCCEEDED, "true");
                    for (name, value, secret) in &completion.set_variables {
                        if let Err(error) = vars.set(name, value, *secret) {
                            return Ok(Flow::Fail {
                                from: index,
                                code: INVALID_SETTING_ERROR,
                                message: error.to_string(),
                            });
                        }
                    }
                    self.state.results.push(StepResult {
                        path: path.to_owned(),
                        name: step.name.clone(),
                        outcome: StepOutcome::Succeeded { exit_code: completion.exit_code },
                    });
                    self.emit(Event::StepSucceeded {
                        path: path.to_owned(),
                        name: step.name.clone(),
                        ordinal,
                        step_count,
                        exit_code: completion.exit_code,
                        message: completion.message.clone(),
                    })?;
                    return Ok(match completion.restart_into {
                        Some(into) => {
                            self.state.next_instruction = index + 1;
                            Flow::Restart(into)
                        }
                        None => Flow::Next(index + 1),
                    });
                }
                Ok(completion) => {
                    vars.set_built_in(
                        builtin::LAST_ACTION_RET_CODE,
                        completion.exit_code.to_string(),
                    );
                    vars.set_built_in(builtin::LAST_ACTION_SUCCEEDED, "false");
                    last_failure = (
                        completion.exit_code,
                        format!(
                            "exit code {} (0x{:08X}) is not a success code of this step ({}){}",
                            completion.exit_code as i32,
                            completion.exit_code,
                            success_codes.iter().map(u32::to_string).collect::<Vec<_>>().join(" "),
                            if completion.message.is_empty() {
                                String::new()
                            } else {
                                format!(": {}", completion.message)
                            }
                        ),
                    );
                }
                Err(error) => {
                    vars.set_built_in(
                        builtin::LAST_ACTION_RET_CODE,
                        (error.code as i32).to_string(),
                    );
                    vars.set_built_in(builtin::LAST_ACTION_SUCCEEDED, "false");
                    last_failure = (error.code, error.message);
                }
            }
            if attempt < attempts {
                self.emit(Event::Failed {
                    path: path.to_owned(),
                    name: step.name.clone(),
                    ordinal: Some(ordinal),
                    step_count,
                    code: last_failure.0,
                    message: format!(
                        "{} (attempt {attempt} of {attempts}; retrying)",
                        last_failure.1
                    ),
                    continues: true,
                })?;
            }
        }
        Ok(Flow::Fail { from: index, code: last_failure.0, message: last_failure.1 })
    }

    fn resolve(
        &self,
        _index: usize,
        path: &str,
        step: &Step,
        ordinal: usize,
        attempt: u32,
    ) -> ResolvedStep {
        let vars = &self.state.variables;
        let settings = step
            .variables
            .iter()
            .map(|v| {
                // A task sequence variable of the same name overrides the step's default.
                let raw = vars.get(&v.name).map(str::to_owned).unwrap_or_else(|| v.value.clone());
                let secret = v.hidden
                    || vars
                        .iter()
                        .any(|known| known.secret && known.name.eq_ignore_ascii_case(&v.name))
                    || vars.mentions_secret(&raw);
                Setting {
                    name: v.name.clone(),
                    property: v.property.clone(),
                    value: vars.expand(&raw),
                    secret,
                }
            })
            .collect();
        ResolvedStep {
            path: path.to_owned(),
            ordinal,
            step_count: self.engine.program.step_count,
            name: step.name.clone(),
            step_type: step.step_type.clone(),
            action: vars.expand(&step.action),
            settings,
            environment: self.state.environment,
            attempt,
            timeout_minutes: step.timeout.filter(|minutes| *minutes > 0),
        }
    }
}

/// Set Task Sequence Variable, run by the engine itself: `VariableName` = `VariableValue`.
fn set_variable(step: &ResolvedStep, variables: &mut Variables) -> Result<Completion, StepError> {
    let name = step.setting("VariableName").map(str::trim).unwrap_or_default();
    let value = step.setting("VariableValue").unwrap_or_default();
    let secret =
        step.settings.iter().any(|s| s.secret && s.property.eq_ignore_ascii_case("VariableValue"));
    variables.set(name, value, secret).map_err(|error| StepError {
        code: INVALID_SETTING_ERROR,
        message: format!("Set Task Sequence Variable (VariableName): {error}"),
    })?;
    Ok(Completion {
        message: if secret {
            format!("set {name} (secret)")
        } else {
            format!("set {name} = {value}")
        },
        ..Completion::default()
    })
}
