//! Publishing the working document to the relay: the admin credential of this tab, the relay
//! version the document is based on (its entity tag, sent as `If-Match`), the outcome of the last
//! publish, conflicts with the field-level diff and the admin's choice per change, the relay's
//! findings, and the history with rollback.
//!
//! Nothing here ever changes the working document except on the admin's request (loading a relay
//! version, or applying a resolved conflict, each one undo step): a refused publish keeps the local
//! copy exactly as it was.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use osdgate_model::api::{ConfigHistory, ConfigVersion, ErrorCode, Published};
use osdgate_model::model::Document;
use osdgate_model::preflight::Finding;

use super::diff::{self, Change, Side};
use super::{DocumentStore, persistence};
use crate::browser::idb::KeyValueStore;
use crate::relay::admin::{self, RelayDocument};
use crate::relay::credential::AdminCredential;
use crate::relay::{RelayError, findings_of};

/// The IndexedDB key of the base version (not a secret: a version number and its entity tag).
const BASE_KEY: &str = "published-base";

/// The relay version the working document was last in step with: published from here, loaded from
/// the relay, or merged with it in a conflict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Base {
    pub version: i64,
    pub etag: String,
}

/// A publish the relay refused because someone published since this document's base: the relay's
/// current version, every change between it and the local document, and the admin's side for each.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub relay: RelayDocument,
    /// The relay's version number, read from its entity tag (`"v7-..."`).
    pub relay_version: Option<i64>,
    pub changes: Vec<Change>,
    pub choices: Vec<Side>,
}

/// What the last action did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing done yet in this tab.
    Idle,
    /// A call to the relay is under way.
    Working,
    /// The document was published as this version.
    Published(ConfigVersion),
    /// The relay refused the document; its findings are in [`PublishingStore::relay_findings`].
    Refused(RelayError),
    /// Someone published since the base: resolve [`PublishingStore::conflict`], then publish.
    Conflict,
    /// The conflict was resolved into the working document, now based on this version.
    Resolved(i64),
    /// The relay's version was loaded into the working document.
    Loaded(i64),
    /// Nothing is published on the relay yet.
    NothingPublished,
    /// Rolled back: the relay's new current version.
    RolledBack(ConfigVersion),
    /// The call failed for another reason (unreachable, not signed in, a wrong credential).
    Failed(RelayError),
    /// A merge or a version from the relay that is not a valid document.
    Unreadable(String),
}

/// The relay's findings for the document: those of a refused publish (errors included) or the
/// warnings and advice of an accepted one (with `OSDG-CONTENT-007` for content not uploaded yet).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RelayFindings {
    pub refused: bool,
    pub findings: Vec<Finding>,
}

/// How publishing reaches the working document: read it (JSON), replace it (one undo step), and
/// tell the preflight panel the relay's findings. Over the app's own [`DocumentStore`] in the
/// console, or over callbacks when the publishing page runs in a module of its own.
#[derive(Clone)]
pub struct DocumentLink {
    pub read: Rc<dyn Fn() -> String>,
    pub replace: Rc<dyn Fn(Document)>,
    pub relay_findings: Rc<dyn Fn(&RelayFindings)>,
}

impl DocumentLink {
    /// The link to `store`, with the relay's findings set into `findings`.
    pub fn of_store(store: DocumentStore, findings: RwSignal<RelayFindings>) -> Self {
        DocumentLink {
            read: Rc::new(move || store.with_untracked(Document::to_json)),
            replace: Rc::new(move |document| store.replace(document)),
            relay_findings: Rc::new(move |relay| findings.set(relay.clone())),
        }
    }
}

impl std::fmt::Debug for DocumentLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocumentLink")
    }
}

/// The publishing state; `Copy`, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct PublishingStore {
    document: StoredValue<DocumentLink, LocalStorage>,
    credential: AdminCredential,
    base: RwSignal<Option<Base>>,
    outcome: RwSignal<Outcome>,
    conflict: RwSignal<Option<Conflict>>,
    relay_findings: RwSignal<RelayFindings>,
    history: RwSignal<Option<Result<ConfigHistory, RelayError>>>,
    database: &'static str,
}

/// The version number in a relay entity tag: `"v12-0123abcd"` → 12.
pub fn version_of_etag(etag: &str) -> Option<i64> {
    let inner = etag.trim().trim_start_matches("W/").trim_matches('"');
    inner.strip_prefix('v')?.split('-').next()?.parse().ok()
}

impl PublishingStore {
    /// The store of `document`, with its base kept in the console's IndexedDB database.
    pub fn persisted(document: DocumentLink, credential: AdminCredential) -> Self {
        Self::persisted_in(document, credential, persistence::DATABASE)
    }

    /// As [`PublishingStore::persisted`], in the IndexedDB database `database` (tests use their own).
    pub fn persisted_in(
        document: DocumentLink,
        credential: AdminCredential,
        database: &'static str,
    ) -> Self {
        let store = PublishingStore {
            document: StoredValue::new_local(document),
            credential,
            base: RwSignal::new(None),
            outcome: RwSignal::new(Outcome::Idle),
            conflict: RwSignal::new(None),
            relay_findings: RwSignal::new(RelayFindings::default()),
            history: RwSignal::new(None),
            database,
        };
        spawn_local(async move {
            let saved = match KeyValueStore::open(database).await {
                Ok(kv) => kv.get(BASE_KEY).await.ok().flatten(),
                Err(_) => None,
            };
            if let Some(base) = saved.and_then(|text| serde_json::from_str::<Base>(&text).ok()) {
                // A base set in this tab meanwhile is newer than the saved one.
                store.base.update(|current| {
                    current.get_or_insert(base);
                });
            }
        });
        store
    }

    pub fn base(&self) -> RwSignal<Option<Base>> {
        self.base
    }

    pub fn outcome(&self) -> RwSignal<Outcome> {
        self.outcome
    }

    pub fn conflict(&self) -> RwSignal<Option<Conflict>> {
        self.conflict
    }

    pub fn relay_findings(&self) -> RwSignal<RelayFindings> {
        self.relay_findings
    }

    pub fn history(&self) -> RwSignal<Option<Result<ConfigHistory, RelayError>>> {
        self.history
    }

    pub fn credential(&self) -> AdminCredential {
        self.credential
    }

    pub fn is_working(&self) -> bool {
        self.outcome.with(|o| *o == Outcome::Working)
    }

    fn read_document(&self) -> String {
        self.document.with_value(|link| (link.read)())
    }

    fn replace_document(&self, document: Document) {
        let replace = self.document.with_value(|link| link.replace.clone());
        replace(document);
    }

    fn report(&self, findings: RelayFindings) {
        let notify = self.document.with_value(|link| link.relay_findings.clone());
        notify(&findings);
        self.relay_findings.set(findings);
    }

    fn set_base(&self, base: Base) {
        self.base.set(Some(base.clone()));
        let database = self.database;
        spawn_local(async move {
            if let (Ok(kv), Ok(text)) =
                (KeyValueStore::open(database).await, serde_json::to_string(&base))
                && let Err(error) = kv.put(BASE_KEY, &text).await
            {
                leptos::logging::warn!("the published base could not be saved: {error}");
            }
        });
    }

    /// The credential, or the outcome that says it is missing.
    fn token(&self) -> Option<String> {
        let token = self.credential.get_untracked();
        if token.is_none() {
            self.outcome.set(Outcome::Failed(RelayError::Refused {
                status: 401,
                code: ErrorCode::Unauthorized,
                message: "sign in with the admin credential first".to_owned(),
                request_id: None,
                findings: None,
            }));
        }
        token
    }

    /// Publishes the working document, based on [`PublishingStore::base`].
    pub fn publish(&self, comment: String) {
        let Some(token) = self.token() else { return };
        let store = *self;
        let text = self.read_document();
        let if_match = self.base.get_untracked().map(|base| base.etag);
        self.outcome.set(Outcome::Working);
        spawn_local(async move {
            let result = admin::publish(&token, &text, if_match.as_deref(), Some(&comment)).await;
            store.after_publish(&token, &text, result).await;
        });
    }

    async fn after_publish(&self, token: &str, sent: &str, result: Result<Published, RelayError>) {
        match result {
            Ok(published) => {
                self.conflict.set(None);
                self.report(RelayFindings {
                    refused: false,
                    findings: findings_of(&published.findings),
                });
                self.set_base(Base {
                    version: published.version.version,
                    etag: published.version.etag.clone(),
                });
                self.outcome.set(Outcome::Published(published.version));
                self.refresh_history_with(token).await;
            }
            Err(error)
                if matches!(
                    error.code(),
                    Some(ErrorCode::PreconditionFailed | ErrorCode::PreconditionRequired)
                ) =>
            {
                self.open_conflict(token, sent).await;
            }
            Err(RelayError::Refused { status, code, message, request_id, findings }) => {
                let list = findings.as_ref().map(findings_of).unwrap_or_default();
                self.report(RelayFindings { refused: true, findings: list });
                self.outcome.set(Outcome::Refused(RelayError::Refused {
                    status,
                    code,
                    message,
                    request_id,
                    findings,
                }));
            }
            Err(error) => self.outcome.set(Outcome::Failed(error)),
        }
    }

    /// Fetches the relay's current version and lists every change against the local document.
    async fn open_conflict(&self, token: &str, local: &str) {
        let relay = match admin::current(token).await {
            Ok(Some(relay)) => relay,
            // Nothing published after all (the relay was reset): the next publish needs no base.
            Ok(None) => {
                self.base.set(None);
                self.outcome.set(Outcome::NothingPublished);
                return;
            }
            Err(error) => {
                self.outcome.set(Outcome::Failed(error));
                return;
            }
        };
        match conflict_of(local, relay) {
            Ok(conflict) => {
                self.conflict.set(Some(conflict));
                self.outcome.set(Outcome::Conflict);
            }
            Err(message) => self.outcome.set(Outcome::Unreadable(message)),
        }
    }

    /// Takes `side` for change `index` of the open conflict.
    pub fn choose(&self, index: usize, side: Side) {
        self.conflict.update(|conflict| {
            if let Some(choice) = conflict.as_mut().and_then(|c| c.choices.get_mut(index)) {
                *choice = side;
            }
        });
    }

    /// Takes `side` for every change of the open conflict.
    pub fn choose_all(&self, side: Side) {
        self.conflict.update(|conflict| {
            if let Some(conflict) = conflict {
                conflict.choices.iter_mut().for_each(|choice| *choice = side);
            }
        });
    }

    /// Applies the chosen sides to the working document (one undo step) and makes the relay's
    /// version its base, so the next publish goes through unless someone published again.
    pub fn resolve(&self) {
        let Some(conflict) = self.conflict.get_untracked() else { return };
        let local = self.read_document();
        match resolved_document(&local, &conflict) {
            Ok(document) => {
                self.replace_document(document);
                let version = conflict.relay_version.unwrap_or_default();
                self.set_base(Base { version, etag: conflict.relay.etag.clone() });
                self.conflict.set(None);
                self.outcome.set(Outcome::Resolved(version));
            }
            Err(message) => self.outcome.set(Outcome::Unreadable(message)),
        }
    }

    /// Loads the relay's current version into the working document (one undo step) as its base.
    pub fn load_current(&self) {
        let Some(token) = self.token() else { return };
        let store = *self;
        self.outcome.set(Outcome::Working);
        spawn_local(async move {
            match admin::current(&token).await {
                Ok(Some(relay)) => store.load(relay, None),
                Ok(None) => store.outcome.set(Outcome::NothingPublished),
                Err(error) => store.outcome.set(Outcome::Failed(error)),
            }
        });
    }

    /// Loads published version `version` into the working document (one undo step). Its base is
    /// the relay's current version, so publishing it makes that old content current again.
    pub fn load_version(&self, version: i64) {
        let Some(token) = self.token() else { return };
        let store = *self;
        self.outcome.set(Outcome::Working);
        spawn_local(async move {
            let current = match admin::current(&token).await {
                Ok(Some(current)) => current,
                Ok(None) => return store.outcome.set(Outcome::NothingPublished),
                Err(error) => return store.outcome.set(Outcome::Failed(error)),
            };
            match admin::version(&token, version).await {
                Ok(old) => store.load(old, Some(current.etag)),
                Err(error) => store.outcome.set(Outcome::Failed(error)),
            }
        });
    }

    fn load(&self, relay: RelayDocument, base_etag: Option<String>) {
        match Document::from_json(&relay.text) {
            Ok(document) => {
                let version = version_of_etag(&relay.etag).unwrap_or_default();
                let etag = base_etag.unwrap_or(relay.etag);
                self.replace_document(document);
                self.set_base(Base { version: version_of_etag(&etag).unwrap_or(version), etag });
                self.conflict.set(None);
                self.outcome.set(Outcome::Loaded(version));
            }
            Err(error) => self.outcome.set(Outcome::Unreadable(error.to_string())),
        }
    }

    /// Publishes version `to_version` again as the relay's new current version. The working
    /// document is not touched; its next publish meets the rolled-back version as a conflict.
    pub fn rollback(&self, to_version: i64) {
        let Some(token) = self.token() else { return };
        let store = *self;
        let head = self.history.with_untracked(|history| {
            history.as_ref().and_then(|h| h.as_ref().ok()).and_then(|h| h.versions.first().cloned())
        });
        let Some(head) = head else { return };
        self.outcome.set(Outcome::Working);
        spawn_local(async move {
            match admin::rollback(&token, to_version, &head.etag).await {
                Ok(published) => {
                    store.report(RelayFindings {
                        refused: false,
                        findings: findings_of(&published.findings),
                    });
                    store.outcome.set(Outcome::RolledBack(published.version));
                }
                Err(RelayError::Refused { status, code, message, request_id, findings })
                    if code == ErrorCode::PreflightFailed =>
                {
                    let list = findings.as_ref().map(findings_of).unwrap_or_default();
                    store.report(RelayFindings { refused: true, findings: list });
                    store.outcome.set(Outcome::Refused(RelayError::Refused {
                        status,
                        code,
                        message,
                        request_id,
                        findings,
                    }));
                }
                Err(error) => store.outcome.set(Outcome::Failed(error)),
            }
            store.refresh_history_with(&token).await;
        });
    }

    /// Reads the history of published versions again.
    pub fn refresh_history(&self) {
        let Some(token) = self.credential.get_untracked() else { return };
        let store = *self;
        spawn_local(async move { store.refresh_history_with(&token).await });
    }

    async fn refresh_history_with(&self, token: &str) {
        let history = admin::history(token).await;
        self.history.set(Some(history));
    }

    /// Keeps `token` for this tab and checks it by reading the history; a credential the relay
    /// refuses is forgotten at once.
    pub fn sign_in(&self, token: &str) {
        if token.trim().is_empty() {
            return;
        }
        self.credential.set(token);
        let store = *self;
        let token = token.trim().to_owned();
        self.outcome.set(Outcome::Working);
        spawn_local(async move {
            let history = admin::history(&token).await;
            match &history {
                Err(error) if error.code() == Some(ErrorCode::Unauthorized) => {
                    store.credential.forget();
                    store.outcome.set(Outcome::Failed(error.clone()));
                    store.history.set(None);
                }
                _ => {
                    store.outcome.set(Outcome::Idle);
                    store.history.set(Some(history));
                }
            }
        });
    }

    pub fn sign_out(&self) {
        self.credential.forget();
        self.history.set(None);
        self.outcome.set(Outcome::Idle);
    }
}

/// The conflict between the document sent (`local`) and the relay's current version.
pub fn conflict_of(local: &str, relay: RelayDocument) -> Result<Conflict, String> {
    let local: serde_json::Value = serde_json::from_str(local).map_err(|e| e.to_string())?;
    let relay_value: serde_json::Value =
        serde_json::from_str(&relay.text).map_err(|e| format!("the relay's version: {e}"))?;
    let changes = diff::diff(&local, &relay_value);
    let choices = vec![Side::Local; changes.len()];
    Ok(Conflict { relay_version: version_of_etag(&relay.etag), relay, changes, choices })
}

/// The working document (`local`, JSON) with the relay's side taken where the admin chose it.
pub fn resolved_document(local: &str, conflict: &Conflict) -> Result<Document, String> {
    let local: serde_json::Value = serde_json::from_str(local).map_err(|e| e.to_string())?;
    let merged = diff::merge(&local, &conflict.changes, &conflict.choices);
    Document::from_json(&merged.to_string()).map_err(|e| e.to_string())
}

/// The store provided by the app.
pub fn use_publishing() -> PublishingStore {
    expect_context::<PublishingStore>()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../examples/boot-media-over-gateway.toml");

    #[test]
    fn etags_name_their_version() {
        assert_eq!(version_of_etag("\"v12-0123abcd\""), Some(12));
        assert_eq!(version_of_etag("W/\"v3-ff\""), Some(3));
        assert_eq!(version_of_etag("\"x\""), None);
    }

    #[test]
    fn a_conflict_resolves_into_a_valid_document_with_each_side_chosen() {
        let original = Document::from_toml(EXAMPLE).unwrap();
        let mut local = original.clone();
        local.site.code = "LOC".to_owned();
        let mut relay = original.clone();
        relay.gateways[0].name = "renamed on the relay".to_owned();
        let relay = RelayDocument { etag: "\"v4-abcdef\"".to_owned(), text: relay.to_json() };
        let mut conflict = conflict_of(&local.to_json(), relay).unwrap();
        assert_eq!(conflict.relay_version, Some(4));
        let paths: Vec<String> = conflict.changes.iter().map(Change::path).collect();
        let gateway = &original.gateways[0].id;
        assert_eq!(paths, [format!("gateways[{gateway}].name"), "site.code".to_owned()]);
        // Take the relay's gateway name, keep the local site code.
        conflict.choices = vec![Side::Relay, Side::Local];
        let merged = resolved_document(&local.to_json(), &conflict).unwrap();
        assert_eq!(merged.site.code, "LOC");
        assert_eq!(merged.gateways[0].name, "renamed on the relay");
    }
}
