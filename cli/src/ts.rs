//! `osdgate ts`: ConfigMgr task sequences (import, export, lint).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use osdgate_model::model::{Document, TaskSequence};
use osdgate_model::{preflight, tasksequence};

use crate::output::{ReportFormat, print_report, unreadable, write_atomically};

/// Task sequence commands.
#[derive(Debug, clap::Args)]
pub struct TsArgs {
    #[command(subcommand)]
    pub command: TsCommand,
}

/// The `ts` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TsCommand {
    /// Read a ConfigMgr task sequence (bare XML or console export zip) and print it as model JSON.
    Import {
        /// The XML or zip file.
        file: PathBuf,
        /// Write the JSON to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Package ID to give a bare XML sequence (an export zip carries its own).
        #[arg(long)]
        id: Option<String>,
    },
    /// Print a task sequence (model JSON, or a document with --id) as ConfigMgr XML.
    Export {
        /// A task sequence JSON file, or a document (JSON or TOML).
        file: PathBuf,
        /// In a document with several task sequences: which one.
        #[arg(long)]
        id: Option<String>,
        /// Write the XML to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Run the boot-media-over-gateway task sequence rules on XML, a zip or model JSON.
    Lint {
        /// The XML, zip or JSON file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: ReportFormat,
    },
}

/// Reads a task sequence from XML, an export zip, task sequence JSON or a document.
fn read_sequence(path: &Path, id: Option<&str>) -> Result<TaskSequence, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let text_start = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let name = path.to_string_lossy().to_ascii_lowercase();
    let is_model = name.ends_with(".json") || name.ends_with(".toml") || text_start == Some(b'{');
    if !is_model {
        let imported = tasksequence::import_file(&path.to_string_lossy(), &bytes)
            .map_err(|e| e.to_string())?;
        // What does not follow the schema is kept and said, never dropped silently.
        for finding in osdgate_model::preflight::import_oddity_findings(&imported.oddities) {
            eprintln!(
                "osdgate: {}: {} {} at {}: {}",
                path.display(),
                finding.severity,
                finding.rule,
                finding.path,
                finding.message
            );
        }
        let mut sequence = imported.sequence;
        if let Some(id) = id {
            sequence.id = id.to_owned();
        }
        return Ok(sequence);
    }
    let text = String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_owned())?;
    let value: serde_json::Value = if name.ends_with(".toml") {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text)
            .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))?
    };
    if name.ends_with(".toml") || value.get("schema").is_some() {
        let format = if name.ends_with(".toml") {
            osdgate_model::model::DocumentFormat::Toml
        } else {
            osdgate_model::model::DocumentFormat::Json
        };
        let document = Document::parse(&text, format).map_err(|e| e.to_string())?;
        return pick(document, id);
    }
    serde_json::from_str::<TaskSequence>(&text)
        .map_err(|e| format!("line {}, column {}: {}", e.line(), e.column(), e))
}

fn pick(document: Document, id: Option<&str>) -> Result<TaskSequence, String> {
    let mut sequences = document.task_sequences;
    match id {
        Some(id) => sequences
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| format!("the document has no task sequence `{id}`")),
        None if sequences.len() == 1 => {
            sequences.pop().ok_or_else(|| "no task sequence".to_owned())
        }
        None => Err(format!(
            "the document has {} task sequences: choose one with --id",
            sequences.len()
        )),
    }
}

fn emit(output: Option<&Path>, text: &str) -> ExitCode {
    match output {
        None => {
            crate::output::write_stdout(text);
            ExitCode::SUCCESS
        }
        Some(path) => match write_atomically(path, text.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("osdgate: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Runs the command.
pub fn run(args: TsArgs) -> ExitCode {
    match args.command {
        TsCommand::Import { file, output, id } => {
            let sequence = match read_sequence(&file, id.as_deref()) {
                Ok(sequence) => sequence,
                Err(message) => return unreadable(&file, message),
            };
            match serde_json::to_string_pretty(&sequence) {
                Ok(json) => emit(output.as_deref(), &(json + "\n")),
                Err(error) => unreadable(&file, error),
            }
        }
        TsCommand::Export { file, id, output } => match read_sequence(&file, id.as_deref()) {
            Ok(sequence) => emit(output.as_deref(), &tasksequence::to_xml(&sequence)),
            Err(message) => unreadable(&file, message),
        },
        TsCommand::Lint { file, format } => match read_sequence(&file, None) {
            Ok(sequence) => print_report(&preflight::lint_task_sequence(&sequence), format, &file),
            Err(message) => unreadable(&file, message),
        },
    }
}
