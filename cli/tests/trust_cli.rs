//! `osdgate trust ...` end to end: outputs, exit codes, atomic writes (issue 4, item 6).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tests/corpus/trust").join(name)
}

fn osdgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_osdgate")).args(args).output().unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("osdgate-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn reg_to_stdout_is_the_library_output() {
    // The bytes themselves are pinned by shared/tests/trust_golden.rs; here: stdout carries them
    // unchanged (no text-mode conversion, nothing appended).
    let out = osdgate(&["trust", "reg", path(&corpus("ec256-sha256.pem"))]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let der = std::fs::read(corpus("ec256-sha256.der")).unwrap();
    let cert = osdgate_model::trust::TrustCertificate::from_der(&der).unwrap();
    let expected = osdgate_model::trust::write_certificates(
        &[cert],
        osdgate_model::trust::Store::AuthRoot,
        osdgate_model::trust::Hive::WinpeOffline,
        osdgate_model::trust::BlobProfile::Windows,
    );
    assert_eq!(out.stdout, expected);
}

#[test]
fn reg_writes_file_and_decode_reads_it_back() {
    let dir = scratch("reg");
    let out_file = dir.join("roots.reg");
    let out = osdgate(&[
        "trust",
        "reg",
        path(&corpus("two-roots.pem")),
        path(&corpus("bundle.p7c")),
        "--store",
        "ROOT",
        "--hive",
        "SOFTWARE",
        "--profile",
        "minimal",
        "-o",
        path(&out_file),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Only the target file is left (the temporary file was renamed).
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("roots.reg")]);

    let decoded = osdgate(&["trust", "decode", path(&out_file), "--format", "json"]);
    assert!(decoded.status.success(), "{}", String::from_utf8_lossy(&decoded.stdout));
    let json: serde_json::Value = serde_json::from_slice(&decoded.stdout).unwrap();
    let blobs = json["blobs"].as_array().unwrap();
    assert_eq!(blobs.len(), 4);
    for blob in blobs {
        assert_eq!(blob["consistent"], true);
        assert_eq!(blob["store"], "ROOT");
        assert!(blob["key"].as_str().unwrap().starts_with("HKEY_LOCAL_MACHINE\\SOFTWARE\\"));
    }

    // A SOFTWARE export is re-targeted to winpe-offline, blobs kept byte for byte.
    let retargeted = dir.join("winpe.reg");
    let out = osdgate(&["trust", "reg", path(&out_file), "-o", path(&retargeted)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf16(
        &std::fs::read(&retargeted).unwrap()[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(text.matches("[HKEY_LOCAL_MACHINE\\winpe-offline\\Microsoft\\SystemCertificates\\ROOT\\Certificates\\").count(), 4);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn decode_flags_a_tampered_blob() {
    let dir = scratch("tamper");
    let file = dir.join("t.reg");
    let out = osdgate(&["trust", "reg", path(&corpus("rsa2048-sha256.der")), "-o", path(&file)]);
    assert!(out.status.success());
    // Change the first byte of property 107's value: `"Blob"=hex:6b,00,00,00,01,00,00,00,20,00,00,00,XX`.
    let bytes = std::fs::read(&file).unwrap();
    let mut text = String::from_utf16(
        &bytes[2..].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect::<Vec<_>>(),
    )
    .unwrap();
    let at = text.find("\"Blob\"=hex:").unwrap() + "\"Blob\"=hex:".len() + 12 * 3;
    let replacement = if &text[at..at + 2] == "00" { "01" } else { "00" };
    text.replace_range(at..at + 2, replacement);
    std::fs::write(&file, text.as_bytes()).unwrap(); // 8-bit copy: the reader takes it too
    let out = osdgate(&["trust", "decode", path(&file)]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("MISMATCH") && stdout.contains("INCONSISTENT"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inspect_exit_codes() {
    let ok = osdgate(&[
        "trust",
        "inspect",
        path(&corpus("chain-root.pem")),
        "--gateway",
        path(&corpus("chain-gateway.pem")),
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("TRUSTED"));

    let unusable = osdgate(&["trust", "inspect", path(&corpus("nonca.der")), "--format", "json"]);
    assert_eq!(unusable.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&unusable.stdout).unwrap();
    assert_eq!(json["certificates"][0]["usable_as_root"], false);
    assert_eq!(json["certificates"][0]["findings"][0]["rule"], "OSDG-ROOT-001");

    let untrusted = osdgate(&[
        "trust",
        "inspect",
        path(&corpus("other-root.pem")),
        "--gateway",
        path(&corpus("chain-gateway.pem")),
    ]);
    assert_eq!(untrusted.status.code(), Some(1));

    for bad in ["nonca.pfx", "private-rsa.key", "does-not-exist.pem"] {
        let out = osdgate(&["trust", "inspect", path(&corpus(bad))]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(bad));
    }
    let bad_date =
        osdgate(&["trust", "inspect", path(&corpus("chain-root.pem")), "--media-expiry", "soon"]);
    assert_eq!(bad_date.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_date.stderr).contains("YYYY-MM-DD"));
}

#[test]
fn reg_refuses_a_private_key_and_writes_nothing() {
    let dir = scratch("refuse");
    let target = dir.join("out.reg");
    let out = osdgate(&[
        "trust",
        "reg",
        path(&corpus("chain-root.pem")),
        path(&corpus("private-pkcs8.key")),
        "-o",
        path(&target),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!target.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn script_writes_both_scripts_and_validates() {
    let dir = scratch("script");
    let reg = dir.join("roots.reg");
    assert!(
        osdgate(&["trust", "reg", path(&corpus("chain-root.pem")), "-o", path(&reg)])
            .status
            .success()
    );
    let out = osdgate(&[
        "trust",
        "script",
        "--wim",
        "D:\\Media\\boot.wim",
        "--index",
        "2",
        "-o",
        path(&dir),
        path(&reg),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ps = std::fs::read_to_string(dir.join("apply-trust.ps1")).unwrap();
    let cmd = std::fs::read_to_string(dir.join("apply-trust.cmd")).unwrap();
    assert!(ps.starts_with('\u{feff}') && ps.contains("[int]$Index = 2"));
    assert!(ps.contains("$RegFiles = @('roots.reg')"));
    assert!(cmd.contains("set \"INDEX=2\"\r\n"));
    let thumb = "94E0443C36534D03D042331EF283D66FBA8B4D29";
    assert!(ps.contains(thumb) && cmd.contains(thumb));

    // A SOFTWARE patch is refused: the scripts load the hive as winpe-offline.
    let software = dir.join("software.reg");
    assert!(
        osdgate(&[
            "trust",
            "reg",
            path(&corpus("chain-root.pem")),
            "--hive",
            "SOFTWARE",
            "-o",
            path(&software)
        ])
        .status
        .success()
    );
    let out = osdgate(&[
        "trust",
        "script",
        "--wim",
        "boot.iso",
        "--index",
        "0",
        "-o",
        path(&dir),
        path(&software),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--index") && stderr.contains(".wim") && stderr.contains("winpe-offline"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
