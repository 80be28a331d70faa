//! The media bundle (issue 11, item 2) built from `examples/boot-media-over-gateway.toml` as it
//! stands: deterministic bytes, every file in the manifest, the zip checked by Info-ZIP's `unzip`
//! (an independent reader), the sealed key opening with the password only.

use std::path::PathBuf;
use std::process::Command;

use osdgate_model::media::bundle::{
    BundleError, BundleInput, ManifestEntry, build_bundle, plan_medium, read_manifest,
    resolve_roots, sha256_hex, verify_files, write_zip,
};
use osdgate_model::media::identity::{IdentityError, KdfParams, MediaRandom, Protection, open_key};
use osdgate_model::model::{Document, Timestamp};

/// The smallest cost `open_key` accepts keeps the test fast; the default is measured by the bench.
const FAST: KdfParams = KdfParams { memory_kib: 19 * 1024, iterations: 1, parallelism: 1 };

fn example() -> Document {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/boot-media-over-gateway.toml");
    Document::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn now() -> Timestamp {
    Timestamp::parse("2026-12-01T00:00:00Z").unwrap()
}

/// A minimal PE header: MZ, e_lfanew = 0x40, `PE\0\0`, machine AMD64.
pub fn fake_agent() -> Vec<u8> {
    let mut exe = vec![0u8; 0x200];
    exe[..2].copy_from_slice(b"MZ");
    exe[0x3c] = 0x40;
    exe[0x40..0x44].copy_from_slice(b"PE\0\0");
    exe[0x44..0x46].copy_from_slice(&0x8664u16.to_le_bytes());
    exe
}

fn random() -> MediaRandom {
    MediaRandom::from_bytes(&std::array::from_fn(|i| (i * 7) as u8))
}

fn build(protection: &Protection) -> osdgate_model::media::bundle::Bundle {
    let plan = example().validate_at(now()).expect("the example passes preflight");
    let spec = plan_medium(&plan, None).unwrap();
    let roots = resolve_roots(&spec, &[]).unwrap();
    build_bundle(&BundleInput {
        spec: &spec,
        roots: &roots,
        protection,
        random: &random(),
        kdf: FAST,
        agent_exe: &fake_agent(),
        boot_files: &[],
    })
    .unwrap()
}

#[test]
fn the_example_builds_a_deterministic_bundle() {
    let password = Protection::Password("Remote-Reimage-2026".into());
    let bundle = build(&password);
    let paths: Vec<&str> = bundle.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "osdgate/media.json",
            "osdgate/osdgate-agent.exe",
            "osdgate/roots/running/roots.reg",
            "osdgate/roots/offline/roots.reg",
            "osdgate/bootimage/prepare-bootimage.ps1",
            "osdgate/bootimage/prepare-bootimage.cmd",
            "osdgate/bootimage/startnet-osdgate.cmd",
            "osdgate/README.txt",
            "osdgate/manifest.json",
        ]
    );
    let config = &bundle.config;
    assert_eq!(config.media_id, "usb-remote");
    assert_eq!(config.relay_url, "https://relay.contoso.example");
    assert_eq!(config.deployments, ["ABC20001"]);
    assert_eq!(config.expires_at, "2027-11-01T00:00:00Z");
    assert_eq!(config.gateway_pins.len(), 1);
    assert_eq!(config.gateway_pins[0].sha1, "94E0443C36534D03D042331EF283D66FBA8B4D29");
    let running = String::from_utf16_lossy(
        &bundle.files[2].bytes[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect::<Vec<_>>(),
    );
    assert!(running.contains("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\94E0443C36534D03D042331EF283D66FBA8B4D29]"));

    // Same inputs, same bytes.
    let zip = write_zip(&bundle.files).unwrap();
    assert_eq!(write_zip(&build(&password).files).unwrap(), zip);

    // The manifest lists every other file; verify finds nothing wrong, and finds a changed file.
    let manifest = read_manifest(&bundle.files.last().unwrap().bytes).unwrap();
    assert_eq!(manifest.files.len(), bundle.files.len() - 1);
    let actual: Vec<ManifestEntry> = bundle
        .files
        .iter()
        .map(|f| ManifestEntry {
            path: f.path.clone(),
            size: f.bytes.len() as u64,
            sha256: sha256_hex(&f.bytes),
        })
        .collect();
    assert!(verify_files(&manifest, &actual).is_empty());
    let mut tampered = actual.clone();
    tampered[1].sha256 = sha256_hex(b"other agent");
    tampered.remove(3);
    assert_eq!(verify_files(&manifest, &tampered).len(), 2);

    // The key opens with the password only.
    assert!(
        open_key(&config.media_id, &config.public_key, &config.key, "Remote-Reimage-2026").is_ok()
    );
    assert_eq!(
        open_key(&config.media_id, &config.public_key, &config.key, "remote-reimage-2026")
            .unwrap_err(),
        IdentityError::WrongPassword
    );

    // Info-ZIP reads every entry and its CRC.
    let dir = std::env::temp_dir().join(format!("osdgate-bundle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zip_path = dir.join("bundle.zip");
    std::fs::write(&zip_path, &zip).unwrap();
    let out = Command::new("unzip")
        .arg("-t")
        .arg(&zip_path)
        .output()
        .expect("unzip (Debian unzip) must be installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("No errors detected"), "{stdout}");
    for path in paths {
        assert!(stdout.contains(path), "unzip does not list {path}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unattended_media_say_so_and_weak_passwords_are_refused() {
    let bundle = build(&Protection::Unattended);
    let readme = String::from_utf8(bundle.files[7].bytes.clone()).unwrap();
    assert!(readme.contains("UNATTENDED"));
    let plan = example().validate_at(now()).unwrap();
    let spec = plan_medium(&plan, Some("Remote worker USB stick")).unwrap();
    let roots = resolve_roots(&spec, &[]).unwrap();
    let err = build_bundle(&BundleInput {
        spec: &spec,
        roots: &roots,
        protection: &Protection::Password("remote2026".into()),
        random: &random(),
        kdf: FAST,
        agent_exe: &fake_agent(),
        boot_files: &[],
    })
    .unwrap_err();
    assert_eq!(err, BundleError::Identity(IdentityError::WeakPassword));
    let err = build_bundle(&BundleInput {
        spec: &spec,
        roots: &roots,
        protection: &Protection::Unattended,
        random: &random(),
        kdf: FAST,
        agent_exe: b"#!/bin/sh\n",
        boot_files: &[],
    })
    .unwrap_err();
    assert!(err.to_string().contains("MZ"), "{err}");
}

#[test]
fn missing_roots_and_unknown_media_are_named() {
    let mut doc = example();
    doc.gateways[0].certificate.trusted_roots[0].certificate = None;
    let plan = doc.validate_at(now()).unwrap();
    let spec = plan_medium(&plan, None).unwrap();
    let problems = resolve_roots(&spec, &[]).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].to_string().contains("--root"));
    let err = plan_medium(&plan, Some("nope")).unwrap_err();
    assert!(err.to_string().contains("usb-remote"), "{err}");
}
