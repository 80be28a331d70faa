//! Golden files of the media formats (issue 11). Regenerate with `OSDGATE_UPDATE_GOLDEN=1` after an
//! intended change, and review the diff.

mod golden;

use std::path::PathBuf;

use osdgate_model::media::launcher;
use osdgate_model::media::prepare::{PrepareParams, generate};
use osdgate_model::trust::scripts::PatchFile;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/media")
}

fn golden(file: &str, actual: &[u8]) {
    golden::assert_golden(&corpus().join(file), actual);
}

#[test]
fn stock_startnet_with_the_launcher_is_golden() {
    let installed = launcher::install(b"wpeinit\r\n").unwrap();
    golden("startnet.golden.cmd", &installed.startnet);
    // A prepared file prepared again is the same file.
    assert_eq!(launcher::install(&installed.startnet).unwrap().startnet, installed.startnet);
}

#[test]
fn preparation_scripts_are_golden() {
    let files = generate(&PrepareParams {
        wim_path: "D:\\Media\\sources\\boot.wim".into(),
        index: 1,
        mount_dir: None,
        offline_patches: vec![PatchFile {
            file_name: "..\\roots\\offline\\roots.reg".into(),
            keys: vec![
                "HKEY_LOCAL_MACHINE\\winpe-offline\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\EB971F84C0C44B9EB22A378FECB45747EB971F84".into(),
            ],
        }],
    })
    .unwrap();
    for (name, bytes) in &files.files {
        golden(&name.replace('.', ".golden."), bytes);
    }
}
