//! Error codes have one copy: `osdgate_model::api::ErrorCode`. The relay's OpenAPI description lists
//! every one of them, and the relay's source spells none of them as a string literal.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use osdgate_model::api::ErrorCode;

#[test]
fn every_error_code_is_listed_in_the_checked_in_openapi_json() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let schemas = &document["components"]["schemas"];
    assert_eq!(
        schemas["ErrorBody"]["properties"]["code"]["$ref"], "#/components/schemas/ErrorCode",
        "ErrorBody.code must be the ErrorCode enum in openapi.json"
    );
    let variants = schemas["ErrorCode"]["oneOf"].as_array().expect("ErrorCode lists its codes");
    let listed: BTreeSet<&str> = variants
        .iter()
        .map(|variant| {
            assert!(
                variant["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{variant} has no description"
            );
            variant["const"].as_str().expect("each code is a const string")
        })
        .collect();
    let declared: BTreeSet<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    assert_eq!(
        listed, declared,
        "openapi.json's ErrorCode differs from osdgate_model::api::ErrorCode; regenerate it with \
         `OSDGATE_UPDATE_OPENAPI=1 cargo test -p osdgate-relay --test openapi`"
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every string literal of a line, with the text just before it.
fn string_literals(line: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut rest = line;
    let mut offset = 0;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        found.push((&line[..offset + start], &after[..end]));
        offset += start + end + 2;
        rest = &after[end + 1..];
    }
    found
}

/// A literal that names a D1 column (`row.int("device_revoked")`) is not an error code.
fn is_column_name(before: &str) -> bool {
    ["int(", "opt_int(", "text(", "opt_text("].iter().any(|accessor| before.ends_with(accessor))
}

#[test]
fn the_relay_source_spells_no_error_code_as_a_string_literal() {
    let codes: BTreeSet<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 10, "the relay's source was not found");
    let mut offenders = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for (before, literal) in string_literals(line) {
                if codes.contains(literal) && !is_column_name(before) {
                    offenders.push(format!("{}:{}: {}", file.display(), number + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "error codes written as string literals (use osdgate_model::api::ErrorCode):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_literal_scanner_finds_what_it_must() {
    let literals = string_literals(r#"ApiError::unauthorized("unauthorized", "x") + row.int("y")"#);
    assert_eq!(literals.iter().map(|(_, l)| *l).collect::<Vec<_>>(), ["unauthorized", "x", "y"]);
    assert!(!is_column_name(literals[0].0));
    assert!(is_column_name(literals[2].0));
}
