//! The publish page: the admin credential of this tab, publishing with the outcome in words, the
//! field-level diff of a version conflict, and the history of published versions with rollback.
//! Written for size as much as for reading: every view here is code in the console's first load.

mod conflict;
mod history;

use leptos::prelude::*;

use crate::document::publishing::{Outcome, PublishingStore, use_publishing};
use crate::i18n::*;
use conflict::ConflictResolver;
use history::PublishedHistory;

#[component]
pub fn PublishPage() -> impl IntoView {
    let i18n = use_i18n();
    let publishing = use_publishing();
    let typed = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let sign_in = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        publishing.sign_in(&typed.get_untracked());
        typed.set(String::new());
    };
    let publish = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        publishing.publish(comment.get_untracked());
    };
    let working = move || publishing.is_working();
    view! {
        <h1>{move || t_string!(i18n, nav.publish)}</h1>
        <section class="card" aria-labelledby="sign-in-heading">
            <h2 id="sign-in-heading">{move || t_string!(i18n, publish.credential_heading)}</h2>
            {move || if publishing.credential().is_set() {
                view! {
                    <p>
                        {t_string!(i18n, publish.signed_in)}
                        " "
                        <button type="button" class="secondary" on:click=move |_| publishing.sign_out()>
                            {t_string!(i18n, publish.sign_out)}
                        </button>
                    </p>
                }.into_any()
            } else {
                view! {
                    <form class="inline-form" on:submit=sign_in>
                        <label for="admin-credential">{t_string!(i18n, publish.credential)}</label>
                        <input
                            id="admin-credential"
                            type="password"
                            autocomplete="off"
                            required=true
                            prop:value=typed
                            on:input=move |event| typed.set(event_target_value(&event))
                        />
                        <button type="submit">{t_string!(i18n, publish.sign_in)}</button>
                    </form>
                }.into_any()
            }}
            <p class="muted">{move || t_string!(i18n, publish.credential_kept)}</p>
        </section>
        <section class="card" aria-labelledby="publish-heading">
            <h2 id="publish-heading">{move || t_string!(i18n, publish.heading)}</h2>
            <p class="muted" data-testid="publish-base">
                {move || match publishing.base().get() {
                    Some(base) => t_string!(i18n, publish.based_on, version = base.version).to_string(),
                    None => t_string!(i18n, publish.no_base).to_string(),
                }}
            </p>
            <form class="inline-form" on:submit=publish>
                <label for="publish-comment">{move || t_string!(i18n, publish.comment)}</label>
                <input
                    id="publish-comment"
                    type="text"
                    maxlength="500"
                    prop:value=comment
                    on:input=move |event| comment.set(event_target_value(&event))
                />
                <button type="submit" disabled=working>{move || t_string!(i18n, publish.publish)}</button>
                <button type="button" class="secondary" disabled=working on:click=move |_| publishing.load_current()>
                    {move || t_string!(i18n, publish.load_current)}
                </button>
            </form>
            {move || outcome_text(i18n, publishing).map(|(alert, text)| {
                view! {
                    <p class:error-text=alert role=if alert { "alert" } else { "status" } data-testid="publish-outcome">
                        {text}
                    </p>
                }
            })}
        </section>
        {move || publishing.conflict().with(Option::is_some).then(ConflictResolver)}
        {move || publishing.credential().is_set().then(PublishedHistory)}
    }
}

/// The last action's outcome in words, and whether it is an alert (something did not happen).
fn outcome_text(
    i18n: leptos_i18n::I18nContext<Locale>,
    publishing: PublishingStore,
) -> Option<(bool, String)> {
    Some(match publishing.outcome().get() {
        Outcome::Idle => return None,
        Outcome::Working => (false, t_string!(i18n, publish.working).to_string()),
        Outcome::Published(version) => {
            (false, t_string!(i18n, publish.published, version = version.version).to_string())
        }
        Outcome::Refused(error) => {
            (true, t_string!(i18n, publish.refused, reason = error.to_string()).to_string())
        }
        Outcome::Conflict => {
            let version = publishing
                .conflict()
                .with(|c| c.as_ref().and_then(|c| c.relay_version))
                .unwrap_or_default();
            (true, t_string!(i18n, publish.conflict, version = version).to_string())
        }
        Outcome::Resolved(version) => {
            (false, t_string!(i18n, publish.resolved, version = version).to_string())
        }
        Outcome::Loaded(version) => {
            (false, t_string!(i18n, publish.loaded, version = version).to_string())
        }
        Outcome::NothingPublished => {
            (false, t_string!(i18n, publish.nothing_published).to_string())
        }
        Outcome::RolledBack(version) => (
            false,
            t_string!(
                i18n,
                publish.rolled_back,
                version = version.version,
                from = version.rolled_back_from.unwrap_or_default()
            )
            .to_string(),
        ),
        Outcome::Failed(error) => (true, error.to_string()),
        Outcome::Unreadable(reason) => {
            (true, t_string!(i18n, publish.unreadable, reason = reason).to_string())
        }
    })
}
