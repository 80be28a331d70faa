//! The USB image (issue 11, item 3) checked by independent tools: `sfdisk --dump` reads the GPT,
//! `fsck.fat -n` finds the FAT32 volume clean, `mdir`/`mcopy` list and extract every file byte for
//! byte. The tools are Debian's `fdisk`, `dosfstools` and `mtools` (installed by the xtask); a missing
//! tool fails the test.

mod media_support;

use std::io::{Read, Seek, SeekFrom};
use std::process::Command;

use media_support::{example_medium, pattern, scratch, tool, write_parts};
use osdgate_model::media::bundle::{read_manifest, verify_medium};
use osdgate_model::media::fat::{Content, ImageError, MediumFile};
use osdgate_model::media::usb::{TABLE_BYTES, UsbImage, UsbOptions, read_partition};

#[test]
fn usb_image_reads_back_with_sfdisk_fsck_and_mtools() {
    let dir = scratch("usb-image");
    // A boot.wim stand-in streamed from a file, the rest in memory; names that need long entries,
    // upper- and lower-case 8.3 names, non-ASCII, a folder with many entries.
    let wim = dir.join("boot.wim");
    std::fs::write(&wim, pattern(3_000_123, 5)).unwrap();
    let mut expected: Vec<(String, Vec<u8>)> = vec![
        ("EFI/BOOT/BOOTX64.EFI".into(), pattern(1_234_567, 1)),
        ("EFI/Microsoft/Boot/BCD".into(), pattern(16_384, 2)),
        ("Boot/BCD".into(), pattern(16_384, 3)),
        ("Boot/boot.sdi".into(), pattern(3_170_304, 4)),
        ("Boot/fr-FR/bootmgr.exe.mui".into(), pattern(100, 6)),
        ("bootmgr.efi".into(), pattern(0, 7)),
        ("osdgate/Ünïcödé name with spaces.txt".into(), pattern(10, 8)),
    ];
    for i in 0..40 {
        expected.push((format!("Boot/Fonts/font number {i}.ttf"), pattern(700 + i, i as u8)));
    }
    let mut files: Vec<MediumFile> = expected
        .iter()
        .map(|(p, b)| MediumFile { path: p.clone(), content: Content::Bytes(b.clone()) })
        .collect();
    files.push(MediumFile {
        path: "sources/boot.wim".into(),
        content: Content::Input { index: 0, offset: 0, size: 3_000_123 },
    });
    expected.push(("sources/boot.wim".into(), std::fs::read(&wim).unwrap()));
    // The bundle as the CLI and the console add it: the manifest planned with the boot files'
    // digests reserved, written last and completed with the digests taken while copying. It must
    // come out as the manifest of a bundle built with the real digests.
    let inputs = vec![wim.clone()];
    let (mut medium, reference) = example_medium(&files, &inputs);
    for file in &reference.files {
        expected.push((file.path.clone(), file.bytes.clone()));
    }
    let files = medium.files();

    let options = medium.usb_options(1 << 20);
    let image = UsbImage::plan(files.clone(), options).unwrap();
    let summary = image.summary();
    assert!(summary.volume.free_bytes >= 1 << 20);
    let path = dir.join("usb.img");
    assert_eq!(
        write_parts(&path, &inputs, Some(&mut medium), |sink| image.emit(sink)),
        image.size()
    );
    // Deterministic: the same plan emits the same bytes.
    let again = dir.join("usb2.img");
    let image_again = UsbImage::plan(files, options).unwrap();
    write_parts(&again, &inputs, Some(&mut medium), |sink| image_again.emit(sink));
    assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(&again).unwrap());

    // sfdisk reads the GPT (primary and backup) and shows one basic data partition at 1 MiB.
    let out = Command::new(tool("sfdisk")).arg("--dump").arg(&path).output().unwrap();
    let dump = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{dump}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).trim().is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dump.contains("label: gpt"), "{dump}");
    let sectors = summary.volume.volume_bytes / 512;
    assert!(
        dump.contains(&format!(
            "start=        2048, size={sectors:>12}, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"
        )) || dump.contains(&format!(
            "start=2048, size={sectors}, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"
        )),
        "{dump}"
    );
    assert!(dump.contains("name=\"osdgate\""), "{dump}");

    // The table reader `media verify` uses finds the partition, and refuses a damaged table.
    let head = std::fs::read(&path).unwrap()[..TABLE_BYTES].to_vec();
    let range = read_partition(&head, image.size()).unwrap();
    assert_eq!(
        range,
        summary.partition_offset..summary.partition_offset + summary.volume.volume_bytes
    );
    let mut damaged = head.clone();
    damaged[1024 + 60] ^= 1;
    let err = read_partition(&damaged, image.size()).unwrap_err();
    assert_eq!(err.offset, 600, "{err}");

    // fsck.fat on the partition: clean, nothing to fix.
    let partition = dir.join("partition.img");
    {
        let mut src = std::fs::File::open(&path).unwrap();
        src.seek(SeekFrom::Start(summary.partition_offset)).unwrap();
        let mut dst = std::fs::File::create(&partition).unwrap();
        std::io::copy(&mut src.take(summary.volume.volume_bytes), &mut dst).unwrap();
    }
    let out = Command::new(tool("fsck.fat")).arg("-n").arg("-v").arg(&partition).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("32 bit entries"), "{report}");
    for bad in
        ["differ", "Free cluster summary", "Dirty", "Unused", "Reclaim", "truncat", "Bad", "fixed"]
    {
        assert!(!report.contains(bad), "fsck.fat reports `{bad}`:\n{report}");
    }

    // mtools: list and extract every file.
    let image_arg = format!("{}@@{}", path.display(), summary.partition_offset);
    let out =
        Command::new(tool("mdir")).args(["-/", "-b", "-i", &image_arg, "::"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listing = String::from_utf8_lossy(&out.stdout);
    for (path, _) in &expected {
        assert!(listing.contains(&format!("::/{path}")), "mdir does not list {path}:\n{listing}");
    }
    let extracted = dir.join("extracted");
    std::fs::create_dir_all(&extracted).unwrap();
    let out = Command::new(tool("mcopy"))
        .args(["-s", "-n", "-i", &image_arg, "::*"])
        .arg(&extracted)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut found = Vec::new();
    for (path, bytes) in &expected {
        let got = std::fs::read(extracted.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(&got == bytes, "{path} differs after mcopy");
        found.push(osdgate_model::media::bundle::ManifestEntry {
            path: path.clone(),
            size: got.len() as u64,
            sha256: osdgate_model::media::bundle::sha256_hex(&got),
        });
    }
    // The completed manifest describes the whole medium.
    let manifest =
        read_manifest(&std::fs::read(extracted.join("osdgate/manifest.json")).unwrap()).unwrap();
    assert_eq!(verify_medium(&manifest, &found), vec![]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_boot_files_and_huge_files_are_refused_up_front() {
    let no_efi =
        vec![MediumFile { path: "sources/boot.wim".into(), content: Content::Bytes(vec![1]) }];
    let options = UsbOptions { free_bytes: 0, identity: [1; 16] };
    let err = UsbImage::plan(no_efi, options).unwrap_err();
    assert!(matches!(err, ImageError::MissingBootFile { path: "EFI/BOOT/BOOTX64.EFI", .. }));
    let huge = vec![
        MediumFile { path: "efi/boot/bootx64.efi".into(), content: Content::Bytes(vec![1]) },
        MediumFile { path: "EFI/Microsoft/Boot/BCD".into(), content: Content::Bytes(vec![1]) },
        MediumFile {
            path: "sources/boot.wim".into(),
            content: Content::Input { index: 0, offset: 0, size: 1 << 32 },
        },
    ];
    let err = UsbImage::plan(huge, options).unwrap_err();
    assert!(matches!(err, ImageError::FileTooLarge { size: 4294967296, .. }), "{err}");
}
