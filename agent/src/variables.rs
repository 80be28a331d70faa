//! Task sequence variables: names compare case-insensitively, `%NAME%` expands, names that begin
//! with `_` are read-only built-ins, secret values never reach a log.
//!
//! The spec (section 4) and the seeds name the step variables (`OSDNetworkJoinType`,
//! `OSDWorkgroupName`, `SMSClientInstallProperties` with `CCMHOSTNAME`, ...) and `smsts.log`, but no
//! built-in variable. The built-ins below follow Microsoft's "Task sequence built-in variables"
//! reference; each constant says what the agent puts there.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `_SMSTSMediaType`: how the task sequence was started. `BootMedia` for osdgate's USB media (the
/// reference's values: `BootMedia`, `FullMedia`, `PXE`, `OEMMedia`).
pub const MEDIA_TYPE: &str = "_SMSTSMediaType";
/// `_SMSTSLaunchMode`: `UFD` (a USB flash drive) for osdgate media.
pub const LAUNCH_MODE: &str = "_SMSTSLaunchMode";
/// `_SMSTSInWinPE`: `true` while the step runs in Windows PE.
pub const IN_WINPE: &str = "_SMSTSInWinPE";
/// `_SMSTSLogPath`: the folder of `smsts.log`.
pub const LOG_PATH: &str = "_SMSTSLogPath";
/// `_SMSTSAdvertID`: the deployment ID.
pub const ADVERT_ID: &str = "_SMSTSAdvertID";
/// `_SMSTSPackageID`: the task sequence's package ID.
pub const PACKAGE_ID: &str = "_SMSTSPackageID";
/// `_SMSTSPackageName`: the task sequence's name.
pub const PACKAGE_NAME: &str = "_SMSTSPackageName";
/// `_SMSTSBootImageID`: the boot image package, when the sequence names one.
pub const BOOT_IMAGE_ID: &str = "_SMSTSBootImageID";
/// `_SMSTSDownloadOnDemand`: `true` for "Download content locally when needed by the running task
/// sequence" (seed 000's required deployment option).
pub const DOWNLOAD_ON_DEMAND: &str = "_SMSTSDownloadOnDemand";
/// `_SMSTSCurrentActionName`: set before each step.
pub const CURRENT_ACTION_NAME: &str = "_SMSTSCurrentActionName";
/// `_SMSTSLastActionName`: the step that ran last.
pub const LAST_ACTION_NAME: &str = "_SMSTSLastActionName";
/// `_SMSTSLastActionRetCode`: the exit code of the step that ran last.
pub const LAST_ACTION_RET_CODE: &str = "_SMSTSLastActionRetCode";
/// `_SMSTSLastActionSucceeded`: `true`/`false`; not reset when a step is skipped (as ConfigMgr does).
pub const LAST_ACTION_SUCCEEDED: &str = "_SMSTSLastActionSucceeded";
/// `_SMSTSInstructionTableSize`: how many instructions the sequence has.
pub const INSTRUCTION_TABLE_SIZE: &str = "_SMSTSInstructionTableSize";
/// `_SMSTSNextInstructionPointer`: the instruction that runs next (what resume continues at).
pub const NEXT_INSTRUCTION_POINTER: &str = "_SMSTSNextInstructionPointer";
/// `_SMSTSUUID`: the device's SMBIOS UUID, when known.
pub const UUID: &str = "_SMSTSUUID";

/// Every built-in the engine sets, for documentation and tests.
pub const BUILT_INS: &[&str] = &[
    MEDIA_TYPE,
    LAUNCH_MODE,
    IN_WINPE,
    LOG_PATH,
    ADVERT_ID,
    PACKAGE_ID,
    PACKAGE_NAME,
    BOOT_IMAGE_ID,
    DOWNLOAD_ON_DEMAND,
    CURRENT_ACTION_NAME,
    LAST_ACTION_NAME,
    LAST_ACTION_RET_CODE,
    LAST_ACTION_SUCCEEDED,
    INSTRUCTION_TABLE_SIZE,
    NEXT_INSTRUCTION_POINTER,
    UUID,
];

/// One variable's value and whether it is a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Value {
    /// The name as first written (ConfigMgr keeps the spelling; lookups ignore case).
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub secret: bool,
}

/// Why a variable was not set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    #[error("task sequence variable names must not be empty")]
    EmptyName,
    #[error(
        "{0} is read-only: names that begin with _ are the task sequence's built-in variables; choose a name without the leading _"
    )]
    ReadOnly(String),
    #[error("task sequence variable name {0:?} contains %, = or a control character")]
    InvalidName(String),
}

/// The task sequence environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variables {
    /// Keyed by the upper-cased name.
    values: BTreeMap<String, Value>,
}

impl Variables {
    /// The value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(&name.to_uppercase()).map(|v| v.value.as_str())
    }

    /// Whether `name` is set.
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(&name.to_uppercase())
    }

    /// Sets a variable the task sequence may write (policy variables, Set Task Sequence Variable,
    /// step settings): refuses read-only built-ins and invalid names.
    pub fn set(&mut self, name: &str, value: &str, secret: bool) -> Result<(), SetError> {
        if name.is_empty() {
            return Err(SetError::EmptyName);
        }
        if name.starts_with('_') {
            return Err(SetError::ReadOnly(name.to_owned()));
        }
        if name.contains(['%', '=']) || name.chars().any(char::is_control) {
            return Err(SetError::InvalidName(name.to_owned()));
        }
        self.insert(name, value, secret);
        Ok(())
    }

    /// Sets a built-in (the engine's own variables, read-only to the sequence).
    pub fn set_built_in(&mut self, name: &'static str, value: impl Into<String>) {
        self.insert(name, &value.into(), false);
    }

    fn insert(&mut self, name: &str, value: &str, secret: bool) {
        let key = name.to_uppercase();
        let secret = secret || self.values.get(&key).is_some_and(|v| v.secret);
        self.values.insert(key, Value { name: name.to_owned(), value: value.to_owned(), secret });
    }

    /// Removes `name` (used for a step's own settings, which live only while the step runs).
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.values.remove(&name.to_uppercase())
    }

    /// Every variable, ordered by upper-cased name.
    pub fn iter(&self) -> impl Iterator<Item = &Value> {
        self.values.values()
    }

    /// Expands every `%NAME%` whose variable is set; anything else (an unknown name, a lone `%`) is
    /// kept as written, as the task sequence engine does. One pass: a value that itself contains
    /// `%X%` is not expanded again, so expansion always ends.
    pub fn expand(&self, text: &str) -> String {
        self.expand_with(text, |v| v.value.as_str())
    }

    /// [`Self::expand`], but secret values appear as `********`: the form for logs and records.
    pub fn expand_for_log(&self, text: &str) -> String {
        self.expand_with(text, |v| if v.secret { "********" } else { v.value.as_str() })
    }

    /// Whether `text` mentions a secret variable (so the expanded text must not be logged).
    pub fn mentions_secret(&self, text: &str) -> bool {
        let found = std::cell::Cell::new(false);
        let _ = self.expand_with(text, |v| {
            found.set(found.get() || v.secret);
            ""
        });
        found.get()
    }

    fn expand_with<'a>(&'a self, text: &str, value_of: impl Fn(&'a Value) -> &'a str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('%') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('%') {
                Some(close) => {
                    let name = &after[..close];
                    match self.values.get(&name.to_uppercase()).filter(|_| !name.is_empty()) {
                        Some(value) => {
                            out.push_str(value_of(value));
                            rest = &after[close + 1..];
                        }
                        None => {
                            // Keep the `%` and look for a name starting at the closing one.
                            out.push('%');
                            rest = after;
                        }
                    }
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ignore_case_and_built_ins_are_read_only() {
        let mut vars = Variables::default();
        vars.set("OSDComputerName", "PC-01", false).unwrap();
        assert_eq!(vars.get("osdcomputername"), Some("PC-01"));
        assert_eq!(
            vars.set("_SMSTSInWinPE", "false", false),
            Err(SetError::ReadOnly("_SMSTSInWinPE".into()))
        );
        assert!(matches!(vars.set("A=B", "x", false), Err(SetError::InvalidName(_))));
        assert_eq!(vars.set("", "x", false), Err(SetError::EmptyName));
        vars.set_built_in(IN_WINPE, "true");
        assert_eq!(vars.get("_smstsinwinpe"), Some("true"));
    }

    #[test]
    fn expands_known_names_and_keeps_the_rest() {
        let mut vars = Variables::default();
        vars.set("Drive", "C:", false).unwrap();
        vars.set("Loop", "%Drive%", false).unwrap();
        assert_eq!(vars.expand("%drive%\\Windows"), "C:\\Windows");
        assert_eq!(vars.expand("100% of %Unknown% and %Drive%"), "100% of %Unknown% and C:");
        assert_eq!(vars.expand("%Loop%"), "%Drive%", "one pass only");
        assert_eq!(vars.expand("%%Drive%"), "%C:");
        assert_eq!(vars.expand("50%"), "50%");
        assert_eq!(vars.expand(""), "");
    }

    #[test]
    fn secrets_stay_out_of_log_text() {
        let mut vars = Variables::default();
        vars.set("OSDJoinPassword", "hunter2", true).unwrap();
        vars.set("User", "admin", false).unwrap();
        let text = "net use /user:%User% %OSDJoinPassword%";
        assert_eq!(vars.expand(text), "net use /user:admin hunter2");
        assert_eq!(vars.expand_for_log(text), "net use /user:admin ********");
        assert!(vars.mentions_secret(text));
        assert!(!vars.mentions_secret("%User%"));
        // Overwriting a secret keeps it secret.
        vars.set("osdjoinpassword", "other", false).unwrap();
        assert_eq!(vars.expand_for_log("%OSDJoinPassword%"), "********");
    }
}
