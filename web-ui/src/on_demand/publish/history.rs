use leptos::prelude::*;

use crate::document::publishing::use_publishing;
use crate::i18n::*;

/// A relay timestamp (milliseconds since the epoch) as a date and time in the console's language.
fn date_time(milliseconds: i64, language: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(milliseconds as f64));
    String::from(date.to_locale_string(language, &wasm_bindgen::JsValue::UNDEFINED))
}

/// Every published version, newest first: open one in the working document, or make an older one
/// current again.
#[component]
pub fn PublishedHistory() -> impl IntoView {
    let i18n = use_i18n();
    let publishing = use_publishing();
    // Read the history when the page opens (this is shown only with a credential).
    if publishing.history().with_untracked(Option::is_none) {
        publishing.refresh_history();
    }
    let table = move || {
        let versions = match publishing.history().get()? {
            Ok(history) => history.versions,
            Err(error) => {
                return Some(
                    view! { <p class="error-text" role="alert">{error.to_string()}</p> }.into_any(),
                );
            }
        };
        let language = i18n.get_locale().as_str();
        let rows = versions.into_iter().enumerate().map(|(index, version)| {
            let number = version.version;
            let when = format!("{}, {}", date_time(version.published_at, language), version.published_by);
            let (action, label) = if index == 0 {
                (t_string!(i18n, publish.open), t_string!(i18n, publish.open_version, version = number).to_string())
            } else {
                (t_string!(i18n, publish.roll_back), t_string!(i18n, publish.roll_back_to, version = number).to_string())
            };
            view! {
                <tr data-version=number>
                    <th scope="row">{number}</th>
                    <td>{when}</td>
                    <td>{version.comment.unwrap_or_default()}</td>
                    <td>
                        <button
                            type="button"
                            class="secondary"
                            aria-label=t_string!(i18n, publish.open_version, version = number).to_string()
                            on:click=move |_| publishing.load_version(number)
                        >
                            {t_string!(i18n, publish.open)}
                        </button>
                        " "
                        <button
                            type="button"
                            class="secondary"
                            aria-label=label
                            disabled=index == 0
                            on:click=move |_| publishing.rollback(number)
                        >
                            {if index == 0 { t_string!(i18n, publish.current) } else { action }}
                        </button>
                    </td>
                </tr>
            }
        });
        Some(
            view! {
                <table class="history-table">
                    <thead>
                        <tr>
                            <th scope="col">{t_string!(i18n, publish.version)}</th>
                            <th scope="col">{t_string!(i18n, publish.published_at)}</th>
                            <th scope="col">{t_string!(i18n, publish.comment)}</th>
                            <th scope="col">{t_string!(i18n, publish.actions)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows.collect_view()}</tbody>
                </table>
            }
            .into_any(),
        )
    };
    view! {
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">{move || t_string!(i18n, publish.history)}</h2>
            <button type="button" class="secondary" on:click=move |_| publishing.refresh_history()>
                {move || t_string!(i18n, publish.refresh)}
            </button>
            {table}
        </section>
    }
}
