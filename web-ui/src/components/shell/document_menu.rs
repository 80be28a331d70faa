use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use osdgate_model::model::{Document, DocumentFormat};
use wasm_bindgen::JsCast;

use crate::browser;
use crate::document::{empty_document, transfer, use_document};
use crate::i18n::*;

/// What the last import or export did, for the status line.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Imported(String),
    Failed(String),
    NewDocument,
}

/// Undo and redo, import (pick or drop a JSON or TOML file anywhere on the page), export, and
/// starting over. An import replaces the document as one undo step; a refused file changes nothing.
#[component]
pub fn DocumentMenu() -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    let outcome = RwSignal::new(None::<Outcome>);

    let import_file = move |file: web_sys::File| {
        let name = file.name();
        spawn_local(async move {
            let result = match browser::read_file(&file).await {
                Ok(bytes) => transfer::import(&name, &bytes).await.map_err(|e| e.to_string()),
                Err(error) => Err(error.to_string()),
            };
            match result {
                Ok(document) => {
                    store.replace(document);
                    outcome.set(Some(Outcome::Imported(name)));
                }
                Err(message) => outcome.set(Some(Outcome::Failed(message))),
            }
        });
    };
    let on_pick = move |event: ev::Event| {
        let Some(input) =
            event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            import_file(file);
        }
        // Picking the same file again must import it again.
        input.set_value("");
    };
    let drag_over = window_event_listener(ev::dragover, |event| event.prevent_default());
    let drop = window_event_listener(ev::drop, move |event| {
        event.prevent_default();
        if let Some(file) = event.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            import_file(file);
        }
    });
    on_cleanup(move || {
        drag_over.remove();
        drop.remove();
    });

    let export = move |format: DocumentFormat| {
        let document = store.with_untracked(Document::clone);
        spawn_local(async move {
            let result = transfer::export(&document, format)
                .await
                .map_err(|e| e.to_string())
                .and_then(|file| {
                    browser::download(&file.name, file.mime_type, &file.text)
                        .map_err(|e| e.to_string())
                });
            if let Err(message) = result {
                outcome.set(Some(Outcome::Failed(message)));
            }
        });
    };

    view! {
        <div class="document-menu" role="toolbar" aria-label=move || t_string!(i18n, document.toolbar).to_string()>
            <button type="button" on:click=move |_| store.undo() disabled=move || !store.can_undo()>
                {t!(i18n, document.undo)}
            </button>
            <button type="button" on:click=move |_| store.redo() disabled=move || !store.can_redo()>
                {t!(i18n, document.redo)}
            </button>
            <label class="button">
                {t!(i18n, document.import)}
                <input type="file" class="visually-hidden" accept=".json,.toml,application/json,application/toml" on:change=on_pick />
            </label>
            <button type="button" on:click=move |_| export(DocumentFormat::Json)>
                {t!(i18n, document.export_json)}
            </button>
            <button type="button" on:click=move |_| export(DocumentFormat::Toml)>
                {t!(i18n, document.export_toml)}
            </button>
            <button
                type="button"
                on:click=move |_| {
                    store.replace(empty_document());
                    outcome.set(Some(Outcome::NewDocument));
                }
            >
                {t!(i18n, document.new)}
            </button>
        </div>
        <div class="document-outcome" role="status" aria-live="polite">
            {move || match outcome.get() {
                Some(Outcome::Imported(name)) => {
                    Some(view! { <span>{t!(i18n, document.imported, file = name)}</span> }.into_any())
                }
                Some(Outcome::NewDocument) => {
                    Some(view! { <span>{t!(i18n, document.started_new)}</span> }.into_any())
                }
                Some(Outcome::Failed(message)) => {
                    Some(view! { <span class="error-text" role="alert">{message}</span> }.into_any())
                }
                None => None,
            }}
        </div>
    }
}
