//! `osdgate bootimage inspect|prepare`: a boot.wim prepared without Windows (issue 15). The WIM code
//! and the launcher live in `osdgate_model::wim::bootimage`; this module reads the input through
//! [`FileSource`], streams the output (new header, the kept range of the input, the appended
//! bytes) to a temporary file next to the target, flushes it and renames it into place, so the
//! target is never half-written.

use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use osdgate_model::wim::bootimage::{
    BootImageInspection, LauncherState, PreparedBootImage, inspect, prepare_boot_image,
};
use osdgate_model::wim::{IntegrityOutcome, PrepareOptions, WimSource};

use crate::output::{EXIT_UNREADABLE, write_file_atomically, write_stdout};

/// A file read by ranges (a WIM here, an ISO in `media`).
pub(crate) struct FileSource {
    file: RefCell<File>,
    size: u64,
}

impl FileSource {
    pub(crate) fn open(path: &Path) -> Result<FileSource> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let size =
            file.metadata().with_context(|| format!("cannot read {}", path.display()))?.len();
        Ok(FileSource { file: RefCell::new(file), size })
    }
}

impl WimSource for FileSource {
    fn size(&self) -> u64 {
        self.size
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), String> {
        let mut file = self.file.borrow_mut();
        file.seek(SeekFrom::Start(offset)).map_err(|e| e.to_string())?;
        file.read_exact(buf).map_err(|e| e.to_string())
    }
}

/// Output format of `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InspectFormat {
    /// For people.
    Text,
    /// For machines.
    Json,
}

fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64;
    let mut unit = "bytes";
    for name in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = name;
    }
    format!("{value:.1} {unit}")
}

fn launcher_text(state: &LauncherState) -> String {
    match state {
        LauncherState::Absent => "no osdgate launcher".to_owned(),
        LauncherState::Present { version, current: true, line } => {
            format!("osdgate launcher v{version} (current; line {line})")
        }
        LauncherState::Present { version, current: false, line } => {
            format!("osdgate launcher v{version} (older; line {line}; prepare again to update)")
        }
        LauncherState::Unusable { reason } => format!("cannot take the launcher: {reason}"),
        LauncherState::NotWindowsPe { reason } => format!("not preparable: {reason}"),
    }
}

fn render(path: &Path, report: &BootImageInspection) -> String {
    let wim = &report.wim;
    let mut out = format!(
        "{}: {}, compression {}{}, {} image(s), boot index {}, integrity table {}\n",
        path.display(),
        size_text(wim.size),
        wim.compression.name(),
        if wim.compression.name() == "none" {
            String::new()
        } else {
            format!(" ({} chunks)", size_text(u64::from(wim.chunk_size)))
        },
        wim.image_count,
        if wim.boot_index == 0 { "none".to_owned() } else { wim.boot_index.to_string() },
        if wim.integrity_table { "yes" } else { "no" },
    );
    for image in &report.images {
        let xml = &image.image.xml;
        let marker = if report.default_index == Some(image.image.index) { "*" } else { " " };
        out.push_str(&format!(
            "{marker}{:>3}  {}\n       {} files, {} folders, {}; startnet.cmd: {}\n",
            image.image.index,
            xml.name.as_deref().unwrap_or("(no name)"),
            xml.file_count.map_or("?".to_owned(), |n| n.to_string()),
            xml.dir_count.map_or("?".to_owned(), |n| n.to_string()),
            xml.total_bytes.map_or("? bytes".to_owned(), size_text),
            launcher_text(&image.launcher),
        ));
    }
    match report.default_index {
        Some(index) => out.push_str(&format!(
            "* `osdgate bootimage prepare` changes image {index} unless --index says otherwise (launcher v{}).\n",
            report.launcher_version
        )),
        None => out.push_str("No boot index: choose the Windows PE image with --index.\n"),
    }
    out
}

/// `osdgate bootimage inspect FILE.wim`.
pub fn cmd_inspect(path: &Path, format: InspectFormat) -> Result<ExitCode> {
    let source = FileSource::open(path)?;
    let report = match inspect(&source) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("osdgate bootimage: {}: {error}", path.display());
            return Ok(ExitCode::from(EXIT_UNREADABLE));
        }
    };
    match format {
        InspectFormat::Text => write_stdout(&render(path, &report)),
        InspectFormat::Json => write_stdout(&(serde_json::to_string_pretty(&report)? + "\n")),
    }
    Ok(ExitCode::SUCCESS)
}

/// Now as a Windows FILETIME (100 ns since 1601), for the image's last-modification time.
fn filetime_now() -> Option<u64> {
    let since_unix = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
    Some(
        (since_unix.as_secs() + 11_644_473_600) * 10_000_000
            + u64::from(since_unix.subsec_nanos() / 100),
    )
}

/// Streams the prepared WIM (new header, the kept range of `input`, the appended bytes) into
/// `output` through [`write_file_atomically`].
fn write_prepared(input: &Path, prepared: &PreparedBootImage, output: &Path) -> Result<()> {
    write_file_atomically(output, |file, temporary| {
        let wim = &prepared.wim;
        file.write_all(&wim.header)?;
        let mut source =
            File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
        source.seek(SeekFrom::Start(wim.kept.start))?;
        let length = wim.kept.end - wim.kept.start;
        let copied = std::io::copy(&mut (&mut source).take(length), file).with_context(|| {
            format!("cannot copy {} to {}", input.display(), temporary.display())
        })?;
        if copied != length {
            bail!("{} changed while it was read (it is shorter than before)", input.display());
        }
        file.write_all(&wim.appended)?;
        Ok(())
    })
}

/// `osdgate bootimage prepare FILE.wim -o OUT [--index N] [--remove-integrity]`.
pub fn cmd_prepare(
    input: &Path,
    output: &Path,
    index: Option<u32>,
    remove_integrity: bool,
) -> Result<ExitCode> {
    let source = FileSource::open(input)?;
    let options = PrepareOptions { modified: filetime_now(), drop_integrity: remove_integrity };
    let prepared = match prepare_boot_image(&source, index, options) {
        Ok(prepared) => prepared,
        Err(error) => {
            eprintln!("osdgate bootimage: {}: {error}", input.display());
            return Ok(ExitCode::from(EXIT_UNREADABLE));
        }
    };
    write_prepared(input, &prepared, output)?;
    let wim = &prepared.wim;
    let mut report = format!(
        "{} image {} -> {} ({})\n",
        input.display(),
        wim.index,
        output.display(),
        size_text(wim.len())
    );
    if wim.unchanged {
        report.push_str("  startnet.cmd already holds the current launcher: the output is the input, byte for byte\n");
    } else {
        report.push_str(&match prepared.replaced.as_slice() {
            [] => "  startnet.cmd: osdgate launcher added after wpeinit\n".to_owned(),
            versions => format!(
                "  startnet.cmd: osdgate launcher replaced (was v{})\n",
                versions.iter().map(u32::to_string).collect::<Vec<_>>().join(", v")
            ),
        });
        if prepared.added_wpeinit {
            report.push_str("  startnet.cmd had no wpeinit line: added one before the launcher (Windows PE needs it for networking)\n");
        }
        report.push_str(&format!(
            "  kept {} of the original byte for byte, appended {} (metadata {})\n",
            size_text(wim.kept.end - wim.kept.start),
            size_text(wim.appended.len() as u64),
            if wim.metadata_compressed { "XPRESS-compressed" } else { "stored uncompressed" },
        ));
    }
    report.push_str(match prepared.integrity() {
        IntegrityOutcome::None => "  integrity table: none (as before)\n",
        IntegrityOutcome::Regenerated { .. } => "  integrity table: written anew\n",
        IntegrityOutcome::Removed => "  integrity table: removed (--remove-integrity)\n",
    });
    write_stdout(&report);
    Ok(ExitCode::SUCCESS)
}
