use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;

use crate::browser::pages_module::{self, MountRequest, MountedPage};
use crate::components::shell::page_title;
use crate::document::{DocumentStore, HostRequest, use_document};
use crate::field_focus;
use crate::i18n::*;
use crate::on_demand::bridge::encode_report;
use crate::page::Page;

/// What the page calls with each request: its kind, a document's JSON and a field path.
type SendCallback = Closure<dyn Fn(String, Option<String>, Option<String>)>;

/// A page of the on-demand pages module on screen, and the callback it sends its edits to (kept
/// alive as long as the page is).
struct Mounted {
    page: MountedPage,
    _send: SendCallback,
}

/// Where the page stands, for the admin and for `data-state`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shown {
    Loading,
    Mounted,
    Failed(String),
}

/// A page rendered by the on-demand pages module (`web-ui/pages`): the heading and a host element
/// here, the page itself mounted into it by `name` once the module is fetched. The page gets the
/// document, the preflight report and the language now and after every change; its edits come
/// back as whole documents and are committed to the store here (undo, autosave and preflight as
/// for every other page). Leaving the route unmounts it.
#[component]
pub fn OnDemandPage(page: Page, name: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    let host = NodeRef::<Div>::new();
    let shown = RwSignal::new(Shown::Loading);
    let mounted: Rc<RefCell<Option<Mounted>>> = Rc::default();
    let alive = Rc::new(Cell::new(true));

    let slot = mounted.clone();
    let still_here = alive.clone();
    Effect::new(move |_| {
        let Some(element) = host.get() else { return };
        if slot.borrow().is_some() {
            return;
        }
        let slot = slot.clone();
        let still_here = still_here.clone();
        spawn_local(async move {
            let module = match pages_module::load().await {
                Ok(module) => module,
                Err(error) => return shown.set(Shown::Failed(error.to_string())),
            };
            // The admin may have left the page while the module was fetched.
            if !still_here.get() || slot.borrow().is_some() {
                return;
            }
            let send = commit_callback(store, shown);
            let document_json = store.json().get_untracked();
            let report_json = store.report().with_untracked(encode_report);
            let request = MountRequest {
                name,
                document_json: &document_json,
                report_json: &report_json,
                locale: i18n.get_locale_untracked().as_str(),
                send: send.as_ref().unchecked_ref(),
            };
            match module.mount(&element, request) {
                Ok(page) => {
                    *slot.borrow_mut() = Some(Mounted { page, _send: send });
                    shown.set(Shown::Mounted);
                    field_focus::focus_unresolved();
                }
                Err(error) => shown.set(Shown::Failed(error.to_string())),
            }
        });
    });

    // Feed the mounted page: the document after every change (an undo in the top bar included),
    // the report, the language.
    let feed =
        move |mounted: &Rc<RefCell<Option<Mounted>>>,
              call: &dyn Fn(&MountedPage) -> Result<(), pages_module::PagesModuleError>| {
            if let Some(current) = mounted.borrow().as_ref()
                && let Err(error) = call(&current.page)
            {
                shown.set(Shown::Failed(error.to_string()));
            }
        };
    let slot = mounted.clone();
    Effect::new(move |_| {
        let json = store.json().get();
        feed(&slot, &|page| page.set_document(&json));
    });
    let slot = mounted.clone();
    Effect::new(move |_| {
        let json = store.report().with(encode_report);
        feed(&slot, &|page| page.set_report(&json));
    });
    let slot = mounted.clone();
    Effect::new(move |_| {
        let tag = i18n.get_locale().as_str();
        feed(&slot, &|page| page.set_locale(tag));
    });

    let leaving = SendWrapper::new((mounted, alive));
    on_cleanup(move || {
        let (mounted, alive) = leaving.take();
        alive.set(false);
        field_focus::forget_unresolved();
        // The page first, then its callback: an unmounted page sends nothing more.
        if let Some(current) = mounted.borrow_mut().take() {
            let _ = current.page.unmount();
        }
    });

    view! {
        <h1>{move || page_title(i18n, page)}</h1>
        {move || match shown.get() {
            Shown::Loading => Some(view! {
                <p class="muted" role="status">{t!(i18n, on_demand.loading)}</p>
            }.into_any()),
            Shown::Failed(reason) => Some(view! {
                <p class="card error" role="alert">{reason}</p>
            }.into_any()),
            Shown::Mounted => None,
        }}
        <div
            class="on-demand-page"
            node_ref=host
            data-pages-module=name
            data-state=move || match shown.get() {
                Shown::Loading => "loading",
                Shown::Mounted => "shown",
                Shown::Failed(_) => "failed",
            }
        ></div>
    }
}

/// The callback the page sends its requests to: each is carried out on the store here; one that
/// cannot be (a document that does not read) is shown, and the document stays as it was.
fn commit_callback(store: DocumentStore, shown: RwSignal<Shown>) -> SendCallback {
    Closure::new(move |kind: String, json: Option<String>, field: Option<String>| {
        let outcome = match HostRequest::from_message(&kind, json, field) {
            Some(request) => store.serve(request),
            None => Err(format!("the page sent an unknown request `{kind}`")),
        };
        if let Err(reason) = outcome {
            shown.set(Shown::Failed(reason));
        }
    })
}
