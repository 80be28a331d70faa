//! The real machine: the [`Machine`] that runs what the executors decide. It is a thin layer: every
//! program is started from the same [`Invocation`] the dry run records (on Windows its command line
//! is passed to `CreateProcess` verbatim), every file is written atomically, and it keeps the same
//! record a dry run keeps, so a real run and a dry run of one policy can be compared action by
//! action.
//!
//! Paths are Windows paths (`W:\Windows\Panther\unattend.xml`) everywhere above this layer.
//! [`Drives`] turns them into host paths: unchanged on Windows, and one folder per drive letter on
//! other hosts (tests on Linux).

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use osdgate_model::api::ContentReference;
use sha2::{Digest, Sha256};

use crate::engine::{Environment, GENERIC_ERROR, ResolvedStep, StepError};
use crate::executor::{
    Action, CONTENT_MISSING_ERROR, Exit, Invocation, Machine, RecordedAction, TIMEOUT_ERROR,
    content_action, file_action, restart_invocation,
};
use crate::state::write_atomically;

/// `TRUST_E_BAD_DIGEST` (0x80096010): a content file's SHA-256 is not the one the policy names
/// (ConfigMgr reports a hash mismatch of downloaded content with this code).
pub const HASH_MISMATCH_ERROR: u32 = 0x8009_6010;
/// How much of a program's output is kept for the log (its end).
pub const OUTPUT_TAIL_BYTES: usize = 4 * 1024;

/// How Windows paths map to the host's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drives {
    /// The host is Windows: a Windows path is the path.
    Windows,
    /// Drive `L:` is the folder `l` under this root (hosts without drive letters: tests).
    Folders(PathBuf),
}

impl Drives {
    /// The drives of this host: [`Drives::Windows`] on Windows; elsewhere `root` must be given.
    pub fn host(root: Option<PathBuf>) -> Result<Self, String> {
        match root {
            Some(root) => Ok(Drives::Folders(root)),
            None if cfg!(windows) => Ok(Drives::Windows),
            None => Err("this host has no drive letters: give a folder that holds one folder per drive (--drive-root DIR)".to_owned()),
        }
    }

    /// The host path of the Windows path `path` (`L:\...`).
    pub fn host_path(&self, path: &str) -> Result<PathBuf, String> {
        match self {
            Drives::Windows => Ok(PathBuf::from(path)),
            Drives::Folders(root) => {
                let bytes = path.as_bytes();
                if bytes.len() < 2 || !bytes[0].is_ascii_alphabetic() || bytes[1] != b':' {
                    return Err(format!("{path:?} is not a path on a drive (L:\\...)"));
                }
                let mut host = root.join(path[..1].to_ascii_lowercase());
                for part in path[2..].split('\\').filter(|p| !p.is_empty() && *p != ".") {
                    if part == ".." {
                        return Err(format!("{path:?} climbs out of its folder (..)"));
                    }
                    host.push(part);
                }
                Ok(host)
            }
        }
    }
}

/// Where content comes from: the relay client's downloads, or content staged on the medium.
pub trait ContentSource {
    /// Makes `content` available with every file verified against the policy's size and SHA-256;
    /// returns the Windows path of its folder. Content that does not verify is never returned.
    fn fetch(&mut self, content: &ContentReference, drives: &Drives) -> Result<String, StepError>;
}

/// No content at all: every step that needs content fails with a clear message.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoContent;

impl ContentSource for NoContent {
    fn fetch(&mut self, content: &ContentReference, _: &Drives) -> Result<String, StepError> {
        Err(StepError {
            code: CONTENT_MISSING_ERROR,
            message: format!(
                "the content {} is needed, but this run has no content source (no relay connection and no staged content folder)",
                content.content_id
            ),
        })
    }
}

/// Content staged in a folder (`<folder>\<content ID>\<file path>`), verified in place.
#[derive(Debug, Clone)]
pub struct StagedContent {
    /// The Windows path of the folder.
    pub folder: String,
}

impl ContentSource for StagedContent {
    fn fetch(&mut self, content: &ContentReference, drives: &Drives) -> Result<String, StepError> {
        let folder = format!("{}\\{}", self.folder.trim_end_matches('\\'), content.content_id);
        for file in &content.files {
            let windows = format!("{folder}\\{}", file.path.replace('/', "\\"));
            let host = drives
                .host_path(&windows)
                .map_err(|message| StepError { code: CONTENT_MISSING_ERROR, message })?;
            let (size, sha256) = hash_file(&host).map_err(|e| StepError {
                code: CONTENT_MISSING_ERROR,
                message: format!(
                    "the content {} lacks {windows} ({e}); stage the whole content",
                    content.content_id
                ),
            })?;
            if size != file.size || !sha256.eq_ignore_ascii_case(&file.sha256) {
                return Err(StepError {
                    code: HASH_MISMATCH_ERROR,
                    message: format!(
                        "{windows} of content {} does not match the policy (size {size}, SHA-256 {sha256}; expected size {}, SHA-256 {}); the step does not run on it",
                        content.content_id, file.size, file.sha256
                    ),
                });
            }
        }
        Ok(folder)
    }
}

/// Size and lower-case SHA-256 of a file, read in 1 MiB pieces.
pub fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((size, osdgate_model::hex::lower(&hasher.finalize())))
}

/// The machine that does what the executors decide.
pub struct RealMachine {
    pub drives: Drives,
    /// Folders searched for programs before the `PATH` (tools carried on the medium).
    pub tools: Vec<PathBuf>,
    pub content: Box<dyn ContentSource>,
    /// Everything done, in the dry run's record format.
    pub actions: Vec<RecordedAction>,
}

impl std::fmt::Debug for RealMachine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealMachine")
            .field("drives", &self.drives)
            .field("tools", &self.tools)
            .field("actions", &self.actions.len())
            .finish_non_exhaustive()
    }
}

impl RealMachine {
    pub fn new(drives: Drives, tools: Vec<PathBuf>, content: Box<dyn ContentSource>) -> Self {
        RealMachine { drives, tools, content, actions: Vec::new() }
    }

    fn record(&mut self, step: &ResolvedStep, action: Action) {
        self.actions.push(RecordedAction {
            step: step.name.clone(),
            ordinal: step.ordinal,
            action,
        });
    }

    fn host_path(&self, path: &str) -> Result<PathBuf, StepError> {
        self.drives.host_path(path).map_err(|message| StepError { code: GENERIC_ERROR, message })
    }

    fn spawn(&self, invocation: &Invocation) -> Result<Exit, StepError> {
        spawn(&self.drives, &self.tools, invocation)
    }
}

/// The `Command` for `invocation`. On Windows the arguments go in as the recorded text
/// (`raw_arg`), so the child's command line is the recorded one; elsewhere as the argument list.
/// `tools` are searched before the `PATH`.
fn command(
    drives: &Drives,
    tools: &[PathBuf],
    invocation: &Invocation,
) -> Result<Command, StepError> {
    let mut command = Command::new(&invocation.program);
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        let tail = invocation.arguments_text();
        if !tail.is_empty() {
            command.raw_arg(tail);
        }
    }
    #[cfg(not(windows))]
    command.args(&invocation.arguments);
    if let Some(folder) = &invocation.working_directory {
        let host = drives
            .host_path(folder)
            .map_err(|message| StepError { code: GENERIC_ERROR, message })?;
        if !host.is_dir() {
            return Err(StepError {
                code: crate::executor::CONTENT_MISSING_ERROR,
                message: format!("the start-in folder {folder} does not exist"),
            });
        }
        command.current_dir(host);
    }
    if !tools.is_empty() {
        let mut folders: Vec<PathBuf> = tools.to_vec();
        if let Some(path) = std::env::var_os("PATH") {
            folders.extend(std::env::split_paths(&path));
        }
        let joined: OsString = std::env::join_paths(folders).map_err(|e| StepError {
            code: GENERIC_ERROR,
            message: format!("a tools folder cannot be put on the PATH: {e}"),
        })?;
        command.env("PATH", joined);
    }
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    Ok(command)
}

/// Starts `invocation` and waits for it (at most its timeout); returns its exit code and the end of
/// its output.
pub fn spawn(
    drives: &Drives,
    tools: &[PathBuf],
    invocation: &Invocation,
) -> Result<Exit, StepError> {
    let mut child = command(drives, tools, invocation)?.spawn().map_err(|e| StepError {
        code: if e.kind() == io::ErrorKind::NotFound {
            CONTENT_MISSING_ERROR
        } else {
            GENERIC_ERROR
        },
        message: format!("cannot start {} ({e})", invocation.program),
    })?;
    let output = collect_output(&mut child);
    let deadline = invocation.timeout_seconds.map(|s| Instant::now() + Duration::from_secs(s));
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                return Err(StepError {
                    code: GENERIC_ERROR,
                    message: format!("cannot wait for {} ({e})", invocation.program),
                });
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(StepError {
                code: TIMEOUT_ERROR,
                message: format!(
                    "{} ran longer than the step's timeout ({} s) and was stopped",
                    invocation.program,
                    invocation.timeout_seconds.unwrap_or_default()
                ),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // A program that left a child process holding its output open does not hold the step up.
    let output = output.recv_timeout(Duration::from_secs(5)).unwrap_or_else(|_| {
        "(output not collected: a process it started keeps it open)".to_owned()
    });
    let code = match status.code() {
        // Windows exit codes are DWORDs (HRESULTs are negative as i32).
        Some(code) => code as u32,
        None => GENERIC_ERROR,
    };
    Ok(Exit { code, output })
}

/// Reads the child's stdout and stderr on two threads; the channel gets their ends, joined, once
/// both are closed.
fn collect_output(child: &mut Child) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    let readers: Vec<Box<dyn Read + Send>> = [
        child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .collect();
    std::thread::spawn(move || {
        let handles: Vec<_> = readers
            .into_iter()
            .map(|mut reader| {
                std::thread::spawn(move || {
                    let mut tail: Vec<u8> = Vec::new();
                    let mut buffer = [0u8; 8192];
                    while let Ok(read) = reader.read(&mut buffer) {
                        if read == 0 {
                            break;
                        }
                        tail.extend_from_slice(&buffer[..read]);
                        if tail.len() > 2 * OUTPUT_TAIL_BYTES {
                            tail.drain(..tail.len() - OUTPUT_TAIL_BYTES);
                        }
                    }
                    tail
                })
            })
            .collect();
        let mut text = String::new();
        for handle in handles {
            let bytes = handle.join().unwrap_or_default();
            let start = bytes.len().saturating_sub(OUTPUT_TAIL_BYTES);
            text.push_str(&String::from_utf8_lossy(&bytes[start..]));
        }
        let _ = sender.send(text);
    });
    receiver
}

impl Machine for RealMachine {
    fn run(&mut self, step: &ResolvedStep, invocation: &Invocation) -> Result<Exit, StepError> {
        self.record(step, invocation.action());
        self.spawn(invocation)
    }

    fn write_file(
        &mut self,
        step: &ResolvedStep,
        path: &str,
        contents: &[u8],
        log_text: &str,
    ) -> Result<(), StepError> {
        self.record(step, file_action(path, contents, log_text));
        let host = self.host_path(path)?;
        let written = host
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| write_atomically(&host, contents));
        written.map_err(|e| StepError {
            code: GENERIC_ERROR,
            message: format!("cannot write {path} ({e})"),
        })
    }

    fn fetch_content(
        &mut self,
        step: &ResolvedStep,
        content: &ContentReference,
    ) -> Result<String, StepError> {
        let folder = self.content.fetch(content, &self.drives)?;
        self.record(step, content_action(content, &folder));
        Ok(folder)
    }

    fn restart(&mut self, step: &ResolvedStep, into: Environment) -> Result<(), StepError> {
        let invocation = restart_invocation(step.environment);
        self.record(step, Action::Restart { into, command_line: invocation.command_line() });
        let exit = self.spawn(&invocation)?;
        if exit.code != 0 {
            return Err(StepError {
                code: exit.code,
                message: format!(
                    "{} could not restart the machine: {}",
                    invocation.command_line(),
                    exit.output.trim()
                ),
            });
        }
        Ok(())
    }
}
