//! Boot tests (issue 11): a USB image and an ISO whose `\EFI\BOOT\BOOTX64.EFI` is a tiny UEFI
//! program (`tests/uefi-probe`, built here for `x86_64-unknown-uefi`) boot under QEMU with OVMF (TCG)
//! — the image from a USB mass-storage device, the ISO from a CD-ROM drive through its El Torito
//! entry — and the probe lists the bundle it finds on the debug console: on its own FAT volume for
//! the USB image, through the disc's Joliet tree for the ISO (the El Torito FAT image holds only
//! the loader, as on Windows PE media).
//! Needs Debian's `qemu-system-x86` and `ovmf` and the rustup target (installed by the xtask); a
//! missing one fails the test.

mod media_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use media_support::{example_medium, scratch, tool, write_parts};
use osdgate_model::media::fat::{Content, MediumFile};
use osdgate_model::media::iso::IsoImage;
use osdgate_model::media::medium::Medium;
use osdgate_model::media::usb::UsbImage;

const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";

/// Builds the probe and returns its `.efi`.
fn build_probe() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/uefi-probe/Cargo.toml");
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("uefi-probe");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            "x86_64-unknown-uefi",
            "--manifest-path",
        ])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "building the UEFI probe failed (is the x86_64-unknown-uefi target installed? `cargo xtask test` adds it):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target_dir.join("x86_64-unknown-uefi/release/osdgate-uefi-probe.efi")
}

/// Runs QEMU until the probe powers the machine off (or the timeout) and returns the debug log.
fn boot(dir: &Path, drive_args: &[String]) -> String {
    assert!(Path::new(OVMF_CODE).exists(), "{OVMF_CODE} missing: install Debian's ovmf");
    let vars = dir.join("vars.fd");
    std::fs::copy(OVMF_VARS, &vars).unwrap();
    let log = dir.join("debugcon.log");
    let mut child = Command::new(tool("qemu-system-x86_64"))
        .args([
            "-machine",
            "q35",
            "-m",
            "256",
            "-display",
            "none",
            "-no-reboot",
            "-nic",
            "none",
            "-serial",
            "null",
        ])
        .arg("-drive")
        .arg(format!("if=pflash,format=raw,readonly=on,file={OVMF_CODE}"))
        .arg("-drive")
        .arg(format!("if=pflash,format=raw,file={}", vars.display()))
        .args(drive_args)
        .arg("-debugcon")
        .arg(format!("file:{}", log.display()))
        .args(["-global", "isa-debugcon.iobase=0xe9"])
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    std::fs::read_to_string(&log).unwrap_or_default()
}

/// The probe as the loader, a boot.wim stand-in streamed from a file (the only input) and the
/// example's bundle, as the CLI builds the medium.
fn medium(dir: &Path) -> (Medium, PathBuf) {
    let probe = build_probe();
    let wim = dir.join("boot.wim");
    std::fs::write(&wim, vec![0x5Au8; 1_000_000]).unwrap();
    let boot = vec![
        MediumFile {
            path: "EFI/BOOT/BOOTX64.EFI".into(),
            content: Content::Bytes(std::fs::read(&probe).unwrap()),
        },
        MediumFile {
            path: "EFI/Microsoft/Boot/BCD".into(),
            content: Content::Bytes(vec![0x42; 8192]),
        },
        MediumFile {
            path: "sources/boot.wim".into(),
            content: Content::Input { index: 0, offset: 0, size: 1_000_000 },
        },
    ];
    let (medium, _) = example_medium(&boot, std::slice::from_ref(&wim));
    (medium, wim)
}

/// The names the probe listed.
fn listed(log: &str) -> Vec<&str> {
    log.lines()
        .filter_map(|l| l.split("OSDGATE-FILE ").nth(1))
        .map(str::trim)
        .filter(|n| *n != "." && *n != "..")
        .collect()
}

#[test]
fn usb_image_boots_under_ovmf_and_sees_its_bundle() {
    let dir = scratch("usb-boot");
    let (mut medium, wim) = medium(&dir);
    let image = UsbImage::plan(medium.files(), medium.usb_options(0)).unwrap();
    let path = dir.join("usb.img");
    write_parts(&path, &[wim], Some(&mut medium), |sink| image.emit(sink));
    let log = boot(
        &dir,
        &[
            "-drive".into(),
            format!("if=none,id=stick,format=raw,file={}", path.display()),
            "-device".into(),
            "qemu-xhci".into(),
            "-device".into(),
            "usb-storage,drive=stick,removable=on".into(),
        ],
    );
    assert!(log.contains("OSDGATE-PROBE-BOOTED"), "the probe did not start:\n{log}");
    assert_eq!(
        listed(&log),
        ["media.json", "osdgate-agent.exe", "roots", "bootimage", "README.txt", "manifest.json"],
        "{log}"
    );
    assert!(!log.contains("OSDGATE-SOURCE"), "{log}");
    assert!(log.contains("OSDGATE-PROBE-DONE"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn iso_boots_from_a_cd_under_ovmf_and_sees_its_bundle() {
    let dir = scratch("iso-boot");
    let (mut medium, wim) = medium(&dir);
    let image = IsoImage::plan(medium.files(), medium.iso_options("OSDGATE")).unwrap();
    let path = dir.join("osdgate.iso");
    write_parts(&path, &[wim], Some(&mut medium), |sink| image.emit(sink));
    let log = boot(
        &dir,
        &[
            "-drive".into(),
            format!("if=none,id=cd,media=cdrom,format=raw,readonly=on,file={}", path.display()),
            "-device".into(),
            "ide-cd,drive=cd,bus=ide.0".into(),
        ],
    );
    assert!(log.contains("OSDGATE-PROBE-BOOTED"), "the probe did not start from the CD:\n{log}");
    // The El Torito image holds only the loader; the bundle comes from the disc's Joliet tree
    // (sorted by UCS-2 code units).
    assert!(log.contains("OSDGATE-SOURCE joliet"), "{log}");
    assert_eq!(
        listed(&log),
        ["README.txt", "bootimage", "manifest.json", "media.json", "osdgate-agent.exe", "roots"],
        "{log}"
    );
    assert!(log.contains("OSDGATE-PROBE-DONE"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
