//! Content from the relay (seed 000: "as the task sequence runs, it downloads any additional
//! content"): the sources for a package (`/content/{id}/locations`), each file downloaded into the
//! cache with resume (`Range: bytes=N-`), hashed on the way, and used only when its SHA-256 equals
//! the policy's. A file whose hash does not match is deleted (never resumed), and tried again.
//!
//! Retries follow ConfigMgr's task sequence variables `SMSTSDownloadRetryCount` (default 2) and
//! `SMSTSDownloadRetryDelay` (seconds, default 15) from the policy; the agent doubles the delay after
//! each failure (at most 8 × the delay). A relay that goes away in the middle of a file costs one
//! attempt and the download continues from the last byte written when it answers again.
//!
//! Layout of the cache: `<cache>/<content id>/<path>` once verified, `<path>.partial` while
//! downloading.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use osdgate_model::api::{
    ContentFile, ContentLocations, ContentReference, ErrorCode, GATEWAY_FILES, PolicyVariable,
    SourceKind,
};
use sha2::{Digest, Sha256};

use crate::relay::{RelayClient, RelayError, Session};

/// `CRYPT_E_HASH_VALUE`: ConfigMgr's "hash value is not correct" for downloaded content.
pub const HASH_MISMATCH_ERROR: u32 = 0x8009_1007;
/// `ERROR_INTERNET_CANNOT_CONNECT` as an HRESULT: no source could be reached.
pub const UNREACHABLE_ERROR: u32 = 0x8007_2EFD;
/// `E_ACCESSDENIED`: the relay refused the content (not allowed, not distributed, revoked).
pub const REFUSED_ERROR: u32 = 0x8007_0005;
/// `ERROR_FILE_NOT_FOUND` as an HRESULT: the relay has no such file (not uploaded).
pub const NOT_FOUND_ERROR: u32 = 0x8007_0002;
/// `ERROR_INVALID_DATA` as an HRESULT: a policy entry the agent cannot use.
pub const INVALID_DATA_ERROR: u32 = 0x8007_000D;

/// The task sequence variable with the number of retries.
pub const RETRY_COUNT_VARIABLE: &str = "SMSTSDownloadRetryCount";
/// The task sequence variable with the delay between retries, in seconds.
pub const RETRY_DELAY_VARIABLE: &str = "SMSTSDownloadRetryDelay";

const BUFFER: usize = 256 * 1024;

/// How often to try again and how long to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub count: u32,
    /// The first wait; doubled after each failure, at most 8 ×.
    pub delay: Duration,
}

impl Default for RetryPolicy {
    /// ConfigMgr's defaults: 2 retries, 15 seconds.
    fn default() -> Self {
        RetryPolicy { count: 2, delay: Duration::from_secs(15) }
    }
}

impl RetryPolicy {
    /// The policy's `SMSTSDownloadRetryCount` and `SMSTSDownloadRetryDelay`, or the defaults.
    pub fn from_variables(variables: &[PolicyVariable]) -> Result<Self, String> {
        let mut retry = RetryPolicy::default();
        let find = |name: &str| variables.iter().find(|v| v.name.eq_ignore_ascii_case(name));
        if let Some(v) = find(RETRY_COUNT_VARIABLE) {
            retry.count =
                v.value.trim().parse::<u32>().ok().filter(|n| *n <= 100).ok_or_else(|| {
                    format!(
                        "policy variable {RETRY_COUNT_VARIABLE} = `{}`: a number of retries, 0–100",
                        v.value
                    )
                })?;
        }
        if let Some(v) = find(RETRY_DELAY_VARIABLE) {
            let seconds =
                v.value.trim().parse::<u64>().ok().filter(|n| *n <= 3600).ok_or_else(|| {
                    format!(
                        "policy variable {RETRY_DELAY_VARIABLE} = `{}`: seconds, 0–3600",
                        v.value
                    )
                })?;
            retry.delay = Duration::from_secs(seconds);
        }
        Ok(retry)
    }

    /// The wait before attempt `attempt + 1` (after `attempt` failures).
    pub fn wait(&self, failures: u32) -> Duration {
        self.delay * 2u32.saturating_pow(failures.saturating_sub(1)).min(8)
    }
}

/// Why a package could not be made available. No step runs on content that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ContentError {
    /// The HRESULT the step fails with.
    pub code: u32,
    pub message: String,
}

/// Progress of one package, for the screen and status messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub content_id: String,
    pub file: String,
    /// Bytes of the package verified or written so far.
    pub done: u64,
    pub total: u64,
    /// Bytes per second over this download (what the network gives now).
    pub rate: f64,
    pub finished: bool,
}

impl Progress {
    pub fn percent(&self) -> u8 {
        (self.done.min(self.total) * 100).checked_div(self.total).map_or(100, |p| p as u8)
    }

    /// `[ABC00010] install.wim: 12.0 of 40.0 MB, 35.2 MB/s, 1 s left`.
    pub fn line(&self) -> String {
        let mb = |b: u64| b as f64 / 1_000_000.0;
        let left = if self.finished {
            "done".to_owned()
        } else if self.rate > 0.0 {
            let seconds =
                ((self.total - self.done.min(self.total)) as f64 / self.rate).ceil() as u64;
            match seconds {
                0..=59 => format!("{seconds} s left"),
                60..=3599 => format!("{} min {} s left", seconds / 60, seconds % 60),
                _ => format!("{} h {} min left", seconds / 3600, seconds / 60 % 60),
            }
        } else {
            "time left unknown".to_owned()
        };
        format!(
            "[{}] {}: {:.1} of {:.1} MB ({}%), {:.1} MB/s, {left}",
            self.content_id,
            self.file,
            mb(self.done),
            mb(self.total),
            self.percent(),
            self.rate / 1_000_000.0
        )
    }
}

/// The verified cache.
#[derive(Debug)]
pub struct ContentCache {
    root: PathBuf,
    /// `(content id, path)` verified by this process.
    verified: HashSet<(String, String)>,
}

/// Checks a policy path (`/`-separated, relative, no `..`) and turns it into a relative path.
pub fn local_path(path: &str) -> Result<PathBuf, String> {
    let mut out = PathBuf::new();
    for part in path.split('/') {
        if part.is_empty()
            || part == "."
            || part == ".."
            || part.contains(['\\', ':', '\0'])
            || part.ends_with('.')
            || part.ends_with(' ')
        {
            return Err(format!(
                "content file path `{path}` is not a relative /-separated path (segment `{part}`)"
            ));
        }
        out.push(part);
    }
    if out.as_os_str().is_empty() {
        return Err("content file path is empty".to_owned());
    }
    Ok(out)
}

/// Percent-encodes one URL path segment (RFC 3986 unreserved characters are kept).
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A source's URL for one file.
fn file_url(base: &str, path: &str) -> String {
    let encoded: Vec<String> = path.split('/').map(encode_segment).collect();
    format!("{}/{}", base.trim_end_matches('/'), encoded.join("/"))
}

/// What went wrong with one attempt at one file.
#[derive(Debug)]
pub enum FileError {
    /// The connection broke or the relay is away; the partial file is kept for resuming.
    Interrupted(String),
    /// The whole file arrived and its SHA-256 is not the policy's; the partial file is deleted.
    HashMismatch { expected: String, actual: String },
    /// The relay refused (the refusal itself decides whether to try again).
    Relay(RelayError),
    /// The cache cannot be written.
    Disk(String),
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::Interrupted(detail) => write!(f, "the download was interrupted: {detail}"),
            FileError::HashMismatch { expected, actual } => write!(
                f,
                "the downloaded file's SHA-256 is {actual}, the policy says {expected}; the file was deleted"
            ),
            FileError::Relay(error) => error.fmt(f),
            FileError::Disk(detail) => f.write_str(detail),
        }
    }
}

fn hash_file(path: &Path, hasher: &mut Sha256) -> io::Result<u64> {
    let mut file = File::open(path)?;
    let mut buffer = vec![0u8; BUFFER];
    let mut total = 0u64;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(total);
        }
        hasher.update(&buffer[..read]);
        total += read as u64;
    }
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

/// `Content-Range: bytes START-END/TOTAL` → (START, TOTAL).
fn content_range(value: &str) -> Option<(u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _) = range.split_once('-')?;
    Some((start.trim().parse().ok()?, total.trim().parse().ok()?))
}

/// Downloads one file from `url` into `destination` (through `destination.partial`), resuming a
/// partial file, hashing on the way; `on_bytes` is told every chunk written. On success the file
/// is in place and its SHA-256 is `file.sha256`.
pub fn download_file(
    client: &RelayClient,
    url: &str,
    file: &ContentFile,
    destination: &Path,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<(), FileError> {
    let disk = |what: &str, path: &Path, e: io::Error| {
        FileError::Disk(format!("cannot {what} {}: {e}", path.display()))
    };
    if let Some(folder) = destination.parent() {
        fs::create_dir_all(folder).map_err(|e| disk("create", folder, e))?;
    }
    let partial = partial_path(destination);
    let mut hasher = Sha256::new();
    let mut have = match fs::metadata(&partial) {
        Ok(meta) if meta.len() <= file.size => {
            hash_file(&partial, &mut hasher).map_err(|e| disk("read", &partial, e))?
        }
        Ok(_) => {
            fs::remove_file(&partial).map_err(|e| disk("remove", &partial, e))?;
            0
        }
        Err(_) => 0,
    };
    on_bytes(have);
    if have < file.size {
        let mut response = client.get_from(url, have).map_err(FileError::Relay)?;
        let status = response.status().as_u16();
        match status {
            206 => {
                let range = response
                    .headers()
                    .get("content-range")
                    .and_then(|v| v.to_str().ok())
                    .and_then(content_range);
                if range != Some((have, file.size)) {
                    // Not the part asked for, or another file's size: start over.
                    fs::remove_file(&partial).map_err(|e| disk("remove", &partial, e))?;
                    return Err(FileError::Interrupted(format!(
                        "the relay answered another range ({range:?}) than bytes {have}- of {}",
                        file.size
                    )));
                }
            }
            200 => {
                if have > 0 {
                    // The relay sent the whole file: drop what was there.
                    hasher = Sha256::new();
                    on_bytes(0);
                    have = 0;
                }
            }
            416 => {
                fs::remove_file(&partial).map_err(|e| disk("remove", &partial, e))?;
                return Err(FileError::Interrupted(
                    "the relay did not accept the resume position; starting the file over".into(),
                ));
            }
            _ => return Err(FileError::Relay(RelayClient::refusal("the content file", response))),
        }
        let mut output = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(have == 0)
            .open(&partial)
            .map_err(|e| disk("open", &partial, e))?;
        output.seek(SeekFrom::Start(have)).map_err(|e| disk("seek in", &partial, e))?;
        let mut reader = response.body_mut().with_config().limit(file.size - have + 1).reader();
        let mut buffer = vec![0u8; BUFFER];
        let interrupted = loop {
            match reader.read(&mut buffer) {
                Ok(0) => break None,
                Ok(read) => {
                    if have + read as u64 > file.size {
                        break Some("the relay sent more bytes than the file has".to_owned());
                    }
                    output.write_all(&buffer[..read]).map_err(|e| disk("write", &partial, e))?;
                    hasher.update(&buffer[..read]);
                    have += read as u64;
                    on_bytes(have);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Some(e.to_string()),
            }
        };
        output.sync_all().map_err(|e| disk("flush", &partial, e))?;
        drop(output);
        if let Some(detail) = interrupted {
            if have > file.size {
                fs::remove_file(&partial).map_err(|e| disk("remove", &partial, e))?;
            }
            return Err(FileError::Interrupted(detail));
        }
        if have < file.size {
            return Err(FileError::Interrupted(format!(
                "the connection ended after {have} of {} bytes",
                file.size
            )));
        }
    }
    let actual = osdgate_model::hex::lower(&hasher.finalize());
    if !actual.eq_ignore_ascii_case(&file.sha256) {
        fs::remove_file(&partial).map_err(|e| disk("remove", &partial, e))?;
        return Err(FileError::HashMismatch { expected: file.sha256.clone(), actual });
    }
    fs::rename(&partial, destination).map_err(|e| disk("move into place", destination, e))?;
    Ok(())
}

impl ContentCache {
    pub fn new(root: &Path) -> Self {
        ContentCache { root: root.to_owned(), verified: HashSet::new() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The cache's folder moved (with the state folder): what was verified stays verified.
    pub fn set_root(&mut self, root: &Path) {
        root.clone_into(&mut self.root);
    }

    /// The local folder of a package.
    pub fn folder(&self, content: &ContentReference) -> Result<PathBuf, ContentError> {
        let id = local_path(&content.content_id).map_err(|message| ContentError {
            code: INVALID_DATA_ERROR,
            message: format!("content id: {message}"),
        })?;
        Ok(self.root.join(id))
    }

    /// Whether every file of `content` was verified by this process.
    pub fn is_verified(&self, content: &ContentReference) -> bool {
        content
            .files
            .iter()
            .all(|f| self.verified.contains(&(content.content_id.clone(), f.path.clone())))
    }

    /// Makes every file of `content` available and verified; returns the package's folder.
    /// `report` gets progress (at most about twice a second, and at the end of each file) and
    /// notes for the log, with the session, so what it reports can reach the relay while a file is
    /// still arriving.
    pub fn fetch(
        &mut self,
        session: &mut Session,
        content: &ContentReference,
        retry: RetryPolicy,
        report: &mut dyn FnMut(Report<'_>, &mut Session),
    ) -> Result<PathBuf, ContentError> {
        let folder = self.folder(content)?;
        let total: u64 = content.files.iter().map(|f| f.size).sum();
        if self.is_verified(content) {
            return Ok(folder);
        }
        let mut sources: Option<Vec<String>> = None;
        let mut done_before = 0u64;
        for file in &content.files {
            let key = (content.content_id.clone(), file.path.clone());
            let relative = local_path(&file.path).map_err(|message| ContentError {
                code: INVALID_DATA_ERROR,
                message: format!("content {}: {message}", content.content_id),
            })?;
            let destination = folder.join(relative);
            if !self.verified.contains(&key) && destination.exists() {
                // Verified by an earlier start: hash it again before it is used.
                let mut hasher = Sha256::new();
                let size = hash_file(&destination, &mut hasher).map_err(|e| ContentError {
                    code: INVALID_DATA_ERROR,
                    message: format!("cannot read {}: {e}", destination.display()),
                })?;
                let actual = osdgate_model::hex::lower(&hasher.finalize());
                if size == file.size && actual.eq_ignore_ascii_case(&file.sha256) {
                    self.verified.insert(key.clone());
                } else {
                    report(
                        Report::Note(&format!(
                            "{} of {} in the cache does not match the policy any more; downloading it again",
                            file.path, content.content_id
                        )),
                        session,
                    );
                    let _ = fs::remove_file(&destination);
                }
            }
            if self.verified.contains(&key) {
                done_before += file.size;
                continue;
            }
            let sources = match &mut sources {
                Some(s) => s,
                None => sources.insert(self.sources(session, content, retry, report)?),
            };
            let started = Instant::now();
            let mut failures = 0u32;
            loop {
                let mut last_shown = Instant::now();
                let resumed_from = std::cell::Cell::new(None::<u64>);
                let mut outcome = Err(FileError::Interrupted("no source".into()));
                for base in sources.iter() {
                    let url = file_url(base, &file.path);
                    let client_started = Instant::now();
                    // The download uses its own handle on the client, so the session stays free
                    // for `report` (status messages go out while the file arrives).
                    let mut attempt = |session: &mut Session| {
                        let client = session.client().clone();
                        let mut on_bytes = |have: u64| {
                            let from = resumed_from.get().unwrap_or(have);
                            resumed_from.set(Some(from));
                            let now = Instant::now();
                            if now.duration_since(last_shown) >= Duration::from_millis(500) {
                                last_shown = now;
                                let seconds = client_started.elapsed().as_secs_f64().max(0.001);
                                let progress = Progress {
                                    content_id: content.content_id.clone(),
                                    file: file.path.clone(),
                                    done: done_before + have,
                                    total,
                                    rate: (have - from.min(have)) as f64 / seconds,
                                    finished: false,
                                };
                                report(Report::Progress(&progress), session);
                            }
                        };
                        download_file(&client, &url, file, &destination, &mut on_bytes)
                    };
                    outcome = attempt(session);
                    if let Err(FileError::Relay(error)) = &outcome
                        && error.needs_new_token()
                    {
                        resumed_from.set(None);
                        outcome = match session.renew() {
                            Ok(()) => attempt(session),
                            Err(error) => Err(FileError::Relay(error)),
                        };
                    }
                    if let Err(FileError::Relay(error)) = &outcome {
                        session.observe(error);
                    }
                    resumed_from.set(None);
                    match &outcome {
                        Ok(()) => break,
                        // Another source may have it.
                        Err(FileError::Relay(RelayError::Refused { status, .. }))
                            if (400..500).contains(status) && *status != 429 =>
                        {
                            continue;
                        }
                        Err(_) => break,
                    }
                }
                match outcome {
                    Ok(()) => {
                        self.verified.insert(key.clone());
                        done_before += file.size;
                        let seconds = started.elapsed().as_secs_f64().max(0.001);
                        let progress = Progress {
                            content_id: content.content_id.clone(),
                            file: file.path.clone(),
                            done: done_before,
                            total,
                            rate: file.size as f64 / seconds,
                            finished: true,
                        };
                        report(Report::Progress(&progress), session);
                        break;
                    }
                    Err(error) => {
                        let fatal = match &error {
                            FileError::Disk(_) => Some(INVALID_DATA_ERROR),
                            FileError::Relay(_) if session.device_revoked() => Some(REFUSED_ERROR),
                            FileError::Relay(e) if !e.is_transient() => Some(match e.code() {
                                Some(ErrorCode::ContentNotUploaded | ErrorCode::FileNotFound) => {
                                    NOT_FOUND_ERROR
                                }
                                _ => REFUSED_ERROR,
                            }),
                            _ => None,
                        };
                        let code = fatal.unwrap_or(match error {
                            FileError::HashMismatch { .. } => HASH_MISMATCH_ERROR,
                            _ => UNREACHABLE_ERROR,
                        });
                        let message = format!(
                            "{} of content {} ({}): {error}",
                            file.path, content.content_id, content.name
                        );
                        if fatal.is_some() || failures >= retry.count {
                            let tries = failures + 1;
                            return Err(ContentError {
                                code,
                                message: format!(
                                    "{message}; gave up after {tries} attempt{}",
                                    if tries == 1 { "" } else { "s" }
                                ),
                            });
                        }
                        failures += 1;
                        let wait = retry.wait(failures);
                        report(
                            Report::Note(&format!(
                                "{message}; attempt {} of {} in {} s",
                                failures + 1,
                                retry.count + 1,
                                wait.as_secs()
                            )),
                            session,
                        );
                        sleep(wait);
                    }
                }
            }
        }
        Ok(folder)
    }

    /// The sources on this relay for `content`, in the relay's order.
    fn sources(
        &self,
        session: &mut Session,
        content: &ContentReference,
        retry: RetryPolicy,
        report: &mut dyn FnMut(Report<'_>, &mut Session),
    ) -> Result<Vec<String>, ContentError> {
        let mut failures = 0;
        let locations: ContentLocations = loop {
            match session
                .call(|client| client.get_json("the content locations", &content.locations_url))
            {
                Ok(locations) => break locations,
                Err(error)
                    if error.is_transient()
                        && failures < retry.count
                        && !session.device_revoked() =>
                {
                    failures += 1;
                    let wait = retry.wait(failures);
                    report(
                        Report::Note(&format!(
                            "content {}: {error}; attempt {} of {} in {} s",
                            content.content_id,
                            failures + 1,
                            retry.count + 1,
                            wait.as_secs()
                        )),
                        session,
                    );
                    sleep(wait);
                }
                Err(error) => {
                    return Err(ContentError {
                        code: if error.is_transient() { UNREACHABLE_ERROR } else { REFUSED_ERROR },
                        message: format!(
                            "content {} ({}): {error}",
                            content.content_id, content.name
                        ),
                    });
                }
            }
        };
        let mut usable = Vec::new();
        for source in &locations.sources {
            let on_relay = (source.kind == SourceKind::Gateway)
                .then(|| session.client().resolve(&source.url))
                .flatten();
            match on_relay {
                Some(url) => usable.push(format!("{}/{GATEWAY_FILES}", url.trim_end_matches('/'))),
                None => report(
                    Report::Note(&format!(
                        "content {}: source {} ({:?}, {}) is not this relay; the device reaches only the relay over the internet",
                        content.content_id, source.id, source.kind, source.url
                    )),
                    session,
                ),
            }
        }
        if usable.is_empty() {
            return Err(ContentError {
                code: UNREACHABLE_ERROR,
                message: format!(
                    "content {} ({}): the relay names no source on itself ({}); distribute the content to the content-enabled gateway",
                    content.content_id,
                    content.name,
                    locations.sources.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            });
        }
        Ok(usable)
    }
}

/// What [`ContentCache::fetch`] tells its caller.
#[derive(Debug)]
pub enum Report<'a> {
    Progress(&'a Progress),
    Note(&'a str),
}
