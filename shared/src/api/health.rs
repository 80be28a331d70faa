use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The answer of `GET /api/v1/health`: who the relay is and which storage it can reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Health {
    /// Always [`crate::PRODUCT_NAME`].
    pub name: String,
    /// The relay's semantic version (the workspace version it was built from).
    pub version: String,
    /// The build identifier: the git commit the relay was built from, or `dev` when unknown.
    pub build: String,
    /// One entry per storage binding the relay is configured with, and whether it answered.
    pub bindings: Vec<BindingStatus>,
}

impl Health {
    /// True when every configured binding answered.
    pub fn all_bindings_reachable(&self) -> bool {
        self.bindings.iter().all(|binding| binding.reachable)
    }
}

/// The kind of a Cloudflare storage binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BindingKind {
    /// D1, the relational store (configuration, media, devices, status messages).
    D1,
    /// R2, the object store (content).
    R2,
    /// Workers KV (nonces, rate-limit counters).
    Kv,
}

/// Whether one storage binding answered a cheap probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BindingStatus {
    /// The binding's name in `wrangler.toml`, e.g. `DB`.
    pub name: String,
    pub kind: BindingKind,
    pub reachable: bool,
    /// Why the probe failed, in plain words; absent when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_round_trips_through_json_with_lowercase_binding_kinds() {
        let health = Health {
            name: crate::PRODUCT_NAME.into(),
            version: crate::VERSION.into(),
            build: "dev".into(),
            bindings: vec![BindingStatus {
                name: "DB".into(),
                kind: BindingKind::D1,
                reachable: false,
                error: Some("no such table".into()),
            }],
        };
        let json = serde_json::to_value(&health).unwrap();
        assert_eq!(json["bindings"][0]["kind"], "d1");
        assert!(!health.all_bindings_reachable());
        let back: Health = serde_json::from_value(json).unwrap();
        assert_eq!(back, health);
    }
}
