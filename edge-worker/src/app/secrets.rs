//! Secret values of the published configuration — device variables marked `secret`, hidden task
//! sequence variables (`hidden`) — are never sent back by `GET`: each is replaced
//! by [`KEPT_SECRET`]. Publishing a document that still holds the placeholder keeps the value stored
//! for the same field of the current version, so an admin edits and publishes what `GET` returned
//! without seeing or re-typing secrets. A field is "the same" when its path of identities matches:
//! every array element is named by its `id`, else its `name`, else its position
//! (`devices[LAPTOP-42].variables[OSDJoinPassword].value`).

use osdgate_model::api::{ErrorCode, KEPT_SECRET};
use serde_json::Value;

use super::ApiError;

/// Call `visit` with the identity path and the value of every non-empty secret string in
/// `document` (also used by [`super::sealing`], whose associated data is that path).
pub(crate) fn visit(document: &mut Value, visit: &mut dyn FnMut(&str, &mut Value)) {
    secrets(document, "", visit);
}

fn secrets(value: &mut Value, path: &str, visit: &mut dyn FnMut(&str, &mut Value)) {
    match value {
        Value::Object(map) => {
            let flagged = ["secret", "hidden"]
                .iter()
                .any(|flag| map.get(*flag).and_then(Value::as_bool) == Some(true));
            for (key, child) in map.iter_mut() {
                let child_path = format!("{path}.{key}");
                if key == "value" && flagged {
                    if child.as_str().is_some_and(|s| !s.is_empty()) {
                        visit(&child_path, child);
                    }
                } else {
                    secrets(child, &child_path, visit);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                let identity = ["id", "name"]
                    .iter()
                    .find_map(|key| item.get(*key).and_then(Value::as_str).map(str::to_owned))
                    .unwrap_or_else(|| index.to_string());
                secrets(item, &format!("{path}[{identity}]"), visit);
            }
        }
        _ => {}
    }
}

/// Replace every secret value by [`KEPT_SECRET`].
pub fn mask(document: &mut Value) {
    secrets(document, "", &mut |_, value| *value = Value::String(KEPT_SECRET.to_owned()));
}

/// Empty every secret value (hidden task sequence variables in a task sequence served to a caller
/// that may not have secrets: a media token, a device not approved yet).
pub fn withhold(document: &mut Value) {
    secrets(document, "", &mut |_, value| *value = Value::String(String::new()));
}

/// Whether `document` holds a [`KEPT_SECRET`] placeholder anywhere a secret can be.
pub fn has_placeholders(document: &mut Value) -> bool {
    let mut found = false;
    secrets(document, "", &mut |_, value| found |= value == KEPT_SECRET);
    found
}

/// Put back, for every [`KEPT_SECRET`] in `document`, the value the same field has in `stored`
/// (the current version's document). Every placeholder without a stored value is refused at once,
/// by path.
pub fn restore(document: &mut Value, stored: Option<&mut Value>) -> Result<(), ApiError> {
    let mut kept = std::collections::HashMap::new();
    if let Some(stored) = stored {
        secrets(stored, "", &mut |path, value| {
            kept.entry(path.to_owned()).or_insert_with(|| value.clone());
        });
    }
    let mut missing = Vec::new();
    secrets(document, "", &mut |path, value| {
        if value == KEPT_SECRET {
            match kept.get(path) {
                Some(secret) => *value = secret.clone(),
                None => missing.push(path.trim_start_matches('.').to_owned()),
            }
        }
    });
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::unprocessable(
            ErrorCode::SecretNotKept,
            format!(
                "{} holds the kept-secret placeholder, but the current configuration has no secret \
                 there (a new or renamed field): give the value itself",
                missing.join(", ")
            ),
        ))
    }
}
