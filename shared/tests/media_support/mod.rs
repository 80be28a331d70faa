//! Helpers the media tests share.
#![allow(dead_code)]

use std::path::PathBuf;

use osdgate_model::media::bundle::{Bundle, BundleInput, build_bundle, plan_medium, resolve_roots};
use osdgate_model::media::identity::{KdfParams, MediaRandom, Protection};
use osdgate_model::model::{Document, Timestamp};

/// A fresh scratch folder.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("osdgate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The path of an external tool; the test fails (never skips) when it is missing.
pub fn tool(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
        let path = PathBuf::from(dir).join(name);
        if path.exists() {
            return path;
        }
    }
    panic!(
        "{name} is not installed; `cargo xtask test` installs it (Debian packages fdisk, dosfstools, mtools, xorriso, genisoimage, 7zip, qemu-system-x86, ovmf)"
    )
}

/// A minimal Windows x64 PE header.
pub fn fake_agent() -> Vec<u8> {
    let mut exe = vec![0u8; 0x200];
    exe[..2].copy_from_slice(b"MZ");
    exe[0x3c] = 0x40;
    exe[0x40..0x44].copy_from_slice(b"PE\0\0");
    exe[0x44..0x46].copy_from_slice(&0x8664u16.to_le_bytes());
    exe
}

/// The bundle of `examples/boot-media-over-gateway.toml` with fixed randomness.
pub fn example_bundle(agent: &[u8]) -> Bundle {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/boot-media-over-gateway.toml");
    let doc = Document::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap();
    let plan = doc.validate_at(Timestamp::parse("2026-12-01T00:00:00Z").unwrap()).unwrap();
    let spec = plan_medium(&plan, None).unwrap();
    let roots = resolve_roots(&spec, &[]).unwrap();
    build_bundle(&BundleInput {
        spec: &spec,
        roots: &roots,
        protection: &Protection::Password("Remote-Reimage-2026".into()),
        random: &MediaRandom::from_bytes(&std::array::from_fn(|i| i as u8)),
        kdf: KdfParams { memory_kib: 19 * 1024, iterations: 1, parallelism: 1 },
        agent_exe: agent,
        boot_files: &[],
    })
    .unwrap()
}
