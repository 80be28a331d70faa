//! `osdgate bootimage inspect|prepare` end to end (issue 15): a WIM captured by wimlib-imagex
//! (Debian `wimtools`, installed by `cargo xtask test`) is prepared with the real launcher,
//! verified and read back by wimlib-imagex; preparing again replaces the launcher; bad input exits
//! 2 and writes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use osdgate_model::media::launcher;

const WIMLIB: &str = "/usr/bin/wimlib-imagex";

fn osdgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_osdgate")).args(args).output().unwrap()
}

fn wimlib(args: &[&str]) -> Output {
    assert!(
        Path::new(WIMLIB).exists(),
        "{WIMLIB} is missing: install the Debian package `wimtools`"
    );
    let output = Command::new(WIMLIB).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "wimlib-imagex {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("osdgate-cli-bootimage-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A two-image boot.wim like the ADK's: image 2 (boot index) is the one Windows PE boots.
fn boot_wim(dir: &Path, compress: &str) -> PathBuf {
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("Windows/System32")).unwrap();
    std::fs::write(tree.join("Windows/System32/startnet.cmd"), b"wpeinit\r\n").unwrap();
    for i in 0..50 {
        std::fs::write(
            tree.join(format!("Windows/System32/file{i}.dll")),
            format!("{i}").repeat(500),
        )
        .unwrap();
    }
    let wim = dir.join("boot.wim");
    let compress = format!("--compress={compress}");
    wimlib(&["capture", path(&tree), path(&wim), "Microsoft Windows PE (x64)", &compress]);
    wimlib(&["append", path(&tree), path(&wim), "Microsoft Windows Setup (x64)", "--boot"]);
    wim
}

fn startnet_of(wim: &Path, index: &str) -> Vec<u8> {
    wimlib(&["extract", path(wim), index, "/Windows/System32/startnet.cmd", "--to-stdout"]).stdout
}

#[test]
fn prepare_installs_the_launcher_in_the_boot_image_and_again_replaces_it() {
    let dir = scratch("prepare");
    let wim = boot_wim(&dir, "LZX");
    let inspect = osdgate(&["bootimage", "inspect", path(&wim)]);
    assert!(inspect.status.success());
    let text = String::from_utf8_lossy(&inspect.stdout);
    assert!(text.contains("compression LZX"), "{text}");
    assert!(text.contains("boot index 2"), "{text}");
    assert!(text.contains("Microsoft Windows Setup (x64)"), "{text}");
    assert!(text.contains("no osdgate launcher"), "{text}");

    let out = dir.join("prepared.wim");
    let prepared = osdgate(&["bootimage", "prepare", path(&wim), "-o", path(&out)]);
    assert!(prepared.status.success(), "{}", String::from_utf8_lossy(&prepared.stderr));
    wimlib(&["verify", path(&out)]);
    let startnet = startnet_of(&out, "2");
    let block = launcher::block();
    assert_eq!(startnet, [b"wpeinit\r\n".as_slice(), block.as_bytes()].concat());
    assert_eq!(startnet_of(&out, "1"), b"wpeinit\r\n", "image 1 is untouched");

    let json = osdgate(&["bootimage", "inspect", path(&out), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["images"][1]["launcher"]["state"], "present");
    assert_eq!(report["images"][1]["launcher"]["version"], launcher::LAUNCHER_VERSION);
    assert_eq!(report["images"][0]["launcher"]["state"], "absent");

    // Image 1 on request; then the prepared image again: the launcher is replaced, never stacked.
    let both = dir.join("both.wim");
    assert!(
        osdgate(&["bootimage", "prepare", path(&out), "-o", path(&both), "--index", "1"])
            .status
            .success()
    );
    wimlib(&["verify", path(&both)]);
    assert_eq!(startnet_of(&both, "1"), startnet);
    let again = dir.join("again.wim");
    let output =
        osdgate(&["bootimage", "prepare", path(&both), "-o", path(&again), "--index", "1"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("already holds the current launcher"));
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&both).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_older_launcher_is_replaced() {
    let dir = scratch("older");
    let wim = boot_wim(&dir, "XPRESS");
    // An image prepared by an earlier version: its block is replaced by the current one.
    let old =
        "wpeinit\r\n@rem osdgate-launcher v0 begin\r\necho old\r\n@rem osdgate-launcher v0 end\r\n";
    let tree = dir.join("old");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("startnet.cmd"), old).unwrap();
    let mut child = Command::new(WIMLIB)
        .args(["update", path(&wim), "2"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    let command =
        format!("add {} /Windows/System32/startnet.cmd\n", path(&tree.join("startnet.cmd")));
    child.stdin.take().unwrap().write_all(command.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    let inspect = String::from_utf8_lossy(&osdgate(&["bootimage", "inspect", path(&wim)]).stdout)
        .into_owned();
    assert!(inspect.contains("osdgate launcher v0 (older"), "{inspect}");
    let out = dir.join("prepared.wim");
    let prepared = osdgate(&["bootimage", "prepare", path(&wim), "-o", path(&out)]);
    assert!(String::from_utf8_lossy(&prepared.stdout).contains("replaced (was v0)"));
    wimlib(&["verify", path(&out)]);
    let startnet = String::from_utf8(startnet_of(&out, "2")).unwrap();
    assert!(!startnet.contains("echo old"));
    assert_eq!(startnet.matches("osdgate-launcher").count(), 2, "one begin and one end marker");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let dir = scratch("bad");
    let not_wim = dir.join("notes.txt");
    std::fs::write(&not_wim, b"hello").unwrap();
    let out = dir.join("out.wim");
    let output = osdgate(&["bootimage", "prepare", path(&not_wim), "-o", path(&out)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a WIM file"));
    assert!(!out.exists());

    let wim = boot_wim(&dir, "none");
    let output = osdgate(&["bootimage", "prepare", path(&wim), "-o", path(&out), "--index", "7"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("there is no image 7"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!out.exists());

    let inspect = osdgate(&["bootimage", "inspect", path(&not_wim)]);
    assert_eq!(inspect.status.code(), Some(2));

    // An output folder that does not exist: an error, and no temporary file left anywhere.
    let output =
        osdgate(&["bootimage", "prepare", path(&wim), "-o", path(&dir.join("missing/out.wim"))]);
    assert!(!output.status.success());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
