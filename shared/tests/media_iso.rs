//! The ISO image (issue 11, item 4) checked by independent tools: xorriso reads both trees (Joliet
//! and ECMA-119), reports the El Torito catalog and extracts every file byte for byte; the FAT boot
//! image is checked by `fsck.fat -n` and `mdir`/`mcopy`; `isoinfo` (genisoimage) and `7z` read the
//! Joliet tree as further independent readers. The tools are Debian's `xorriso`, `dosfstools`,
//! `mtools`, `genisoimage` and `7zip` (installed by the xtask); a missing tool fails the test.

mod golden;
mod media_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use media_support::{example_medium, pattern, scratch, tool, write_parts};
use osdgate_model::media::fat::{Content, MediumFile, Part};
use osdgate_model::media::iso::{IsoImage, IsoOptions};
use osdgate_model::media::iso_read::{NameSource, read_iso};
use osdgate_model::media::medium::Medium;

fn run(command: &mut Command) -> String {
    let out = command.output().unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{command:?} failed:\n{text}");
    text
}

/// The xorriso listing (`-find / -exec lsdl`) as (path, size) of every file.
fn xorriso_files(iso: &Path, read_fs: &str) -> Vec<(String, u64)> {
    let text = run(Command::new(tool("xorriso"))
        .args(["-read_fs", read_fs, "-indev"])
        .arg(iso)
        .args(["-find", "/", "-type", "f", "-exec", "lsdl"]));
    for bad in ["WARNING", "SORRY", "FAILURE", "FATAL"] {
        assert!(!text.contains(bad), "xorriso reports {bad}:\n{text}");
    }
    let mut files: Vec<(String, u64)> = text
        .lines()
        .filter(|l| l.starts_with('-'))
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            let path = l[l.find('\'').unwrap() + 1..l.len() - 1].trim_start_matches('/');
            (path.to_string(), fields[4].parse().unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Every file under `dir`, as (path from `dir`, bytes).
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A medium, the (path, bytes) expected on it, and the input files it streams from.
type TestMedium = (Medium, Vec<(String, Vec<u8>)>, Vec<PathBuf>);

/// The files of the test medium and the input files they stream from.
fn medium(dir: &Path) -> TestMedium {
    // A boot.wim stand-in streamed from a file, an ISO-like input read from an offset, the rest in
    // memory; names that the primary tree must shorten or map, non-ASCII, an empty file, a folder
    // with enough entries to need a second directory sector.
    let wim = dir.join("boot.wim");
    std::fs::write(&wim, pattern(3_000_123, 5)).unwrap();
    let container = dir.join("container.bin");
    std::fs::write(&container, pattern(70_000, 9)).unwrap();
    // The loader is streamed too: the image reads it twice (El Torito image and tree), and both
    // reads must agree for the manifest's digest.
    let loader = dir.join("loader.efi");
    std::fs::write(&loader, pattern(1_234_567, 1)).unwrap();
    let mut expected: Vec<(String, Vec<u8>)> = vec![
        ("EFI/Microsoft/Boot/BCD".into(), pattern(16_384, 2)),
        ("Boot/boot.sdi".into(), pattern(3_170_304, 4)),
        ("Boot/fr-FR/bootmgr.exe.mui".into(), pattern(100, 6)),
        ("bootmgr.efi".into(), pattern(0, 7)),
        ("Ünïcödé name with spaces.txt".into(), pattern(10, 8)),
        (
            "a folder with a long name/a file with a rather long name.extension".into(),
            pattern(2048, 10),
        ),
        ("a/b/c/d/e/f/g/deepest.txt".into(), pattern(1, 11)),
    ];
    for i in 0..70 {
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
    files.push(MediumFile {
        path: "sources/from an iso.bin".into(),
        content: Content::Input { index: 1, offset: 40_000, size: 20_000 },
    });
    expected.push(("sources/from an iso.bin".into(), pattern(70_000, 9)[40_000..60_000].to_vec()));
    files.push(MediumFile {
        path: "EFI/BOOT/BOOTX64.EFI".into(),
        content: Content::Input { index: 2, offset: 0, size: 1_234_567 },
    });
    expected.push(("EFI/BOOT/BOOTX64.EFI".into(), pattern(1_234_567, 1)));
    // The bundle as the CLI and the console add it (the manifest deferred and completed with the
    // digests taken while copying); it must equal a bundle built with the real digests.
    let inputs = vec![wim, container, loader];
    let (medium, reference) = example_medium(&files, &inputs);
    for file in &reference.files {
        expected.push((file.path.clone(), file.bytes.clone()));
    }
    expected.sort();
    (medium, expected, inputs)
}

fn options() -> IsoOptions {
    IsoOptions { label: "OSDGATE".into(), serial: 0x1234_5678 }
}

#[test]
fn iso_reads_back_with_xorriso_isoinfo_and_7z() {
    let dir = scratch("iso-image");
    let (mut medium, expected, inputs) = medium(&dir);
    let files = medium.files();
    let image = IsoImage::plan(files.clone(), medium.iso_options("OSDGATE")).unwrap();
    let summary = image.summary();
    assert_eq!(summary.files, expected.len());
    let iso = dir.join("osdgate.iso");
    assert_eq!(
        write_parts(&iso, &inputs, Some(&mut medium), |sink| image.emit(sink)),
        image.size()
    );
    // Deterministic: the same plan emits the same bytes.
    let again = dir.join("again.iso");
    let image_again = IsoImage::plan(files, medium.iso_options("OSDGATE")).unwrap();
    write_parts(&again, &inputs, Some(&mut medium), |sink| image_again.emit(sink));
    assert_eq!(std::fs::read(&iso).unwrap(), std::fs::read(&again).unwrap());

    // xorriso reads the Joliet tree (real names) and the ECMA-119 tree (level 2 names) with the
    // same sizes.
    let sizes: Vec<(String, u64)> =
        expected.iter().map(|(p, b)| (p.clone(), b.len() as u64)).collect();
    assert_eq!(xorriso_files(&iso, "any"), sizes);
    let primary = xorriso_files(&iso, "ecma119");
    assert_eq!(primary.len(), sizes.len(), "{primary:?}");
    for (path, _) in &primary {
        assert!(
            path.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"_./".contains(&b)),
            "{path} is not made of d-characters"
        );
    }
    assert!(primary.contains(&("EFI/MICROSOFT/BOOT/BCD".into(), 16_384)), "{primary:?}");
    assert!(primary.contains(&("SOURCES/BOOT.WIM".into(), 3_000_123)), "{primary:?}");
    assert!(
        primary
            .contains(&("A_FOLDER_WITH_A_LONG_NAME/A_FILE_WITH_A_RATHER_L.EXTENSIO".into(), 2048)),
        "{primary:?}"
    );

    // The El Torito catalog: one bootable UEFI no-emulation image, the FAT image, where we put it.
    let report = run(Command::new(tool("xorriso"))
        .arg("-indev")
        .arg(&iso)
        .args(["-report_el_torito", "plain"]));
    let boot_sectors = summary.boot_image.volume_bytes / 512;
    let boot_lba = image.boot_image_offset() / 2048;
    assert!(report.contains("El Torito catalog  : 20  1"), "{report}");
    let entry = report
        .lines()
        .find(|l| l.starts_with("El Torito boot img :"))
        .unwrap_or_else(|| panic!("no boot image in\n{report}"));
    assert_eq!(
        entry.split_whitespace().collect::<Vec<_>>(),
        [
            "El",
            "Torito",
            "boot",
            "img",
            ":",
            "1",
            "UEFI",
            "y",
            "none",
            "0x0000",
            "0x00",
            &boot_sectors.to_string(),
            &boot_lba.to_string()
        ],
        "{report}"
    );
    assert_eq!(report.matches("El Torito boot img :").count(), 1, "{report}");

    // xorriso extracts every file byte for byte, and nothing else.
    let extracted = dir.join("xorriso");
    run(Command::new(tool("xorriso"))
        .args(["-osirrox", "on", "-indev"])
        .arg(&iso)
        .args(["-extract", "/"])
        .arg(&extracted));
    let got = tree(&extracted);
    assert_eq!(got.len(), expected.len());
    for ((path, bytes), (want_path, want)) in got.iter().zip(&expected) {
        assert_eq!(path, want_path);
        assert!(bytes == want, "{path} differs after xorriso -extract");
    }

    // isoinfo (genisoimage, another ISO 9660 implementation) sees the descriptors and the catalog.
    let info = run(Command::new(tool("isoinfo")).arg("-d").arg("-i").arg(&iso));
    for line in [
        "Volume id: OSDGATE",
        "Logical block size is: 2048",
        "El Torito VD version 1 found, boot catalog is in sector 20",
        "Joliet with UCS level 3 found",
        "Arch 239",
        "Bootid 88 (bootable)",
        "Boot media 0 (No Emulation Boot)",
        &format!("Volume size is: {}", image.size() / 2048),
    ] {
        assert!(info.contains(line), "isoinfo -d lacks `{line}`:\n{info}");
    }
    // isoinfo converts Joliet names to a single-byte charset; the test's names are all Latin-1.
    let out = Command::new(tool("isoinfo"))
        .args(["-f", "-J", "-j", "iso8859-1", "-i"])
        .arg(&iso)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let joliet: String = out.stdout.iter().map(|&b| char::from(b)).collect();
    for (path, _) in &expected {
        assert!(
            joliet.lines().any(|l| l == format!("/{path};1")),
            "isoinfo -J lacks {path}:\n{joliet}"
        );
    }

    // 7-Zip (a third reader) extracts the tree and, as `[BOOT]/Boot-NoEmul.img`, the El Torito
    // image, which fsck.fat finds clean and mtools reads the loader from.
    let seven = dir.join("7z");
    run(Command::new(tool("7zz")).arg("x").arg(format!("-o{}", seven.display())).arg(&iso));
    let mut got = tree(&seven);
    let boot_image = got
        .iter()
        .position(|(p, _)| p == "[BOOT]/Boot-NoEmul.img")
        .expect("7z shows the boot image");
    let (_, fat) = got.remove(boot_image);
    assert_eq!(fat.len() as u64, summary.boot_image.volume_bytes);
    assert_eq!(got, expected);
    let fat_path = dir.join("efiboot.img");
    std::fs::write(&fat_path, &fat).unwrap();
    let out = Command::new(tool("fsck.fat")).arg("-n").arg("-v").arg(&fat_path).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("16 bit entries"), "{report}");
    let listing = run(Command::new(tool("mdir")).args(["-/", "-b", "-i"]).arg(&fat_path).arg("::"));
    assert_eq!(
        listing.lines().filter(|l| !l.ends_with('/')).collect::<Vec<_>>(),
        ["::/EFI/BOOT/BOOTX64.EFI"],
        "{listing}"
    );
    let loader = dir.join("BOOTX64.EFI");
    run(Command::new(tool("mcopy"))
        .arg("-i")
        .arg(&fat_path)
        .arg("::/EFI/BOOT/BOOTX64.EFI")
        .arg(&loader));
    assert_eq!(std::fs::read(&loader).unwrap(), pattern(1_234_567, 1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn iso_is_golden() {
    // A small medium: the metadata region (descriptors, catalog, path tables, directories) is
    // checked byte for byte; the whole image by its SHA-256.
    let files = vec![
        MediumFile {
            path: "EFI/BOOT/BOOTX64.EFI".into(),
            content: Content::Bytes(pattern(5000, 1)),
        },
        MediumFile {
            path: "EFI/Microsoft/Boot/BCD".into(),
            content: Content::Bytes(pattern(300, 2)),
        },
        MediumFile { path: "sources/boot.wim".into(), content: Content::Bytes(pattern(4097, 3)) },
        MediumFile { path: "osdgate/media.json".into(), content: Content::Bytes(b"{}".to_vec()) },
        MediumFile { path: "osdgate/Ünïcödé.txt".into(), content: Content::Bytes(Vec::new()) },
    ];
    let image = IsoImage::plan(files, options()).unwrap();
    let mut bytes = Vec::new();
    image
        .emit(&mut |part: Part| -> Result<(), ()> {
            match part {
                Part::Bytes(b) => bytes.extend_from_slice(&b),
                Part::Zeros(n) => bytes.resize(bytes.len() + n as usize, 0),
                Part::Input { .. } | Part::Deferred { .. } => unreachable!("no inputs"),
            }
            Ok(())
        })
        .unwrap();
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/media");
    golden::assert_golden(
        &corpus.join("iso-metadata.golden.bin"),
        &bytes[32_768..image.boot_image_offset() as usize],
    );
    let digest = osdgate_model::hex::lower(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    golden::assert_golden(&corpus.join("iso.golden.sha256"), format!("{digest}\n").as_bytes());
}

/// The reader (`read_iso`) on ISOs written by other tools: xorriso's mkisofs emulation with Joliet
/// and a UEFI El Torito image, genisoimage with Joliet, and genisoimage without Joliet (primary
/// names): the same files, byte for byte, at the offsets it reports.
#[test]
fn reader_lists_isos_written_by_xorriso_and_genisoimage() {
    let dir = scratch("iso-reader");
    let source = dir.join("source");
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("EFI/BOOT/BOOTX64.EFI", pattern(40_000, 1)),
        ("EFI/Microsoft/Boot/BCD", pattern(16_384, 2)),
        ("sources/boot.wim", pattern(300_001, 3)),
        ("Boot/en-us/bootmgr.efi.mui", pattern(77, 4)),
        ("empty.txt", Vec::new()),
    ];
    for (path, bytes) in &files {
        let at = source.join(path);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, bytes).unwrap();
    }
    let efiboot = dir.join("efiboot.img");
    run(Command::new(tool("mkfs.fat")).args(["-C", "-n", "EFIBOOT"]).arg(&efiboot).arg("2048"));
    let xorriso_iso = dir.join("xorriso.iso");
    run(Command::new(tool("xorriso"))
        .args(["-as", "mkisofs", "-J", "-joliet-long", "-V", "WINPE"])
        .args(["-append_partition", "2", "0xef"])
        .arg(&efiboot)
        .args(["-e", "--interval:appended_partition_2:all::", "-no-emul-boot"])
        .args(["--boot-catalog-hide", "-o"])
        .arg(&xorriso_iso)
        .arg(&source));
    let genisoimage_iso = dir.join("genisoimage.iso");
    run(Command::new(tool("genisoimage"))
        .args(["-quiet", "-J", "-V", "WINPE", "-o"])
        .arg(&genisoimage_iso)
        .arg(&source));
    let plain_iso = dir.join("plain.iso");
    run(Command::new(tool("genisoimage"))
        .args(["-quiet", "-V", "WINPE", "-o"])
        .arg(&plain_iso)
        .arg(&source));
    for (iso, names) in [
        (&xorriso_iso, NameSource::Joliet),
        (&genisoimage_iso, NameSource::Joliet),
        (&plain_iso, NameSource::Primary),
    ] {
        let bytes = std::fs::read(iso).unwrap();
        let listing =
            read_iso(bytes.as_slice()).unwrap_or_else(|e| panic!("{}: {e}", iso.display()));
        assert_eq!(listing.names, names, "{}", iso.display());
        assert_eq!(listing.volume_label, "WINPE");
        assert_eq!(listing.files.len(), files.len(), "{listing:?}");
        for (path, want) in &files {
            let expected_path = match names {
                NameSource::Joliet => path.to_string(),
                // genisoimage's default (level 1) primary names: 8.3, upper case.
                NameSource::Primary => path
                    .to_ascii_uppercase()
                    .replace("MICROSOFT", "MICROSOF")
                    .replace("EN-US", "EN_US")
                    .replace("BOOTMGR.EFI.MUI", "BOOTMGR_.MUI"),
            };
            let entry =
                listing.files.iter().find(|f| f.path == expected_path).unwrap_or_else(|| {
                    panic!("{}: no {expected_path} in {listing:?}", iso.display())
                });
            let got = &bytes[entry.offset as usize..(entry.offset + entry.size) as usize];
            assert!(got == want.as_slice(), "{}: {path} differs", iso.display());
        }
    }
    let xorriso = read_iso(std::fs::read(&xorriso_iso).unwrap().as_slice()).unwrap();
    assert_eq!(xorriso.boot.len(), 1, "{:?}", xorriso.boot);
    assert_eq!(xorriso.boot[0].platform, 0xEF);
    let _ = std::fs::remove_dir_all(&dir);
}
