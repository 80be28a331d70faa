//! A field-level diff of two versions of a document (the relay's and the local one) and the merge
//! the admin chooses from it, one side per change (issue 10: "On a version conflict show a
//! field-level diff of the relay's version against the local one and let the admin take either side
//! per change").
//!
//! Both sides are the document's JSON. Objects are compared key by key. A list whose entries all
//! carry a distinct string `id` (gateways, packages, deployments, ...) is compared entry by entry
//! by that ID, so a gateway added on one side and a field edited on the other are separate changes;
//! any other list (names, ranges, steps without IDs) is one value. A list whose entries only moved
//! is not a change: the merge keeps the local order, with entries taken from the relay at the end.

use serde_json::{Map, Value};

/// One step from the document's root to a changed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object's field.
    Key(String),
    /// The entry of a list with this `id`.
    Id(String),
}

/// A value that differs between the two sides. `None` on a side: the value is absent there (an
/// entry or field the other side added).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub location: Vec<Step>,
    pub local: Option<Value>,
    pub relay: Option<Value>,
}

/// Which side of a change the admin takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Local,
    Relay,
}

impl Change {
    /// The change's place as an admin reads it: `gateways[gw-1].public_url`.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for step in &self.location {
            match step {
                Step::Key(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Step::Id(id) => {
                    out.push('[');
                    out.push_str(id);
                    out.push(']');
                }
            }
        }
        out
    }
}

/// Every change between `local` and `relay`: fields in key order, list entries in the local order,
/// then those only the relay has.
pub fn diff(local: &Value, relay: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    compare(&mut Vec::new(), local, relay, &mut changes);
    changes
}

fn compare(location: &mut Vec<Step>, local: &Value, relay: &Value, out: &mut Vec<Change>) {
    if local == relay {
        return;
    }
    match (local, relay) {
        (Value::Object(local), Value::Object(relay)) => {
            for (key, local_value) in local {
                location.push(Step::Key(key.clone()));
                match relay.get(key) {
                    Some(relay_value) => compare(location, local_value, relay_value, out),
                    None => out.push(Change {
                        location: location.clone(),
                        local: Some(local_value.clone()),
                        relay: None,
                    }),
                }
                location.pop();
            }
            for (key, relay_value) in relay.iter().filter(|(key, _)| !local.contains_key(*key)) {
                location.push(Step::Key(key.clone()));
                out.push(Change {
                    location: location.clone(),
                    local: None,
                    relay: Some(relay_value.clone()),
                });
                location.pop();
            }
        }
        (Value::Array(local_items), Value::Array(relay_items)) => {
            match (keyed(local_items), keyed(relay_items)) {
                (Some(local_ids), Some(relay_ids)) => {
                    for (id, local_item) in local_ids.iter().zip(local_items) {
                        location.push(Step::Id((*id).to_owned()));
                        match relay_ids.iter().position(|other| other == id) {
                            Some(at) => compare(location, local_item, &relay_items[at], out),
                            None => out.push(Change {
                                location: location.clone(),
                                local: Some(local_item.clone()),
                                relay: None,
                            }),
                        }
                        location.pop();
                    }
                    for (id, relay_item) in relay_ids.iter().zip(relay_items) {
                        if !local_ids.contains(id) {
                            location.push(Step::Id((*id).to_owned()));
                            out.push(Change {
                                location: location.clone(),
                                local: None,
                                relay: Some(relay_item.clone()),
                            });
                            location.pop();
                        }
                    }
                }
                // Same entries in another order: not a change (see the module's comment).
                _ if same_entries(local_items, relay_items) => {}
                _ => out.push(whole(location, local, relay)),
            }
        }
        _ => out.push(whole(location, local, relay)),
    }
}

fn whole(location: &[Step], local: &Value, relay: &Value) -> Change {
    Change { location: location.to_vec(), local: Some(local.clone()), relay: Some(relay.clone()) }
}

/// The `id` of every entry, when every entry is an object with a distinct string `id`.
fn keyed(items: &[Value]) -> Option<Vec<&str>> {
    let ids: Vec<&str> =
        items.iter().map(|item| item.get("id")?.as_str()).collect::<Option<Vec<_>>>()?;
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    (sorted.len() == ids.len()).then_some(ids)
}

fn same_entries(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len()
        && a.iter().all(|item| b.contains(item))
        && b.iter().all(|item| a.contains(item))
}

/// The local document with the relay's side taken for every change chosen so (`choices[i]` is the
/// side of `changes[i]`; a missing choice keeps the local side).
pub fn merge(local: &Value, changes: &[Change], choices: &[Side]) -> Value {
    let mut merged = local.clone();
    for (index, change) in changes.iter().enumerate() {
        if choices.get(index) == Some(&Side::Relay) {
            put(&mut merged, &change.location, change.relay.clone());
        }
    }
    merged
}

/// Sets (`Some`) or removes (`None`) the value at `location`. Every step but the last exists in the
/// local document, because [`diff`] descends only where both sides have a value.
fn put(root: &mut Value, location: &[Step], value: Option<Value>) {
    let Some((last, parents)) = location.split_last() else {
        if let Some(value) = value {
            *root = value;
        }
        return;
    };
    let mut node = root;
    for step in parents {
        let next = match step {
            Step::Key(key) => node.as_object_mut().and_then(|object| object.get_mut(key)),
            Step::Id(id) => {
                node.as_array_mut().and_then(|items| items.iter_mut().find(|item| has_id(item, id)))
            }
        };
        match next {
            Some(next) => node = next,
            None => return,
        }
    }
    match last {
        Step::Key(key) => {
            if !node.is_object() {
                *node = Value::Object(Map::new());
            }
            let Some(object) = node.as_object_mut() else { return };
            match value {
                Some(value) => {
                    object.insert(key.clone(), value);
                }
                None => {
                    object.remove(key);
                }
            }
        }
        Step::Id(id) => {
            let Some(items) = node.as_array_mut() else { return };
            let at = items.iter().position(|item| has_id(item, id));
            match (at, value) {
                (Some(at), Some(value)) => items[at] = value,
                (None, Some(value)) => items.push(value),
                (Some(at), None) => {
                    items.remove(at);
                }
                (None, None) => {}
            }
        }
    }
}

fn has_id(item: &Value, id: &str) -> bool {
    item.get("id").and_then(Value::as_str) == Some(id)
}

/// A value for a table cell: strings as they are, everything else as compact JSON, cut at `limit`
/// characters.
pub fn display(value: &Value, limit: usize) -> String {
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if text.chars().count() <= limit {
        text
    } else {
        let mut cut: String = text.chars().take(limit.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn paths(changes: &[Change]) -> Vec<String> {
        changes.iter().map(Change::path).collect()
    }

    #[test]
    fn equal_documents_have_no_changes() {
        let document = json!({"site": {"code": "ABC"}, "gateways": [{"id": "a", "x": 1}]});
        assert!(diff(&document, &document.clone()).is_empty());
    }

    #[test]
    fn fields_and_entries_by_id_are_separate_changes() {
        let local = json!({
            "site": {"code": "ABC", "version": "2107"},
            "gateways": [{"id": "a", "url": "https://a"}, {"id": "local-only", "url": "x"}],
        });
        let relay = json!({
            "site": {"code": "XYZ", "version": "2107", "cmg": "gw"},
            "gateways": [{"id": "relay-only", "url": "y"}, {"id": "a", "url": "https://b"}],
        });
        let changes = diff(&local, &relay);
        assert_eq!(
            paths(&changes),
            [
                "gateways[a].url",
                "gateways[local-only]",
                "gateways[relay-only]",
                "site.code",
                "site.cmg"
            ]
        );
        assert_eq!(changes[3].local, Some(json!("ABC")));
        assert_eq!(changes[3].relay, Some(json!("XYZ")));
        assert_eq!(changes[4].local, None);
        assert_eq!(changes[1].relay, None);
        assert_eq!(changes[2].local, None);
    }

    #[test]
    fn taking_every_side_gives_that_side_back() {
        let local = json!({
            "site": {"code": "ABC", "gone": true},
            "gateways": [{"id": "a", "url": "https://a", "roots": ["r1"]}, {"id": "b"}],
            "names": ["x", "y"],
        });
        let relay = json!({
            "site": {"code": "XYZ", "new": 5},
            "gateways": [{"id": "a", "url": "https://b", "roots": ["r1", "r2"]}, {"id": "c"}],
            "names": ["z"],
        });
        let changes = diff(&local, &relay);
        let all = |side| vec![side; changes.len()];
        assert_eq!(merge(&local, &changes, &all(Side::Local)), local);
        let merged = merge(&local, &changes, &all(Side::Relay));
        // Equal as documents: the relay's entries, in the local order where both have them.
        assert!(diff(&merged, &relay).is_empty(), "{merged}");
    }

    #[test]
    fn each_change_takes_its_own_side() {
        let local = json!({"site": {"code": "ABC", "version": "2107"}, "media": [{"id": "m", "name": "L"}]});
        let relay = json!({"site": {"code": "XYZ", "version": "2203"}, "media": [{"id": "m", "name": "R"}]});
        let changes = diff(&local, &relay);
        assert_eq!(paths(&changes), ["media[m].name", "site.code", "site.version"]);
        let merged = merge(&local, &changes, &[Side::Relay, Side::Relay, Side::Local]);
        assert_eq!(
            merged,
            json!({"site": {"code": "XYZ", "version": "2107"}, "media": [{"id": "m", "name": "R"}]})
        );
    }

    #[test]
    fn lists_without_ids_are_one_value_and_reordering_is_not_a_change() {
        let local = json!({"steps": [{"name": "a"}, {"name": "b"}], "tags": ["x", "y"]});
        let relay = json!({"steps": [{"name": "a"}], "tags": ["y", "x"]});
        let changes = diff(&local, &relay);
        assert_eq!(paths(&changes), ["steps"]);
        // Duplicate IDs are not keys.
        let local = json!({"l": [{"id": "a", "v": 1}, {"id": "a", "v": 2}]});
        let relay = json!({"l": [{"id": "a", "v": 1}]});
        assert_eq!(paths(&diff(&local, &relay)), ["l"]);
    }

    #[test]
    fn display_cuts_long_values() {
        assert_eq!(display(&json!("plain"), 10), "plain");
        assert_eq!(display(&json!({"a": 1}), 10), "{\"a\":1}");
        assert_eq!(display(&json!("abcdefghijkl"), 5), "abcd…");
        assert_eq!(display(&json!(null), 10), "null");
    }
}
