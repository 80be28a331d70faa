use leptos::prelude::*;

use crate::i18n::*;
use crate::preferences::Theme;

/// Light, dark or the system's choice.
#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let theme = RwSignal::new(Theme::saved());
    Effect::new(move |_| theme.get().apply());
    let label = move |theme: Theme| match theme {
        Theme::System => t_string!(i18n, theme.system).to_string(),
        Theme::Light => t_string!(i18n, theme.light).to_string(),
        Theme::Dark => t_string!(i18n, theme.dark).to_string(),
    };
    view! {
        // The label names the select by `for`: wrapped, its name would include the chosen option.
        <div class="inline-field">
            <label for="theme-select">{t!(i18n, theme.label)}</label>
            <select
                id="theme-select"
                on:change=move |event| {
                    if let Some(chosen) = Theme::parse(&event_target_value(&event)) {
                        theme.set(chosen);
                    }
                }
                prop:value=move || theme.get().as_str()
            >
                {Theme::ALL
                    .into_iter()
                    .map(|option| {
                        view! {
                            <option value=option.as_str() selected=move || theme.get() == option>
                                {move || label(option)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
