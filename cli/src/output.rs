//! Shared output helpers: report formats, exit codes, atomic file writes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use osdgate_model::preflight::Report;

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// For people.
    Human,
    /// For machines: the report as JSON.
    Json,
}

/// Exit code 1: the check found errors.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code 2: the input could not be read or parsed.
pub const EXIT_UNREADABLE: u8 = 2;

/// Writes `text` to standard output; a closed pipe (`osdgate schema | head`) is not an error.
pub fn write_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

/// Prints `report` and returns 0 (no errors) or 1 (errors).
pub fn print_report(report: &Report, format: ReportFormat, source: &Path) -> ExitCode {
    match format {
        ReportFormat::Human => {
            write_stdout(&format!("{}\n\n{}", source.display(), report.to_human()));
        }
        ReportFormat::Json => match serde_json::to_string_pretty(report) {
            Ok(json) => write_stdout(&(json + "\n")),
            Err(error) => {
                eprintln!("osdgate: cannot write the report as JSON: {error}");
                return ExitCode::from(EXIT_UNREADABLE);
            }
        },
    }
    if report.has_errors() { ExitCode::from(EXIT_FINDINGS) } else { ExitCode::SUCCESS }
}

/// Reports an unreadable input on stderr and returns exit code 2.
pub fn unreadable(path: &Path, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("osdgate: {}: {message}", path.display());
    ExitCode::from(EXIT_UNREADABLE)
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, flushed, then
/// renamed over the target, so a reader never sees a half-written file.
pub fn write_atomically(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let directory = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = directory.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let mut file = std::fs::File::create(&temporary)
            .with_context(|| format!("cannot create {}", temporary.display()))?;
        file.write_all(contents)
            .with_context(|| format!("cannot write {}", temporary.display()))?;
        file.sync_all().with_context(|| format!("cannot flush {}", temporary.display()))?;
        std::fs::rename(&temporary, path).with_context(|| {
            format!("cannot move {} to {}", temporary.display(), path.display())
        })?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
