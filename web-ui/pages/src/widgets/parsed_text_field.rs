use std::fmt::Display;

use leptos::prelude::*;
use osdgate_console::components::fields::TextField;

/// A text field for a typed document value (a subnet, an address): what the admin types is kept
/// as typed; each text that reads (`parse`) is handed to `on_valid`, one that does not is shown as
/// the field's problem while the document keeps its last good value. A change of the document
/// from elsewhere (undo) replaces the text.
#[component]
pub fn ParsedTextField<T>(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] path: String,
    /// The document's value; `None` while the document has no such value (the field is empty).
    #[prop(into)]
    value: Signal<Option<T>>,
    parse: fn(&str) -> Result<T, ()>,
    /// Why a text does not read, in the admin's language.
    #[prop(into)]
    refusal: Signal<String>,
    on_valid: Callback<T>,
    #[prop(optional, into)] placeholder: Option<String>,
) -> impl IntoView
where
    T: Clone + PartialEq + Display + Send + Sync + 'static,
{
    let shown = |value: Option<T>| value.map(|v| v.to_string()).unwrap_or_default();
    let text = RwSignal::new(shown(value.get_untracked()));
    let wrong = RwSignal::new(false);
    Effect::new(move |_| {
        let current = value.get();
        let typed = text.with_untracked(|t| parse(t).ok());
        if typed != current {
            text.set(shown(current));
            wrong.set(false);
        }
    });
    let on_input = Callback::new(move |typed: String| {
        let parsed = parse(&typed);
        text.set(typed);
        match parsed {
            Ok(value) => {
                wrong.set(false);
                on_valid.run(value);
            }
            Err(()) => wrong.set(true),
        }
    });
    let problem = Signal::derive(move || wrong.get().then(|| refusal.get()));
    view! {
        <TextField
            label
            path
            value=text
            on_input
            problem
            placeholder=placeholder.unwrap_or_default()
        />
    }
}
