//! Golden files of the WIM writer (issue 15, item 4): each WIM in `corpus/wim/` (captured once by
//! `wimlib-imagex`) prepared with a fixed `startnet.cmd` and a fixed modification time must give
//! exactly the checked-in `*.prepared.wim`, and wimlib-imagex (the independent tool) verifies each
//! golden file and reads the new `startnet.cmd` back from it. `OSDGATE_UPDATE_GOLDEN=1` rewrites the golden
//! files after a deliberate change of the output.

use std::path::{Path, PathBuf};
use std::process::Command;

use osdgate_model::wim::{Preparation, PrepareOptions, prepare};

const STARTNET: &[u8] = b"wpeinit\r\n@rem osdgate golden launcher\r\necho golden\r\n";
/// 2026-01-02 00:00:00 UTC as a FILETIME.
const MODIFIED: u64 = 134_117_856_000_000_000;

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/wim").join(name)
}

fn prepared_bytes(name: &str) -> Vec<u8> {
    let source = std::fs::read(corpus(name)).unwrap();
    let preparation = Preparation::open(source.as_slice(), None).unwrap();
    let prepared = prepare(
        source.as_slice(),
        &preparation,
        STARTNET,
        PrepareOptions { modified: Some(MODIFIED), drop_integrity: false },
    )
    .unwrap();
    let mut out = prepared.header.to_vec();
    out.extend_from_slice(&source[prepared.kept.start as usize..prepared.kept.end as usize]);
    out.extend_from_slice(&prepared.appended);
    out
}

fn check(name: &str) {
    let golden_name = name.replace(".wim", ".prepared.wim");
    let golden_path = corpus(&golden_name);
    let actual = prepared_bytes(name);
    if std::env::var_os("OSDGATE_UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden_path, &actual).unwrap();
    }
    let golden = std::fs::read(&golden_path)
        .unwrap_or_else(|e| panic!("{golden_name}: {e} (OSDGATE_UPDATE_GOLDEN=1 writes it)"));
    assert!(actual == golden, "{name}: the writer's output differs from {golden_name}");

    let wimlib = "/usr/bin/wimlib-imagex";
    assert!(
        Path::new(wimlib).exists(),
        "{wimlib} is missing: install the Debian package `wimtools`"
    );
    let verify =
        Command::new(wimlib).args(["verify", golden_path.to_str().unwrap()]).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    let extract = Command::new(wimlib)
        .args([
            "extract",
            golden_path.to_str().unwrap(),
            "1",
            "/Windows/System32/startnet.cmd",
            "--to-stdout",
        ])
        .output()
        .unwrap();
    assert!(extract.status.success(), "{}", String::from_utf8_lossy(&extract.stderr));
    assert_eq!(extract.stdout, STARTNET);
}

#[test]
fn xpress_golden() {
    check("boot-xpress.wim");
}

#[test]
fn lzx_with_integrity_golden() {
    check("boot-lzx.wim");
}

#[test]
fn uncompressed_two_images_golden() {
    check("boot-none.wim");
}

#[test]
fn preparing_the_golden_output_again_with_the_same_text_changes_nothing() {
    let once = prepared_bytes("boot-xpress.wim");
    let preparation = Preparation::open(once.as_slice(), None).unwrap();
    assert_eq!(preparation.current, STARTNET);
    let again =
        prepare(once.as_slice(), &preparation, STARTNET, PrepareOptions::default()).unwrap();
    assert!(again.unchanged);
    assert_eq!(again.len(), once.len() as u64);
}
