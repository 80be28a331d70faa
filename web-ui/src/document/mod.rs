//! The working document: the admin's raw configuration (`osdgate_model` [`Document`], the CLI's
//! format), its undo history, its preflight report, and its copy in the browser's IndexedDB.
//!
//! Everything the admin types lands here as raw state. Preflight runs off the main thread in the
//! checker worker ([`crate::browser::checker`]): each change is written as JSON once (the text the
//! autosave stores), and that text is what the worker checks. While a check runs, further changes
//! wait as one pending text, so a burst of typing costs one check in flight and one after it.

pub mod diff;
pub mod history;
mod persistence;
pub mod publishing;
pub mod transfer;

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use osdgate_model::model::{Document, ManagementPointConnection, SchemaTag, Site, SiteVersion};
use osdgate_model::preflight::Report;
use osdgate_model::preflight::scenario::{DocumentCheck, ScenarioStatus};

use crate::browser;
use crate::browser::checker::Checker;
use history::History;
pub use persistence::SaveState;

/// A document with nothing configured yet: the start of a new configuration.
pub fn empty_document() -> Document {
    Document {
        schema: SchemaTag,
        site: Site {
            code: String::new(),
            version: SiteVersion::From2107,
            management_point_connection: ManagementPointConnection::IntranetAndInternet,
            cloud_management_gateway: None,
        },
        gateways: Vec::new(),
        distribution_points: Vec::new(),
        content: Vec::new(),
        boundary_groups: Vec::new(),
        collections: Vec::new(),
        client_settings: Vec::new(),
        boot_images: Vec::new(),
        task_sequences: Vec::new(),
        deployments: Vec::new(),
        media: Vec::new(),
        devices: Vec::new(),
    }
}

/// Whether the report is the current document's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckState {
    /// The document changed and its check has not answered yet.
    Checking,
    /// The report is the current document's.
    Current,
    /// The checker could not run; the reason, in words. The report is the last one it gave.
    Failed(String),
}

/// The preflight report and the scenarios' readiness, with how long the check took where it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedReport {
    pub report: Report,
    pub scenarios: Vec<ScenarioStatus>,
    pub milliseconds: f64,
    pub state: CheckState,
    /// Whether the checker has answered at least once (before, the report is empty, not clean).
    pub received: bool,
}

impl CheckedReport {
    /// Whether the current document is checked and has no errors: a plan the relay will accept.
    pub fn is_plan(&self) -> bool {
        self.state == CheckState::Current && self.report.errors == 0
    }

    /// `checking`, `current` or `failed` (for `data-state`, which tests wait on).
    pub fn state_name(&self) -> &'static str {
        match self.state {
            CheckState::Checking => "checking",
            CheckState::Current => "current",
            CheckState::Failed(_) => "failed",
        }
    }
}

/// The working document and everything derived from it; `Copy`, shared through context.
///
/// The console's main module holds the one real store (history, autosave, checker). The on-demand
/// pages module holds a *mirror* ([`DocumentStore::mirror`]): the same interface over the copy the
/// main module sent, whose every edit goes back to the main store as a whole new document
/// ([`crate::on_demand::bridge`]), so undo, autosave and preflight stay in one place.
#[derive(Debug, Clone, Copy)]
pub struct DocumentStore {
    history: RwSignal<History<Document>>,
    save_state: RwSignal<SaveState>,
    /// The document as JSON, written once per change: what the autosave stores and the checker reads.
    json: Memo<String>,
    report: RwSignal<CheckedReport>,
    /// Where a mirror's edits go; `None` in the store that owns the document.
    outlet: Option<StoredValue<Outlet, LocalStorage>>,
}

/// A mirror's way back to the store that owns the document.
#[derive(Clone)]
struct Outlet(std::rc::Rc<dyn Fn(HostRequest)>);

impl std::fmt::Debug for Outlet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Outlet")
    }
}

/// What a mirror asks of the store that owns the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostRequest {
    /// Record this document (JSON) as the next step; with `field`, consecutive edits of that field
    /// are one step (as [`DocumentStore::edit`]); without, a step of its own.
    Commit {
        json: String,
        field: Option<String>,
    },
    /// The field being typed in lost focus: its next edit is a step of its own.
    Seal,
    Undo,
    Redo,
}

/// The newest text waiting for the checker, and whether a check is in flight.
#[derive(Default)]
struct CheckQueue {
    busy: bool,
    pending: Option<String>,
}

impl DocumentStore {
    /// A store holding an empty document, checked in this thread, not connected to storage (tests).
    pub fn new() -> Self {
        Self::with_checker(Checker::inline())
    }

    /// A store holding an empty document, checked by `checker`, not connected to storage.
    pub fn with_checker(checker: Checker) -> Self {
        let history = RwSignal::new(History::new(empty_document()));
        let json = Memo::new(move |_| history.with(|h| h.present().to_json()));
        let report = RwSignal::new(CheckedReport {
            report: Report::default(),
            scenarios: Vec::new(),
            milliseconds: 0.0,
            state: CheckState::Checking,
            received: false,
        });
        let queue = Rc::new(RefCell::new(CheckQueue::default()));
        Effect::new(move |_| {
            let text = json.get();
            let start = {
                let mut queue = queue.borrow_mut();
                queue.pending = Some(text);
                !std::mem::replace(&mut queue.busy, true)
            };
            if start {
                let queue = queue.clone();
                let checker = checker.clone();
                spawn_local(async move {
                    loop {
                        let Some(text) = queue.borrow_mut().pending.take() else { break };
                        let answer = checker.check(text, browser::unix_seconds()).await;
                        let more = queue.borrow().pending.is_some();
                        report.update(|r| match answer {
                            Ok(checked) => {
                                let DocumentCheck { report, scenarios } = checked.check;
                                *r = CheckedReport {
                                    report,
                                    scenarios,
                                    milliseconds: checked.milliseconds,
                                    state: if more {
                                        CheckState::Checking
                                    } else {
                                        CheckState::Current
                                    },
                                    received: true,
                                };
                            }
                            Err(error) => r.state = CheckState::Failed(error.to_string()),
                        });
                    }
                    queue.borrow_mut().busy = false;
                });
            }
        });
        DocumentStore {
            history,
            save_state: RwSignal::new(SaveState::Loading),
            json,
            report,
            outlet: None,
        }
    }

    /// A mirror of a document owned elsewhere (the console's main module, seen from the pages
    /// module): it reads like the owner's store, and every change is handed to `outlet` as a whole
    /// new document instead of being recorded here. The owner's answer comes back through
    /// [`DocumentStore::receive`] (and its report through [`DocumentStore::receive_report`]).
    pub fn mirror(document: Document, outlet: impl Fn(HostRequest) + 'static) -> Self {
        let history = RwSignal::new(History::new(document));
        DocumentStore {
            history,
            save_state: RwSignal::new(SaveState::Saved),
            json: Memo::new(move |_| history.with(|h| h.present().to_json())),
            report: RwSignal::new(CheckedReport {
                report: Report::default(),
                scenarios: Vec::new(),
                milliseconds: 0.0,
                state: CheckState::Checking,
                received: false,
            }),
            outlet: Some(StoredValue::new_local(Outlet(std::rc::Rc::new(outlet)))),
        }
    }

    /// Whether this store mirrors a document owned elsewhere.
    pub fn is_mirror(&self) -> bool {
        self.outlet.is_some()
    }

    /// A mirror takes the owner's current document; a document equal to the one shown changes
    /// nothing (the echo of the mirror's own edit).
    pub fn receive(&self, document: Document) {
        self.history.maybe_update(|h| {
            if *h.present() == document {
                return false;
            }
            *h = History::new(document);
            true
        });
    }

    /// A mirror takes the owner's preflight report.
    pub fn receive_report(&self, report: CheckedReport) {
        self.report.set(report);
    }

    /// Hands `request` to the owner; false in the owner itself.
    fn send(&self, request: HostRequest) -> bool {
        let Some(outlet) = self.outlet else { return false };
        if let Some(Outlet(send)) = outlet.try_get_value() {
            send(request);
        }
        true
    }

    /// Records `next` (a mirror shows it at once and hands it to the owner).
    fn record(&self, next: Document, field: Option<&str>) {
        if self.is_mirror() {
            let changed = self.history.with_untracked(|h| *h.present() != next);
            if !changed {
                return;
            }
            let json = next.to_json();
            self.history.update(|h| *h = History::new(next));
            self.send(HostRequest::Commit { json, field: field.map(str::to_owned) });
            return;
        }
        self.apply(|h| h.record(next, field));
    }

    /// Carries out what a mirror asked (the owner's side of the bridge). A document that does
    /// not read is refused with the reason and changes nothing.
    pub fn serve(&self, request: HostRequest) -> Result<(), String> {
        match request {
            HostRequest::Commit { json, field } => {
                let document = Document::from_json(&json).map_err(|e| e.to_string())?;
                self.apply(|h| h.record(document, field.as_deref()));
            }
            HostRequest::Seal => self.seal(),
            HostRequest::Undo => self.undo(),
            HostRequest::Redo => self.redo(),
        }
        Ok(())
    }

    /// The store, loaded from the console's IndexedDB database and saved there after every change,
    /// checked in the checker worker.
    pub fn persisted() -> Self {
        Self::persisted_in(persistence::DATABASE, Checker::worker())
    }

    /// As [`DocumentStore::persisted`], in the IndexedDB database `database` and checked by
    /// `checker` (tests use their own database and check inline).
    pub fn persisted_in(database: &'static str, checker: Checker) -> Self {
        let store = Self::with_checker(checker);
        persistence::connect(store, database);
        store
    }

    /// The document as JSON (tracked): the CLI's format, written once per change.
    pub fn json(&self) -> Memo<String> {
        self.json
    }

    /// Reads the document without cloning it (tracked).
    pub fn with<R>(&self, read: impl FnOnce(&Document) -> R) -> R {
        self.history.with(|h| read(h.present()))
    }

    /// Reads the document without tracking.
    pub fn with_untracked<R>(&self, read: impl FnOnce(&Document) -> R) -> R {
        self.history.with_untracked(|h| read(h.present()))
    }

    /// Changes the document as one undo step; consecutive edits of the same `field` (a preflight
    /// path such as `site.code`) coalesce into one step.
    pub fn edit(&self, field: &str, change: impl FnOnce(&mut Document)) {
        let mut next = self.with_untracked(Document::clone);
        change(&mut next);
        self.record(next, Some(field));
    }

    /// Changes the document as one undo step of its own (adding or removing an object).
    pub fn change(&self, change: impl FnOnce(&mut Document)) {
        let mut next = self.with_untracked(Document::clone);
        change(&mut next);
        self.record(next, None);
    }

    /// Replaces the document (an import or a new start); undo brings the previous one back.
    pub fn replace(&self, document: Document) {
        self.record(document, None);
    }

    /// Loads a saved document as the start of the history (nothing to undo).
    pub(crate) fn restore(&self, document: Document) {
        self.apply(|h| {
            *h = History::new(document);
            true
        });
    }

    /// Runs `step` on the history; when it changed the document, the report is marked as
    /// checking at once (its check follows in the effect), so nobody reads the previous
    /// document's report as the current one's. A step that changed nothing notifies nobody.
    fn apply(&self, step: impl FnOnce(&mut History<Document>) -> bool) {
        let mut changed = false;
        self.history.maybe_update(|h| {
            changed = step(h);
            changed
        });
        if changed {
            self.report.update(|r| r.state = CheckState::Checking);
        }
    }

    /// Ends coalescing of the current field's edits (it lost focus).
    pub fn seal(&self) {
        if !self.send(HostRequest::Seal) {
            self.history.update_untracked(History::seal);
        }
    }

    pub fn undo(&self) {
        if !self.send(HostRequest::Undo) {
            self.apply(History::undo);
        }
    }

    pub fn redo(&self) {
        if !self.send(HostRequest::Redo) {
            self.apply(History::redo);
        }
    }

    pub fn can_undo(&self) -> bool {
        self.history.with(History::can_undo)
    }

    pub fn can_redo(&self) -> bool {
        self.history.with(History::can_redo)
    }

    /// The preflight report of the current document (`osdgate check`'s findings) and the
    /// scenarios' readiness, as the checker last answered.
    pub fn report(&self) -> ReadSignal<CheckedReport> {
        self.report.read_only()
    }

    pub fn save_state(&self) -> RwSignal<SaveState> {
        self.save_state
    }
}

impl Default for DocumentStore {
    fn default() -> Self {
        Self::new()
    }
}

/// The store provided by the app.
pub fn use_document() -> DocumentStore {
    expect_context::<DocumentStore>()
}
