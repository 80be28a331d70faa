//! Helpers the media tests share.
#![allow(dead_code)]

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use osdgate_model::media::bundle::{
    Bundle, BundleInput, ManifestEntry, build_bundle, plan_medium, resolve_roots,
};
use osdgate_model::media::fat::{Content, MediumFile, Part};
use osdgate_model::media::identity::{KdfParams, MediaRandom, Protection};
use osdgate_model::media::medium::{Medium, pending_boot_entries};
use osdgate_model::model::{Document, Timestamp};
use sha2::{Digest, Sha256};

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

/// Test data that is not all one byte and does not repeat with a short period.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 9) as u8).collect()
}

/// The bundle of `examples/boot-media-over-gateway.toml` with fixed randomness.
pub fn example_bundle(agent: &[u8]) -> Bundle {
    example_bundle_listing(agent, &[])
}

/// [`example_bundle`] whose manifest lists `boot_files`.
pub fn example_bundle_listing(agent: &[u8], boot_files: &[ManifestEntry]) -> Bundle {
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
        boot_files,
    })
    .unwrap()
}

/// The example's medium over `boot` the way the CLI and the console build it (the manifest
/// deferred, the boot files' digests recorded while they are written), and the manifest a bundle
/// built with the boot files' real digests has, which the completed one must equal.
pub fn example_medium(boot: &[MediumFile], inputs: &[PathBuf]) -> (Medium, Bundle) {
    let agent = fake_agent();
    let planned = example_bundle_listing(&agent, &pending_boot_entries(boot));
    let medium = Medium::new(boot, &planned.files).unwrap();
    let listed: Vec<ManifestEntry> = boot
        .iter()
        .map(|file| {
            let bytes = match &file.content {
                Content::Bytes(bytes) => bytes.clone(),
                Content::Input { index, offset, size } => {
                    let all = std::fs::read(&inputs[*index]).unwrap();
                    all[*offset as usize..(*offset + *size) as usize].to_vec()
                }
                Content::Deferred { .. } => unreachable!("boot files are never deferred"),
            };
            ManifestEntry {
                path: file.path.clone(),
                size: bytes.len() as u64,
                sha256: osdgate_model::hex::lower(&Sha256::digest(&bytes)),
            }
        })
        .collect();
    (medium, example_bundle_listing(&agent, &listed))
}

/// Writes the parts `emit` produces to `path` as the CLI does: input ranges read from `inputs`
/// (and hashed into `medium`, when given), deferred files from `medium`. Returns the bytes written.
pub fn write_parts(
    path: &Path,
    inputs: &[PathBuf],
    mut medium: Option<&mut Medium>,
    emit: impl FnOnce(&mut dyn FnMut(Part) -> std::io::Result<()>) -> std::io::Result<()>,
) -> u64 {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut written = 0u64;
    emit(&mut |part: Part| -> std::io::Result<()> {
        written += part.len();
        match part {
            Part::Bytes(bytes) => out.write_all(&bytes),
            Part::Zeros(len) => {
                std::io::copy(&mut std::io::repeat(0).take(len), &mut out).map(|_| ())
            }
            Part::Input { index, offset, len } => {
                let mut file = std::fs::File::open(&inputs[index])?;
                file.seek(SeekFrom::Start(offset))?;
                let mut bytes = Vec::new();
                file.take(len).read_to_end(&mut bytes)?;
                assert_eq!(bytes.len() as u64, len, "input {index} is shorter than planned");
                if let Some(medium) = medium.as_deref_mut() {
                    medium.record(index, offset, len, &Sha256::digest(&bytes).into()).unwrap();
                }
                out.write_all(&bytes)
            }
            Part::Deferred { slot, len } => {
                let medium = medium.as_deref().expect("a deferred part needs its medium");
                let bytes = medium.deferred(slot).unwrap();
                assert_eq!(bytes.len() as u64, len, "deferred file {slot}");
                out.write_all(&bytes)
            }
        }
    })
    .unwrap();
    out.flush().unwrap();
    assert_eq!(std::fs::metadata(path).unwrap().len(), written);
    written
}
