//! Jobs in the media worker (`web-ui/worker`): the console's side of the protocol in
//! `osdgate_console_jobs`. The worker and its WebAssembly module are fetched the first time a job
//! starts (`media_worker.js`), so they cost nothing on first load; one worker runs every job.
//!
//! ```ignore
//! let job = jobs::start(Job::Sha256 { file: FileRef(0) }, &[file.into()], |done, total| { … });
//! // job.cancel() stops it between two chunks; the future then ends with JobFailure::Cancelled.
//! match job.finished().await {
//!     Ok(JobOutput { result: JobResult::Sha256 { sha256, size }, .. }) => …,
//!     Err(JobFailure::Cancelled) => …,
//!     Err(JobFailure::Failed(error)) => … error.message says what to do …,
//! }
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub use osdgate_console_jobs::{
    Command, Event, FileRef, Job, JobError, JobErrorCode, JobId, JobResult, Rate, ToWorker,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/browser/media_worker.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn media_worker() -> Result<web_sys::Worker, JsValue>;
}

/// What a finished job produced.
#[derive(Debug, Clone)]
pub struct JobOutput {
    /// The result.
    pub result: JobResult,
    /// A build's output.
    pub blob: Option<web_sys::Blob>,
}

/// Why a job produced nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobFailure {
    /// [`RunningJob::cancel`] stopped it.
    Cancelled,
    /// It failed; the message says why and what to do.
    Failed(JobError),
}

type Progress = Rc<dyn Fn(u64, u64)>;

struct Pending {
    progress: Progress,
    resolve: js_sys::Function,
}

thread_local! {
    static PENDING: RefCell<HashMap<JobId, Pending>> = RefCell::new(HashMap::new());
    static NEXT_ID: std::cell::Cell<JobId> = const { std::cell::Cell::new(1) };
    static WORKER: RefCell<Option<web_sys::Worker>> = const { RefCell::new(None) };
}

/// A started job.
#[derive(Debug)]
pub struct RunningJob {
    id: JobId,
    finished: Option<js_sys::Promise>,
    failed_to_start: Option<JobError>,
}

impl RunningJob {
    /// The job's ID.
    pub fn id(&self) -> JobId {
        self.id
    }

    /// Asks the worker to stop the job; [`RunningJob::finished`] then ends with
    /// [`JobFailure::Cancelled`].
    pub fn cancel(&self) {
        cancel(self.id);
    }

    /// Waits for the job's end.
    pub async fn finished(self) -> Result<JobOutput, JobFailure> {
        if let Some(error) = self.failed_to_start {
            return Err(JobFailure::Failed(error));
        }
        let Some(promise) = self.finished else {
            return Err(JobFailure::Failed(unavailable("the job was not started")));
        };
        let message = JsFuture::from(promise).await.unwrap_or_default();
        let json = js_sys::Reflect::get(&message, &"json".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        let from = osdgate_console_jobs::read_from_worker(&json).map_err(JobFailure::Failed)?;
        match from.event {
            Event::Finished { result } => {
                let blob = js_sys::Reflect::get(&message, &"blob".into())
                    .ok()
                    .and_then(|blob| blob.dyn_into::<web_sys::Blob>().ok());
                Ok(JobOutput { result, blob })
            }
            Event::Failed { error } => Err(JobFailure::Failed(error)),
            Event::Cancelled => Err(JobFailure::Cancelled),
            Event::Progress { .. } => {
                Err(JobFailure::Failed(unavailable("the worker ended the job with progress")))
            }
        }
    }
}

fn unavailable(reason: &str) -> JobError {
    JobError::new(
        JobErrorCode::WorkerUnavailable,
        format!(
            "the media worker is not available ({reason}); check the connection and reload the page"
        ),
    )
}

/// Asks the worker to stop job `id`.
pub fn cancel(id: JobId) {
    if let Some(worker) = WORKER.with(|w| w.borrow().clone()) {
        let _ = post(&worker, &ToWorker::new(id, Command::Cancel), &js_sys::Array::new());
    }
}

fn post(
    worker: &web_sys::Worker,
    message: &ToWorker,
    files: &js_sys::Array,
) -> Result<(), JsValue> {
    let object = js_sys::Object::new();
    let json = serde_json::to_string(message).unwrap_or_default();
    js_sys::Reflect::set(&object, &"json".into(), &json.into())?;
    js_sys::Reflect::set(&object, &"files".into(), files)?;
    worker.post_message(&object)
}

/// Settles job `id` with `message` (a `{ json, blob }` object).
fn settle(id: JobId, message: &JsValue) {
    if let Some(pending) = PENDING.with(|p| p.borrow_mut().remove(&id)) {
        let _ = pending.resolve.call1(&JsValue::NULL, message);
    }
}

/// A `{ json }` message failing job `id` with `error`.
fn failure_message(id: JobId, error: JobError) -> JsValue {
    let object = js_sys::Object::new();
    let json =
        serde_json::to_string(&osdgate_console_jobs::FromWorker::new(id, Event::Failed { error }))
            .unwrap_or_default();
    let _ = js_sys::Reflect::set(&object, &"json".into(), &json.into());
    object.into()
}

/// The worker, started (and its handlers installed) on first use.
fn worker() -> Result<web_sys::Worker, JobError> {
    if let Some(worker) = WORKER.with(|w| w.borrow().clone()) {
        return Ok(worker);
    }
    let worker = media_worker().map_err(|error| {
        unavailable(&crate::browser::BrowserError::js("starting the media worker", error).reason)
    })?;
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
            let data = event.data();
            let json = js_sys::Reflect::get(&data, &"json".into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            match osdgate_console_jobs::read_from_worker(&json) {
                Ok(from) => match from.event {
                    Event::Progress { done, total } => {
                        let progress =
                            PENDING.with(|p| p.borrow().get(&from.id).map(|p| p.progress.clone()));
                        if let Some(progress) = progress {
                            progress(done, total);
                        }
                    }
                    _ => settle(from.id, &data),
                },
                // A message from a worker of another build fails every job waiting on it.
                Err(error) => fail_all(&error),
            }
        });
    let on_error = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let reason = event
            .dyn_ref::<web_sys::ErrorEvent>()
            .map(|e| e.message())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "its script could not be loaded".into());
        fail_all(&unavailable(&reason));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The worker lives as long as the page; so do its handlers.
    on_message.forget();
    on_error.forget();
    WORKER.with(|w| *w.borrow_mut() = Some(worker.clone()));
    Ok(worker)
}

fn fail_all(error: &JobError) {
    let ids: Vec<JobId> = PENDING.with(|p| p.borrow().keys().copied().collect());
    for id in ids {
        settle(id, &failure_message(id, error.clone()));
    }
}

/// Starts `job` over `files` (the `File`s and `Blob`s its [`FileRef`]s name); `on_progress` gets
/// (bytes done, bytes in all) as the worker reports them.
pub fn start(job: Job, files: &[JsValue], on_progress: impl Fn(u64, u64) + 'static) -> RunningJob {
    let id = NEXT_ID.with(|next| {
        let id = next.get();
        next.set(id.wrapping_add(1).max(1));
        id
    });
    let worker = match worker() {
        Ok(worker) => worker,
        Err(error) => return RunningJob { id, finished: None, failed_to_start: Some(error) },
    };
    let progress: Progress = Rc::new(on_progress);
    let finished = js_sys::Promise::new(&mut |resolve, _reject| {
        PENDING
            .with(|p| p.borrow_mut().insert(id, Pending { progress: progress.clone(), resolve }));
    });
    let array: js_sys::Array = files.iter().collect();
    if let Err(error) = post(&worker, &ToWorker::new(id, Command::Start(job)), &array) {
        PENDING.with(|p| p.borrow_mut().remove(&id));
        let reason = crate::browser::BrowserError::js("sending the job", error).reason;
        return RunningJob { id, finished: None, failed_to_start: Some(unavailable(&reason)) };
    }
    RunningJob { id, finished: Some(finished), failed_to_start: None }
}

/// The SHA-256 of `file` (lower-case hex, and its size), computed in the media worker in 8 MiB
/// chunks. For content uploads: `on_progress` gets (bytes hashed, file size).
pub fn sha256(file: &web_sys::Blob, on_progress: impl Fn(u64, u64) + 'static) -> RunningJob {
    start(Job::Sha256 { file: FileRef(0) }, &[file.clone().into()], on_progress)
}
