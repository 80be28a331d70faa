//! The task sequence engine against fake executors: order, skips, conditions, continue-on-error,
//! success codes, retries, variables, restart and resume, interrupted steps.

use std::collections::HashMap;

use osdgate_agent::condition::NoMachineProbe;
use osdgate_agent::engine::{
    Completion, Engine, Environment, Event, Executor, INTERRUPTED_ERROR, NOT_EVALUABLE_ERROR,
    Observer, ResolvedStep, RunContext, RunOutcome, RunState, SkipReason, StepError, StepOutcome,
    parse_success_codes,
};
use osdgate_agent::variables::Variables;
use osdgate_model::model::TaskSequence;
use serde_json::json;

/// Runs each step by name: the exit code from `exit_codes` (default 0), a restart for `restart_into`,
/// and records the resolved step.
#[derive(Default)]
struct FakeExecutor {
    exit_codes: HashMap<String, Vec<u32>>,
    restart_into: HashMap<String, Environment>,
    refuse: HashMap<String, StepError>,
    ran: Vec<ResolvedStep>,
}

impl Executor for FakeExecutor {
    fn execute(&mut self, step: &ResolvedStep, _: &Variables) -> Result<Completion, StepError> {
        self.ran.push(step.clone());
        if let Some(error) = self.refuse.get(&step.name) {
            return Err(error.clone());
        }
        let exit_code = match self.exit_codes.get_mut(&step.name) {
            Some(codes) if codes.len() > 1 => codes.remove(0),
            Some(codes) => codes[0],
            None => 0,
        };
        Ok(Completion {
            exit_code,
            message: String::new(),
            restart_into: self.restart_into.get(&step.name).copied(),
            set_variables: vec![],
        })
    }
}

#[derive(Default)]
struct Recorder {
    events: Vec<Event>,
    saved: Vec<RunState>,
}

impl Observer for Recorder {
    fn event(&mut self, event: &Event, _: &RunState) -> Result<(), String> {
        self.events.push(event.clone());
        Ok(())
    }
    fn save(&mut self, state: &mut RunState) -> Result<(), String> {
        self.saved.push(state.clone());
        Ok(())
    }
}

fn sequence(steps: serde_json::Value) -> TaskSequence {
    serde_json::from_value(json!({ "id": "ABC00020", "name": "Reimage", "steps": steps })).unwrap()
}

fn step(name: &str) -> serde_json::Value {
    json!({ "node": "step", "type": "run_command_line", "name": name, "action": format!("cmd /c {name}") })
}

fn context() -> RunContext {
    RunContext {
        deployment_id: "DEP-1".into(),
        log_path: "X:\\Windows\\Temp\\SMSTSLog".into(),
        download_on_demand: true,
        smbios_uuid: None,
    }
}

fn run(
    engine: &Engine,
    state: &mut RunState,
    executor: &mut FakeExecutor,
) -> (RunOutcome, Recorder) {
    let mut recorder = Recorder::default();
    let outcome = engine.run(state, executor, &NoMachineProbe, &mut recorder).unwrap();
    (outcome, recorder)
}

fn start(sequence: TaskSequence) -> (Engine, RunState) {
    let engine = Engine::new(sequence);
    let state = engine.initial_state(&context(), Environment::WindowsPe, &[]).unwrap();
    (engine, state)
}

fn names(executor: &FakeExecutor) -> Vec<&str> {
    executor.ran.iter().map(|s| s.name.as_str()).collect()
}

fn wmi_condition() -> serde_json::Value {
    json!({ "items": [ { "item": "expression", "type": "wmi", "properties": [
        { "name": "Namespace", "value": "root\\cimv2" },
        { "name": "Query", "value": "SELECT * FROM Win32_Battery" } ] } ] })
}

fn variable_condition(variable: &str, operator: &str, value: &str) -> serde_json::Value {
    json!({ "items": [ { "item": "expression", "type": "variable", "properties": [
        { "name": "Operator", "value": operator },
        { "name": "Value", "value": value },
        { "name": "Variable", "value": variable } ] } ] })
}

#[test]
fn runs_groups_and_steps_in_order_and_skips_what_is_off() {
    let (engine, mut state) = start(sequence(json!([
        step("one"),
        { "node": "group", "name": "Install", "children": [
            step("two"),
            { "node": "step", "type": "run_command_line", "name": "off", "disabled": true },
            { "node": "group", "name": "Off group", "disabled": true, "children": [ step("never") ] },
            step("three"),
        ] },
        { "node": "group", "name": "Only UEFI", "condition": variable_condition("_SMSTSBootUEFI", "equals", "true"), "children": [ step("uefi") ] },
        { "node": "step", "type": "run_command_line", "name": "in pe", "condition": variable_condition("_SMSTSInWinPE", "equals", "true") },
        step("four"),
    ])));
    let mut executor = FakeExecutor::default();
    let (outcome, recorder) = run(&engine, &mut state, &mut executor);
    assert_eq!(outcome, RunOutcome::Completed);
    assert_eq!(names(&executor), ["one", "two", "three", "in pe", "four"]);
    assert_eq!(executor.ran[1].ordinal, 2);
    assert_eq!(executor.ran[4].step_count, 8, "steps of disabled groups count in M");
    assert!(recorder.events.contains(&Event::GroupSkipped {
        path: "steps[2]".into(),
        name: "Only UEFI".into(),
        reason: SkipReason::ConditionFalse
    }));
    assert!(recorder.events.iter().any(|e| matches!(e, Event::StepSkipped { name, reason: SkipReason::Disabled, .. } if name == "off")));
    assert!(state.finished.as_ref().unwrap().succeeded);
    assert_eq!(state.variables.get("_SMSTSLastActionName"), Some("four"));
    assert_eq!(state.variables.get("_SMSTSMediaType"), Some("BootMedia"));
    assert_eq!(state.variables.get("_SMSTSDownloadOnDemand"), Some("true"));
    // The state was saved before every step started and after it ended.
    assert!(recorder.saved.iter().any(|s| s.in_progress.is_some()));
    assert_eq!(recorder.saved.last().unwrap(), &state);
}

#[test]
fn failures_unwind_to_the_nearest_continue_on_error() {
    let (engine, mut state) = start(sequence(json!([
        { "node": "group", "name": "Try", "continue_on_error": true, "children": [
            { "node": "group", "name": "Inner", "children": [ step("fails"), step("not reached") ] },
            step("not reached either"),
        ] },
        { "node": "step", "type": "run_command_line", "name": "tolerated", "continue_on_error": true },
        step("after"),
        step("fails at top"),
        step("never"),
    ])));
    let mut executor = FakeExecutor::default();
    executor.exit_codes.insert("fails".into(), vec![5]);
    executor.exit_codes.insert("tolerated".into(), vec![1]);
    executor.exit_codes.insert("fails at top".into(), vec![0x8007_0002]);
    let (outcome, recorder) = run(&engine, &mut state, &mut executor);
    assert_eq!(names(&executor), ["fails", "tolerated", "after", "fails at top"]);
    match outcome {
        RunOutcome::Failed { code, message } => {
            assert_eq!(code, 0x8007_0002);
            assert!(message.contains("fails at top"), "{message}");
            assert!(message.contains("0x80070002"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let failures: Vec<(&str, bool)> = recorder
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Failed { name, continues, .. } => Some((name.as_str(), *continues)),
            _ => None,
        })
        .collect();
    assert_eq!(
        failures,
        [
            ("fails", false),
            ("Inner", false),
            ("Try", true),
            ("tolerated", true),
            ("fails at top", false)
        ]
    );
    assert_eq!(state.variables.get("_SMSTSLastActionSucceeded"), Some("false"));
    assert!(!state.finished.as_ref().unwrap().succeeded);
}

#[test]
fn success_codes_and_retries() {
    let (engine, mut state) = start(sequence(json!([
        step("reboot needed"),
        { "node": "step", "type": "run_command_line", "name": "custom", "success_codes": "0 1641 -2147024894" },
        { "node": "step", "type": "run_command_line", "name": "flaky", "retry_count": 2 },
        { "node": "step", "type": "run_command_line", "name": "bad list", "success_codes": "0 zero", "continue_on_error": true },
    ])));
    let mut executor = FakeExecutor::default();
    executor.exit_codes.insert("reboot needed".into(), vec![3010]);
    executor.exit_codes.insert("custom".into(), vec![0x8007_0002]);
    executor.exit_codes.insert("flaky".into(), vec![1, 1, 0]);
    let (outcome, recorder) = run(&engine, &mut state, &mut executor);
    assert_eq!(outcome, RunOutcome::Completed);
    assert_eq!(names(&executor), ["reboot needed", "custom", "flaky", "flaky", "flaky"]);
    assert_eq!(executor.ran[4].attempt, 3);
    let bad = state.results.iter().find(|r| r.name == "bad list").unwrap();
    match &bad.outcome {
        StepOutcome::Failed { message, continued: true, .. } => {
            assert!(message.contains("successCodeList"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        recorder
            .events
            .iter()
            .filter(|e| matches!(e, Event::Failed { name, .. } if name == "flaky"))
            .count(),
        2
    );
    assert_eq!(
        parse_success_codes("0 3010 0x80070002 -1").unwrap(),
        vec![0, 3010, 0x8007_0002, u32::MAX]
    );
    assert!(parse_success_codes("4294967296").is_err());
}

#[test]
fn conditions_that_are_not_evaluable_follow_continue_on_error() {
    let (engine, mut state) = start(sequence(json!([
        { "node": "step", "type": "run_command_line", "name": "laptop only", "continue_on_error": true, "condition": wmi_condition() },
        step("next"),
        { "node": "step", "type": "run_command_line", "name": "strict", "condition": wmi_condition() },
        step("never"),
    ])));
    let mut executor = FakeExecutor::default();
    let (outcome, _) = run(&engine, &mut state, &mut executor);
    assert_eq!(names(&executor), ["next"]);
    match outcome {
        RunOutcome::Failed { code, message } => {
            assert_eq!(code, NOT_EVALUABLE_ERROR);
            assert!(message.contains("not evaluable here"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn settings_are_overridden_and_expanded_and_secrets_marked() {
    let (engine, mut state) = {
        let engine = Engine::new(sequence(json!([
            { "node": "step", "type": "apply_network_settings", "name": "Network",
              "action": "osdnetsettings.exe configure %OSDWorkgroupName%",
              "variables": [
                { "name": "OSDNetworkJoinType", "property": "NetworkJoinType", "value": "1" },
                { "name": "OSDWorkgroupName", "property": "WorkgroupName", "value": "WORKGROUP" },
                { "name": "OSDJoinPassword", "property": "JoinPassword", "value": "", "hidden": true },
                { "name": "OSDDomainOUName", "property": "DomainOUName", "value": "OU=%Site%" } ] },
            { "node": "step", "type": "set_variable", "name": "Set name",
              "variables": [ { "name": "", "property": "VariableName", "value": "OSDComputerName" },
                             { "name": "", "property": "VariableValue", "value": "PC-%Site%" } ] },
            { "node": "step", "type": "set_variable", "name": "Set built-in", "continue_on_error": true,
              "variables": [ { "name": "", "property": "VariableName", "value": "_SMSTSInWinPE" },
                             { "name": "", "property": "VariableValue", "value": "false" } ] },
        ])));
        let policy = vec![
            ("OSDWorkgroupName".to_owned(), "REMOTE".to_owned(), false),
            ("Site".to_owned(), "Berlin".to_owned(), false),
        ];
        let state = engine.initial_state(&context(), Environment::WindowsPe, &policy).unwrap();
        (engine, state)
    };
    let mut executor = FakeExecutor::default();
    let (outcome, _) = run(&engine, &mut state, &mut executor);
    assert_eq!(outcome, RunOutcome::Completed);
    let network = &executor.ran[0];
    assert_eq!(
        network.setting("WorkgroupName"),
        Some("REMOTE"),
        "a TS variable overrides the default"
    );
    assert_eq!(network.setting("OSDNetworkJoinType"), Some("1"));
    assert_eq!(network.setting("DomainOUName"), Some("OU=Berlin"));
    assert_eq!(network.action, "osdnetsettings.exe configure REMOTE");
    assert!(network.settings.iter().find(|s| s.property == "JoinPassword").unwrap().secret);
    assert_eq!(state.variables.get("OSDComputerName"), Some("PC-Berlin"));
    assert_eq!(state.variables.get("_SMSTSInWinPE"), Some("true"));
    assert!(
        matches!(&state.results[2].outcome, StepOutcome::Failed { message, .. } if message.contains("read-only"))
    );
}

#[test]
fn a_restart_resumes_at_the_next_step_in_the_new_environment() {
    let sequence = sequence(json!([
        step("partition"),
        { "node": "step", "type": "setup_windows_and_configmgr", "name": "Setup Windows", "run_in": "WinPE" },
        { "node": "step", "type": "run_command_line", "name": "in full os", "run_in": "FullOS" },
        { "node": "step", "type": "run_command_line", "name": "pe only", "run_in": "WinPE", "continue_on_error": true },
    ]));
    let (engine, mut state) = start(sequence.clone());
    let mut executor = FakeExecutor::default();
    executor.restart_into.insert("Setup Windows".into(), Environment::FullOs);
    let (outcome, recorder) = run(&engine, &mut state, &mut executor);
    assert_eq!(outcome, RunOutcome::RestartRequired { into: Environment::FullOs });
    assert_eq!(names(&executor), ["partition", "Setup Windows"]);
    let saved = recorder.saved.last().unwrap().clone();
    assert!(saved.restart_pending);
    assert_eq!(saved.next_instruction, 2);
    assert_eq!(saved.in_progress, None);

    // The machine restarts: a new engine from the saved state (as read back from disk).
    let text = serde_json::to_string(&saved).unwrap();
    let mut resumed: RunState = serde_json::from_str(&text).unwrap();
    let engine = Engine::new(sequence);
    let mut executor = FakeExecutor::default();
    let (outcome, recorder) = run(&engine, &mut resumed, &mut executor);
    assert_eq!(outcome, RunOutcome::Completed);
    assert_eq!(names(&executor), ["in full os"]);
    assert_eq!(recorder.events[0], Event::SequenceStarted { step_count: 4, resumed: true });
    assert_eq!(resumed.variables.get("_SMSTSInWinPE"), Some("false"));
    assert!(
        matches!(&resumed.results.last().unwrap().outcome, StepOutcome::Failed { message, .. } if message.contains("runIn"))
    );
}

#[test]
fn a_step_interrupted_by_a_crash_is_not_run_twice() {
    let (engine, mut state) = start(sequence(json!([
        step("partition"),
        { "node": "step", "type": "apply_operating_system", "name": "Apply image", "continue_on_error": true },
        step("after"),
    ])));
    // The saved state of a run that stopped while "Apply image" was running.
    state.next_instruction = 1;
    state.in_progress = Some(1);
    let mut executor = FakeExecutor::default();
    let (outcome, _) = run(&engine, &mut state, &mut executor);
    assert_eq!(outcome, RunOutcome::Completed);
    assert_eq!(names(&executor), ["after"]);
    assert!(matches!(
        state.results[0].outcome,
        StepOutcome::Failed { code: INTERRUPTED_ERROR, continued: true, .. }
    ));
}

#[test]
fn refuses_a_state_of_another_sequence_or_a_finished_run() {
    let (engine, mut state) = start(sequence(json!([step("one")])));
    let other = Engine::new(sequence(json!([step("one"), step("two")])));
    let mut executor = FakeExecutor::default();
    let mut recorder = Recorder::default();
    let error = other.run(&mut state, &mut executor, &NoMachineProbe, &mut recorder).unwrap_err();
    assert!(error.to_string().contains("remove the state folder"), "{error}");
    run(&engine, &mut state, &mut executor);
    let error = engine.run(&mut state, &mut executor, &NoMachineProbe, &mut recorder).unwrap_err();
    assert!(error.to_string().contains("already finished"), "{error}");
}

#[test]
fn an_executor_error_fails_the_step_with_its_code() {
    let (engine, mut state) = start(sequence(json!([step("download")])));
    let mut executor = FakeExecutor::default();
    executor.refuse.insert(
        "download".into(),
        StepError { code: 0x8009_1007, message: "hash mismatch on install.wim".into() },
    );
    let (outcome, _) = run(&engine, &mut state, &mut executor);
    assert_eq!(
        outcome,
        RunOutcome::Failed {
            code: 0x8009_1007,
            message: "download failed: hash mismatch on install.wim".into()
        }
    );
    assert_eq!(state.variables.get("_SMSTSLastActionRetCode"), Some("-2146889721"));
}

#[test]
fn the_state_file_round_trips_and_refuses_garbage() {
    use osdgate_agent::state::StateFile;
    let folder = std::env::temp_dir().join(format!("osdgate-agent-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let file = StateFile::in_folder(&folder).unwrap();
    assert_eq!(file.load().unwrap(), None);
    let (engine, mut state) = start(sequence(json!([step("one"), step("two")])));
    let mut executor = FakeExecutor::default();
    run(&engine, &mut state, &mut executor);
    file.save(&state).unwrap();
    file.save(&state).unwrap();
    assert_eq!(file.load().unwrap(), Some(state));
    let leftovers: Vec<_> =
        std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, ["state.json"], "no temporary file stays behind");
    std::fs::write(file.path(), b"{\"version\": 1, \"half").unwrap();
    let error = file.load().unwrap_err().to_string();
    assert!(error.contains("remove it to start the task sequence over"), "{error}");
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn a_state_pointing_beyond_the_sequence_is_refused() {
    let (engine, state) = start(sequence(json!([step("one")])));
    let mut executor = FakeExecutor::default();
    let mut recorder = Recorder::default();
    for (next, in_progress) in [(5, None), (0, Some(1)), (0, Some(usize::MAX))] {
        let mut bad = state.clone();
        bad.next_instruction = next;
        bad.in_progress = in_progress;
        let error =
            engine.run(&mut bad, &mut executor, &NoMachineProbe, &mut recorder).unwrap_err();
        assert!(error.to_string().contains("beyond the task sequence"), "{error}");
    }
    assert!(executor.ran.is_empty());
}
