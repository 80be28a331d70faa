//! Compiles the pages' own `locales/{en,de,nl}.json` into this crate's `i18n` module (leptos_i18n),
//! separate from the main module's, so no page's words are in the first load. Every `t!` key is checked
//! against the files at compile time.

use std::path::PathBuf;

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let config = Config::new("en")
        .and_then(|config| config.add_locales(["de", "nl"]))
        .expect("en, de and nl are valid locales")
        // Interpolated strings also as plain text (attributes, status lines).
        .parse_options(ParseOptions::default().interpolate_display(true));
    let translations = TranslationsInfos::parse(config).expect("locales/*.json parse");
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(out_dir.join("i18n")).expect("write the i18n module");
}
