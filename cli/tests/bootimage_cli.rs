//! `osdgate bootimage script` end to end (issue 11): the files it writes are the library's, a bad
//! patch or parameter writes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use osdgate_model::media::prepare::{PrepareParams, generate};
use osdgate_model::trust::scripts::PatchFile;

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tests/corpus/trust").join(name)
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

#[test]
fn script_writes_the_library_files_with_and_without_roots() {
    let dir = scratch("bootimage-script");
    let reg = corpus("all.windows.authroot.winpe-offline.reg");
    let out_dir = dir.join("out");
    let out = osdgate(&[
        "bootimage",
        "script",
        "--wim",
        "E:\\sources\\boot.wim",
        "-o",
        out_dir.to_str().unwrap(),
        reg.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc = osdgate_model::trust::read_reg(&std::fs::read(&reg).unwrap()).unwrap();
    let keys = doc.certificate_blobs().iter().map(|b| b.key_path.clone()).collect();
    let expected = generate(&PrepareParams {
        wim_path: "E:\\sources\\boot.wim".into(),
        index: 1,
        mount_dir: None,
        offline_patches: vec![PatchFile {
            file_name: "all.windows.authroot.winpe-offline.reg".into(),
            keys,
        }],
    })
    .unwrap();
    for (name, bytes) in &expected.files {
        assert_eq!(&std::fs::read(out_dir.join(name)).unwrap(), bytes, "{name}");
    }

    let bare = dir.join("bare");
    let out = osdgate(&["bootimage", "script", "--wim", "boot.wim", "-o", bare.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ps = std::fs::read_to_string(bare.join("prepare-bootimage.ps1")).unwrap();
    assert!(!ps.contains("winpe-offline\\Microsoft"), "no roots, no keys to verify");
}

#[test]
fn bad_input_writes_nothing() {
    let dir = scratch("bootimage-bad");
    let out_dir = dir.join("out");
    // A patch for the running registry (SOFTWARE) cannot go into the offline hive.
    let software = corpus("all.minimal.root.software.reg");
    let out = osdgate(&[
        "bootimage",
        "script",
        "--wim",
        "boot.wim",
        "-o",
        out_dir.to_str().unwrap(),
        software.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("winpe-offline"));
    assert!(!out_dir.exists());
    let out = osdgate(&[
        "bootimage",
        "script",
        "--wim",
        "boot.iso",
        "--index",
        "0",
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--index") && stderr.contains(".wim"), "{stderr}");
    assert!(!out_dir.exists());
}
