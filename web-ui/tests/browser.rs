//! The console's stores in a real browser (`wasm-bindgen-test` in headless Chromium; `cargo xtask
//! test` runs them): IndexedDB storage, the autosaved working document surviving a new page, undo
//! and redo through the store, the live preflight report and the plan.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use osdgate_console::browser::checker::Checker;
use osdgate_console::browser::idb::KeyValueStore;
use osdgate_console::document::{CheckState, DocumentStore, SaveState};
use osdgate_model::model::Document;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const EXAMPLE: &str = include_str!("../../examples/boot-media-over-gateway.toml");

/// Waits for the browser to run its queued tasks for `ms` milliseconds.
async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Polls `condition` every 10 ms for up to five seconds.
async fn eventually(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        pause(10).await;
    }
    panic!("timed out waiting until {what}");
}

fn reactive_root() -> Owner {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    owner.set();
    owner
}

#[wasm_bindgen_test]
async fn key_value_store_keeps_text_across_connections() {
    let store = KeyValueStore::open("osdgate-test-kv").await.unwrap();
    assert_eq!(store.get("absent").await.unwrap(), None);
    store.put("key", "first").await.unwrap();
    store.put("key", "second").await.unwrap();
    let reopened = KeyValueStore::open("osdgate-test-kv").await.unwrap();
    assert_eq!(reopened.get("key").await.unwrap().as_deref(), Some("second"));
}

#[wasm_bindgen_test]
async fn the_working_document_is_saved_and_comes_back_in_a_new_store() {
    let _owner = reactive_root();
    let database = "osdgate-test-working-document";
    let store = DocumentStore::persisted_in(database, Checker::inline());
    eventually("the store has loaded", || store.save_state().get_untracked() == SaveState::Saved)
        .await;
    let example = Document::from_toml(EXAMPLE).unwrap();
    store.replace(example.clone());
    store.edit("site.code", |d| d.site.code = "XY".into());
    store.edit("site.code", |d| d.site.code = "XYZ".into());
    // The autosave runs after the change; wait for it to start and to finish.
    pause(50).await;
    eventually("the change is saved", || store.save_state().get_untracked() == SaveState::Saved)
        .await;

    // A new store on the same database: what a reload or a new tab sees.
    let reopened = DocumentStore::persisted_in(database, Checker::inline());
    eventually("the reopened store has loaded", || {
        reopened.save_state().get_untracked() == SaveState::Saved
    })
    .await;
    reopened.with_untracked(|d| assert_eq!(d.site.code, "XYZ"));
    let mut expected = example;
    expected.site.code = "XYZ".into();
    reopened.with_untracked(|d| assert_eq!(d, &expected));
}

#[wasm_bindgen_test]
fn undo_takes_back_a_typed_word_and_an_import() {
    let _owner = reactive_root();
    let store = DocumentStore::new();
    let before = store.with_untracked(Document::clone);
    for code in ["A", "AB", "ABC"] {
        store.edit("site.code", |d| d.site.code = code.into());
    }
    store.replace(Document::from_toml(EXAMPLE).unwrap());
    assert!(store.can_undo());
    store.undo();
    store.with_untracked(|d| assert_eq!(d.site.code, "ABC"));
    store.undo();
    store.with_untracked(|d| assert_eq!(d, &before));
    assert!(!store.can_undo());
    store.redo();
    store.redo();
    store.with_untracked(|d| assert_eq!(d.site.code, "ABC"));
}

#[wasm_bindgen_test]
async fn the_report_follows_the_document_and_only_a_clean_one_is_a_plan() {
    let _owner = reactive_root();
    let store = DocumentStore::new();
    let report = store.report();
    assert!(!report.get_untracked().is_plan(), "nothing is a plan before the first answer");
    store.replace(Document::from_toml(EXAMPLE).unwrap());
    eventually("the example is checked", || report.get_untracked().is_plan()).await;
    let scenarios = report.get_untracked().scenarios;
    assert_eq!(scenarios.len(), 4);
    // Edits while a check is in flight: the last one is the one reported.
    store.edit("site.code", |d| d.site.code = "TOOLON".into());
    store.edit("site.code", |d| d.site.code = "TOOLONG".into());
    eventually("the edit is checked", || report.get_untracked().state == CheckState::Current).await;
    let checked = report.get_untracked();
    assert!(checked.report.has_rule("OSDG-SITE-001"), "{:?}", checked.report);
    assert!(checked.report.findings.iter().any(|f| f.path == "site.code"));
    assert!(!checked.is_plan());
    let expected = osdgate_model::preflight::scenario::DocumentCheck::of(
        &store.with_untracked(Document::clone),
        checked.report.checked_at.unwrap(),
    );
    assert_eq!(checked.report, expected.report);
}

/// The pages module's mirror and the main module's store, joined as the bridge joins them: an
/// edit in the mirror becomes an undo step in the owner (typing in one field is one step), the
/// owner's undo reaches the mirror, and the mirror's own echo changes nothing.
#[wasm_bindgen_test]
fn a_mirror_edits_through_the_owner_and_follows_its_undo() {
    use osdgate_console::document::HostRequest;
    use std::cell::RefCell;
    use std::rc::Rc;

    let _owner = reactive_root();
    let owner = DocumentStore::new();
    let cloud = include_str!("../../examples/cloud-content-from-boot-media.toml");
    owner.replace(Document::from_toml(cloud).unwrap());
    let sent: Rc<RefCell<Vec<HostRequest>>> = Rc::default();
    let outbox = sent.clone();
    let mirror = DocumentStore::mirror(owner.with_untracked(Document::clone), move |request| {
        outbox.borrow_mut().push(request)
    });
    assert!(mirror.is_mirror() && !owner.is_mirror());
    // What the host does with each request, and what it sends back.
    let deliver = |mirror: DocumentStore| {
        for request in sent.borrow_mut().drain(..) {
            owner.serve(request).unwrap();
        }
        mirror.receive(owner.with_untracked(Document::clone));
    };

    mirror.edit("boundary_groups[0].name", |d| d.boundary_groups[0].name = "B".into());
    mirror.edit("boundary_groups[0].name", |d| d.boundary_groups[0].name = "Br".into());
    // The mirror shows its edit at once, before the owner answers.
    mirror.with_untracked(|d| assert_eq!(d.boundary_groups[0].name, "Br"));
    assert!(
        matches!(&sent.borrow()[0], HostRequest::Commit { field: Some(f), .. } if f == "boundary_groups[0].name")
    );
    deliver(mirror);
    owner.with_untracked(|d| assert_eq!(d.boundary_groups[0].name, "Br"));

    mirror.seal();
    mirror.change(|d| d.boundary_groups[0].prefer_cloud_sources = false);
    deliver(mirror);
    owner.with_untracked(|d| assert!(!d.boundary_groups[0].prefer_cloud_sources));

    // Undo in the top bar: the owner goes back one step and the mirror follows.
    owner.undo();
    mirror.receive(owner.with_untracked(Document::clone));
    mirror.with_untracked(|d| assert!(d.boundary_groups[0].prefer_cloud_sources));
    // The typed name is one step.
    owner.undo();
    mirror.receive(owner.with_untracked(Document::clone));
    mirror.with_untracked(|d| assert_eq!(d.boundary_groups[0].name, "Branch office"));

    // Undo asked from the page goes to the owner.
    mirror.redo();
    deliver(mirror);
    mirror.with_untracked(|d| assert_eq!(d.boundary_groups[0].name, "Br"));

    // A document that does not read is refused and changes nothing.
    let before = owner.with_untracked(Document::clone);
    let refused = owner.serve(HostRequest::Commit { json: "{\"schema\": 1}".into(), field: None });
    assert!(refused.is_err());
    owner.with_untracked(|d| assert_eq!(*d, before));
}
