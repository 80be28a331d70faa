//! Task sequences: a tree of groups and steps, kept close to ConfigMgr's XML (spec section 4) so that
//! an imported sequence exports back with every group, step, condition and variable in order.
//!
//! A step keeps its variables as ConfigMgr writes them (`defaultVarList/variable`: TS variable name,
//! WMI property, value). Typed accessors such as [`Step::network_join`] read them; step types osdgate
//! does not know are kept as [`StepType::Other`] with everything else verbatim.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A task sequence package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskSequence {
    /// Package ID, such as `ABC00020`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The boot image (`boot_images[].id`); a task sequence with a boot image is an imaging task
    /// sequence that runs in Windows PE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_image_id: Option<String>,
    /// The `version` attribute of `<sequence>` (`3.10` for the console, `3.00` for MDT templates).
    #[serde(default = "default_sequence_version")]
    pub sequence_version: String,
    /// Other attributes of `<sequence>`, as written (kept for the round trip).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequence_attributes: Vec<Attribute>,
    /// Package IDs listed in `<referenceList>`: ConfigMgr's own list of the content the sequence needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Task sequence variables set for the whole sequence (`<globalVarList>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub global_variables: Vec<GlobalVariable>,
    /// The top-level groups and steps, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Node>,
}

fn default_sequence_version() -> String {
    "3.10".to_owned()
}

/// One `<reference>` of the `<referenceList>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// The referenced package ID.
    pub package: String,
    /// Other attributes as written (such as `type`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
}

/// A variable of `<globalVarList>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GlobalVariable {
    /// Variable name.
    pub name: String,
    /// Value.
    #[serde(default)]
    pub value: String,
}

/// An XML attribute kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// Attribute name.
    pub name: String,
    /// Attribute value (unescaped).
    pub value: String,
}

/// A node of the tree: a group of nodes, or a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum Node {
    /// A `<group>`.
    Group(Group),
    /// A `<step>`.
    Step(Step),
    /// Any other element (such as `<subtasksequence>`), kept as its exact XML text.
    Verbatim(VerbatimXml),
}

/// An element osdgate does not interpret, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerbatimXml {
    /// The element's XML, exactly as it appeared.
    pub xml: String,
}

/// A `<group>`: a named, conditional block of steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `disable="true"`: the group and everything in it is skipped.
    #[serde(default, skip_serializing_if = "is_false")]
    pub disabled: bool,
    /// `continueOnError="true"`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub continue_on_error: bool,
    /// Runs only when the condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Other attributes as written, in order (kept for the round trip).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_attributes: Vec<Attribute>,
    /// The groups and steps inside, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
}

/// A `<step>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The step type (`type` attribute): a short name for the types osdgate knows, or the ConfigMgr
    /// class name, which is always accepted.
    #[serde(rename = "type")]
    pub step_type: StepType,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `disable="true"`: the step is skipped.
    #[serde(default, skip_serializing_if = "is_false")]
    pub disabled: bool,
    /// `continueOnError="true"`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub continue_on_error: bool,
    /// `runIn`: where the step can run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_in: Option<RunIn>,
    /// `successCodeList`, as written (space-separated exit codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_codes: Option<String>,
    /// `retryCount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_count: Option<u32>,
    /// `runFromNet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_from_net: Option<bool>,
    /// `timeout` in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// Runs only when the condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// `<action>`: the command line the task sequence engine runs for this step.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub action: String,
    /// `<defaultVarList>`: the step's settings, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<StepVariable>,
    /// Other attributes as written, in order (kept for the round trip).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_attributes: Vec<Attribute>,
    /// Other child elements, as their exact XML text (kept for the round trip).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_elements: Vec<String>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// One `<variable>` of a step's `<defaultVarList>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepVariable {
    /// Task sequence variable name, such as `OSDNetworkJoinType`.
    pub name: String,
    /// The step class property it sets, such as `NetworkJoinType`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub property: String,
    /// `hidden="true"`: the value is a secret (a password).
    #[serde(default, skip_serializing_if = "is_false")]
    pub hidden: bool,
    /// The value.
    #[serde(default)]
    pub value: String,
}

/// Where a step runs (`runIn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum RunIn {
    /// Windows PE only.
    #[serde(rename = "WinPE")]
    WinPe,
    /// The full OS only.
    #[serde(rename = "FullOS")]
    FullOs,
    /// Either.
    #[serde(rename = "WinPEandFullOS")]
    WinPeAndFullOs,
}

impl RunIn {
    /// The attribute value ConfigMgr writes.
    pub fn as_str(self) -> &'static str {
        match self {
            RunIn::WinPe => "WinPE",
            RunIn::FullOs => "FullOS",
            RunIn::WinPeAndFullOs => "WinPEandFullOS",
        }
    }

    /// Parses the attribute value (case-insensitive, as the engine reads it).
    pub fn parse(text: &str) -> Option<Self> {
        [RunIn::WinPe, RunIn::FullOs, RunIn::WinPeAndFullOs]
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(text))
    }
}

/// A step condition: its items are ANDed (spec section 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Expressions and operators directly under `<condition>`.
    pub items: Vec<ConditionItem>,
}

/// An item of a condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum ConditionItem {
    /// `<operator type="and|or|not">`.
    Operator(ConditionOperator),
    /// `<expression type="...">`.
    Expression(ConditionExpression),
}

/// An `and`, `or` or `not` over items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionOperator {
    /// The operator.
    pub operator: LogicalOperator,
    /// Its operands, in order.
    #[serde(default)]
    pub items: Vec<ConditionItem>,
}

/// The logical operators of conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogicalOperator {
    /// All operands hold.
    And,
    /// At least one operand holds.
    Or,
    /// No operand holds.
    Not,
}

impl LogicalOperator {
    /// The XML `type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            LogicalOperator::And => "and",
            LogicalOperator::Or => "or",
            LogicalOperator::Not => "not",
        }
    }
}

/// An expression: its class (`SMS_TaskSequence_VariableConditionExpression`, ...) and its properties
/// (`<variable name="...">value</variable>`), in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionExpression {
    /// The expression class.
    #[serde(rename = "type")]
    pub expression_type: ExpressionType,
    /// Its properties (`Variable`, `Operator`, `Value`; `Namespace`, `Query`; `Path`, ...).
    #[serde(default)]
    pub properties: Vec<GlobalVariable>,
}

impl ConditionExpression {
    /// The value of the property `name` (case-insensitive), if present.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.iter().find(|p| p.name.eq_ignore_ascii_case(name)).map(|p| p.value.as_str())
    }
}

macro_rules! class_enum {
    (
        $(#[$meta:meta])* $name:ident, $schema:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $short:literal, $class:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A class osdgate does not interpret, by its ConfigMgr class name.
            Other(String),
        }

        impl $name {
            /// The ConfigMgr class name.
            pub fn class_name(&self) -> &str {
                match self {
                    $( $name::$variant => $class, )*
                    $name::Other(class) => class,
                }
            }

            /// osdgate's short name, or the class name for [`Self::Other`].
            pub fn short_name(&self) -> &str {
                match self {
                    $( $name::$variant => $short, )*
                    $name::Other(class) => class,
                }
            }

            /// From a short name or a ConfigMgr class name (class names compare case-insensitively).
            pub fn parse(text: &str) -> Self {
                $( if text == $short || text.eq_ignore_ascii_case($class) { return $name::$variant; } )*
                $name::Other(text.to_owned())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.short_name())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.short_name())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = Cow::<str>::deserialize(deserializer)?;
                if text.is_empty() {
                    return Err(serde::de::Error::custom(concat!(stringify!($name), " must not be empty")));
                }
                Ok(Self::parse(&text))
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "minLength": 1,
                    "description": $schema,
                    "examples": [ $( $short, )* ]
                })
            }
        }
    };
}

class_enum! {
    /// The type of a step: ConfigMgr's step class (spec section 4).
    StepType, "A step type: one of the short names, or any ConfigMgr step class name such as SMS_TaskSequence_RunCommandLineAction (unknown classes are kept verbatim)." {
        /// Apply Operating System Image.
        ApplyOperatingSystem = "apply_operating_system", "SMS_TaskSequence_ApplyOperatingSystemAction";
        /// Apply Windows Settings.
        ApplyWindowsSettings = "apply_windows_settings", "SMS_TaskSequence_ApplyWindowsSettingsAction";
        /// Apply Network Settings (workgroup or domain join).
        ApplyNetworkSettings = "apply_network_settings", "SMS_TaskSequence_ApplyNetworkSettingsAction";
        /// Join Domain or Workgroup (full OS).
        JoinDomainOrWorkgroup = "join_domain_or_workgroup", "SMS_TaskSequence_JoinDomainWorkgroupAction";
        /// Setup Windows and ConfigMgr (client install properties, `CCMHOSTNAME`).
        SetupWindowsAndConfigMgr = "setup_windows_and_configmgr", "SMS_TaskSequence_SetupWindowsAndSMSAction";
        /// Format and Partition Disk.
        PartitionDisk = "partition_disk", "SMS_TaskSequence_PartitionDiskAction";
        /// Restart Computer.
        Restart = "restart", "SMS_TaskSequence_RebootAction";
        /// Run Command Line.
        RunCommandLine = "run_command_line", "SMS_TaskSequence_RunCommandLineAction";
        /// Run PowerShell Script.
        RunPowerShellScript = "run_powershell_script", "SMS_TaskSequence_RunPowerShellScriptAction";
        /// Install Package.
        InstallPackage = "install_package", "SMS_TaskSequence_InstallSoftwareAction";
        /// Install Application.
        InstallApplication = "install_application", "SMS_TaskSequence_InstallApplicationAction";
        /// Apply Driver Package.
        ApplyDriverPackage = "apply_driver_package", "SMS_TaskSequence_ApplyDriverPackageAction";
        /// Download Package Content.
        DownloadPackageContent = "download_package_content", "SMS_TaskSequence_DownloadPackageContentAction";
        /// Set Task Sequence Variable.
        SetVariable = "set_variable", "SMS_TaskSequence_SetVariableAction";
        /// Upgrade Operating System (in-place upgrade).
        UpgradeOperatingSystem = "upgrade_operating_system", "SMS_TaskSequence_UpgradeOperatingSystemAction";
    }
}

class_enum! {
    /// The class of a condition expression (spec section 4).
    ExpressionType, "A condition expression class: variable, wmi, file, folder, registry, software, or any ConfigMgr expression class name." {
        /// `SMS_TaskSequence_VariableConditionExpression` (`Variable`, `Operator`, `Value`).
        Variable = "variable", "SMS_TaskSequence_VariableConditionExpression";
        /// `SMS_TaskSequence_WMIConditionExpression` (`Namespace`, `Query`).
        Wmi = "wmi", "SMS_TaskSequence_WMIConditionExpression";
        /// `SMS_TaskSequence_FileConditionExpression` (`Path`, optional `DateTime`, `Version`, ...).
        File = "file", "SMS_TaskSequence_FileConditionExpression";
        /// `SMS_TaskSequence_FolderConditionExpression`.
        Folder = "folder", "SMS_TaskSequence_FolderConditionExpression";
        /// `SMS_TaskSequence_RegistryConditionExpression`.
        Registry = "registry", "SMS_TaskSequence_RegistryConditionExpression";
        /// `SMS_TaskSequence_SoftwareConditionExpression`.
        Software = "software", "SMS_TaskSequence_SoftwareConditionExpression";
    }
}

/// How an Apply Network Settings or Join Domain or Workgroup step joins the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkJoin {
    /// Join a workgroup (`OSDNetworkJoinType`/`OSDJoinType` = 1).
    Workgroup {
        /// Workgroup name, if set.
        name: Option<String>,
    },
    /// Join an Active Directory domain (join type 0).
    Domain {
        /// Domain name, if set.
        name: Option<String>,
    },
}

/// The step properties whose value is a package ID (the `[TaskSequencePackage]` qualifier of the
/// step classes): the content a step needs.
const PACKAGE_PROPERTIES: &[&str] = &[
    "ImagePackageID",
    "InstallPackageID",
    "DriverPackageID",
    "PackageID",
    "ClientPackageID",
    "BootImagePackageID",
    "UpgradePackageID",
];

/// Properties holding several package IDs (comma, semicolon or space separated).
const PACKAGE_LIST_PROPERTIES: &[&str] = &["DownloadPackages", "ContentPackageIDs"];

impl Step {
    /// A step of `step_type` named `name`, with no settings.
    pub fn new(step_type: StepType, name: impl Into<String>) -> Self {
        Step {
            step_type,
            name: name.into(),
            description: String::new(),
            disabled: false,
            continue_on_error: false,
            run_in: None,
            success_codes: None,
            retry_count: None,
            run_from_net: None,
            timeout: None,
            condition: None,
            action: String::new(),
            variables: Vec::new(),
            extra_attributes: Vec::new(),
            extra_elements: Vec::new(),
        }
    }

    /// The value of the step variable whose TS variable name or property is `name`
    /// (case-insensitive, as the engine reads them).
    pub fn variable(&self, name: &str) -> Option<&str> {
        self.variables
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(name) || v.property.eq_ignore_ascii_case(name))
            .map(|v| v.value.as_str())
    }

    /// The index in [`Step::variables`] of the variable `name` (TS variable or property).
    pub fn variable_index(&self, name: &str) -> Option<usize> {
        self.variables.iter().position(|v| {
            v.name.eq_ignore_ascii_case(name) || v.property.eq_ignore_ascii_case(name)
        })
    }

    /// For Apply Network Settings and Join Domain or Workgroup: how the step joins the device.
    /// `None` for other steps, or when the join type is missing or unreadable.
    pub fn network_join(&self) -> Option<NetworkJoin> {
        let (join_type, domain, workgroup) = match self.step_type {
            StepType::ApplyNetworkSettings => {
                ("OSDNetworkJoinType", "OSDDomainName", "OSDWorkgroupName")
            }
            StepType::JoinDomainOrWorkgroup => {
                ("OSDJoinType", "OSDJoinDomainName", "OSDJoinWorkgroupName")
            }
            _ => return None,
        };
        let non_empty =
            |name| self.variable(name).filter(|v| !v.trim().is_empty()).map(str::to_owned);
        match self.variable(join_type).map(str::trim) {
            Some("0") => Some(NetworkJoin::Domain { name: non_empty(domain) }),
            Some("1") => Some(NetworkJoin::Workgroup { name: non_empty(workgroup) }),
            _ => None,
        }
    }

    /// For Setup Windows and ConfigMgr: the client installation properties
    /// (`SMSClientInstallProperties`).
    pub fn client_install_properties(&self) -> Option<&str> {
        (self.step_type == StepType::SetupWindowsAndConfigMgr)
            .then(|| self.variable("SMSClientInstallProperties"))
            .flatten()
    }

    /// The package IDs this step needs, in the order its settings name them.
    pub fn referenced_content(&self) -> Vec<&str> {
        let mut ids = Vec::new();
        for variable in &self.variables {
            let property = variable.property.as_str();
            let is = |names: &[&str]| {
                names.iter().any(|n| {
                    n.eq_ignore_ascii_case(property) || n.eq_ignore_ascii_case(&variable.name)
                })
            };
            if is(PACKAGE_PROPERTIES) {
                let id = variable.value.trim();
                if !id.is_empty() && !id.starts_with('%') {
                    ids.push(id);
                }
            } else if is(PACKAGE_LIST_PROPERTIES) {
                ids.extend(
                    variable
                        .value
                        .split([',', ';', ' '])
                        .map(str::trim)
                        .filter(|id| !id.is_empty() && !id.starts_with('%')),
                );
            }
        }
        ids
    }
}

/// The value of a `KEY=value` property in a client install command line such as
/// `CCMHOSTNAME=relay.example.com/CCM_Proxy_MutualAuth/72 SMSSITECODE=ABC` (case-insensitive key;
/// a value may be quoted).
pub fn install_property<'a>(properties: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = properties.trim_start();
    while !rest.is_empty() {
        let (token, after) = if let Some(eq) = rest.find('=') {
            let name = &rest[..eq];
            let value_start = &rest[eq + 1..];
            let (value, after) = if let Some(quoted) = value_start.strip_prefix('"') {
                match quoted.find('"') {
                    Some(end) => (&quoted[..end], &quoted[end + 1..]),
                    None => (quoted, ""),
                }
            } else {
                let end = value_start.find(char::is_whitespace).unwrap_or(value_start.len());
                (&value_start[..end], &value_start[end..])
            };
            ((name, Some(value)), after)
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            ((&rest[..end], None), &rest[end..])
        };
        let (name, value) = token;
        if name.trim().eq_ignore_ascii_case(key) && !name.contains(char::is_whitespace) {
            return value;
        }
        rest = after.trim_start();
    }
    None
}

/// A step found while walking the tree, with where it is.
#[derive(Debug, Clone, Copy)]
pub struct StepRef<'a> {
    /// The step.
    pub step: &'a Step,
    /// Whether the step or any group above it is disabled (then it never runs).
    pub disabled: bool,
}

impl TaskSequence {
    /// Calls `visit` for every step in document order, depth first, with its position.
    pub fn for_each_step<'a>(&'a self, mut visit: impl FnMut(StepRef<'a>, &[usize])) {
        fn walk<'a>(
            nodes: &'a [Node],
            indices: &mut Vec<usize>,
            disabled: bool,
            visit: &mut dyn FnMut(StepRef<'a>, &[usize]),
        ) {
            for (index, node) in nodes.iter().enumerate() {
                indices.push(index);
                match node {
                    Node::Group(group) => {
                        walk(&group.children, indices, disabled || group.disabled, visit)
                    }
                    Node::Step(step) => {
                        visit(StepRef { step, disabled: disabled || step.disabled }, indices)
                    }
                    Node::Verbatim(_) => {}
                }
                indices.pop();
            }
        }
        walk(&self.steps, &mut Vec::new(), false, &mut visit);
    }

    /// Every step, depth first, with whether it is disabled (itself or a group above it).
    pub fn steps(&self) -> Vec<(&Step, bool)> {
        let mut steps = Vec::new();
        self.for_each_step(|found, _| steps.push((found.step, found.disabled)));
        steps
    }

    /// The steps that run (not disabled themselves or through a group).
    pub fn enabled_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps().into_iter().filter(|(_, disabled)| !disabled).map(|(step, _)| step)
    }

    /// Every package ID the sequence needs: its boot image, the `<referenceList>`, and the packages
    /// named by its steps (also disabled ones: ConfigMgr distributes and checks those too). Sorted
    /// and without duplicates.
    pub fn referenced_content(&self) -> BTreeSet<&str> {
        let mut ids: BTreeSet<&str> = BTreeSet::new();
        if let Some(boot_image) = &self.boot_image_id {
            ids.insert(boot_image);
        }
        ids.extend(self.references.iter().map(|r| r.package.as_str()));
        self.for_each_step(|found, _| ids.extend(found.step.referenced_content()));
        ids
    }

    /// Whether the sequence installs an OS: it has a boot image, or an Apply Operating System Image
    /// or Upgrade Operating System step (seed 002: a Required deployment of such a sequence is
    /// high-risk).
    pub fn deploys_os(&self) -> bool {
        self.boot_image_id.is_some()
            || self.enabled_steps().any(|s| {
                matches!(
                    s.step_type,
                    StepType::ApplyOperatingSystem | StepType::UpgradeOperatingSystem
                )
            })
    }

    /// Whether the sequence needs Windows PE: a boot image, or a step that only runs there.
    pub fn needs_windows_pe(&self) -> bool {
        self.boot_image_id.is_some()
            || self.enabled_steps().any(|s| {
                s.run_in == Some(RunIn::WinPe)
                    || matches!(
                        s.step_type,
                        StepType::ApplyOperatingSystem | StepType::PartitionDisk
                    )
            })
    }

    /// JSON path of the step at `indices` below this sequence (`steps[1].children[0]`).
    pub fn step_path(indices: &[usize]) -> String {
        let mut path = String::new();
        for (depth, index) in indices.iter().enumerate() {
            if depth == 0 {
                path.push_str(&format!("steps[{index}]"));
            } else {
                path.push_str(&format!(".children[{index}]"));
            }
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_install_properties() {
        let props =
            r#"SMSSITECODE=ABC CCMHOSTNAME=relay.example.com/CCM_Proxy_MutualAuth/72 X="a b""#;
        assert_eq!(
            install_property(props, "ccmhostname"),
            Some("relay.example.com/CCM_Proxy_MutualAuth/72")
        );
        assert_eq!(install_property(props, "SMSSITECODE"), Some("ABC"));
        assert_eq!(install_property(props, "X"), Some("a b"));
        assert_eq!(install_property(props, "SMSMP"), None);
        assert_eq!(install_property("/mp:x CCMHOSTNAME=", "CCMHOSTNAME"), Some(""));
    }

    #[test]
    fn step_types_accept_short_and_class_names() {
        assert_eq!(StepType::parse("apply_network_settings"), StepType::ApplyNetworkSettings);
        assert_eq!(
            StepType::parse("sms_tasksequence_applynetworksettingsaction"),
            StepType::ApplyNetworkSettings
        );
        let other = StepType::parse("SMS_TaskSequence_EnableBitLockerAction");
        assert_eq!(other.class_name(), "SMS_TaskSequence_EnableBitLockerAction");
    }
}
