//! Keeps the working document in IndexedDB: loaded once at start, written after every change.
//!
//! Writes never overlap and never fall behind: while one is in flight, later changes wait as one
//! pending text, and the newest text is always the one written last. A saved document that no
//! longer reads (a newer format, a damaged record) is moved aside, never overwritten.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use osdgate_model::model::Document;

use super::DocumentStore;
use crate::browser::idb::KeyValueStore;

pub(super) const DATABASE: &str = "osdgate-console";
const WORKING: &str = "working-document";
const SET_ASIDE: &str = "unreadable-document";

/// Where the browser copy stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    /// The saved document is being read.
    Loading,
    /// Every change is saved.
    Saved,
    /// A change is being written.
    Saving,
    /// The browser refused to store the document; the reason, in words.
    Failed(String),
}

#[derive(Default)]
struct Writer {
    busy: bool,
    pending: Option<String>,
}

pub(super) fn connect(store: DocumentStore, database_name: &'static str) {
    let save_state = store.save_state;
    spawn_local(async move {
        let database = match KeyValueStore::open(database_name).await {
            Ok(database) => database,
            Err(error) => {
                save_state.set(SaveState::Failed(error.to_string()));
                return;
            }
        };
        match database.get(WORKING).await {
            Ok(Some(text)) => match Document::from_json(&text) {
                Ok(document) => store.restore(document),
                Err(error) => {
                    // Keep the unreadable copy before the empty document is saved over it.
                    if let Err(aside) = database.put(SET_ASIDE, &text).await {
                        save_state.set(SaveState::Failed(aside.to_string()));
                        return;
                    }
                    leptos::logging::warn!(
                        "the saved document could not be read ({error}); it was kept as `{SET_ASIDE}`"
                    );
                }
            },
            Ok(None) => {}
            Err(error) => {
                save_state.set(SaveState::Failed(error.to_string()));
                return;
            }
        }
        save_state.set(SaveState::Saved);
        autosave(store, database);
    });
}

fn autosave(store: DocumentStore, database: KeyValueStore) {
    let writer = Rc::new(RefCell::new(Writer::default()));
    let mut last_written: Option<String> = None;
    Effect::new(move |_| {
        let text = store.json.get();
        if last_written.as_deref() == Some(text.as_str()) {
            return;
        }
        last_written = Some(text.clone());
        let start = {
            let mut writer = writer.borrow_mut();
            writer.pending = Some(text);
            !std::mem::replace(&mut writer.busy, true)
        };
        if start {
            store.save_state.set(SaveState::Saving);
            let writer = writer.clone();
            let database = database.clone();
            spawn_local(async move {
                loop {
                    let Some(text) = writer.borrow_mut().pending.take() else { break };
                    if let Err(error) = database.put(WORKING, &text).await {
                        store.save_state.set(SaveState::Failed(error.to_string()));
                        writer.borrow_mut().busy = false;
                        return;
                    }
                }
                writer.borrow_mut().busy = false;
                store.save_state.set(SaveState::Saved);
            });
        }
    });
}
