//! The settings each known step type has, as the task-sequence editor shows them: where each one
//! lives in the step (a `defaultVarList` variable, or the `<action>` command line), its kind, and the
//! rule its value must follow. The editor validates at the field with these rules, and the names
//! are those ConfigMgr writes and `osdgate-agent` reads (spec section 4).
//!
//! Only the step types a boot-media deployment uses have a catalog; every other step keeps its
//! variables as imported, and the editor shows them read-only.

use super::task_sequence::{Step, StepType, StepVariable};

/// Where a setting's value lives in a [`Step`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingPlace {
    /// A `defaultVarList` variable: its TS variable name and its step-class property (a step
    /// carries either or both; lookups match either, case-insensitively, as the engine does).
    Variable {
        /// The task sequence variable, such as `OSDNetworkJoinType`.
        name: &'static str,
        /// The step class property, such as `NetworkJoinType`.
        property: &'static str,
    },
    /// The step's `<action>`: the command line of Run Command Line.
    Action,
}

/// One value of a [`SettingKind::Choice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingChoice {
    /// The value written to the step.
    pub value: &'static str,
    /// A stable key for the choice's label (`workgroup`), translated by the console.
    pub key: &'static str,
}

/// What kind of value a setting holds, which decides its input control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// Free text on one line.
    Text,
    /// A command line.
    CommandLine,
    /// A secret (written with `hidden="true"`; shown masked).
    Secret,
    /// `true` or `false`.
    Bool,
    /// A whole number in a range.
    Number {
        /// Smallest allowed value.
        min: u32,
        /// Largest allowed value.
        max: u32,
    },
    /// One of a fixed set of values (compared case-insensitively).
    Choice(&'static [SettingChoice]),
    /// A package ID (`ABC00010`): content of the document.
    PackageId,
}

/// A rule a setting's value follows beyond its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingRule {
    /// Nothing beyond the kind.
    None,
    /// A NetBIOS computer name, `*` (Windows picks one) or a value with `%variables%`.
    ComputerName,
    /// A workgroup name.
    WorkgroupName,
    /// A product key `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`.
    ProductKey,
    /// A task sequence variable name the sequence may set.
    VariableName,
    /// `KEY=value` properties and `/switches` of a client installation command line.
    InstallProperties,
    /// A Windows folder path (`C:\Temp`, `%OSDisk%\Temp`) or a path relative to a package.
    WindowsPath,
}

/// One setting of a known step type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingSpec {
    /// A stable key for the label and the field's id (`image_package`), translated by the console.
    pub key: &'static str,
    /// Where the value lives.
    pub place: SettingPlace,
    /// Its kind.
    pub kind: SettingKind,
    /// Whether the step cannot run without it.
    pub required: bool,
    /// The further rule its value follows.
    pub rule: SettingRule,
}

/// A setting's value that breaks its rule, with the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct SettingProblem {
    /// The setting's name as ConfigMgr writes it (its property, or `CommandLine`).
    pub setting: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

const fn variable(
    key: &'static str,
    name: &'static str,
    property: &'static str,
    kind: SettingKind,
) -> SettingSpec {
    SettingSpec {
        key,
        place: SettingPlace::Variable { name, property },
        kind,
        required: false,
        rule: SettingRule::None,
    }
}

const fn required(spec: SettingSpec) -> SettingSpec {
    SettingSpec { required: true, ..spec }
}

const fn ruled(spec: SettingSpec, rule: SettingRule) -> SettingSpec {
    SettingSpec { rule, ..spec }
}

const PARTITION_STYLES: &[SettingChoice] =
    &[SettingChoice { value: "GPT", key: "gpt" }, SettingChoice { value: "MBR", key: "mbr" }];

const JOIN_TYPES: &[SettingChoice] =
    &[SettingChoice { value: "1", key: "workgroup" }, SettingChoice { value: "0", key: "domain" }];

const RESTART_TARGETS: &[SettingChoice] = &[
    SettingChoice { value: "HD", key: "installed_os" },
    SettingChoice { value: "WinPE", key: "boot_image" },
];

const PARTITION_DISK: &[SettingSpec] = &[
    variable("disk_index", "OSDDiskIndex", "DiskIndex", SettingKind::Number { min: 0, max: 99 }),
    variable(
        "partition_style",
        "OSDPartitionStyle",
        "PartitionStyle",
        SettingKind::Choice(PARTITION_STYLES),
    ),
];

const APPLY_OPERATING_SYSTEM: &[SettingSpec] = &[
    required(variable(
        "image_package",
        "OSDImagePackageId",
        "ImagePackageID",
        SettingKind::PackageId,
    )),
    variable(
        "image_index",
        "OSDImageIndex",
        "ImageIndex",
        SettingKind::Number { min: 1, max: 999 },
    ),
];

const APPLY_DRIVER_PACKAGE: &[SettingSpec] = &[
    required(variable(
        "driver_package",
        "OSDApplyDriverDriverPackageID",
        "DriverPackageID",
        SettingKind::PackageId,
    )),
    variable(
        "unsigned_drivers",
        "OSDApplyDriverUnsignedDriver",
        "UnsignedDriver",
        SettingKind::Bool,
    ),
];

const APPLY_NETWORK_SETTINGS: &[SettingSpec] = &[
    required(variable(
        "join_type",
        "OSDNetworkJoinType",
        "NetworkJoinType",
        SettingKind::Choice(JOIN_TYPES),
    )),
    ruled(
        variable("workgroup", "OSDWorkgroupName", "WorkgroupName", SettingKind::Text),
        SettingRule::WorkgroupName,
    ),
    variable("domain", "OSDDomainName", "DomainName", SettingKind::Text),
    variable("domain_ou", "OSDDomainOUName", "DomainOUName", SettingKind::Text),
    variable("join_account", "OSDJoinAccount", "DomainUserName", SettingKind::Text),
    variable("join_password", "OSDJoinPassword", "DomainPassword", SettingKind::Secret),
];

const APPLY_WINDOWS_SETTINGS: &[SettingSpec] = &[
    variable("registered_user", "OSDRegisteredUserName", "RegisteredUserName", SettingKind::Text),
    variable(
        "registered_organization",
        "OSDRegisteredOrgName",
        "RegisteredOrgName",
        SettingKind::Text,
    ),
    ruled(
        variable("computer_name", "OSDComputerName", "ComputerName", SettingKind::Text),
        SettingRule::ComputerName,
    ),
    ruled(
        variable("product_key", "OSDProductKey", "ProductKey", SettingKind::Text),
        SettingRule::ProductKey,
    ),
    variable("time_zone", "OSDTimeZone", "TimeZone", SettingKind::Text),
    variable(
        "random_admin_password",
        "OSDRandomAdminPassword",
        "RandomAdminPassword",
        SettingKind::Bool,
    ),
    variable("admin_password", "OSDLocalAdminPassword", "AdminPassword", SettingKind::Secret),
];

const SETUP_WINDOWS_AND_CONFIGMGR: &[SettingSpec] = &[
    required(variable(
        "client_package",
        "OSDConfigMgrClientPackageID",
        "ClientPackageID",
        SettingKind::PackageId,
    )),
    ruled(
        variable(
            "install_properties",
            "SMSClientInstallProperties",
            "ClientInstallProperties",
            SettingKind::CommandLine,
        ),
        SettingRule::InstallProperties,
    ),
];

const RUN_COMMAND_LINE: &[SettingSpec] = &[
    SettingSpec {
        key: "command_line",
        place: SettingPlace::Action,
        kind: SettingKind::CommandLine,
        required: true,
        rule: SettingRule::None,
    },
    ruled(
        variable(
            "start_in",
            "SMSTSRunCommandLineWorkingDirectory",
            "WorkingDirectory",
            SettingKind::Text,
        ),
        SettingRule::WindowsPath,
    ),
    variable("package", "PackageID", "PackageID", SettingKind::PackageId),
];

const RESTART: &[SettingSpec] = &[
    variable("restart_target", "SMSRebootTarget", "Target", SettingKind::Choice(RESTART_TARGETS)),
    variable("restart_message", "SMSRebootMessage", "Message", SettingKind::Text),
    variable(
        "restart_timeout",
        "SMSRebootTimeout",
        "MessageTimeout",
        SettingKind::Number { min: 0, max: 86_400 },
    ),
];

const SET_VARIABLE: &[SettingSpec] = &[
    required(ruled(
        variable("variable_name", "VariableName", "VariableName", SettingKind::Text),
        SettingRule::VariableName,
    )),
    variable("variable_value", "VariableValue", "VariableValue", SettingKind::Text),
];

impl StepType {
    /// The settings the editor knows for this step type, in the order ConfigMgr's step pages show
    /// them; empty for types without a catalog (their variables are shown as imported).
    pub fn known_settings(&self) -> &'static [SettingSpec] {
        match self {
            StepType::PartitionDisk => PARTITION_DISK,
            StepType::ApplyOperatingSystem => APPLY_OPERATING_SYSTEM,
            StepType::ApplyDriverPackage => APPLY_DRIVER_PACKAGE,
            StepType::ApplyNetworkSettings => APPLY_NETWORK_SETTINGS,
            StepType::ApplyWindowsSettings => APPLY_WINDOWS_SETTINGS,
            StepType::SetupWindowsAndConfigMgr => SETUP_WINDOWS_AND_CONFIGMGR,
            StepType::RunCommandLine => RUN_COMMAND_LINE,
            StepType::Restart => RESTART,
            StepType::SetVariable => SET_VARIABLE,
            _ => &[],
        }
    }

    /// The step types the editor adds, in the order of its "Add" menu.
    pub const EDITABLE: [StepType; 9] = [
        StepType::PartitionDisk,
        StepType::ApplyOperatingSystem,
        StepType::ApplyDriverPackage,
        StepType::ApplyNetworkSettings,
        StepType::ApplyWindowsSettings,
        StepType::SetupWindowsAndConfigMgr,
        StepType::RunCommandLine,
        StepType::Restart,
        StepType::SetVariable,
    ];

    /// The `<action>` ConfigMgr writes for a new step of this type (Run Command Line's action is
    /// its command line, which starts empty).
    pub fn default_action(&self) -> &'static str {
        match self {
            StepType::PartitionDisk => "osddiskpart.exe",
            StepType::ApplyOperatingSystem => "osdapplyos.exe",
            StepType::ApplyDriverPackage => "osddriverclient.exe",
            StepType::ApplyNetworkSettings => "osdnetsettings.exe configure",
            StepType::ApplyWindowsSettings => "osdwinsettings.exe configure",
            StepType::SetupWindowsAndConfigMgr => "smssetupwindows.exe",
            StepType::Restart => "smsboot.exe /target:HD",
            StepType::SetVariable => "tsenv.exe \"%VariableName%=%VariableValue%\"",
            _ => "",
        }
    }

    /// Where a new step of this type runs (`runIn`): the steps that prepare the disk and the image
    /// run in Windows PE.
    pub fn default_run_in(&self) -> Option<super::task_sequence::RunIn> {
        use super::task_sequence::RunIn;
        match self {
            StepType::PartitionDisk
            | StepType::ApplyOperatingSystem
            | StepType::ApplyDriverPackage
            | StepType::ApplyNetworkSettings
            | StepType::ApplyWindowsSettings => Some(RunIn::WinPe),
            StepType::SetupWindowsAndConfigMgr
            | StepType::RunCommandLine
            | StepType::Restart
            | StepType::SetVariable => Some(RunIn::WinPeAndFullOs),
            _ => None,
        }
    }

    /// A new step of this type named `name`, as the editor adds it: the default action and
    /// `runIn`, and the settings a new ConfigMgr step starts with (a workgroup join; GPT on disk 0;
    /// image index 1).
    pub fn new_step(&self, name: impl Into<String>) -> Step {
        let mut step = Step::new(self.clone(), name);
        step.action = self.default_action().to_owned();
        step.run_in = self.default_run_in();
        let defaults: &[(&str, &str)] = match self {
            StepType::PartitionDisk => &[("disk_index", "0"), ("partition_style", "GPT")],
            StepType::ApplyOperatingSystem => &[("image_index", "1")],
            StepType::ApplyNetworkSettings => &[("join_type", "1"), ("workgroup", "WORKGROUP")],
            StepType::Restart => &[("restart_target", "HD")],
            _ => &[],
        };
        for (key, value) in defaults {
            if let Some(spec) = self.known_settings().iter().find(|s| s.key == *key) {
                step.set_setting(spec, value);
            }
        }
        step
    }
}

impl SettingSpec {
    /// The name ConfigMgr's step page and the agent's errors use for the setting.
    pub fn name(&self) -> &'static str {
        match self.place {
            SettingPlace::Variable { property, .. } => property,
            SettingPlace::Action => "CommandLine",
        }
    }

    /// Checks `value` against the setting's kind and rule. A value that names a task sequence
    /// variable (`%OSDImageIndex%`) is resolved only when the step runs, so it passes.
    pub fn validate(&self, value: &str) -> Result<(), SettingProblem> {
        let problem = |message: String| SettingProblem { setting: self.name(), message };
        let trimmed = value.trim();
        if trimmed.is_empty() {
            if !self.required {
                return Ok(());
            }
            return Err(problem(match self.kind {
                SettingKind::PackageId => {
                    "required: choose the package (its package ID, such as ABC00010)".to_owned()
                }
                _ => "required: the step cannot run without it".to_owned(),
            }));
        }
        if trimmed.contains('%') && !matches!(self.rule, SettingRule::VariableName) {
            return Ok(());
        }
        match self.kind {
            SettingKind::Text | SettingKind::CommandLine | SettingKind::Secret => {}
            SettingKind::Bool => {
                if !trimmed.eq_ignore_ascii_case("true") && !trimmed.eq_ignore_ascii_case("false") {
                    return Err(problem(format!("{trimmed:?} is neither true nor false")));
                }
            }
            SettingKind::Number { min, max } => match trimmed.parse::<u64>() {
                Ok(number) if (u64::from(min)..=u64::from(max)).contains(&number) => {}
                _ => {
                    return Err(problem(format!(
                        "{trimmed:?} is not a whole number from {min} to {max}"
                    )));
                }
            },
            SettingKind::Choice(choices) => {
                if !choices.iter().any(|c| c.value.eq_ignore_ascii_case(trimmed)) {
                    let allowed: Vec<&str> = choices.iter().map(|c| c.value).collect();
                    return Err(problem(format!(
                        "{trimmed:?} is not one of {}",
                        allowed.join(", ")
                    )));
                }
            }
            SettingKind::PackageId => {
                if let Some(message) = package_id_problem(trimmed) {
                    return Err(problem(message));
                }
            }
        }
        let message = match self.rule {
            SettingRule::None => None,
            SettingRule::ComputerName => computer_name_problem(trimmed),
            SettingRule::WorkgroupName => workgroup_name_problem(trimmed),
            SettingRule::ProductKey => product_key_problem(trimmed),
            SettingRule::VariableName => variable_name_problem(trimmed),
            SettingRule::InstallProperties => install_properties_problem(trimmed),
            SettingRule::WindowsPath => windows_path_problem(trimmed),
        };
        message.map_or(Ok(()), |m| Err(problem(m)))
    }
}

/// A ConfigMgr package ID: a site code of three letters or digits and five hexadecimal digits.
pub fn package_id_problem(id: &str) -> Option<String> {
    (!crate::preflight::is_package_id(id)).then(|| {
        format!(
            "{id:?} is not a package ID: three letters or digits (the site code) and five hexadecimal digits, such as ABC00010"
        )
    })
}

/// A NetBIOS computer name: 1–15 letters, digits or hyphens, not only digits; `*` lets Windows
/// choose one.
pub fn computer_name_problem(name: &str) -> Option<String> {
    if name == "*" {
        return None;
    }
    let valid = !name.is_empty()
        && name.len() <= 15
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.chars().all(|c| c.is_ascii_digit());
    (!valid).then(|| {
        format!(
            "{name:?} is not a computer name: 1–15 letters, digits or hyphens, not only digits (or * to let Windows choose)"
        )
    })
}

/// A workgroup name: at most 15 characters, none of `" < > \ / : * ? |`.
pub fn workgroup_name_problem(name: &str) -> Option<String> {
    let valid = name.chars().count() <= 15
        && !name.contains(['"', '<', '>', '\\', '/', ':', '*', '?', '|'])
        && !name.chars().any(char::is_control);
    (!valid).then(|| {
        format!(
            "{name:?} is not a workgroup name: at most 15 characters, none of \\ / : * ? \" < > |"
        )
    })
}

/// A product key: five groups of five letters or digits separated by hyphens.
pub fn product_key_problem(key: &str) -> Option<String> {
    let groups: Vec<&str> = key.split('-').collect();
    let valid = groups.len() == 5
        && groups.iter().all(|g| g.len() == 5 && g.chars().all(|c| c.is_ascii_alphanumeric()));
    (!valid).then(|| {
        "a product key is five groups of five letters or digits: XXXXX-XXXXX-XXXXX-XXXXX-XXXXX"
            .to_owned()
    })
}

/// A variable a task sequence may set: not empty, not read-only (names starting with `_` belong
/// to the engine), without `%`, `=` or control characters.
pub fn variable_name_problem(name: &str) -> Option<String> {
    if name.starts_with('_') {
        return Some(format!(
            "{name} is read-only: variables starting with _ belong to the task sequence engine; choose another name"
        ));
    }
    if name.contains(['%', '=']) || name.chars().any(char::is_control) || name.contains(' ') {
        return Some(format!(
            "{name:?} is not a variable name: use letters, digits and _ without spaces, % or ="
        ));
    }
    None
}

/// A client installation command line: `/switch[:value]` and `KEY=value` tokens; a quoted value
/// must be closed.
pub fn install_properties_problem(properties: &str) -> Option<String> {
    if properties.matches('"').count() % 2 == 1 {
        return Some("a quoted value is not closed: add the closing \"".to_owned());
    }
    let mut in_quotes = false;
    let mut token = String::new();
    let mut tokens = Vec::new();
    for c in properties.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            c if c.is_whitespace() && !in_quotes => tokens.push(std::mem::take(&mut token)),
            c => token.push(c),
        }
    }
    tokens.push(token);
    tokens
        .into_iter()
        .filter(|t| !t.is_empty())
        .find(|t| !t.starts_with('/') && !t.contains('='))
        .map(|t| {
            format!(
                "{t:?} is neither a KEY=value property nor a /switch; write it as KEY=value, such as SMSSITECODE=ABC"
            )
        })
}

/// A folder for "Start in": an absolute Windows path or one relative to the step's package, with
/// no characters Windows forbids in paths.
pub fn windows_path_problem(path: &str) -> Option<String> {
    let rest = match path.as_bytes() {
        [letter, b':', ..] if letter.is_ascii_alphabetic() => &path[2..],
        _ => path,
    };
    (rest.contains(['<', '>', '"', '|', '?', '*', ':']) || rest.chars().any(char::is_control))
        .then(|| {
            format!("{path:?} is not a folder path: a path has none of < > \" | ? * and : only after the drive letter")
        })
}

impl Step {
    /// The value of a known setting, if the step has it.
    pub fn setting_value(&self, spec: &SettingSpec) -> Option<&str> {
        match spec.place {
            SettingPlace::Action => Some(self.action.as_str()),
            SettingPlace::Variable { .. } => {
                self.setting_index(spec).map(|k| self.variables[k].value.as_str())
            }
        }
    }

    /// Where in [`Step::variables`] a variable-kept setting is (preflight's findings point there).
    pub fn setting_index(&self, spec: &SettingSpec) -> Option<usize> {
        match spec.place {
            SettingPlace::Action => None,
            SettingPlace::Variable { name, property } => {
                self.variables.iter().position(|v| matches_place(v, name, property))
            }
        }
    }

    /// Sets a known setting: the existing variable keeps its place and spelling; a new one is
    /// appended as ConfigMgr names it. Clearing a setting the step does not have adds nothing.
    pub fn set_setting(&mut self, spec: &SettingSpec, value: &str) {
        match spec.place {
            SettingPlace::Action => self.action = value.to_owned(),
            SettingPlace::Variable { name, property } => {
                let hidden = spec.kind == SettingKind::Secret;
                match self.variables.iter_mut().find(|v| matches_place(v, name, property)) {
                    Some(existing) => {
                        existing.value = value.to_owned();
                        existing.hidden |= hidden;
                    }
                    None if value.is_empty() => {}
                    None => self.variables.push(StepVariable {
                        name: name.to_owned(),
                        property: property.to_owned(),
                        hidden,
                        value: value.to_owned(),
                    }),
                }
            }
        }
    }

    /// Every known setting of the step whose value breaks its rule, in catalog order.
    pub fn setting_problems(&self) -> Vec<SettingProblem> {
        self.step_type
            .known_settings()
            .iter()
            .filter_map(|spec| spec.validate(self.setting_value(spec).unwrap_or("")).err())
            .collect()
    }

    /// The step's variables that no known setting covers (shown as imported).
    pub fn other_variables(&self) -> Vec<&StepVariable> {
        let known = self.step_type.known_settings();
        self.variables
            .iter()
            .filter(|v| {
                !known.iter().any(|spec| match spec.place {
                    SettingPlace::Variable { name, property } => matches_place(v, name, property),
                    SettingPlace::Action => false,
                })
            })
            .collect()
    }
}

fn matches_place(variable: &StepVariable, name: &str, property: &str) -> bool {
    (!variable.name.is_empty() && variable.name.eq_ignore_ascii_case(name))
        || (!variable.property.is_empty() && variable.property.eq_ignore_ascii_case(property))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(step_type: StepType, key: &str) -> SettingSpec {
        *step_type.known_settings().iter().find(|s| s.key == key).unwrap()
    }

    #[test]
    fn every_catalog_key_is_unique_and_every_choice_default_is_valid() {
        for step_type in StepType::EDITABLE {
            let specs = step_type.known_settings();
            assert!(!specs.is_empty(), "{step_type}");
            let mut keys: Vec<&str> = specs.iter().map(|s| s.key).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), specs.len(), "{step_type}");
            // A new step carries no invalid setting, only missing required ones.
            let step = step_type.new_step("new");
            for problem in step.setting_problems() {
                assert!(problem.message.starts_with("required"), "{step_type}: {problem}");
            }
        }
    }

    #[test]
    fn validates_each_kind_and_rule() {
        let index = spec(StepType::ApplyOperatingSystem, "image_index");
        assert!(index.validate("1").is_ok());
        assert!(index.validate("%OSDImageIndex%").is_ok());
        assert_eq!(
            index.validate("0").unwrap_err().to_string(),
            "ImageIndex: \"0\" is not a whole number from 1 to 999"
        );
        let image = spec(StepType::ApplyOperatingSystem, "image_package");
        assert!(image.validate("").unwrap_err().message.starts_with("required"));
        assert!(image.validate("ABC0001").is_err());
        assert!(image.validate("ABC0001G").is_err());
        assert!(image.validate("ABC0001f").is_ok());
        let join = spec(StepType::ApplyNetworkSettings, "join_type");
        assert!(join.validate("2").unwrap_err().message.contains("1, 0"));
        let workgroup = spec(StepType::ApplyNetworkSettings, "workgroup");
        assert!(workgroup.validate("REMOTE").is_ok());
        assert!(workgroup.validate("A:B").is_err());
        assert!(workgroup.validate("SIXTEEN-CHARS-XX").is_err());
        let name = spec(StepType::ApplyWindowsSettings, "computer_name");
        assert!(name.validate("*").is_ok());
        assert!(name.validate("PC-01").is_ok());
        assert!(name.validate("REMOTE-%SerialNumber%").is_ok());
        assert!(name.validate("12345").is_err());
        assert!(name.validate("PC_01").is_err());
        let key = spec(StepType::ApplyWindowsSettings, "product_key");
        assert!(key.validate("ABCDE-12345-ABCDE-12345-ABCDE").is_ok());
        assert!(key.validate("ABCDE-12345").is_err());
        let bool_setting = spec(StepType::ApplyDriverPackage, "unsigned_drivers");
        assert!(bool_setting.validate("TRUE").is_ok());
        assert!(bool_setting.validate("yes").is_err());
        let variable = spec(StepType::SetVariable, "variable_name");
        assert!(variable.validate("OSDComputerName").is_ok());
        assert!(variable.validate("_SMSTSInWinPE").unwrap_err().message.contains("read-only"));
        assert!(variable.validate("A%B%").is_err());
        let properties = spec(StepType::SetupWindowsAndConfigMgr, "install_properties");
        assert!(
            properties
                .validate("CCMHOSTNAME=x.example/CCM_Proxy_MutualAuth/7 SMSSITECODE=ABC /mp:x")
                .is_ok()
        );
        assert!(properties.validate("X=\"a b\" Y=1").is_ok());
        assert!(properties.validate("X=\"a b").unwrap_err().message.contains("closing"));
        assert!(
            properties.validate("SMSSITECODE ABC").unwrap_err().message.contains("\"SMSSITECODE\"")
        );
        let start_in = spec(StepType::RunCommandLine, "start_in");
        assert!(start_in.validate("C:\\Temp").is_ok());
        assert!(start_in.validate("scripts\\x").is_ok());
        assert!(start_in.validate("C:\\a|b").is_err());
        let command = spec(StepType::RunCommandLine, "command_line");
        assert_eq!(command.name(), "CommandLine");
        assert!(command.validate("  ").is_err());
    }

    #[test]
    fn set_setting_keeps_place_and_spelling() {
        let mut step = StepType::ApplyNetworkSettings.new_step("Apply Network Settings");
        assert_eq!(step.action, "osdnetsettings.exe configure");
        // An imported variable with only a property (lower case) is found and kept in place.
        step.variables.insert(
            0,
            StepVariable {
                name: String::new(),
                property: "domainname".into(),
                hidden: false,
                value: "old".into(),
            },
        );
        let domain = spec(StepType::ApplyNetworkSettings, "domain");
        step.set_setting(&domain, "corp.example");
        assert_eq!(step.variables[0].value, "corp.example");
        assert_eq!(step.variables[0].property, "domainname");
        let password = spec(StepType::ApplyNetworkSettings, "join_password");
        step.set_setting(&password, "");
        assert!(step.setting_value(&password).is_none(), "clearing adds nothing");
        step.set_setting(&password, "s3cret");
        let added = step.variables.last().unwrap();
        assert_eq!((added.name.as_str(), added.hidden), ("OSDJoinPassword", true));
        assert_eq!(
            step.network_join(),
            Some(super::super::NetworkJoin::Workgroup { name: Some("WORKGROUP".into()) })
        );
    }

    #[test]
    fn other_variables_are_those_no_setting_covers() {
        let mut step = StepType::PartitionDisk.new_step("Partition");
        step.variables.push(StepVariable {
            name: "OSDPartitions0Type".into(),
            property: "Partitions0Type".into(),
            hidden: false,
            value: "EFI".into(),
        });
        let other: Vec<&str> = step.other_variables().iter().map(|v| v.name.as_str()).collect();
        assert_eq!(other, ["OSDPartitions0Type"]);
        let mut command = StepType::RunCommandLine.new_step("Run");
        assert_eq!(command.setting_problems().len(), 1);
        command.set_setting(&spec(StepType::RunCommandLine, "command_line"), "cmd /c echo hi");
        assert_eq!(command.action, "cmd /c echo hi");
        assert!(command.setting_problems().is_empty());
    }
}
