//! What a run shares between the engine's observer and the content downloads: the log, the status
//! queue and its transport to the relay, and the screen ([`Outputs`]); and the machine wrapper that
//! downloads and verifies content before a step may use it ([`Fetching`]).
//!
//! Status transport: every message is queued on disk first ([`StatusQueue`]) and the queue is
//! flushed, in order, right after. While the relay cannot be reached the messages wait; the next
//! flush is tried after [`FLUSH_BACKOFF`] (so a relay that is away does not slow every step), and
//! the end of the run tries until the policy's retries are spent. The relay stores each message
//! once by its `message_id` (stable per queued file), so a message resent after a lost answer is
//! counted once.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use osdgate_model::api::{ContentReference, StatusPost, StepState, download_step};
use osdgate_model::cmtrace::Severity;

use crate::content::{ContentCache, ContentError, Progress, Report, RetryPolicy};
use crate::engine::{Environment, ResolvedStep, StepError};
use crate::executor::{Exit, Invocation, Machine};
use crate::logfile::SmstsLog;
use crate::platform::{ContentSource, Drives, StagedContent};
use crate::relay::Session;
use crate::status::{FlushReport, StatusQueue};

/// After a flush that could not reach the relay, the next one waits this long.
pub const FLUSH_BACKOFF: Duration = Duration::from_secs(5);

/// The session shared by the status transport and the downloads.
pub type SharedSession = Rc<RefCell<Session>>;

/// The log, the status queue (and its relay), the screen.
pub struct Outputs<'a> {
    pub log: SmstsLog,
    pub queue: StatusQueue,
    pub screen: &'a mut dyn std::io::Write,
    pub queued: usize,
    pub sent: usize,
    pub session: Option<SharedSession>,
    next_flush: Instant,
}

impl std::fmt::Debug for Outputs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outputs").field("queued", &self.queued).finish_non_exhaustive()
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

impl<'a> Outputs<'a> {
    pub fn new(
        log: SmstsLog,
        queue: StatusQueue,
        screen: &'a mut dyn std::io::Write,
        session: Option<SharedSession>,
    ) -> Self {
        Outputs { log, queue, screen, queued: 0, sent: 0, session, next_flush: Instant::now() }
    }

    pub fn log(&mut self, severity: Severity, message: &str, source: &str) -> Result<(), String> {
        self.log
            .write(severity, message, source)
            .map_err(|e| format!("cannot write {}: {e}", self.log.path().display()))
    }

    pub fn say(&mut self, line: &str) {
        // The screen is best effort: a closed console must not stop a deployment.
        let _ = writeln!(self.screen, "{line}");
        let _ = self.screen.flush();
    }

    /// Writes the session's notes (logins, renewals) to the log.
    pub fn session_notes(&mut self) -> Result<(), String> {
        let notes = match &self.session {
            Some(session) => match session.try_borrow_mut() {
                Ok(mut session) => session.take_notes(),
                Err(_) => return Ok(()),
            },
            None => return Ok(()),
        };
        for note in notes {
            self.log(Severity::Information, &note, "relay")?;
        }
        Ok(())
    }

    /// Queues a status message durably, then tries to send the queue.
    #[allow(clippy::too_many_arguments)]
    pub fn status(
        &mut self,
        deployment_id: &str,
        step: &str,
        state: StepState,
        progress: Option<u8>,
        error_code: Option<u32>,
        with_log: bool,
    ) -> Result<(), String> {
        self.enqueue(deployment_id, step, state, progress, error_code, with_log)?;
        self.flush(false)
    }

    /// Queues a status message durably (sent by the next flush).
    #[allow(clippy::too_many_arguments)]
    pub fn enqueue(
        &mut self,
        deployment_id: &str,
        step: &str,
        state: StepState,
        progress: Option<u8>,
        error_code: Option<u32>,
        with_log: bool,
    ) -> Result<(), String> {
        let post = StatusPost {
            message_id: String::new(),
            deployment_id: deployment_id.to_owned(),
            step: step.chars().take(512).collect(),
            state,
            progress,
            error_code: error_code.map(|c| format!("0x{c:08X}")),
            log_excerpt: with_log.then(|| self.log.excerpt()),
            sent_at: Some(now_ms()),
            smbios_guid: None,
        };
        self.queue.enqueue(post).map_err(|e| e.to_string())?;
        self.queued += 1;
        Ok(())
    }

    /// Sends the queue in order if a relay is connected (`force`: even within the backoff).
    pub fn flush(&mut self, force: bool) -> Result<(), String> {
        let Some(session) = self.session.clone() else {
            return Ok(());
        };
        // A download holds the session and flushes through it (`flush_through`).
        let Ok(mut session) = session.try_borrow_mut() else { return Ok(()) };
        self.flush_through(&mut session, force)
    }

    /// Sends the queue in order through `session` (the one a running download holds), unless the
    /// last try failed less than [`FLUSH_BACKOFF`] ago (`force`: even then).
    pub fn flush_through(&mut self, session: &mut Session, force: bool) -> Result<(), String> {
        if !force && Instant::now() < self.next_flush {
            return Ok(());
        }
        let report: FlushReport = self
            .queue
            .flush(&mut |post: &StatusPost| session.post_status(post))
            .map_err(|e| e.to_string())?;
        self.sent += report.sent;
        if let Some(reason) = &report.stopped {
            self.next_flush = Instant::now() + FLUSH_BACKOFF;
            self.log(
                Severity::Warning,
                &format!(
                    "{} status message(s) wait in {} until the relay answers: {reason}",
                    report.remaining,
                    self.queue.folder().display()
                ),
                "status",
            )?;
        }
        if report.refused > 0 {
            self.log(
                Severity::Error,
                &format!(
                    "the relay refused {} status message(s); they are kept in {}",
                    report.refused,
                    self.queue.folder().join("rejected").display()
                ),
                "status",
            )?;
        }
        for note in session.take_notes() {
            self.log(Severity::Information, &note, "relay")?;
        }
        Ok(())
    }

    /// At the end of the run: tries to empty the queue, waiting between tries as `retry` says.
    /// Returns how many messages are still queued.
    pub fn drain(&mut self, retry: RetryPolicy) -> Result<usize, String> {
        if self.session.is_none() {
            return Ok(self.queue.pending().map_err(|e| e.to_string())?.len());
        }
        let mut failures = 0;
        loop {
            self.flush(true)?;
            let left = self.queue.pending().map_err(|e| e.to_string())?.len();
            if left == 0 || failures >= retry.count {
                return Ok(left);
            }
            failures += 1;
            let wait = retry.wait(failures);
            self.say(&format!(
                "{left} status message(s) could not be sent yet; trying again in {} s",
                wait.as_secs()
            ));
            std::thread::sleep(wait);
        }
    }
}

/// A [`Machine`] whose content comes from the relay: `fetch_content` downloads and verifies the
/// package into the cache before the inner machine is told about it, and fails the step (with
/// the download's HRESULT) when it cannot. Without a session (a policy file) the inner machine is
/// used as it is.
pub struct Fetching<'a, M> {
    pub inner: M,
    online: Option<Online<'a>>,
}

/// Where downloaded content lives: the `content` folder of the state folder, which moves with it
/// (a real run's state goes from the RAM disk to the Windows drive once the disk is partitioned,
/// so an OS image never fills the RAM disk). Shared by the reporter that moves the state, the
/// downloads, and the real machine, which hands the steps its Windows path.
#[derive(Debug, Clone)]
pub struct ContentHome(Rc<RefCell<(PathBuf, String)>>);

impl ContentHome {
    /// `host`: the folder on this machine; `windows`: its Windows path.
    pub fn new(host: PathBuf, windows: String) -> Self {
        ContentHome(Rc::new(RefCell::new((host, windows))))
    }

    pub fn host(&self) -> PathBuf {
        self.0.borrow().0.clone()
    }

    pub fn windows(&self) -> String {
        self.0.borrow().1.clone()
    }

    /// The state folder moved (its content with it).
    pub fn move_to(&self, host: PathBuf, windows: String) {
        *self.0.borrow_mut() = (host, windows);
    }
}

/// A real run's content: the cache where it is now, every file verified in place before a step
/// gets the folder.
impl ContentSource for ContentHome {
    fn fetch(&mut self, content: &ContentReference, drives: &Drives) -> Result<String, StepError> {
        StagedContent { folder: self.windows() }.fetch(content, drives)
    }
}

/// The parts of a run with a relay.
#[derive(Debug)]
pub struct Online<'a> {
    pub session: SharedSession,
    pub cache: ContentCache,
    /// Where `cache` is now.
    pub home: ContentHome,
    pub retry: RetryPolicy,
    pub outputs: Rc<RefCell<Outputs<'a>>>,
    pub deployment_id: String,
}

impl<M: std::fmt::Debug> std::fmt::Debug for Fetching<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetching").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl<'a, M> Fetching<'a, M> {
    /// `inner` with content from the relay (`online`), or as it is (`None`).
    pub fn new(inner: M, online: Option<Online<'a>>) -> Self {
        Fetching { inner, online }
    }
}

impl<M> Fetching<'_, M> {
    /// Downloads and verifies `content` ahead of the steps (download-all and pre-download).
    pub fn fetch_before_start(
        &mut self,
        step: &str,
        content: &ContentReference,
    ) -> Result<(), ContentError> {
        match &mut self.online {
            Some(online) => online.fetch(step, content),
            None => Ok(()),
        }
    }
}

impl Online<'_> {
    /// Downloads and verifies `content`, reporting progress as `step`.
    pub fn fetch(&mut self, step: &str, content: &ContentReference) -> Result<(), ContentError> {
        let outputs = Rc::clone(&self.outputs);
        let deployment_id = self.deployment_id.clone();
        let mut last_quarter = None;
        let mut report_error: Option<String> = None;
        let mut report = |report: Report<'_>, session: &mut Session| {
            let mut out = outputs.borrow_mut();
            let result = match report {
                Report::Progress(progress) => progress_report(
                    &mut out,
                    session,
                    &deployment_id,
                    step,
                    progress,
                    &mut last_quarter,
                ),
                Report::Note(note) => {
                    out.say(&format!("      {note}"));
                    out.log(Severity::Warning, note, "content")
                }
            };
            if let Err(e) = result {
                report_error.get_or_insert(e);
            }
        };
        self.cache.set_root(&self.home.host());
        let mut session = self.session.borrow_mut();
        let result = self.cache.fetch(&mut session, content, self.retry, &mut report);
        drop(session);
        if let Some(error) = report_error {
            return Err(ContentError { code: crate::engine::GENERIC_ERROR, message: error });
        }
        let mut out = self.outputs.borrow_mut();
        match &result {
            Ok(folder) => out
                .log(
                    Severity::Information,
                    &format!(
                        "Content {} ({} file(s)) verified by SHA-256 in {}",
                        content.content_id,
                        content.files.len(),
                        folder.display()
                    ),
                    "content",
                )
                .map_err(|message| ContentError { code: crate::engine::GENERIC_ERROR, message })?,
            Err(error) => out
                .log(
                    Severity::Error,
                    &format!("Content {}: {error}", content.content_id),
                    "content",
                )
                .map_err(|message| ContentError { code: crate::engine::GENERIC_ERROR, message })?,
        }
        out.session_notes()
            .map_err(|message| ContentError { code: crate::engine::GENERIC_ERROR, message })?;
        result.map(|_| ())
    }
}

/// Shows progress on the screen (every report) and posts a `running` status at each quarter,
/// through the session the download holds, so it reaches the relay while the file arrives.
fn progress_report(
    out: &mut Outputs<'_>,
    session: &mut Session,
    deployment_id: &str,
    step: &str,
    progress: &Progress,
    last_quarter: &mut Option<(String, u8)>,
) -> Result<(), String> {
    out.say(&format!("      {}", progress.line()));
    let quarter = progress.percent() / 25;
    let key = (progress.content_id.clone(), quarter);
    if last_quarter.as_ref() != Some(&key) {
        *last_quarter = Some(key);
        out.log(Severity::Information, &progress.line(), "content")?;
        out.enqueue(
            deployment_id,
            &download_step(step, &progress.content_id),
            StepState::Running,
            Some(progress.percent()),
            None,
            false,
        )?;
    }
    // Whatever waits in the queue (this message, or earlier ones the relay did not take) goes out
    // now rather than after the download.
    out.flush_through(session, false)
}

impl<M: Machine> Machine for Fetching<'_, M> {
    fn run(&mut self, step: &ResolvedStep, invocation: &Invocation) -> Result<Exit, StepError> {
        self.inner.run(step, invocation)
    }

    fn write_file(
        &mut self,
        step: &ResolvedStep,
        path: &str,
        contents: &[u8],
        log_text: &str,
    ) -> Result<(), StepError> {
        self.inner.write_file(step, path, contents, log_text)
    }

    fn fetch_content(
        &mut self,
        step: &ResolvedStep,
        content: &ContentReference,
    ) -> Result<String, StepError> {
        if let Some(online) = &mut self.online {
            online
                .fetch(&step.name, content)
                .map_err(|e| StepError { code: e.code, message: e.message })?;
        }
        self.inner.fetch_content(step, content)
    }

    fn restart(&mut self, step: &ResolvedStep, into: Environment) -> Result<(), StepError> {
        self.inner.restart(step, into)
    }

    fn passes_restarts(&self) -> bool {
        self.inner.passes_restarts()
    }
}
