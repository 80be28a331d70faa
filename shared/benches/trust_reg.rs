//! Issue 4 target: 150 certificates into one `.reg` in under 20 ms natively.
//!
//! `certificates_to_reg` is the whole pipeline (blob encoding with the `windows` profile, hashes
//! included, then the `.reg` writer). `writer_only` and `naive_writer` compare the writer with the
//! obvious alternative: a `format!("{:02x},")` per byte into a `String`, line length recounted per
//! byte, then `encode_utf16().collect()`. Criterion prints both; the ratio is in the report.
//!
//! Input: the roots of Debian's `ca-certificates` plus fixtures, to make 150.
//!
//! "Natively" means the native profile: `cargo bench -p osdgate-model --bench trust_reg` (the
//! workspace sets `[profile.bench]` to native speed rather than inheriting the wasm size tuning of
//! `release`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use osdgate_model::trust::reg::{Hive, RegCertificateEntry, Store, write_certificates, write_reg};
use osdgate_model::trust::{BlobProfile, TrustCertificate, encode_blob, read_certificates};

fn certificates() -> Vec<TrustCertificate> {
    const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
    let bytes = std::fs::read(BUNDLE)
        .unwrap_or_else(|e| panic!("{BUNDLE}: {e}; install the Debian package ca-certificates"));
    let mut certs = read_certificates(&bytes, BUNDLE).expect("Debian bundle").certificates;
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/trust/rsa4096-sha256.pem");
    let extra = read_certificates(&std::fs::read(fixture).expect("fixture"), fixture)
        .expect("fixture")
        .certificates;
    while certs.len() < 150 {
        certs.extend(extra.iter().cloned());
    }
    certs.truncate(150);
    certs
}

/// The obvious alternative writer.
fn naive_reg(entries: &[RegCertificateEntry]) -> Vec<u8> {
    let mut text = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    for entry in entries {
        text += &format!("[{}]\r\n", entry.key_path);
        let mut line = String::from("\"Blob\"=hex:");
        for (i, byte) in entry.blob.iter().enumerate() {
            if i + 1 == entry.blob.len() {
                line += &format!("{byte:02x}");
            } else {
                line += &format!("{byte:02x},");
                if line.chars().count() >= 77 {
                    text += &line;
                    text += "\\\r\n";
                    line = String::from("  ");
                }
            }
        }
        text += &line;
        text += "\r\n\r\n";
    }
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut out = vec![0xFF, 0xFE];
    for unit in units {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

fn bench(c: &mut Criterion) {
    let certs = certificates();
    let entries: Vec<RegCertificateEntry> = certs
        .iter()
        .map(|c| {
            RegCertificateEntry::new(c, Store::AuthRoot, Hive::WinpeOffline, BlobProfile::Windows)
        })
        .collect();
    assert_eq!(naive_reg(&entries), write_reg(&entries), "both writers agree byte for byte");

    c.bench_function("certificates_to_reg_150", |b| {
        b.iter(|| {
            write_certificates(
                black_box(&certs),
                Store::AuthRoot,
                Hive::WinpeOffline,
                BlobProfile::Windows,
            )
        })
    });
    c.bench_function("encode_blobs_only_150", |b| {
        b.iter(|| {
            black_box(&certs)
                .iter()
                .map(|c| encode_blob(c, BlobProfile::Windows).bytes.len())
                .sum::<usize>()
        })
    });
    c.bench_function("writer_only_150", |b| b.iter(|| write_reg(black_box(&entries))));
    c.bench_function("naive_writer_150", |b| b.iter(|| naive_reg(black_box(&entries))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
