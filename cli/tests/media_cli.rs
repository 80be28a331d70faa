//! `osdgate media ...` end to end (issue 11): the example builds a bundle as it stands, the same
//! inputs give the same bytes, `verify` finds a changed file, a document with preflight errors or a
//! weak password builds nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn osdgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_osdgate")).args(args).output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("osdgate-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A minimal Windows x64 PE header.
fn fake_agent(dir: &Path) -> PathBuf {
    let mut exe = vec![0u8; 0x200];
    exe[..2].copy_from_slice(b"MZ");
    exe[0x3c] = 0x40;
    exe[0x40..0x44].copy_from_slice(b"PE\0\0");
    exe[0x44..0x46].copy_from_slice(&0x8664u16.to_le_bytes());
    let path = dir.join("osdgate-agent.exe");
    std::fs::write(&path, exe).unwrap();
    path
}

struct Inputs {
    dir: PathBuf,
    agent: PathBuf,
    password: PathBuf,
    random: PathBuf,
}

fn inputs(name: &str) -> Inputs {
    let dir = scratch(name);
    let agent = fake_agent(&dir);
    let password = dir.join("password.txt");
    std::fs::write(&password, "Remote-Reimage-2026\n").unwrap();
    let random = dir.join("random.bin");
    std::fs::write(&random, (0..72u8).collect::<Vec<_>>()).unwrap();
    Inputs { dir, agent, password, random }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn bundle(inputs: &Inputs, document: &Path, password: &Path, out: &Path) -> Output {
    osdgate(&[
        "media",
        "bundle",
        "--document",
        s(document),
        "--password-file",
        s(password),
        "--agent",
        s(&inputs.agent),
        "--now",
        "2026-12-01T00:00:00Z",
        "--random-file",
        s(&inputs.random),
        "--kdf-memory-kib",
        "19456",
        "--kdf-iterations",
        "1",
        "-o",
        s(out),
    ])
}

#[test]
fn the_example_bundle_is_reproducible_and_verifies() {
    let inputs = inputs("media-bundle");
    let example = repo("examples/boot-media-over-gateway.toml");
    let (a, b) = (inputs.dir.join("a.zip"), inputs.dir.join("b.zip"));
    for out in [&a, &b] {
        let output = bundle(&inputs, &example, &inputs.password, out);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let bytes = std::fs::read(&a).unwrap();
    assert_eq!(bytes, std::fs::read(&b).unwrap(), "same inputs, same bytes");
    let verify = osdgate(&["media", "verify", s(&a)]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("all 8 files match"));

    // Change one byte of the stored (uncompressed-looking) README text inside the zip by
    // rebuilding the zip with a different README: verify names it.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        if name.ends_with("README.txt") {
            data.extend_from_slice(b"tampered");
        }
        writer.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut writer, &data).unwrap();
    }
    let tampered = inputs.dir.join("tampered.zip");
    std::fs::write(&tampered, writer.finish().unwrap().into_inner()).unwrap();
    let verify = osdgate(&["media", "verify", s(&tampered)]);
    assert_eq!(verify.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("osdgate/README.txt: differs"));
}

#[test]
fn preflight_errors_and_weak_passwords_build_nothing() {
    let inputs = inputs("media-refused");
    let out = inputs.dir.join("out.zip");
    let broken = repo("examples/boot-media-over-gateway.broken.toml");
    let output = bundle(&inputs, &broken, &inputs.password, &out);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("does not pass preflight") && stderr.contains("OSDG-"), "{stderr}");
    assert!(!out.exists());

    let weak = inputs.dir.join("weak.txt");
    std::fs::write(&weak, "password\n").unwrap();
    let output = bundle(&inputs, &repo("examples/boot-media-over-gateway.toml"), &weak, &out);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not strong"));
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(&inputs.dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left behind");
}

fn boot_folder(dir: &Path) -> PathBuf {
    let root = dir.join("winpe-media");
    for (path, len) in [
        ("EFI/BOOT/BOOTX64.EFI", 40_000usize),
        ("EFI/Microsoft/Boot/BCD", 16_384),
        ("Boot/BCD", 16_384),
        ("Boot/boot.sdi", 3_170_304),
        ("bootmgr.efi", 1_000),
        ("sources/boot.wim", 2_500_001),
    ] {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, (0..len).map(|i| (i % 251) as u8).collect::<Vec<_>>()).unwrap();
    }
    root
}

fn usb(inputs: &Inputs, boot_files: &Path, out: &Path) -> Output {
    osdgate(&[
        "media",
        "usb",
        "--document",
        s(&repo("examples/boot-media-over-gateway.toml")),
        "--password-file",
        s(&inputs.password),
        "--agent",
        s(&inputs.agent),
        "--now",
        "2026-12-01T00:00:00Z",
        "--random-file",
        s(&inputs.random),
        "--kdf-memory-kib",
        "19456",
        "--kdf-iterations",
        "1",
        "--boot-files",
        s(boot_files),
        "--free-mib",
        "1",
        "-o",
        s(out),
    ])
}

#[test]
fn usb_image_holds_the_boot_files_and_the_same_bundle() {
    let inputs = inputs("media-usb");
    let boot = boot_folder(&inputs.dir);
    let image = inputs.dir.join("stick.img");
    let output = usb(&inputs, &boot, &image);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("USB image") && stderr.contains("free"), "{stderr}");
    // The bundle inside the image is the bundle `media bundle` writes for the same inputs.
    let zip_path = inputs.dir.join("bundle.zip");
    let output = build("bundle", &inputs, &boot, &zip_path);
    assert!(output.status.success());
    let extracted = inputs.dir.join("extracted");
    std::fs::create_dir_all(&extracted).unwrap();
    let out = Command::new("mcopy")
        .args(["-s", "-n", "-i", &format!("{}@@1048576", s(&image)), "::*"])
        .arg(&extracted)
        .output()
        .expect("mcopy (Debian mtools) must be installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        assert_eq!(std::fs::read(extracted.join(&name)).unwrap(), data, "{name}");
    }
    for path in ["EFI/BOOT/BOOTX64.EFI", "sources/boot.wim", "Boot/boot.sdi"] {
        assert_eq!(
            std::fs::read(extracted.join(path)).unwrap(),
            std::fs::read(boot.join(path)).unwrap(),
            "{path}"
        );
    }
}

fn build(command: &str, inputs: &Inputs, boot_files: &Path, out: &Path) -> Output {
    let example = repo("examples/boot-media-over-gateway.toml");
    let mut args = vec![
        "media",
        command,
        "--document",
        s(&example),
        "--password-file",
        s(&inputs.password),
        "--agent",
        s(&inputs.agent),
        "--now",
        "2026-12-01T00:00:00Z",
        "--random-file",
        s(&inputs.random),
        "--kdf-memory-kib",
        "19456",
        "--kdf-iterations",
        "1",
        "--boot-files",
        s(boot_files),
        "-o",
        s(out),
    ];
    if command == "usb" {
        args.extend(["--free-mib", "1"]);
    }
    osdgate(&args)
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect()
}

/// Flips one byte of a file in place.
fn flip(path: &Path, at: u64) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at as usize] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

/// Where `needle` (at least 64 bytes, unique) starts in `path`.
fn find(path: &Path, needle: &[u8]) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    bytes.windows(needle.len()).position(|w| w == needle).expect("the bytes are in the image")
        as u64
}

#[test]
fn iso_from_a_folder_or_an_iso_verifies_and_names_a_flipped_byte() {
    let inputs = inputs("media-iso");
    let boot = boot_folder(&inputs.dir);
    // boot.wim and the loader get contents found nowhere else, so a flipped byte hits them only.
    std::fs::write(
        boot.join("sources/boot.wim"),
        (0..2_500_001u32).map(|i| (i.wrapping_mul(7) % 253) as u8 ^ 0x5A).collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(
        boot.join("EFI/BOOT/BOOTX64.EFI"),
        (0..40_000u32).map(|i| (i.wrapping_mul(13) % 241) as u8 ^ 0xA5).collect::<Vec<_>>(),
    )
    .unwrap();
    // The ISO from the folder: the boot files and the same bundle, read back by xorriso.
    let iso = inputs.dir.join("osdgate.iso");
    let output = build("iso", &inputs, &boot, &iso);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("ISO (ISO 9660 + Joliet, UEFI El Torito"), "{stderr}");
    let extracted = inputs.dir.join("extracted");
    let out = Command::new("xorriso")
        .args(["-osirrox", "on", "-indev"])
        .arg(&iso)
        .args(["-extract", "/"])
        .arg(&extracted)
        .output()
        .expect("xorriso (Debian xorriso) must be installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for path in
        ["EFI/BOOT/BOOTX64.EFI", "EFI/Microsoft/Boot/BCD", "sources/boot.wim", "Boot/boot.sdi"]
    {
        assert_eq!(
            std::fs::read(extracted.join(path)).unwrap(),
            std::fs::read(boot.join(path)).unwrap(),
            "{path}"
        );
    }
    let zip_path = inputs.dir.join("bundle.zip");
    let output = build("bundle", &inputs, &boot, &zip_path);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        assert_eq!(std::fs::read(extracted.join(&name)).unwrap(), data, "{name}");
        if name == "osdgate/manifest.json" {
            let manifest: serde_json::Value = serde_json::from_slice(&data).unwrap();
            let boot_files: Vec<&str> = manifest["boot_files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["path"].as_str().unwrap())
                .collect();
            assert_eq!(
                boot_files,
                [
                    "Boot/BCD",
                    "Boot/boot.sdi",
                    "EFI/BOOT/BOOTX64.EFI",
                    "EFI/Microsoft/Boot/BCD",
                    "bootmgr.efi",
                    "sources/boot.wim"
                ]
            );
        }
    }
    let verify = osdgate(&["media", "verify", s(&zip_path)]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{text}");
    assert!(text.contains("8 bundle files, 6 boot files, which are not in the zip"), "{text}");

    // verify reads the whole ISO: 14 files match.
    let verify = osdgate(&["media", "verify", s(&iso)]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{text}{}", String::from_utf8_lossy(&verify.stderr));
    assert!(text.contains("ISO of medium `usb-remote`: all 14 files match"), "{text}");

    // A WinPE ISO as boot files (xorriso writes it from the same folder): the USB image and the
    // ISO built from it hold the same files, and verify finds them all.
    let winpe = inputs.dir.join("winpe.iso");
    let out = Command::new("xorriso")
        .args(["-as", "mkisofs", "-J", "-joliet-long", "-V", "WINPE", "-o"])
        .arg(&winpe)
        .arg(&boot)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let from_iso = inputs.dir.join("from-iso.iso");
    let output = build("iso", &inputs, &winpe, &from_iso);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        std::fs::read(&from_iso).unwrap(),
        std::fs::read(&iso).unwrap(),
        "same files, same ISO"
    );
    let image = inputs.dir.join("stick.img");
    let output = build("usb", &inputs, &winpe, &image);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let verify = osdgate(&["media", "verify", s(&image)]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{text}{}", String::from_utf8_lossy(&verify.stderr));
    assert!(text.contains("USB image of medium `usb-remote`: all 14 files match"), "{text}");

    // A flipped byte in boot.wim's data: verify names the file, on the ISO and on the image.
    let wim = std::fs::read(boot.join("sources/boot.wim")).unwrap();
    let needle = &wim[100_000..100_064];
    for medium in [&iso, &image] {
        flip(medium, find(medium, needle) + 5);
        let verify = osdgate(&["media", "verify", s(medium)]);
        assert_eq!(verify.status.code(), Some(1));
        let text = String::from_utf8_lossy(&verify.stdout);
        assert!(text.contains("sources/boot.wim: differs from the manifest"), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
    }
    // The loader in the El Torito FAT image comes before the disc's copy: a flipped byte there is
    // named as the boot image's.
    let loader = std::fs::read(boot.join("EFI/BOOT/BOOTX64.EFI")).unwrap();
    let copy = inputs.dir.join("copy.iso");
    std::fs::copy(&from_iso, &copy).unwrap();
    flip(&copy, find(&copy, &loader[1000..1064]) + 3);
    let verify = osdgate(&["media", "verify", s(&copy)]);
    assert_eq!(verify.status.code(), Some(1));
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(text.contains("the El Torito boot image") && text.contains("differs"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    // A flipped byte in the ISO's volume descriptor: the reader names the field and the byte.
    flip(&from_iso, 16 * 2048 + 84);
    let verify = osdgate(&["media", "verify", s(&from_iso)]);
    assert_eq!(verify.status.code(), Some(2));
    let text = String::from_utf8_lossy(&verify.stderr);
    assert!(text.contains("volume space size differ") && text.contains("at byte 32848"), "{text}");
    assert!(leftovers(&inputs.dir).is_empty());
}

#[test]
fn missing_boot_files_and_damaged_isos_are_refused_with_the_fix() {
    let inputs = inputs("media-refused-boot");
    let boot = boot_folder(&inputs.dir);
    let image = inputs.dir.join("stick.img");
    for (missing, fix) in [
        ("EFI/BOOT/BOOTX64.EFI", "copype"),
        ("EFI/Microsoft/Boot/BCD", "Windows Boot Manager reads its boot configuration"),
        ("sources/boot.wim", "osdgate bootimage script"),
    ] {
        let moved = inputs.dir.join("moved");
        std::fs::rename(boot.join(missing), &moved).unwrap();
        for command in ["usb", "iso"] {
            let output = build(command, &inputs, &boot, &image);
            assert_eq!(output.status.code(), Some(2));
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains(missing) && stderr.contains(fix), "{stderr}");
            assert!(!image.exists());
        }
        std::fs::rename(&moved, boot.join(missing)).unwrap();
    }
    let iso = inputs.dir.join("winpe.iso");
    let mut bytes = vec![0u8; 0x9000];
    bytes[0x8001..0x8006].copy_from_slice(b"CD001");
    std::fs::write(&iso, bytes).unwrap();
    for command in ["usb", "iso"] {
        let output = build(command, &inputs, &iso, &image);
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--boot-files") && stderr.contains("at byte"), "{stderr}");
        assert!(!image.exists());
    }
    let output = build("iso", &inputs, &inputs.agent, &image);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a folder, a zip or an ISO"));
    assert!(leftovers(&inputs.dir).is_empty(), "no temporary file or folder left behind");
}

/// Runs `osdgate media bundle` on `document` with `extra` arguments and no terminal on stdin.
fn bundle_with(inputs: &Inputs, document: &Path, extra: &[&str], out: &Path) -> Output {
    let mut args = vec![
        "media",
        "bundle",
        "--document",
        s(document),
        "--agent",
        s(&inputs.agent),
        "--now",
        "2026-12-01T00:00:00Z",
        "--random-file",
        s(&inputs.random),
        "--kdf-memory-kib",
        "19456",
        "--kdf-iterations",
        "1",
        "-o",
        s(out),
    ];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_osdgate"))
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// The document says whether a medium needs a password, never what it is: the password comes
/// from `--password-file` or the terminal; an unattended medium is the document's choice.
#[test]
fn the_password_comes_from_a_file_or_the_terminal_and_the_document_decides_if_one_is_needed() {
    let inputs = inputs("media-protection");
    let out = inputs.dir.join("out.zip");
    let example = repo("examples/boot-media-over-gateway.toml");
    // No file and no terminal to ask on: refused with the fix, nothing written.
    let output = bundle_with(&inputs, &example, &[], &out);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--password-file") && stderr.contains("no terminal"), "{stderr}");
    assert!(!out.exists());
    // The document requires a password: --unattended cannot drop it.
    let output = bundle_with(&inputs, &example, &["--unattended"], &out);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("requires a password") && stderr.contains("protection"), "{stderr}");
    assert!(!out.exists());
    // A medium the document marks unattended builds without a password, with the warning.
    let text = std::fs::read_to_string(&example).unwrap();
    let unattended = inputs.dir.join("unattended.toml");
    std::fs::write(
        &unattended,
        text.replace("protection = \"password\"", "protection = \"unattended\""),
    )
    .unwrap();
    let output = bundle_with(&inputs, &unattended, &[], &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("WARNING: unattended media"), "{stderr}");
    let output = bundle_with(&inputs, &unattended, &["--password-file", s(&inputs.password)], &out);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unattended in the document"));
    // A document that still holds a password is refused by preflight, naming the field.
    let legacy = inputs.dir.join("legacy.toml");
    std::fs::write(
        &legacy,
        text.replace(
            "protection = \"password\"",
            "protection = \"password\"\npassword = \"Remote-Reimage-2026\"",
        ),
    )
    .unwrap();
    let output = bundle_with(
        &inputs,
        &legacy,
        &["--password-file", s(&inputs.password)],
        &inputs.dir.join("legacy.zip"),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("OSDG-MEDIA-009") && stderr.contains("media[0].password"), "{stderr}");
}
