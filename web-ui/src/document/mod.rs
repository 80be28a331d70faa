//! The working document: the admin's raw configuration (`osdgate_model` [`Document`], the CLI's
//! format), its undo history, its preflight report, and its copy in the browser's IndexedDB.
//!
//! Everything the admin types lands here as raw state; only [`DocumentStore::plan`] —
//! `Document::validate` — yields something publishable.

pub mod diff;
pub mod history;
mod persistence;
pub mod publishing;
pub mod scenario;
pub mod transfer;

use leptos::prelude::*;
use osdgate_model::model::{
    Document, ManagementPointConnection, Plan, SchemaTag, Site, SiteVersion, Timestamp,
};
use osdgate_model::preflight::{self, Report};

use crate::browser;
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

/// The preflight report with how long the check took in this browser.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedReport {
    pub report: Report,
    pub milliseconds: f64,
}

/// The working document and everything derived from it; `Copy`, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct DocumentStore {
    history: RwSignal<History<Document>>,
    save_state: RwSignal<SaveState>,
    report: Memo<CheckedReport>,
}

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(browser::unix_seconds())
}

impl DocumentStore {
    /// A store holding an empty document, not yet connected to the browser's storage.
    pub fn new() -> Self {
        let history = RwSignal::new(History::new(empty_document()));
        let report = Memo::new(move |_| {
            let started = browser::now_ms();
            let report = history.with(|h| preflight::check_at(h.present(), now()));
            CheckedReport { report, milliseconds: browser::now_ms() - started }
        });
        DocumentStore { history, save_state: RwSignal::new(SaveState::Loading), report }
    }

    /// The store, loaded from the console's IndexedDB database and saved there after every change.
    pub fn persisted() -> Self {
        Self::persisted_in(persistence::DATABASE)
    }

    /// As [`DocumentStore::persisted`], in the IndexedDB database `database` (tests use their own).
    pub fn persisted_in(database: &'static str) -> Self {
        let store = Self::new();
        persistence::connect(store, database);
        store
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
        self.history.update(|h| {
            h.record(next, Some(field));
        });
    }

    /// Changes the document as one undo step of its own (adding or removing an object).
    pub fn change(&self, change: impl FnOnce(&mut Document)) {
        let mut next = self.with_untracked(Document::clone);
        change(&mut next);
        self.history.update(|h| {
            h.record(next, None);
        });
    }

    /// Replaces the document (an import or a new start); undo brings the previous one back.
    pub fn replace(&self, document: Document) {
        self.history.update(|h| {
            h.replace(document);
        });
    }

    /// Loads a saved document as the start of the history (nothing to undo).
    pub(crate) fn restore(&self, document: Document) {
        self.history.set(History::new(document));
    }

    /// Ends coalescing of the current field's edits (it lost focus).
    pub fn seal(&self) {
        self.history.update_untracked(History::seal);
    }

    pub fn undo(&self) {
        self.history.update(|h| {
            h.undo();
        });
    }

    pub fn redo(&self) {
        self.history.update(|h| {
            h.redo();
        });
    }

    pub fn can_undo(&self) -> bool {
        self.history.with(History::can_undo)
    }

    pub fn can_redo(&self) -> bool {
        self.history.with(History::can_redo)
    }

    /// The preflight report of the current document (`osdgate check`'s findings).
    pub fn report(&self) -> Memo<CheckedReport> {
        self.report
    }

    /// The validated plan — the only form of the document that can be published or turned into
    /// media — or the report of what stands in the way.
    pub fn plan(&self) -> Result<Plan, Report> {
        self.with_untracked(|d| d.validate_at(now()))
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
