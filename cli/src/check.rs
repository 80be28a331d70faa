//! `osdgate check FILE`: preflight of a document (JSON or TOML).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use osdgate_model::model::{Document, DocumentFormat, Timestamp};
use osdgate_model::preflight;

use crate::output::{ReportFormat, print_report, unreadable};

/// Check a document against every preflight rule.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The document (`.json` or `.toml`; other names are sniffed).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
    /// Compare expiry dates with this RFC 3339 time instead of the system clock.
    #[arg(long)]
    pub now: Option<String>,
}

/// The current time, or `--now`.
pub fn now_from(argument: Option<&str>) -> Result<Timestamp, String> {
    match argument {
        Some(text) => Timestamp::parse(text).map_err(|e| format!("--now: {e}")),
        None => {
            let seconds = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or(0);
            Ok(Timestamp::from_unix_seconds(seconds))
        }
    }
}

/// Reads and parses a document file.
pub fn read_document(path: &std::path::Path) -> Result<Document, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let name = path.to_string_lossy();
    let format =
        DocumentFormat::from_file_name(&name).unwrap_or_else(|| DocumentFormat::sniff(&text));
    Document::parse(&text, format).map_err(|e| e.to_string())
}

/// Runs the command.
pub fn run(args: CheckArgs) -> ExitCode {
    let now = match now_from(args.now.as_deref()) {
        Ok(now) => now,
        Err(message) => return unreadable(&args.file, message),
    };
    let document = match read_document(&args.file) {
        Ok(document) => document,
        Err(message) => return unreadable(&args.file, message),
    };
    let report = preflight::check_at(&document, now);
    print_report(&report, args.format, &args.file)
}
