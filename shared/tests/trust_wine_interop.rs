//! Interop with a real Windows code base (issue 4 "Done when"): under Wine, `reg import` a generated
//! `minimal` patch (hive `SOFTWARE`, stores `AuthRoot` and `ROOT`), then a small crypt32 program
//! (`interop/certlist.c`, compiled here with mingw) opens each LocalMachine store and must list
//! every certificate with the right SHA-1 thumbprint, subject (`CertNameToStr` X500, reversed) and
//! display name. Wine 8's crypt32 rejects property ids 92 and 107, hence `minimal`.
//!
//! Needs the Debian packages `wine64` (or `wine`) and `gcc-mingw-w64-x86-64`. Fails, never skips,
//! when they are missing. Takes about a minute, most of it `wineboot -i` of a fresh prefix.
//! `OSDGATE_WINE` overrides the Wine binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use osdgate_model::trust::reg::{Hive, RegCertificateEntry, Store, write_reg};
use osdgate_model::trust::{BlobProfile, TrustCertificate, read_certificates};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/trust")
}

fn load(name: &str) -> TrustCertificate {
    let bytes = std::fs::read(corpus().join(name)).unwrap();
    read_certificates(&bytes, name).unwrap().certificates.remove(0)
}

fn wine_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("OSDGATE_WINE") {
        return PathBuf::from(path);
    }
    for candidate in ["/usr/lib/wine/wine64", "/usr/bin/wine64", "/usr/bin/wine"] {
        if Path::new(candidate).exists() {
            return PathBuf::from(candidate);
        }
    }
    panic!(
        "Wine is missing: install the Debian packages `wine64` and `gcc-mingw-w64-x86-64` (cargo xtask test does), or set OSDGATE_WINE"
    );
}

/// A temporary folder removed on drop, and the prefix's wineserver stopped.
struct Scratch {
    dir: PathBuf,
    wine: PathBuf,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let started = std::time::Instant::now();
        let server = self.wine.with_file_name("wineserver");
        if server.exists() {
            let _ =
                Command::new(server).arg("-k").env("WINEPREFIX", self.dir.join("prefix")).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        eprintln!("cleanup: {:.1} s", started.elapsed().as_secs_f64());
    }
}

fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

fn run(command: &mut Command, what: &str) -> String {
    let started = std::time::Instant::now();
    let output = command.output().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("{what}: {:.1} s", started.elapsed().as_secs_f64());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn wine_crypt32_lists_imported_roots() {
    let wine = wine_binary();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let scratch = Scratch {
        dir: std::env::temp_dir().join(format!("osdgate-wine-{}-{stamp}", std::process::id())),
        wine: wine.clone(),
    };
    std::fs::create_dir_all(&scratch.dir).unwrap();

    // Compile the crypt32 lister.
    let exe = scratch.dir.join("certlist.exe");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/certlist.c");
    let compiled = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-municode", "-O1", "-o"])
        .arg(&exe)
        .arg(&source)
        .arg("-lcrypt32")
        .output();
    match compiled {
        Err(e) => panic!(
            "x86_64-w64-mingw32-gcc is missing ({e}): install the Debian package `gcc-mingw-w64-x86-64`"
        ),
        Ok(out) => assert!(
            out.status.success(),
            "mingw compile failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }

    // The patches: three roots in AuthRoot (one with a quoted subject), one in ROOT.
    let auth_root: Vec<TrustCertificate> =
        ["rsa2048-sha256-noski.der", "ec384-sha384.der", "rsa4096-sha1.der"].map(load).to_vec();
    let root = vec![load("ec256-sha256.der")];
    let mut patches = Vec::new();
    for (store, certs) in [(Store::AuthRoot, &auth_root), (Store::Root, &root)] {
        let entries: Vec<RegCertificateEntry> = certs
            .iter()
            .map(|c| RegCertificateEntry::new(c, store, Hive::Software, BlobProfile::Minimal))
            .collect();
        let path = scratch.dir.join(format!("{}.reg", store.key_name()));
        std::fs::write(&path, write_reg(&entries)).unwrap();
        patches.push(path);
    }

    let wine_command = || {
        let mut command = Command::new(&wine);
        command
            .env("WINEPREFIX", scratch.dir.join("prefix"))
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=;winemenubuilder.exe=d")
            .env("WINEARCH", "win64")
            .env_remove("DISPLAY");
        command
    };
    run(wine_command().args(["wineboot", "-i"]), "wineboot -i");
    for patch in &patches {
        run(wine_command().args(["reg", "import"]).arg(windows_path(patch)), "wine reg import");
    }

    let listing = run(
        wine_command().arg(&exe).args([Store::AuthRoot.key_name(), Store::Root.key_name()]),
        "certlist.exe under Wine",
    );
    for (store, certs) in [(Store::AuthRoot, &auth_root), (Store::Root, &root)] {
        for cert in certs.iter() {
            let prefix = format!("{}\t{}\t", store.key_name(), cert.sha1_thumbprint_hex());
            let line = listing.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| {
                panic!(
                    "crypt32 does not list {} ({}) in {}:\n{listing}",
                    cert.sha1_thumbprint_hex(),
                    cert.subject(),
                    store.key_name()
                )
            });
            let fields: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
            assert_eq!(fields.len(), 4, "{line}");
            assert_eq!(fields[2], cert.subject(), "subject as crypt32 shows it");
            assert_eq!(fields[3], cert.display_name(), "display name as crypt32 shows it");
        }
    }
}
