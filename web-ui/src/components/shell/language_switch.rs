use leptos::prelude::*;

use crate::i18n::*;

/// The language of the console: English, German or Dutch (remembered by the app).
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let choose = move |event| {
        if let Ok(locale) = event_target_value(&event).parse::<Locale>() {
            i18n.set_locale(locale);
        }
    };
    view! {
        // The label names the select by `for`: wrapped, its name would include the chosen option.
        <div class="inline-field">
            <label for="language-select">{t!(i18n, language.label)}</label>
            <select
                id="language-select" on:change=choose prop:value=move || i18n.get_locale().as_str()>
                {Locale::get_all()
                    .iter()
                    .map(|&locale| {
                        let name = crate::i18n::td_string!(locale, language.own_name).to_string();
                        view! {
                            <option value=locale.as_str() lang=locale.as_str() selected=move || i18n.get_locale() == locale>
                                {name}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
