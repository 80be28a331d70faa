#![cfg(not(target_arch = "wasm32"))]
//! Every translation has every key of every other, and no value is empty, in the main module's
//! `locales/` and the pages module's `pages/locales/`. leptos_i18n falls back to English for a key
//! missing in German or Dutch and only warns at build time; this test makes a missing translation a
//! failure.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

const LOCALES: [&str; 3] = ["en", "de", "nl"];

/// The translation folders: the main module's and the on-demand pages module's.
const FOLDERS: [&str; 2] = ["locales", "pages/locales"];

fn keys(prefix: &str, value: &Value, out: &mut BTreeSet<String>, empty: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                keys(&path, child, out, empty);
            }
        }
        Value::String(text) => {
            if text.trim().is_empty() {
                empty.push(prefix.to_owned());
            }
            out.insert(prefix.to_owned());
        }
        other => panic!("{prefix}: translations are strings, found {other}"),
    }
}

fn load(folder: &str, locale: &str) -> (BTreeSet<String>, Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("{folder}/{locale}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (mut out, mut empty) = (BTreeSet::new(), Vec::new());
    keys("", &json, &mut out, &mut empty);
    (out, empty)
}

/// The keys of `a` that `b` lacks.
fn missing(a: &BTreeSet<String>, b: &BTreeSet<String>) -> Vec<String> {
    a.difference(b).cloned().collect()
}

#[test]
fn every_language_has_every_key() {
    let mut problems = Vec::new();
    for folder in FOLDERS {
        let loaded: Vec<_> = LOCALES.iter().map(|l| (*l, load(folder, l))).collect();
        for (locale, (keys, empty)) in &loaded {
            for (other, (other_keys, _)) in &loaded {
                for key in missing(other_keys, keys) {
                    problems.push(format!(
                        "{folder}/{locale}.json lacks `{key}` (present in {other}.json)"
                    ));
                }
            }
            for key in empty {
                problems.push(format!("{folder}/{locale}.json has an empty `{key}`"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_sees_a_missing_key() {
    let mut english = BTreeSet::new();
    let mut empty = Vec::new();
    keys("", &serde_json::json!({ "nav": { "a": "A", "b": "B" } }), &mut english, &mut empty);
    let mut german = BTreeSet::new();
    keys("", &serde_json::json!({ "nav": { "a": "A" } }), &mut german, &mut empty);
    assert_eq!(missing(&english, &german), vec!["nav.b".to_owned()]);
}
