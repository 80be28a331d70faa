//! The dry-run fixture shared by `dry_run.rs` and `wine.rs`: a bundle folder with `media.json` and
//! a policy file built from the boot-media example's task sequence.

use std::path::{Path, PathBuf};

use osdgate_model::api::{
    ContentFile, ContentReference, DeploymentPolicy, PolicyResponse, PolicyVariable,
};
use osdgate_model::media::bundle::{MEDIA_CONFIG_SCHEMA, MediaConfig};
use osdgate_model::media::identity::StoredKey;
use osdgate_model::model::Document;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

pub fn scratch(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("osdgate-agent-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn content(id: &str, files: &[(&str, u64)]) -> ContentReference {
    ContentReference {
        content_id: id.into(),
        name: id.into(),
        version: None,
        files: files
            .iter()
            .map(|(path, size)| ContentFile {
                path: (*path).into(),
                size: *size,
                sha256: "0".repeat(64),
            })
            .collect(),
        locations_url: format!("/api/v1/content/{id}/locations"),
    }
}

/// A bundle folder and a policy file for the example's deployment; returns (bundle, policy file).
pub fn fixture(folder: &Path, expires_at: &str) -> (PathBuf, PathBuf) {
    let text =
        std::fs::read_to_string(workspace().join("examples/boot-media-over-gateway.toml")).unwrap();
    let document = Document::from_toml(&text).unwrap();
    let deployment = &document.deployments[0];
    let sequence = document.task_sequence(&deployment.task_sequence_id).unwrap();
    let policy = PolicyResponse {
        deployments: vec![DeploymentPolicy {
            deployment_id: deployment.id.clone(),
            name: "Reimage".into(),
            config_version: 3,
            task_sequence: serde_json::to_value(sequence).unwrap(),
            variables: vec![
                PolicyVariable {
                    name: "OSDComputerName".into(),
                    value: "LAPTOP-0042".into(),
                    device_specific: true,
                    secret: false,
                },
                PolicyVariable {
                    name: "OSDLocalAdminPassword".into(),
                    value: "S3cret-Admin!".into(),
                    device_specific: false,
                    secret: true,
                },
            ],
            content: vec![
                content("ABC00010", &[("sources/install.wim", 4_000_000_000)]),
                content("ABC00011", &[("ccmsetup.exe", 5_000_000)]),
                content("ABC00012", &[("drivers/net.inf", 10_000)]),
            ],
            scenario: deployment.scenario,
            deployment_option: deployment.deployment_option,
            pre_download: deployment.pre_download,
        }],
    };
    let bundle = folder.join("osdgate");
    std::fs::create_dir_all(&bundle).unwrap();
    let media = MediaConfig {
        schema: MEDIA_CONFIG_SCHEMA.into(),
        media_id: "usb-remote".into(),
        name: "Remote worker USB stick".into(),
        relay_url: "https://relay.example.com".into(),
        deployments: vec![deployment.id.clone()],
        expires_at: expires_at.into(),
        public_key: "A".repeat(43),
        key: StoredKey::Unattended { private_key: "A".repeat(43) },
        gateway_pins: vec![],
        built_by: "test".into(),
    };
    std::fs::write(bundle.join("media.json"), serde_json::to_vec(&media).unwrap()).unwrap();
    let policy_file = folder.join("policy.json");
    std::fs::write(&policy_file, serde_json::to_vec(&policy).unwrap()).unwrap();
    (bundle, policy_file)
}
