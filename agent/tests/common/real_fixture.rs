//! A real run's fixture, shared by `real_machine.rs` (Linux) and `wine.rs` (the Windows build): the
//! dry-run fixture with real content files staged where the dry run says content goes
//! (`X:\Windows\Temp\osdgate\content\<ID>`), their sizes and SHA-256 in the policy, so a real run
//! and a dry run of the same policy record the same actions.

use std::path::{Path, PathBuf};

use osdgate_model::api::PolicyResponse;
use osdgate_model::media::bundle::sha256_hex;

/// Stages the policy's content under `drives/x/Windows/Temp/osdgate/content` (small files with
/// their real hashes) and rewrites the policy file to name them. Returns the content folder.
pub fn stage_content(policy_file: &Path, drives: &Path) -> PathBuf {
    let mut policy: PolicyResponse =
        serde_json::from_slice(&std::fs::read(policy_file).unwrap()).unwrap();
    let staged = drives.join("x/Windows/Temp/osdgate/content");
    for content in &mut policy.deployments[0].content {
        for file in &mut content.files {
            let bytes = format!("{} {} test content\n", content.content_id, file.path).repeat(100);
            let path = staged.join(&content.content_id).join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
            file.size = bytes.len() as u64;
            file.sha256 = sha256_hex(bytes.as_bytes());
        }
    }
    std::fs::write(policy_file, serde_json::to_vec(&policy).unwrap()).unwrap();
    staged
}
