//! The executors of the steps a boot-media deployment uses. They decide the exact command lines and
//! files (diskpart script, DISM, bcdboot, unattend.xml, SetupComplete.cmd) and hand them to a
//! [`Machine`]; [`DryRun`] is the machine that only records them (a JSON record and the log) and
//! touches no disk.
//!
//! Drive letters: Format and Partition Disk assigns letters from
//! [`crate::generate::ASSIGNABLE_LETTERS`] and sets the partitions' letter variables, plus
//! osdgate's own `OSDGATEWindowsDrive`, `OSDGATESystemDrive` and `OSDGATEPartitionStyle`, which Apply
//! Operating System Image uses when its step names no destination variable. Apply Operating System
//! Image sets `OSDTargetSystemDrive` as ConfigMgr does; later steps apply to that drive.

use osdgate_model::api::ContentReference;
use osdgate_model::media::bundle::sha256_hex;
use osdgate_model::model::StepType;
use serde::{Deserialize, Serialize};

use crate::engine::{
    Completion, Environment, Executor, INVALID_SETTING_ERROR, ResolvedStep, StepError,
};
use crate::generate::{
    DiskLayout, PartitionStyle, UnattendSettings, diskpart_script, unattend_xml,
};
use crate::variables::Variables;

/// Where the agent keeps its working files in Windows PE (the RAM disk).
pub const WORK_FOLDER: &str = "X:\\Windows\\Temp\\osdgate";
/// Where content is cached in Windows PE.
pub const CONTENT_CACHE: &str = "X:\\Windows\\Temp\\osdgate\\content";

/// `ERROR_FILE_NOT_FOUND` (0x80070002): content the step needs is not in the policy.
pub const CONTENT_MISSING_ERROR: u32 = 0x8007_0002;
/// `E_NOTIMPL`: a step type osdgate-agent does not run.
pub const UNSUPPORTED_STEP_ERROR: u32 = 0x8000_4001;
/// `ERROR_NOT_SUPPORTED` as an HRESULT: a domain join the device cannot do (seed 000).
pub const DOMAIN_JOIN_ERROR: u32 = 0x8007_0032;

/// One thing an executor did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// A program with its arguments, and the command line as Windows receives it (the real
    /// machine passes exactly this text to `CreateProcess`).
    Command {
        program: String,
        arguments: Vec<String>,
        command_line: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        working_directory: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_seconds: Option<u64>,
    },
    /// A file written. `text` is the content (secrets replaced by `********` and `redacted` set);
    /// `sha256` and `size` are those of the real content.
    File { path: String, size: u64, sha256: String, text: String, redacted: bool },
    /// Content the step needs, with where it goes and what it is verified against.
    Content { content_id: String, path: String, files: usize, bytes: u64 },
    /// The machine restarts into this environment.
    Restart { into: Environment, command_line: String },
}

/// An [`Action`] with the step it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedAction {
    pub step: String,
    pub ordinal: usize,
    #[serde(flatten)]
    pub action: Action,
}

/// `ERROR_TIMEOUT` as an HRESULT: a program ran longer than its step's timeout and was stopped.
pub const TIMEOUT_ERROR: u32 = 0x8007_05B4;

/// A program a step runs: what the dry run records and the real machine starts. One value, so the
/// command line recorded is the command line run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub program: String,
    pub arguments: Vec<String>,
    /// The folder the program starts in (Run Command Line's "Start in"); `None`: the agent's own.
    pub working_directory: Option<String>,
    /// Stopped after this long (the step's `timeout`); `None`: no limit.
    pub timeout_seconds: Option<u64>,
}

impl Invocation {
    pub fn new(program: &str, arguments: &[&str]) -> Self {
        Invocation {
            program: program.to_owned(),
            arguments: arguments.iter().map(|a| (*a).to_owned()).collect(),
            working_directory: None,
            timeout_seconds: None,
        }
    }

    /// The arguments as the tail of the Windows command line (what follows the program).
    ///
    /// Each argument is quoted the way `CommandLineToArgvW` reads it back, except the command of
    /// `cmd.exe /s /c`: cmd does not read backslash escapes, it strips the first and the last quote
    /// of everything after `/c` and runs the rest verbatim, so that text is written as
    /// `"command"` with the command untouched.
    pub fn arguments_text(&self) -> String {
        let cmd = is_cmd(&self.program);
        let mut parts = Vec::with_capacity(self.arguments.len());
        let mut strips_quotes = false;
        for (index, argument) in self.arguments.iter().enumerate() {
            if cmd && argument.eq_ignore_ascii_case("/s") {
                strips_quotes = true;
            }
            if cmd
                && strips_quotes
                && (argument.eq_ignore_ascii_case("/c") || argument.eq_ignore_ascii_case("/k"))
            {
                parts.push(argument.clone());
                parts.push(format!("\"{}\"", self.arguments[index + 1..].join(" ")));
                return parts.join(" ");
            }
            parts.push(quote(argument));
        }
        parts.join(" ")
    }

    /// The whole command line as Windows receives it.
    pub fn command_line(&self) -> String {
        let tail = self.arguments_text();
        if tail.is_empty() {
            quote(&self.program)
        } else {
            format!("{} {tail}", quote(&self.program))
        }
    }

    /// The record of this invocation.
    pub fn action(&self) -> Action {
        Action::Command {
            program: self.program.clone(),
            arguments: self.arguments.clone(),
            command_line: self.command_line(),
            working_directory: self.working_directory.clone(),
            timeout_seconds: self.timeout_seconds,
        }
    }
}

fn is_cmd(program: &str) -> bool {
    let name = program.rsplit(['\\', '/']).next().unwrap_or(program);
    name.eq_ignore_ascii_case("cmd.exe") || name.eq_ignore_ascii_case("cmd")
}

/// The program that restarts the machine from `environment`: Windows PE restarts with `wpeutil`,
/// the full OS with `shutdown`. The dry run records it, the real machine runs it.
pub fn restart_invocation(environment: Environment) -> Invocation {
    match environment {
        Environment::WindowsPe => Invocation::new("wpeutil.exe", &["reboot"]),
        Environment::FullOs => Invocation::new("shutdown.exe", &["/r", "/t", "0"]),
    }
}

/// How a program ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exit {
    pub code: u32,
    /// The end of what it wrote to stdout and stderr (empty in a dry run).
    pub output: String,
}

/// The record of `contents` written to `path` (`log_text` is the content fit for a log).
pub fn file_action(path: &str, contents: &[u8], log_text: &str) -> Action {
    Action::File {
        path: path.to_owned(),
        size: contents.len() as u64,
        sha256: sha256_hex(contents),
        text: log_text.to_owned(),
        redacted: log_text.as_bytes() != contents,
    }
}

/// The record of `content` made available in the folder `path`.
pub fn content_action(content: &ContentReference, path: &str) -> Action {
    Action::Content {
        content_id: content.content_id.clone(),
        path: path.to_owned(),
        files: content.files.len(),
        bytes: content.files.iter().map(|f| f.size).sum(),
    }
}

/// The machine the executors act on.
pub trait Machine {
    /// Runs a program; returns how it ended.
    fn run(&mut self, step: &ResolvedStep, invocation: &Invocation) -> Result<Exit, StepError>;
    /// Writes `contents` to `path` (atomically). `log_text` is the content fit for a log.
    fn write_file(
        &mut self,
        step: &ResolvedStep,
        path: &str,
        contents: &[u8],
        log_text: &str,
    ) -> Result<(), StepError>;
    /// Makes content available, its files verified against their SHA-256; returns the local folder
    /// it is in.
    fn fetch_content(
        &mut self,
        step: &ResolvedStep,
        content: &ContentReference,
    ) -> Result<String, StepError>;
    /// Restarts the machine (after the state is saved) with [`restart_invocation`].
    fn restart(&mut self, step: &ResolvedStep, into: Environment) -> Result<(), StepError>;
    /// A machine that only records (the dry run) goes on after a restart instead of stopping.
    fn passes_restarts(&self) -> bool {
        false
    }
}

/// A command line as Windows' `CommandLineToArgvW` reads it back: arguments with spaces or quotes
/// are quoted, inner quotes escaped (see [`Invocation::arguments_text`] for `cmd.exe /s /c`).
pub fn command_line(program: &str, arguments: &[String]) -> String {
    Invocation {
        program: program.to_owned(),
        arguments: arguments.to_vec(),
        working_directory: None,
        timeout_seconds: None,
    }
    .command_line()
}

fn quote(argument: &str) -> String {
    if !argument.is_empty() && !argument.contains([' ', '\t', '"']) {
        return argument.to_owned();
    }
    let mut quoted = String::from("\"");
    let mut backslashes = 0;
    for c in argument.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                quoted.push_str(&"\\".repeat(backslashes * 2 + 1));
                quoted.push('"');
                backslashes = 0;
            }
            c => {
                quoted.push_str(&"\\".repeat(backslashes));
                quoted.push(c);
                backslashes = 0;
            }
        }
    }
    quoted.push_str(&"\\".repeat(backslashes * 2));
    quoted.push('"');
    quoted
}

/// The dry-run machine: records every action, runs nothing, writes nothing, downloads nothing. Every
/// program "exits" with 0.
#[derive(Debug, Default)]
pub struct DryRun {
    pub actions: Vec<RecordedAction>,
}

impl DryRun {
    fn record(&mut self, step: &ResolvedStep, action: Action) {
        self.actions.push(RecordedAction {
            step: step.name.clone(),
            ordinal: step.ordinal,
            action,
        });
    }
}

impl Machine for DryRun {
    fn run(&mut self, step: &ResolvedStep, invocation: &Invocation) -> Result<Exit, StepError> {
        self.record(step, invocation.action());
        Ok(Exit::default())
    }

    fn write_file(
        &mut self,
        step: &ResolvedStep,
        path: &str,
        contents: &[u8],
        log_text: &str,
    ) -> Result<(), StepError> {
        self.record(step, file_action(path, contents, log_text));
        Ok(())
    }

    fn fetch_content(
        &mut self,
        step: &ResolvedStep,
        content: &ContentReference,
    ) -> Result<String, StepError> {
        let path = format!("{CONTENT_CACHE}\\{}", content.content_id);
        self.record(step, content_action(content, &path));
        Ok(path)
    }

    fn restart(&mut self, step: &ResolvedStep, into: Environment) -> Result<(), StepError> {
        let line = restart_invocation(step.environment).command_line();
        self.record(step, Action::Restart { into, command_line: line });
        Ok(())
    }

    fn passes_restarts(&self) -> bool {
        true
    }
}

/// The end of `SetupComplete.cmd`: Windows Setup runs it once, before the first logon, and it
/// hands the task sequence back to the agent, as ConfigMgr's `OSDSetupHook.exe` does from the same
/// script. The agent runs from the medium (found like the launcher finds it: `\osdgate\media.json`
/// on a drive, so the medium stays inserted until the task sequence ends) with the policy the run
/// saved in `_SMSTaskSequence`, and finds its state there.
pub const SETUP_COMPLETE_RESUME: &str = "rem The task sequence continues in Windows: the agent on the osdgate medium resumes from %SystemDrive%\\_SMSTaskSequence.\r\n\
set OSDGATE_MEDIUM=\r\n\
for %%D in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do if not defined OSDGATE_MEDIUM if exist \"%%D:\\osdgate\\media.json\" set \"OSDGATE_MEDIUM=%%D:\\osdgate\"\r\n\
if not defined OSDGATE_MEDIUM (\r\n\
  echo osdgate: the osdgate medium is not inserted. Insert it and run %~f0 to finish the task sequence.\r\n\
  exit /b 2\r\n\
)\r\n\
\"%OSDGATE_MEDIUM%\\osdgate-agent.exe\" run --bundle \"%OSDGATE_MEDIUM%\" --policy \"%SystemDrive%\\_SMSTaskSequence\\policy.json\"\r\n";

/// Runs the steps a boot-media deployment uses on a [`Machine`], with the policy's content list.
#[derive(Debug)]
pub struct StepExecutor<M> {
    pub machine: M,
    pub content: Vec<ContentReference>,
}

fn invalid(setting: &str, problem: impl std::fmt::Display) -> StepError {
    StepError { code: INVALID_SETTING_ERROR, message: format!("{setting}: {problem}") }
}

fn setting_or<'a>(step: &'a ResolvedStep, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| step.setting(n)).map(str::trim).filter(|v| !v.is_empty())
}

impl<M: Machine> StepExecutor<M> {
    pub fn new(machine: M, content: Vec<ContentReference>) -> Self {
        StepExecutor { machine, content }
    }

    fn content(
        &mut self,
        step: &ResolvedStep,
        setting: &str,
        package_id: &str,
    ) -> Result<(String, ContentReference), StepError> {
        let Some(content) =
            self.content.iter().find(|c| c.content_id.eq_ignore_ascii_case(package_id)).cloned()
        else {
            return Err(StepError {
                code: CONTENT_MISSING_ERROR,
                message: format!(
                    "{setting}: the content {package_id} is not in this deployment's policy; distribute it and reference it from the task sequence"
                ),
            });
        };
        let folder = self.machine.fetch_content(step, &content)?;
        Ok((folder, content))
    }

    fn run(
        &mut self,
        step: &ResolvedStep,
        program: &str,
        arguments: &[&str],
    ) -> Result<Exit, StepError> {
        let invocation = Invocation {
            timeout_seconds: timeout_seconds(step),
            ..Invocation::new(program, arguments)
        };
        self.machine.run(step, &invocation)
    }

    fn partition_disk(&mut self, step: &ResolvedStep) -> Result<Completion, StepError> {
        let layout = DiskLayout::from_settings(&|name| step.setting(name).map(str::to_owned))
            .map_err(|e| StepError { code: INVALID_SETTING_ERROR, message: e.to_string() })?;
        let script = diskpart_script(&layout);
        let path = format!("{WORK_FOLDER}\\diskpart-{}.txt", step.ordinal);
        self.machine.write_file(step, &path, script.as_bytes(), &script)?;
        let exit = self.run(step, "diskpart.exe", &["/s", &path])?;
        if exit.code != 0 {
            return Ok(failed("diskpart could not partition the disk", exit));
        }
        let letters = layout.letters();
        let mut set_variables = Vec::new();
        for (partition, letter) in layout.partitions.iter().zip(&letters) {
            if let (Some(variable), Some(letter)) = (&partition.letter_variable, letter) {
                set_variables.push((variable.clone(), format!("{letter}:"), false));
            }
        }
        let drive = |index: Option<usize>| index.and_then(|i| letters[i]).map(|l| format!("{l}:"));
        if let Some(windows) = drive(layout.windows_partition()) {
            set_variables.push(("OSDGATEWindowsDrive".to_owned(), windows, false));
        }
        if let Some(system) = drive(layout.system_partition()) {
            set_variables.push(("OSDGATESystemDrive".to_owned(), system, false));
        }
        let style = if layout.style == PartitionStyle::Gpt { "GPT" } else { "MBR" };
        set_variables.push(("OSDGATEPartitionStyle".to_owned(), style.to_owned(), false));
        Ok(Completion {
            exit_code: exit.code,
            message: format!(
                "disk {} partitioned ({style}, {} partitions)",
                layout.disk_index,
                layout.partitions.len()
            ),
            restart_into: None,
            set_variables,
        })
    }

    fn apply_operating_system(
        &mut self,
        step: &ResolvedStep,
        variables: &Variables,
    ) -> Result<Completion, StepError> {
        let package = setting_or(step, &["ImagePackageID", "OSDImagePackageId"])
            .ok_or_else(|| {
                invalid("ImagePackageID", "the step names no operating system image package")
            })?
            .to_owned();
        let index = setting_or(step, &["ImageIndex", "OSDImageIndex"]).unwrap_or("1");
        if index.parse::<u32>().map_or(true, |i| i == 0) {
            return Err(invalid(
                "ImageIndex",
                format!("{index:?} is not an image index (1 or more)"),
            ));
        }
        let destination = destination_drive(step, variables)?;
        let (folder, content) = self.content(step, "ImagePackageID", &package)?;
        let image = content
            .files
            .iter()
            .find(|f| {
                let lower = f.path.to_ascii_lowercase();
                lower.ends_with(".wim") || lower.ends_with(".esd")
            })
            .ok_or_else(|| StepError {
                code: CONTENT_MISSING_ERROR,
                message: format!(
                    "ImagePackageID: the content {package} holds no .wim or .esd image"
                ),
            })?;
        let image_path = format!("{folder}\\{}", image.path.replace('/', "\\"));
        let exit = self.run(
            step,
            "dism.exe",
            &[
                "/Apply-Image",
                &format!("/ImageFile:{image_path}"),
                &format!("/Index:{index}"),
                &format!("/ApplyDir:{destination}\\"),
            ],
        )?;
        if exit.code != 0 {
            return Ok(failed("DISM could not apply the image", exit));
        }
        let firmware = if variables
            .get("OSDGATEPartitionStyle")
            .is_some_and(|s| s.eq_ignore_ascii_case("MBR"))
        {
            "BIOS"
        } else {
            "UEFI"
        };
        let windows = format!("{destination}\\Windows");
        let exit = match variables.get("OSDGATESystemDrive") {
            Some(system) => {
                self.run(step, "bcdboot.exe", &[&windows, "/s", system, "/f", firmware])?
            }
            None => self.run(step, "bcdboot.exe", &[&windows, "/f", firmware])?,
        };
        if exit.code != 0 {
            return Ok(failed("bcdboot could not make the disk bootable", exit));
        }
        Ok(Completion {
            exit_code: exit.code,
            message: format!("image {package} index {index} applied to {destination}"),
            restart_into: None,
            set_variables: vec![("OSDTargetSystemDrive".to_owned(), destination, false)],
        })
    }

    fn apply_driver_package(
        &mut self,
        step: &ResolvedStep,
        variables: &Variables,
    ) -> Result<Completion, StepError> {
        let package = setting_or(step, &["DriverPackageID", "OSDApplyDriverDriverPackageID"])
            .ok_or_else(|| invalid("DriverPackageID", "the step names no driver package"))?
            .to_owned();
        let target = target_drive(variables)?;
        let (folder, _) = self.content(step, "DriverPackageID", &package)?;
        let mut arguments = vec![
            format!("/Image:{target}\\"),
            "/Add-Driver".to_owned(),
            format!("/Driver:{folder}"),
            "/Recurse".to_owned(),
        ];
        if setting_or(step, &["UnsignedDriver", "OSDApplyDriverUnsignedDriver"])
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            arguments.push("/ForceUnsigned".to_owned());
        }
        let invocation = Invocation {
            program: "dism.exe".to_owned(),
            arguments,
            working_directory: None,
            timeout_seconds: timeout_seconds(step),
        };
        let exit = self.machine.run(step, &invocation)?;
        if exit.code != 0 {
            return Ok(failed("DISM could not add the drivers", exit));
        }
        Ok(Completion {
            exit_code: exit.code,
            message: format!("drivers of {package} added to {target}"),
            ..Completion::default()
        })
    }

    fn apply_network_settings(&mut self, step: &ResolvedStep) -> Result<Completion, StepError> {
        let join_type = setting_or(step, &["OSDNetworkJoinType", "NetworkJoinType"]);
        match join_type {
            Some("1") => {
                let workgroup = setting_or(step, &["OSDWorkgroupName", "WorkgroupName"]).unwrap_or("WORKGROUP");
                if workgroup.chars().count() > 15 || workgroup.contains(['"', '<', '>', '\\', '/', ':', '*', '?', '|']) {
                    return Err(invalid("OSDWorkgroupName", format!("{workgroup:?} is not a workgroup name (at most 15 characters, no \\ / : * ? \" < > |)")));
                }
                Ok(Completion {
                    message: format!("the device will join the workgroup {workgroup} (unattend.xml of Setup Windows and ConfigMgr)"),
                    set_variables: vec![
                        ("OSDNetworkJoinType".to_owned(), "1".to_owned(), false),
                        ("OSDWorkgroupName".to_owned(), workgroup.to_owned(), false),
                    ],
                    ..Completion::default()
                })
            }
            Some("0") => Err(StepError {
                code: DOMAIN_JOIN_ERROR,
                message: "OSDNetworkJoinType is 0 (domain): a device on boot media over the gateway has no domain controller to join; configure Apply Network Settings to join a workgroup (seed 000)".to_owned(),
            }),
            other => Err(invalid("OSDNetworkJoinType", format!("{:?} is neither 1 (workgroup) nor 0 (domain)", other.unwrap_or("")))),
        }
    }

    fn apply_windows_settings(&mut self, step: &ResolvedStep) -> Result<Completion, StepError> {
        let mut set_variables = Vec::new();
        for (variable, property) in [
            ("OSDComputerName", "ComputerName"),
            ("OSDRegisteredUserName", "RegisteredUserName"),
            ("OSDRegisteredOrgName", "RegisteredOrgName"),
            ("OSDTimeZone", "TimeZone"),
            ("OSDProductKey", "ProductKey"),
            ("OSDLocalAdminPassword", "AdminPassword"),
            ("OSDRandomAdminPassword", "RandomAdminPassword"),
        ] {
            if let Some(value) = setting_or(step, &[variable, property]) {
                let secret = variable == "OSDLocalAdminPassword"
                    || step.settings.iter().any(|s| {
                        s.secret
                            && (s.name.eq_ignore_ascii_case(variable)
                                || s.property.eq_ignore_ascii_case(property))
                    });
                set_variables.push((variable.to_owned(), value.to_owned(), secret));
            }
        }
        if let Some((_, name, _)) = set_variables.iter().find(|(v, _, _)| v == "OSDComputerName")
            && name != "*"
            && (name.len() > 15
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                || name.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(invalid(
                "OSDComputerName",
                format!(
                    "{name:?} is not a computer name (1–15 letters, digits or -, not only digits)"
                ),
            ));
        }
        Ok(Completion {
            message: "Windows settings recorded for unattend.xml".to_owned(),
            set_variables,
            ..Completion::default()
        })
    }

    fn setup_windows_and_configmgr(
        &mut self,
        step: &ResolvedStep,
        variables: &Variables,
    ) -> Result<Completion, StepError> {
        let target = target_drive(variables)?;
        let get = |name: &str| variables.get(name).unwrap_or_default().to_owned();
        let random_password =
            variables.get("OSDRandomAdminPassword").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let settings = UnattendSettings {
            computer_name: get("OSDComputerName"),
            workgroup: get("OSDWorkgroupName"),
            registered_owner: get("OSDRegisteredUserName"),
            registered_organization: get("OSDRegisteredOrgName"),
            time_zone: get("OSDTimeZone"),
            product_key: get("OSDProductKey"),
            administrator_password: variables
                .get("OSDLocalAdminPassword")
                .filter(|p| !p.is_empty() && !random_password)
                .map(str::to_owned),
        };
        let xml = unattend_xml(&settings);
        let log_xml = match &settings.administrator_password {
            Some(_) => unattend_xml(&UnattendSettings {
                administrator_password: Some("********".to_owned()),
                ..settings.clone()
            }),
            None => xml.clone(),
        };
        self.machine.write_file(
            step,
            &format!("{target}\\Windows\\Panther\\unattend.xml"),
            xml.as_bytes(),
            &log_xml,
        )?;

        let package = setting_or(step, &["ClientPackageID"]).map(str::to_owned);
        let properties =
            setting_or(step, &["SMSClientInstallProperties", "ClientInstallProperties"])
                .unwrap_or("")
                .to_owned();
        let mut script = String::from(
            "@echo off\r\nrem Written by osdgate-agent (Setup Windows and ConfigMgr).\r\n",
        );
        if let Some(package) = package {
            let (folder, _) = self.content(step, "ClientPackageID", &package)?;
            let client_folder = format!("{target}\\_osdgate\\client");
            // robocopy: exit codes below 8 mean the copy succeeded.
            let copied = self.run(
                step,
                "robocopy.exe",
                &[&folder, &client_folder, "/E", "/R:2", "/W:5", "/NP"],
            )?;
            if copied.code >= 8 {
                return Ok(failed("robocopy could not copy the client", copied));
            }
            script.push_str(&format!(
                "rem Installs the ConfigMgr client with the step's properties.\r\n\"%SystemDrive%\\_osdgate\\client\\ccmsetup.exe\" {properties}\r\n"
            ));
        }
        script.push_str(SETUP_COMPLETE_RESUME);
        let secret_properties = step.settings.iter().any(|s| {
            s.secret
                && (s.name.eq_ignore_ascii_case("SMSClientInstallProperties")
                    || s.property.eq_ignore_ascii_case("ClientInstallProperties"))
        });
        let log_script = if secret_properties && !properties.is_empty() {
            script.replace(&properties, "********")
        } else {
            script.clone()
        };
        self.machine.write_file(
            step,
            &format!("{target}\\Windows\\Setup\\Scripts\\SetupComplete.cmd"),
            script.as_bytes(),
            &log_script,
        )?;
        Ok(Completion {
            exit_code: 0,
            message: format!(
                "Windows Setup prepared on {target}; the client installs with: {properties}"
            ),
            restart_into: Some(Environment::FullOs),
            set_variables: vec![],
        })
    }

    /// Run Command Line: the command runs through `cmd.exe /d /s /c "..."` (so shell built-ins and
    /// redirections work as admins write them), in its "Start in" folder; with a package, in the
    /// package's folder (a relative "Start in" is taken inside it), as ConfigMgr does.
    fn run_command_line(&mut self, step: &ResolvedStep) -> Result<Completion, StepError> {
        if step.action.trim().is_empty() {
            return Err(invalid("CommandLine", "the step has no command line"));
        }
        let start_in =
            setting_or(step, &["WorkingDirectory", "SMSTSRunCommandLineWorkingDirectory"])
                .map(|folder| folder.trim_end_matches('\\').to_owned());
        let package_folder = match setting_or(step, &["PackageID"]).map(str::to_owned) {
            Some(package) => Some(self.content(step, "PackageID", &package)?.0),
            None => None,
        };
        let working_directory = match (start_in, package_folder) {
            (Some(folder), Some(package)) if !is_absolute_windows_path(&folder) => {
                Some(format!("{package}\\{folder}"))
            }
            (Some(folder), _) => Some(folder),
            (None, package) => package,
        };
        let invocation = Invocation {
            program: "cmd.exe".to_owned(),
            arguments: vec!["/d".to_owned(), "/s".to_owned(), "/c".to_owned(), step.action.clone()],
            working_directory,
            timeout_seconds: timeout_seconds(step),
        };
        let exit = self.machine.run(step, &invocation)?;
        let message = if exit.output.trim().is_empty() {
            format!("command line exited with {}", exit.code)
        } else {
            format!("command line exited with {}; output: {}", exit.code, exit.output.trim_end())
        };
        Ok(Completion { exit_code: exit.code, message, ..Completion::default() })
    }

    fn restart(&mut self, step: &ResolvedStep) -> Result<Completion, StepError> {
        let target = setting_or(step, &["SMSRebootTarget", "Target"]).unwrap_or("");
        // `HD` or no target: "the currently installed default operating system", the step's
        // default; any other value: the boot image.
        let into = if target.is_empty() || target.eq_ignore_ascii_case("HD") {
            Environment::FullOs
        } else {
            Environment::WindowsPe
        };
        if step.environment == Environment::FullOs && into == Environment::WindowsPe {
            // ConfigMgr stages the boot image on the disk for this; the agent has no boot image
            // of its own to stage, and whether the medium boots depends on the firmware.
            return Err(StepError {
                code: UNSUPPORTED_STEP_ERROR,
                message: "a restart from Windows into the boot image needs the boot image staged on the disk, which osdgate-agent does not do; restart into the installed operating system (HD), or end the task sequence and boot the osdgate medium".to_owned(),
            });
        }
        Ok(Completion {
            message: format!("restart into {into:?}"),
            restart_into: Some(into),
            ..Completion::default()
        })
    }
}

/// A completion for a program that failed, with the end of its output.
fn failed(what: &str, exit: Exit) -> Completion {
    let output = exit.output.trim();
    Completion {
        exit_code: exit.code,
        message: if output.is_empty() {
            what.to_owned()
        } else {
            format!("{what}; output: {output}")
        },
        ..Completion::default()
    }
}

fn timeout_seconds(step: &ResolvedStep) -> Option<u64> {
    step.timeout_minutes.map(|minutes| u64::from(minutes) * 60)
}

/// `C:\...` or a UNC path `\\server\...`.
pub fn is_absolute_windows_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with("\\\\")
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && bytes[2] == b'\\')
}

/// Where Apply Operating System Image puts Windows: the variable its `DestinationVariable` names,
/// else the Windows partition Format and Partition Disk prepared.
fn destination_drive(step: &ResolvedStep, variables: &Variables) -> Result<String, StepError> {
    if let Some(variable) =
        setting_or(step, &["DestinationVariable", "OSDApplyOSDestinationVariable"])
    {
        return variables
            .get(variable)
            .map(|d| d.trim_end_matches('\\').to_owned())
            .filter(|d| !d.is_empty())
            .ok_or_else(|| invalid("DestinationVariable", format!("the variable {variable} is not set; let Format and Partition Disk set it (VolumeLetterVariable)")));
    }
    variables
        .get("OSDGATEWindowsDrive")
        .map(str::to_owned)
        .ok_or_else(|| invalid("DestinationVariable", "no destination: run Format and Partition Disk first, or name the variable that holds the drive"))
}

fn target_drive(variables: &Variables) -> Result<String, StepError> {
    variables.get("OSDTargetSystemDrive").map(str::to_owned).ok_or_else(|| {
        invalid(
            "OSDTargetSystemDrive",
            "no Windows installation yet: this step must come after Apply Operating System Image",
        )
    })
}

impl<M: Machine> Executor for StepExecutor<M> {
    fn execute(
        &mut self,
        step: &ResolvedStep,
        variables: &Variables,
    ) -> Result<Completion, StepError> {
        match &step.step_type {
            StepType::PartitionDisk => self.partition_disk(step),
            StepType::ApplyOperatingSystem => self.apply_operating_system(step, variables),
            StepType::ApplyDriverPackage => self.apply_driver_package(step, variables),
            StepType::ApplyNetworkSettings => self.apply_network_settings(step),
            StepType::ApplyWindowsSettings => self.apply_windows_settings(step),
            StepType::SetupWindowsAndConfigMgr => self.setup_windows_and_configmgr(step, variables),
            StepType::RunCommandLine => self.run_command_line(step),
            StepType::Restart => self.restart(step),
            other => Err(StepError {
                code: UNSUPPORTED_STEP_ERROR,
                message: format!(
                    "osdgate-agent does not run {} steps yet; disable the step or set continue on error",
                    other.class_name()
                ),
            }),
        }
    }
}
