mod document_menu;
mod language_switch;
mod navigation;
mod save_status;
mod theme_switch;
mod top_bar;

use leptos::prelude::*;
use leptos_router::components::{Route, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;

use super::pages::{NotFound, OnDemandPage, Overview, SectionPage, SiteAndGateways};
use super::preflight_panel::PreflightPanel;
use crate::document::{SaveState, use_document};
use crate::field_focus::{focus_when_rendered, use_field_focus};
use crate::i18n::*;
use crate::page::Page;
use leptos_i18n::I18nContext;
use navigation::Navigation;
use top_bar::TopBar;

/// The page frame: top bar, navigation, the routed page with its preflight panel, and every
/// failure of a page shown in place by an `ErrorBoundary`.
#[component]
pub fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    let store = use_document();
    let location = use_location();
    let current = Memo::new(move |_| Page::from_path(&location.pathname.get()));
    let focus = use_field_focus();
    // Once the page that edits a requested field is on screen, focus the field.
    Effect::new(move |_| {
        let page = current.get();
        let loaded = store.save_state().with(|s| *s != SaveState::Loading);
        if let (Some(_), true, Some(path)) = (page, loaded, focus.pending().get()) {
            focus.pending().update_untracked(|pending| *pending = None);
            focus_when_rendered(path, 30);
        }
    });
    view! {
        // `target` keeps the router out; the handler moves focus, which a fragment link alone does not.
        <a class="skip-link" href="#page-content" target="_self" on:click=skip_to_page>
            {t!(i18n, app.skip_to_content)}
        </a>
        <TopBar />
        <div class="frame">
            <Navigation />
            <main id="page-content" tabindex="-1">
                <ErrorBoundary fallback=|errors| {
                    view! { <PageFailure errors /> }
                }>
                    <Show
                        when=move || store.save_state().with(|s| *s != SaveState::Loading)
                        fallback=move || view! { <p class="muted">{t!(i18n, document.loading)}</p> }
                    >
                        <Routes fallback=|| view! { <NotFound /> }>
                            <Route path=path!("/") view=Overview />
                            <Route path=path!("/site") view=SiteAndGateways />
                            <Route path=path!("/boundary-groups") view=|| view! { <OnDemandPage page=Page::BoundaryGroups name="boundary-groups" /> } />
                            <Route path=path!("/client-settings") view=|| view! { <SectionPage page=Page::ClientSettings /> } />
                            <Route path=path!("/content") view=|| view! { <SectionPage page=Page::Content /> } />
                            <Route path=path!("/boot-images") view=|| view! { <SectionPage page=Page::BootImages /> } />
                            <Route path=path!("/task-sequences") view=|| view! { <SectionPage page=Page::TaskSequences /> } />
                            <Route path=path!("/deployments") view=|| view! { <SectionPage page=Page::Deployments /> } />
                            <Route path=path!("/media") view=|| view! { <SectionPage page=Page::Media /> } />
                            <Route path=path!("/devices") view=|| view! { <SectionPage page=Page::Devices /> } />
                            <Route path=path!("/certificates") view=|| view! { <SectionPage page=Page::Certificates /> } />
                        </Routes>
                    </Show>
                </ErrorBoundary>
            </main>
            <PreflightPanel current />
        </div>
    }
}

/// Moves keyboard focus to the page, past the top bar and the navigation.
fn skip_to_page(event: leptos::ev::MouseEvent) {
    event.prevent_default();
    let main = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("page-content"))
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
    if let Some(main) = main {
        let _ = main.focus();
    }
}

/// A page that failed: what went wrong, in words, while the rest of the console keeps working.
#[component]
fn PageFailure(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card error" role="alert">
            <h2>{t!(i18n, failure.page_title)}</h2>
            <ul>
                {move || {
                    errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view()
                }}
            </ul>
        </section>
    }
}

/// The translated name of a page.
pub fn page_title(i18n: I18nContext<Locale>, page: Page) -> String {
    match page {
        Page::Overview => t_string!(i18n, nav.overview).to_string(),
        Page::SiteAndGateways => t_string!(i18n, nav.site_and_gateways).to_string(),
        Page::BoundaryGroups => t_string!(i18n, nav.boundary_groups).to_string(),
        Page::ClientSettings => t_string!(i18n, nav.client_settings).to_string(),
        Page::Content => t_string!(i18n, nav.content).to_string(),
        Page::BootImages => t_string!(i18n, nav.boot_images).to_string(),
        Page::TaskSequences => t_string!(i18n, nav.task_sequences).to_string(),
        Page::Deployments => t_string!(i18n, nav.deployments).to_string(),
        Page::Media => t_string!(i18n, nav.media).to_string(),
        Page::Devices => t_string!(i18n, nav.devices).to_string(),
        Page::Certificates => t_string!(i18n, nav.certificates).to_string(),
    }
}
