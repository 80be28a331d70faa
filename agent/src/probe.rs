//! The conditions a real run can answer on the machine (spec section 4's expression classes):
//!
//! - **File** and **folder** (`SMS_TaskSequence_FileConditionExpression`,
//!   `..._FolderConditionExpression`): whether `Path` exists, through [`Drives`]. A `Version` or
//!   `DateTime` test is not evaluable here (the agent reads no version resources and no WMI
//!   datetimes) and says so.
//! - **Registry** (`SMS_TaskSequence_RegistryConditionExpression`: `KeyPath`, `Value`, `Type`,
//!   `Operator`, `Data`): `reg.exe query`, which Windows PE and Windows both carry; `REG_DWORD` and
//!   `REG_QWORD` data compare as numbers, the rest as text ignoring case.
//! - **WMI** (`SMS_TaskSequence_WMIConditionExpression`): not evaluable here. Windows PE has WMI
//!   only when the boot image has the WinPE-WMI component, and no tool to query it by default (no
//!   PowerShell; `wmic` is gone from current Windows); a half-working answer would be worse than a
//!   clear one, so the step's continue-on-error decides, and the message names the alternative (a
//!   registry or file condition, or a variable a Run Command Line step sets).
//! - **Software** (installed products): not evaluable in Windows PE, which has none.
//!
//! A dry run uses [`crate::condition::NoMachineProbe`]: it reads nothing on the machine.

use std::path::PathBuf;

use osdgate_model::model::{ConditionExpression, ExpressionType};

use crate::condition::{NoMachineProbe, Probe, Truth};
use crate::executor::Invocation;
use crate::platform::{Drives, spawn};

/// The probe of a real run.
#[derive(Debug, Clone)]
pub struct SystemProbe {
    pub drives: Drives,
    /// Folders searched for `reg.exe` before the `PATH`.
    pub tools: Vec<PathBuf>,
}

impl Probe for SystemProbe {
    fn probe(&self, expression: &ConditionExpression) -> Truth {
        match expression.expression_type {
            ExpressionType::File => self.path(expression, false),
            ExpressionType::Folder => self.path(expression, true),
            ExpressionType::Registry => self.registry(expression),
            ExpressionType::Wmi => Truth::NotEvaluable(format!(
                "the WMI query {:?} is not evaluable here: osdgate-agent does not query WMI (Windows PE has no WMI query tool by default); use a registry or file condition, or a variable that a Run Command Line step sets",
                expression.property("Query").unwrap_or_default()
            )),
            _ => NoMachineProbe.probe(expression),
        }
    }
}

impl SystemProbe {
    fn path(&self, expression: &ConditionExpression, folder: bool) -> Truth {
        let what = if folder { "folder" } else { "file" };
        let Some(path) = expression.property("Path").map(str::trim).filter(|p| !p.is_empty())
        else {
            return Truth::NotEvaluable(format!("a {what} condition has no Path; set the path"));
        };
        for (property, name) in [("Version", "version"), ("DateTime", "date")] {
            if expression.property(property).is_some_and(|v| !v.trim().is_empty()) {
                return Truth::NotEvaluable(format!(
                    "the {what} condition on {path:?} compares its {name} ({property}), which osdgate-agent does not read; test only that it exists"
                ));
            }
        }
        match self.drives.host_path(path) {
            Ok(host) => Truth::from_bool(if folder { host.is_dir() } else { host.is_file() }),
            Err(reason) => {
                Truth::NotEvaluable(format!("the {what} condition's Path {path:?}: {reason}"))
            }
        }
    }

    fn registry(&self, expression: &ConditionExpression) -> Truth {
        let Some(key) = expression.property("KeyPath").map(str::trim).filter(|k| !k.is_empty())
        else {
            return Truth::NotEvaluable(
                "a registry condition has no KeyPath; set the key (HKEY_LOCAL_MACHINE\\...)"
                    .to_owned(),
            );
        };
        let value = expression.property("Value").map(str::trim).unwrap_or_default();
        let operator = expression.property("Operator").unwrap_or("exists").to_ascii_lowercase();
        let wanted = expression.property("Data").unwrap_or_default();
        let known = [
            "exists",
            "notexists",
            "equals",
            "notequals",
            "greater",
            "greaterequal",
            "less",
            "lessequal",
        ];
        if !known.contains(&operator.as_str()) {
            return Truth::NotEvaluable(format!(
                "the registry condition on {key} uses the operator {operator:?}, which osdgate-agent does not know (use one of exists, notExists, equals, notEquals, greater, greaterEqual, less, lessEqual)"
            ));
        }
        let mut arguments = vec!["query", key];
        if value.is_empty() {
            arguments.push("/ve");
        } else {
            arguments.extend(["/v", value]);
        }
        let exit = match spawn(&self.drives, &self.tools, &Invocation::new("reg.exe", &arguments)) {
            Ok(exit) => exit,
            Err(error) => {
                return Truth::NotEvaluable(format!(
                    "the registry condition on {key} could not be evaluated: {}",
                    error.message
                ));
            }
        };
        // reg query exits with 1 when the key or the value does not exist.
        let found = match exit.code {
            0 => parse_reg_query(&exit.output, value),
            1 => None,
            code => {
                return Truth::NotEvaluable(format!(
                    "the registry condition on {key}: reg query failed with {code}: {}",
                    exit.output.trim()
                ));
            }
        };
        let Some((kind, data)) = found else {
            return Truth::from_bool(operator == "notexists");
        };
        if operator == "exists" || operator == "notexists" {
            return Truth::from_bool(operator == "exists");
        }
        let ordering = compare_registry(&kind, &data, wanted);
        Truth::from_bool(match operator.as_str() {
            "equals" => ordering.is_eq(),
            "notequals" => !ordering.is_eq(),
            "greater" => ordering.is_gt(),
            "greaterequal" => !ordering.is_lt(),
            "less" => ordering.is_lt(),
            _ => !ordering.is_gt(),
        })
    }
}

/// The type and data of `value` (empty: the default value) in `reg query` output, whose value lines
/// are `    NAME    REG_TYPE    DATA` (the default value's name is `(Default)` or localized).
pub fn parse_reg_query(output: &str, value: &str) -> Option<(String, String)> {
    output.lines().find_map(|line| {
        let line = line.trim_start();
        let (name, rest) = line.split_once("    ")?;
        let rest = rest.trim_start();
        let (kind, data) = match rest.split_once("    ") {
            Some((kind, data)) => (kind, data),
            None => (rest, ""),
        };
        if !kind.starts_with("REG_") {
            return None;
        }
        let matches = if value.is_empty() {
            name.starts_with('(') || name.is_empty()
        } else {
            name.eq_ignore_ascii_case(value)
        };
        matches.then(|| (kind.trim().to_owned(), data.trim_end_matches(['\r', '\n']).to_owned()))
    })
}

fn compare_registry(kind: &str, data: &str, wanted: &str) -> std::cmp::Ordering {
    let number = |text: &str| -> Option<u64> {
        let text = text.trim();
        match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => text.parse().ok(),
        }
    };
    if (kind.eq_ignore_ascii_case("REG_DWORD") || kind.eq_ignore_ascii_case("REG_QWORD"))
        && let (Some(a), Some(b)) = (number(data), number(wanted))
    {
        return a.cmp(&b);
    }
    data.to_lowercase().cmp(&wanted.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_query_output() {
        let output = "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\r\n    Version    REG_SZ    10.0 build 7\r\n    Count    REG_DWORD    0x1f\r\n    (Default)    REG_SZ    hello\r\n    Empty    REG_SZ\r\n\r\n";
        assert_eq!(
            parse_reg_query(output, "version"),
            Some(("REG_SZ".into(), "10.0 build 7".into()))
        );
        assert_eq!(parse_reg_query(output, "Count"), Some(("REG_DWORD".into(), "0x1f".into())));
        assert_eq!(parse_reg_query(output, ""), Some(("REG_SZ".into(), "hello".into())));
        assert_eq!(parse_reg_query(output, "Empty"), Some(("REG_SZ".into(), String::new())));
        assert_eq!(parse_reg_query(output, "Missing"), None);
        assert!(compare_registry("REG_DWORD", "0x1f", "31").is_eq());
        assert!(compare_registry("REG_DWORD", "0x1f", "4").is_gt(), "numbers, not text");
        assert!(compare_registry("REG_SZ", "ABC", "abc").is_eq());
    }
}
