//! The browser side of the worker: reads messages, runs jobs as local futures (so a `Cancel`
//! arriving while a job waits for a file slice is seen before the next chunk), reads `File`s in
//! slices and posts events. No job logic lives here.

use std::cell::RefCell;
use std::collections::HashSet;

use osdgate_console_jobs::{
    Command, Event, FileRef, FromWorker, Job, JobError, JobErrorCode, JobId, JobResult,
    read_to_worker,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, DedicatedWorkerGlobalScope};

use crate::Sha256Job;

thread_local! {
    /// Jobs asked to stop; each running job checks between chunks and removes its ID when it ends.
    static CANCELLED: RefCell<HashSet<JobId>> = RefCell::new(HashSet::new());
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts `event` for job `id`, with `blob` beside it when a build produced one.
fn post(id: JobId, event: Event, blob: Option<&Blob>) {
    let message = js_sys::Object::new();
    let json = serde_json::to_string(&FromWorker::new(id, event)).unwrap_or_default();
    let _ = js_sys::Reflect::set(&message, &"json".into(), &json.into());
    if let Some(blob) = blob {
        let _ = js_sys::Reflect::set(&message, &"blob".into(), blob);
    }
    // Posting to the page fails only when the event cannot be cloned, which plain text and a Blob
    // always can.
    let _ = scope().post_message(&message);
}

fn is_cancelled(id: JobId) -> bool {
    CANCELLED.with(|cancelled| cancelled.borrow().contains(&id))
}

/// The worker's message handler (`worker.js` calls it for every message once the module is loaded).
#[wasm_bindgen]
pub fn on_message(data: JsValue) {
    let json = js_sys::Reflect::get(&data, &"json".into()).ok().and_then(|v| v.as_string());
    let Some(json) = json else {
        let error = JobError::new(JobErrorCode::BadMessage, "the message has no `json` text");
        post(osdgate_console_jobs::UNKNOWN_JOB, Event::Failed { error }, None);
        return;
    };
    let message = match read_to_worker(&json) {
        Ok(message) => message,
        Err((id, error)) => return post(id, Event::Failed { error }, None),
    };
    let files: js_sys::Array = js_sys::Reflect::get(&data, &"files".into())
        .ok()
        .and_then(|files| files.dyn_into().ok())
        .unwrap_or_default();
    let id = message.id;
    match message.command {
        Command::Cancel => {
            CANCELLED.with(|cancelled| cancelled.borrow_mut().insert(id));
        }
        Command::Start(job) => {
            CANCELLED.with(|cancelled| cancelled.borrow_mut().remove(&id));
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = run(id, job, &files).await;
                let cancelled = CANCELLED.with(|cancelled| cancelled.borrow_mut().remove(&id));
                match outcome {
                    Ok((result, blob)) => post(id, Event::Finished { result }, blob.as_ref()),
                    Err(Stop::Cancelled) => post(id, Event::Cancelled, None),
                    Err(Stop::Failed(_)) if cancelled => post(id, Event::Cancelled, None),
                    Err(Stop::Failed(error)) => post(id, Event::Failed { error }, None),
                }
            });
        }
    }
}

/// Why a job ended without a result.
enum Stop {
    Cancelled,
    Failed(JobError),
}

impl From<JobError> for Stop {
    fn from(error: JobError) -> Self {
        Stop::Failed(error)
    }
}

async fn run(
    id: JobId,
    job: Job,
    files: &js_sys::Array,
) -> Result<(JobResult, Option<Blob>), Stop> {
    match job {
        Job::Sha256 { file } => {
            let blob = file_at(files, file)?;
            let mut job = Sha256Job::new(blob.size() as u64);
            while let Some((start, end)) = job.next_range() {
                if is_cancelled(id) {
                    return Err(Stop::Cancelled);
                }
                let bytes = read_slice(&blob, start, end).await?;
                let progress =
                    job.feed(&bytes).map_err(|m| JobError::new(JobErrorCode::Read, m))?;
                post(id, progress, None);
            }
            let (sha256, size) = job.finish().map_err(|m| JobError::new(JobErrorCode::Read, m))?;
            Ok((JobResult::Sha256 { sha256, size }, None))
        }
    }
}

/// The `File` (or `Blob`) a [`FileRef`] names.
fn file_at(files: &js_sys::Array, file: FileRef) -> Result<Blob, JobError> {
    u32::try_from(file.0)
        .ok()
        .map(|index| files.get(index))
        .and_then(|value| value.dyn_into::<Blob>().ok())
        .ok_or_else(|| {
            JobError::new(
                JobErrorCode::MissingFile,
                format!("file {} is not among the {} files of the message", file.0, files.length()),
            )
        })
}

/// Bytes `start..end` of `blob`.
async fn read_slice(blob: &Blob, start: u64, end: u64) -> Result<Vec<u8>, JobError> {
    let read_error = |error: JsValue| {
        let reason = error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| error.as_string())
            .unwrap_or_else(|| format!("{error:?}"));
        JobError::new(
            JobErrorCode::Read,
            format!(
                "the browser could not read the file at offset {start} ({reason}); it may have been moved or changed: pick it again"
            ),
        )
    };
    let slice = blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(read_error)?;
    let buffer = JsFuture::from(slice.array_buffer()).await.map_err(read_error)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
