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

/// Writes `contents` to `path` atomically (see [`write_file_atomically`]).
pub fn write_atomically(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context as _;
    write_file_atomically(path, |file, temporary| {
        file.write_all(contents).with_context(|| format!("cannot write {}", temporary.display()))
    })
}

/// The folder a file is written in: its parent, or `.` for a bare file name.
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The one way the CLI writes an output file: `write` fills a temporary file in the same folder
/// (it gets the file and the temporary path, for its messages), which is then flushed to disk and
/// renamed over `path`. A reader never sees a half-written file, and on any failure the temporary
/// file is removed and `path` is left as it was.
pub fn write_file_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File, &Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?
        .to_string_lossy()
        .into_owned();
    let temporary = folder_of(path).join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let mut file = std::fs::File::create(&temporary)
            .with_context(|| format!("cannot create {}", temporary.display()))?;
        write(&mut file, &temporary)?;
        file.sync_all().with_context(|| format!("cannot flush {}", temporary.display()))?;
        std::fs::rename(&temporary, path)
            .with_context(|| format!("cannot move {} to {}", temporary.display(), path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
