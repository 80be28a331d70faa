//! The WIM writer checked by an independent tool (issue 15, "Done when"): wimlib-imagex (Debian
//! `wimtools`, installed by `cargo xtask test`) captures trees that look like Windows PE with every
//! compression, one and two images, `--boot`, an integrity table, named streams (captured from an
//! NTFS image built with Debian `ntfs-3g`), a reparse point (a symbolic link) and a directory with
//! many entries; our code replaces `startnet.cmd`; wimlib-imagex `verify`s the result, lists it
//! with `dir --detailed` (every file's attributes, security descriptor, times, streams and their
//! hashes) and `apply`s it. Only `startnet.cmd` may differ.

use std::path::{Path, PathBuf};
use std::process::Command;

use osdgate_model::wim::{
    IntegrityOutcome, Preparation, PrepareOptions, PreparedWim, inspect, prepare,
};

const WIMLIB: &str = "/usr/bin/wimlib-imagex";

fn tool(path: &str, package: &str) -> &'static str {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: install the Debian package `{package}` (cargo xtask test installs it)"
    );
    Box::leak(path.to_owned().into_boxed_str())
}

/// Runs a tool; returns its standard output and error together.
fn run(program: &str, args: &[&str]) -> String {
    run_with_input(program, args, None)
}

fn run_with_input(program: &str, args: &[&str], input: Option<&str>) -> String {
    use std::io::Write as _;
    let mut child = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.unwrap_or("").as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

fn wimlib(args: &[&str]) -> String {
    run(tool(WIMLIB, "wimtools"), args)
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("osdgate-wim-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A tree shaped like Windows PE: startnet.cmd, a DLL folder with many entries, binaries that
/// compress badly and well, a symbolic link (a reparse point in the WIM), an empty file.
fn winpe_tree(root: &Path, flavour: &str) {
    let system32 = root.join("Windows/System32");
    std::fs::create_dir_all(system32.join("drivers")).unwrap();
    std::fs::create_dir_all(root.join("Windows/Boot/EFI")).unwrap();
    std::fs::write(system32.join("startnet.cmd"), b"wpeinit\r\n").unwrap();
    for i in 0..400 {
        let body = format!("{flavour} module {i}\n").repeat(1 + i % 37);
        std::fs::write(system32.join(format!("mod{i:04}.dll")), body).unwrap();
    }
    let mut state = 0x1234_5678u32;
    let noise: Vec<u8> = (0..300_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    std::fs::write(root.join("Windows/Boot/EFI/bootmgfw.efi"), &noise).unwrap();
    // x86 code with E8 calls exercises LZX's call translation.
    let mut code = Vec::new();
    for i in 0..50_000u32 {
        code.push(0xE8);
        code.extend_from_slice(&(i.wrapping_mul(2654435761) % 70_000).to_le_bytes());
        code.extend_from_slice(b"\x90\x48\x89");
    }
    std::fs::write(system32.join("drivers/e8.sys"), &code).unwrap();
    std::fs::write(system32.join("empty.txt"), b"").unwrap();
    std::os::unix::fs::symlink("mod0001.dll", system32.join("link.dll")).unwrap();
}

fn write_output(source: &[u8], prepared: &PreparedWim, to: &Path) {
    let mut out = Vec::with_capacity(prepared.len() as usize);
    out.extend_from_slice(&prepared.header);
    out.extend_from_slice(&source[prepared.kept.start as usize..prepared.kept.end as usize]);
    out.extend_from_slice(&prepared.appended);
    assert_eq!(out.len() as u64, prepared.len());
    std::fs::write(to, out).unwrap();
}

/// Our stand-in for the launcher in these format tests: what matters here is that the file's
/// contents change and that wimlib reads exactly them back.
fn launcher(current: &[u8]) -> Vec<u8> {
    let mut text = current.to_vec();
    text.extend_from_slice(b"@rem osdgate test launcher\r\necho started\r\n");
    text
}

fn prepare_file(
    input: &Path,
    output: &Path,
    index: Option<u32>,
    options: PrepareOptions,
) -> PreparedWim {
    let source = std::fs::read(input).unwrap();
    let preparation = Preparation::open(source.as_slice(), index).expect("opens");
    let new = launcher(&preparation.current);
    let prepared = prepare(source.as_slice(), &preparation, &new, options).expect("prepares");
    write_output(&source, &prepared, output);
    prepared
}

/// `wimlib-imagex dir --detailed` of an image, without the lines that name where a blob lies in
/// the file (offsets and compressed sizes move when the metadata is rewritten).
fn detailed_listing(wim: &Path, index: u32) -> String {
    let listing = wimlib(&["dir", s(wim), &index.to_string(), "--detailed"]);
    listing
        .lines()
        // Where a blob lies and how it is stored move with the rewrite; the reference count of a
        // blob shared with the replaced startnet.cmd drops by one.
        .filter(|l| {
            !["Offset in WIM", "Compressed size", "Flags ", "Reference Count"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The listing split per file: (path, its block).
fn per_file(listing: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for block in listing.split("\n\n").filter(|b| !b.trim().is_empty()) {
        files.push((block.to_owned(), block.to_owned()));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in listing.lines() {
        if let Some(path) = line.strip_prefix("Full Path           = ") {
            if let Some(done) = current.take() {
                out.push(done);
            }
            current = Some((path.trim_matches('"').to_owned(), String::new()));
        }
        if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out.extend(current);
    let _ = files;
    out
}

fn diff_trees(a: &Path, b: &Path) -> Vec<String> {
    let output =
        Command::new("diff").args(["-rq", "--no-dereference", s(a), s(b)]).output().unwrap();
    String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect()
}

fn check_case(name: &str, compress: &str, two_images: bool, integrity: bool) {
    let dir = Scratch::new(name);
    let tree1 = dir.path("tree1");
    winpe_tree(&tree1, "pe");
    let wim = dir.path("boot.wim");
    let mut capture = vec!["capture", s(&tree1), s(&wim), "Microsoft Windows PE (x64)"];
    let compress_arg = format!("--compress={compress}");
    capture.push(&compress_arg);
    capture.push("--boot");
    // UNIX owner and mode become tagged items inside the directory entries: kept byte for byte.
    capture.push("--unix-data");
    if integrity {
        capture.push("--check");
    }
    wimlib(&capture);
    let tree2 = dir.path("tree2");
    if two_images {
        winpe_tree(&tree2, "setup");
        let mut append = vec!["append", s(&tree2), s(&wim), "Microsoft Windows Setup (x64)"];
        if integrity {
            append.push("--check");
        }
        wimlib(&append);
        // Boot index 2 like a real boot.wim: the setup image boots.
        wimlib(&["info", s(&wim), "2", "--boot"]);
    }
    let boot = if two_images { 2 } else { 1 };
    let out = dir.path("prepared.wim");
    let prepared = prepare_file(&wim, &out, None, PrepareOptions::default());
    assert_eq!(prepared.index, boot, "the boot index is the default");
    assert!(!prepared.unchanged);
    if integrity {
        assert!(
            matches!(prepared.integrity, IntegrityOutcome::Regenerated { .. }),
            "{:?}",
            prepared.integrity
        );
    }
    // The untouched bytes really are the original's.
    let original = std::fs::read(&wim).unwrap();
    let written = std::fs::read(&out).unwrap();
    assert_eq!(written[208..prepared.kept.end as usize], original[208..prepared.kept.end as usize]);

    assert_eq!(prepared.metadata_compressed, compress == "XPRESS");
    let verified = wimlib(&["verify", s(&out)]);
    if integrity {
        // wimlib checks the integrity table before anything else and says so; a flipped byte in
        // the kept range (whose chunk hashes were carried over) fails it.
        assert!(verified.contains("Verifying integrity"), "{verified}");
        let mut damaged = std::fs::read(&out).unwrap();
        damaged[300] ^= 1;
        let damaged_path = dir.path("damaged.wim");
        std::fs::write(&damaged_path, damaged).unwrap();
        let output = Command::new(WIMLIB).args(["verify", s(&damaged_path)]).output().unwrap();
        assert!(!output.status.success(), "a damaged WIM verified");
        assert!(String::from_utf8_lossy(&output.stderr).contains("integrity"));
    }
    let info = wimlib(&["info", s(&out)]);
    assert!(info.contains(&format!("Boot Index:     {boot}")), "{info}");
    assert!(
        info.contains(&format!(
            "Compression:    {}",
            if compress == "none" { "None" } else { compress }
        )),
        "{info}"
    );

    // Every file of the changed image as before except startnet.cmd; the other image identical.
    let before = per_file(&detailed_listing(&wim, boot));
    let after = per_file(&detailed_listing(&out, boot));
    assert_eq!(before.len(), after.len());
    for ((path_before, block_before), (path_after, block_after)) in before.iter().zip(&after) {
        assert_eq!(path_before, path_after);
        if path_before.eq_ignore_ascii_case("/Windows/System32/startnet.cmd") {
            assert_ne!(block_before, block_after);
        } else {
            assert!(
                block_before == block_after,
                "{path_before} changed:\n{block_before}\n{block_after}"
            );
        }
    }
    if two_images {
        let (before, after) = (detailed_listing(&wim, 1), detailed_listing(&out, 1));
        let first_difference = before.lines().zip(after.lines()).find(|(a, b)| a != b);
        assert!(before == after, "image 1 changed: {first_difference:?}");
    }

    // Applied, the tree equals the original but for startnet.cmd, which holds the launcher.
    let applied = dir.path("applied");
    wimlib(&["apply", s(&out), &boot.to_string(), s(&applied)]);
    let source_tree = if two_images { &tree2 } else { &tree1 };
    let differences = diff_trees(source_tree, &applied);
    assert_eq!(differences.len(), 1, "{differences:?}");
    assert!(differences[0].contains("startnet.cmd"), "{differences:?}");
    let startnet = std::fs::read(applied.join("Windows/System32/startnet.cmd")).unwrap();
    assert_eq!(startnet, launcher(b"wpeinit\r\n"));
    if two_images {
        let other = dir.path("other");
        wimlib(&["apply", s(&out), "1", s(&other)]);
        assert!(diff_trees(&tree1, &other).is_empty());
    }

    // Preparing the prepared WIM again replaces the launcher (here: our stand-in appends, so the
    // text grows by one block) without leaving the earlier launcher's data behind.
    let again = dir.path("again.wim");
    let second = prepare_file(&out, &again, None, PrepareOptions::default());
    assert!(second.len() <= prepared.len() + 256, "{} vs {}", second.len(), prepared.len());
    wimlib(&["verify", s(&again)]);
}

#[test]
fn xpress_one_image() {
    check_case("xpress1", "XPRESS", false, false);
}

#[test]
fn lzx_two_images_with_integrity() {
    check_case("lzx2", "LZX", true, true);
}

#[test]
fn uncompressed_two_images() {
    check_case("none2", "none", true, false);
}

#[test]
fn lzx_one_image() {
    check_case("lzx1", "LZX", false, false);
}

#[test]
fn xpress_two_images_with_integrity() {
    check_case("xpress2", "XPRESS", true, true);
}

#[test]
fn inspect_reports_images_and_startnet() {
    let dir = Scratch::new("inspect");
    let tree = dir.path("tree");
    winpe_tree(&tree, "pe");
    let wim = dir.path("boot.wim");
    wimlib(&[
        "capture",
        s(&tree),
        s(&wim),
        "Microsoft Windows PE (x64)",
        "--compress=LZX",
        "--boot",
    ]);
    let bytes = std::fs::read(&wim).unwrap();
    let inspection = inspect(bytes.as_slice()).expect("inspects");
    assert_eq!(inspection.boot_index, 1);
    assert_eq!(inspection.images.len(), 1);
    let image = &inspection.images[0];
    assert_eq!(image.xml.name.as_deref(), Some("Microsoft Windows PE (x64)"));
    assert_eq!(image.startnet.as_deref().ok(), Some(&b"wpeinit\r\n"[..]));
}

/// Named streams (captured from an NTFS image that `ntfscp` fills without mounting) on
/// startnet.cmd itself and on another file: WIMGAPI and wimlib then keep the unnamed stream in an
/// extra stream entry with the dentry's own hash zeroed, which the writer must find and change.
#[test]
fn named_streams_survive_and_the_unnamed_one_is_replaced() {
    let mkntfs = tool("/usr/sbin/mkntfs", "ntfs-3g");
    let ntfscp = tool("/usr/sbin/ntfscp", "ntfs-3g");
    let dir = Scratch::new("ads");
    let tree = dir.path("tree");
    winpe_tree(&tree, "pe");
    let ntfs = dir.path("ntfs.img");
    std::fs::File::create(&ntfs).unwrap().set_len(8 << 20).unwrap();
    run(mkntfs, &["-F", "-f", "-q", s(&ntfs)]);
    let startnet = dir.path("startnet.cmd");
    std::fs::write(&startnet, b"wpeinit\r\n").unwrap();
    let zone = dir.path("zone.txt");
    std::fs::write(&zone, b"[ZoneTransfer]\r\nZoneId=3\r\n").unwrap();
    let notes = dir.path("notes.txt");
    std::fs::write(&notes, b"notes\r\n").unwrap();
    run(ntfscp, &["-f", s(&ntfs), s(&startnet), "startnet.cmd"]);
    run(ntfscp, &["-f", "-N", "Zone.Identifier", s(&ntfs), s(&zone), "startnet.cmd"]);
    run(ntfscp, &["-f", s(&ntfs), s(&notes), "notes.txt"]);
    run(ntfscp, &["-f", "-N", "extra", s(&ntfs), s(&zone), "notes.txt"]);
    let wim = dir.path("boot.wim");
    wimlib(&[
        "capture",
        s(&ntfs),
        s(&wim),
        "Microsoft Windows PE (x64)",
        "--compress=XPRESS",
        "--boot",
    ]);
    let commands = format!(
        "add {} /Windows\ndelete /Windows/System32/startnet.cmd\nrename /startnet.cmd /Windows/System32/startnet.cmd\n",
        s(&tree.join("Windows"))
    );
    run_with_input(tool(WIMLIB, "wimtools"), &["update", s(&wim), "1"], Some(&commands));
    let before = detailed_listing(&wim, 1);
    assert!(before.contains("Named data stream \"Zone.Identifier\""), "{before}");

    let out = dir.path("prepared.wim");
    prepare_file(&wim, &out, None, PrepareOptions::default());
    wimlib(&["verify", s(&out)]);
    let before = per_file(&before);
    let after = per_file(&detailed_listing(&out, 1));
    assert_eq!(before.len(), after.len());
    for ((path, block_before), (_, block_after)) in before.iter().zip(&after) {
        if path == "/Windows/System32/startnet.cmd" {
            // The named stream is kept as it was; only the unnamed stream is new.
            let named = |block: &str| block.split("Named data stream").nth(1).map(str::to_owned);
            assert!(named(block_before).is_some());
            assert_eq!(named(block_before), named(block_after));
            assert_ne!(block_before, block_after);
        } else {
            assert!(block_before == block_after, "{path} changed:\n{block_before}\n{block_after}");
        }
    }
    let applied = dir.path("applied");
    wimlib(&["apply", s(&out), "1", s(&applied)]);
    assert_eq!(
        std::fs::read(applied.join("Windows/System32/startnet.cmd")).unwrap(),
        launcher(b"wpeinit\r\n")
    );
}

/// Every blob wimlib compressed — text, x86 code with E8 calls, random data, at chunk sizes from
/// 4 KiB to 2 MiB — decompresses with our code to exactly its SHA-1.
#[test]
fn every_blob_wimlib_compressed_decompresses_to_its_hash() {
    use osdgate_model::wim::Wim;
    let dir = Scratch::new("blobs");
    let tree = dir.path("tree");
    winpe_tree(&tree, "pe");
    // Larger files than the chunk sizes below, so matches reach far back in the window.
    let text: String =
        (0..60_000).map(|i| format!("line {} of a long text {}\n", i, i % 97)).collect();
    std::fs::write(tree.join("Windows/System32/long.txt"), text).unwrap();
    for (compress, chunk) in [
        ("XPRESS", "4096"),
        ("XPRESS", "32768"),
        ("XPRESS", "65536"),
        ("LZX", "32768"),
        ("LZX", "65536"),
        ("LZX", "262144"),
        ("LZX", "2097152"),
    ] {
        let wim = dir.path(&format!("{compress}-{chunk}.wim"));
        wimlib(&[
            "capture",
            s(&tree),
            s(&wim),
            "PE",
            &format!("--compress={compress}"),
            &format!("--chunk-size={chunk}"),
        ]);
        let bytes = std::fs::read(&wim).unwrap();
        let opened =
            Wim::open(bytes.as_slice()).unwrap_or_else(|e| panic!("{compress} {chunk}: {e}"));
        assert_eq!(opened.header.chunk_size.to_string(), chunk);
        let mut compressed = 0;
        for entry in opened.blobs.iter().filter(|b| !b.is_metadata()) {
            let data = opened.blob(bytes.as_slice(), &entry.hash, 1 << 30).unwrap_or_else(|e| {
                panic!("{compress} {chunk}: blob at {}: {e}", entry.resource.offset)
            });
            assert_eq!(data.len() as u64, entry.resource.original_size);
            compressed += usize::from(entry.resource.is_compressed());
        }
        assert!(compressed > 3, "{compress} {chunk}: only {compressed} compressed blobs");
        opened.metadata(bytes.as_slice(), 1).unwrap();
    }
}
