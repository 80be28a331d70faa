//! A whole medium: the admin's Windows PE boot files and the bundle, as the USB image and ISO
//! writers take them, and the identity that names the image. The CLI and the console's media
//! worker both build media through [`Medium`], so the same inputs give the same bytes in both.
//!
//! `manifest.json` lists every boot file's SHA-256, yet an image writer should read a 900 MiB
//! `boot.wim` once, not once to hash it and again to copy it. A SHA-256 in hex has a fixed length,
//! so the manifest is planned with each boot file's digest reserved ([`PENDING_SHA256`]): its size,
//! and with it the whole layout, is known before any boot file is read. The manifest goes into the
//! image as [`Content::Deferred`], which the planners place after every other file's data; the
//! writer hashes each boot file while it copies it ([`Medium::record`]) and, on reaching the
//! manifest's [`Part::Deferred`](super::fat::Part::Deferred), takes the completed bytes from
//! [`Medium::deferred`]. A writer that cannot hash on the way (the browser, whose output `Blob`
//! references the admin's files instead of copying them) hashes [`Medium::pending_ranges`] first.
//!
//! The identity (GPT disk and partition GUIDs, the volume serials) comes from the planned manifest,
//! so it is known before the first byte of the image is written and is the same for the same
//! inputs; the planned manifest names the medium's public key, so two media never share one.

use std::fmt;

use sha2::{Digest, Sha256};

use super::bundle::{BundleFile, Manifest, ManifestEntry, manifest_bytes, read_manifest};
use super::fat::{Content, ImageError, MediumFile};
use super::iso::IsoOptions;
use super::iso_read::IsoListing;
use super::layout::{BUNDLE_DIR, MANIFEST};
use super::usb::{UsbOptions, check_boot_files};

/// The digest a planned manifest holds for a boot file not hashed yet: as long as a real one.
pub const PENDING_SHA256: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The [`Content::Deferred`] slot of `manifest.json`.
pub const MANIFEST_SLOT: usize = 0;

/// The boot files as a planned manifest lists them: path and size, the digest reserved. Give them
/// to [`build_bundle`](super::bundle::build_bundle) as `boot_files`.
pub fn pending_boot_entries(boot: &[MediumFile]) -> Vec<ManifestEntry> {
    boot.iter()
        .map(|file| ManifestEntry {
            path: file.path.clone(),
            size: file.content.size(),
            sha256: PENDING_SHA256.to_owned(),
        })
        .collect()
}

/// Why the admin's boot files cannot be used; each names the file and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootFilesError {
    /// A file in the folder `osdgate`, where the bundle goes.
    InBundleFolder { path: String },
    /// A required file is missing.
    Missing(ImageError),
}

impl fmt::Display for BootFilesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BootFilesError::InBundleFolder { path } => write!(
                f,
                "{path} is in the folder `{BUNDLE_DIR}`, where the bundle goes; remove it"
            ),
            BootFilesError::Missing(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for BootFilesError {}

/// The boot files as every writer takes them: sorted by path, none in the bundle's folder, and
/// `BOOTX64.EFI`, `BCD` and `boot.wim` present. The CLI (folder, zip, ISO) and the console (a
/// picked or dropped folder, an ISO, a zip) both pass their listing through here, so the same
/// files give the same medium.
pub fn boot_files(mut files: Vec<MediumFile>) -> Result<Vec<MediumFile>, BootFilesError> {
    if let Some(file) =
        files.iter().find(|f| f.path.to_ascii_lowercase().starts_with(&format!("{BUNDLE_DIR}/")))
    {
        return Err(BootFilesError::InBundleFolder { path: file.path.clone() });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    check_boot_files(&files).map_err(BootFilesError::Missing)?;
    Ok(files)
}

/// The files of a WinPE or ConfigMgr boot ISO (its listing by
/// [`read_iso`](super::iso_read::read_iso)) as ranges of input `input`: nothing is extracted.
pub fn iso_boot_files(listing: &IsoListing, input: usize) -> Vec<MediumFile> {
    listing
        .files
        .iter()
        .map(|entry| MediumFile {
            path: entry.path.clone(),
            content: Content::Input { index: input, offset: entry.offset, size: entry.size },
        })
        .collect()
}

/// Where `sources/boot.wim` is among the boot files (case-insensitively, as FAT and Joliet see
/// names).
pub fn boot_wim(files: &[MediumFile]) -> Option<usize> {
    files.iter().position(|f| f.path.eq_ignore_ascii_case("sources/boot.wim"))
}

/// 16 bytes that name an image: the first 16 bytes of the planned manifest's SHA-256.
pub fn identity(planned_manifest: &[u8]) -> [u8; 16] {
    let digest = Sha256::digest(planned_manifest);
    let mut identity = [0u8; 16];
    identity.copy_from_slice(&digest[..16]);
    identity
}

/// Why a medium cannot be assembled or completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediumError {
    /// The bundle's manifest does not list exactly the given boot files with reserved digests
    /// (build the bundle with [`pending_boot_entries`] of the same files).
    BundleMismatch { problem: String },
    /// A boot file's bytes were not read before the manifest was asked for.
    NotHashed { path: String },
    /// Two reads of a boot file gave different bytes: it changed while the medium was written.
    Changed { path: String },
    /// The completed manifest came out with another length than planned (a bug, never user data).
    ManifestLength { planned: usize, completed: usize },
    /// A deferred slot this medium does not have.
    UnknownSlot { slot: usize },
}

impl fmt::Display for MediumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MediumError::BundleMismatch { problem } => write!(
                f,
                "the bundle was not built for these boot files ({problem}); build it with the boot files' pending entries"
            ),
            MediumError::NotHashed { path } => {
                write!(f, "{path} was not read before the manifest was written")
            }
            MediumError::Changed { path } => write!(
                f,
                "{path} changed while the medium was written (two reads gave different bytes); leave the boot files alone and build again"
            ),
            MediumError::ManifestLength { planned, completed } => write!(
                f,
                "the completed manifest has {completed} bytes where {planned} were planned"
            ),
            MediumError::UnknownSlot { slot } => {
                write!(f, "the medium has no deferred file {slot}")
            }
        }
    }
}

impl std::error::Error for MediumError {}

/// Where a boot file's bytes are, and its digest once known.
#[derive(Debug, Clone)]
struct BootDigest {
    path: String,
    /// `(input, offset, size)` of an input range; `None` for bytes the plan holds.
    range: Option<(usize, u64, u64)>,
    sha256: Option<String>,
}

/// A medium's files, planned: the boot files first, then the bundle, the manifest deferred.
#[derive(Debug, Clone)]
pub struct Medium {
    files: Vec<MediumFile>,
    bundle: Vec<BundleFile>,
    planned: Manifest,
    planned_bytes: Vec<u8>,
    boot: Vec<BootDigest>,
    identity: [u8; 16],
}

impl Medium {
    /// Assembles a medium from the boot files and a bundle built with their
    /// [`pending_boot_entries`].
    /// `bundle` is [`Bundle::files`](super::bundle::Bundle::files), the manifest last.
    pub fn new(boot: &[MediumFile], bundle: &[BundleFile]) -> Result<Medium, MediumError> {
        let manifest_path = format!("{BUNDLE_DIR}/{MANIFEST}");
        let mismatch = |problem: String| MediumError::BundleMismatch { problem };
        let (manifest_file, bundle_files) = match bundle.split_last() {
            Some((last, rest)) if last.path == manifest_path => (last, rest),
            _ => return Err(mismatch(format!("its last file is not {manifest_path}"))),
        };
        let planned = read_manifest(&manifest_file.bytes).map_err(|e| mismatch(e.to_string()))?;
        let mut wanted = pending_boot_entries(boot);
        wanted.sort_by(|a, b| a.path.cmp(&b.path));
        if planned.boot_files != wanted {
            return Err(mismatch(format!(
                "its manifest lists {} boot files, {} are given, or their paths, sizes or reserved digests differ",
                planned.boot_files.len(),
                wanted.len()
            )));
        }
        let boot_digests = boot
            .iter()
            .map(|file| match &file.content {
                Content::Bytes(bytes) => BootDigest {
                    path: file.path.clone(),
                    range: None,
                    sha256: Some(crate::hex::lower(&Sha256::digest(bytes))),
                },
                Content::Input { size: 0, .. } | Content::Deferred { size: 0, .. } => BootDigest {
                    path: file.path.clone(),
                    range: None,
                    sha256: Some(crate::hex::lower(&Sha256::digest(b""))),
                },
                Content::Input { index, offset, size } => BootDigest {
                    path: file.path.clone(),
                    range: Some((*index, *offset, *size)),
                    sha256: None,
                },
                Content::Deferred { .. } => {
                    BootDigest { path: file.path.clone(), range: None, sha256: None }
                }
            })
            .collect();
        let mut files = boot.to_vec();
        files.extend(bundle_files.iter().map(|f| MediumFile {
            path: f.path.clone(),
            content: Content::Bytes(f.bytes.clone()),
        }));
        files.push(MediumFile {
            path: manifest_path,
            content: Content::Deferred {
                slot: MANIFEST_SLOT,
                size: manifest_file.bytes.len() as u64,
            },
        });
        Ok(Medium {
            files,
            bundle: bundle.to_vec(),
            identity: identity(&manifest_file.bytes),
            planned,
            planned_bytes: manifest_file.bytes.clone(),
            boot: boot_digests,
        })
    }

    /// Every file of the medium, for [`UsbImage::plan`](super::usb::UsbImage::plan) or
    /// [`IsoImage::plan`](super::iso::IsoImage::plan).
    pub fn files(&self) -> Vec<MediumFile> {
        self.files.clone()
    }

    /// The 16 bytes that name the image ([`identity`] of the planned manifest).
    pub fn identity(&self) -> [u8; 16] {
        self.identity
    }

    /// The USB image's options for this medium.
    pub fn usb_options(&self, free_bytes: u64) -> UsbOptions {
        UsbOptions { free_bytes, identity: self.identity }
    }

    /// The ISO's options for this medium: its volume serial from the identity.
    pub fn iso_options(&self, label: &str) -> IsoOptions {
        let id = self.identity;
        IsoOptions {
            label: label.to_owned(),
            serial: u32::from_le_bytes([id[12], id[13], id[14], id[15]]),
        }
    }

    /// The input ranges `(input, offset, size)` whose digest is still unknown, each once, in the
    /// boot files' order: what a writer that cannot hash on the way reads first.
    pub fn pending_ranges(&self) -> Vec<(usize, u64, u64)> {
        let mut ranges: Vec<(usize, u64, u64)> = Vec::new();
        for digest in &self.boot {
            if let (Some(range), None) = (digest.range, &digest.sha256)
                && !ranges.contains(&range)
            {
                ranges.push(range);
            }
        }
        ranges
    }

    /// Records the SHA-256 of input `index`'s `len` bytes from `offset`, as the writer computed it
    /// while copying them ([`Part::Input`](super::fat::Part::Input)). A range read twice (the
    /// ISO's loader, also in its El Torito image) must give the same digest.
    pub fn record(
        &mut self,
        index: usize,
        offset: u64,
        len: u64,
        sha256: &[u8; 32],
    ) -> Result<(), MediumError> {
        let hex = crate::hex::lower(sha256);
        for digest in &mut self.boot {
            if digest.range == Some((index, offset, len)) {
                match &digest.sha256 {
                    Some(known) if *known != hex => {
                        return Err(MediumError::Changed { path: digest.path.clone() });
                    }
                    _ => digest.sha256 = Some(hex.clone()),
                }
            }
        }
        Ok(())
    }

    /// The bytes of deferred file `slot`: the manifest with every boot file's digest.
    pub fn deferred(&self, slot: usize) -> Result<Vec<u8>, MediumError> {
        if slot != MANIFEST_SLOT {
            return Err(MediumError::UnknownSlot { slot });
        }
        let mut manifest = self.planned.clone();
        for entry in &mut manifest.boot_files {
            let digest = self
                .boot
                .iter()
                .find(|d| d.path == entry.path)
                .and_then(|d| d.sha256.clone())
                .ok_or_else(|| MediumError::NotHashed { path: entry.path.clone() })?;
            entry.sha256 = digest;
        }
        let bytes = manifest_bytes(&manifest);
        if bytes.len() != self.planned_bytes.len() {
            return Err(MediumError::ManifestLength {
                planned: self.planned_bytes.len(),
                completed: bytes.len(),
            });
        }
        Ok(bytes)
    }

    /// The bundle's files with the completed manifest (a bundle zip that lists the boot files).
    pub fn bundle_files(&self) -> Result<Vec<BundleFile>, MediumError> {
        let mut files = self.bundle.clone();
        if let Some(last) = files.last_mut() {
            last.bytes = self.deferred(MANIFEST_SLOT)?;
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::bundle::MANIFEST_SCHEMA;

    fn bundle(boot: &[MediumFile]) -> Vec<BundleFile> {
        let mut entries = pending_boot_entries(boot);
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        let manifest = Manifest {
            schema: MANIFEST_SCHEMA.into(),
            media_id: "m".into(),
            files: vec![ManifestEntry {
                path: "osdgate/a.txt".into(),
                size: 1,
                sha256: "x".into(),
            }],
            boot_files: entries,
        };
        vec![
            BundleFile { path: "osdgate/a.txt".into(), bytes: b"a".to_vec() },
            BundleFile { path: "osdgate/manifest.json".into(), bytes: manifest_bytes(&manifest) },
        ]
    }

    fn boot() -> Vec<MediumFile> {
        vec![
            MediumFile {
                path: "sources/boot.wim".into(),
                content: Content::Input { index: 0, offset: 10, size: 3 },
            },
            MediumFile {
                path: "EFI/BOOT/BOOTX64.EFI".into(),
                content: Content::Bytes(b"efi".into()),
            },
            MediumFile {
                path: "empty".into(),
                content: Content::Input { index: 1, offset: 0, size: 0 },
            },
        ]
    }

    #[test]
    fn the_manifest_is_completed_with_the_digests_recorded_on_the_way_at_its_planned_length() {
        let boot = boot();
        let bundle = bundle(&boot);
        let mut medium = Medium::new(&boot, &bundle).unwrap();
        let files = medium.files();
        assert_eq!(files.len(), 5);
        assert!(matches!(
            files.last().unwrap().content,
            Content::Deferred { slot: MANIFEST_SLOT, size } if size == bundle[1].bytes.len() as u64
        ));
        assert_eq!(medium.identity(), identity(&bundle[1].bytes));
        assert_eq!(medium.pending_ranges(), vec![(0, 10, 3)]);
        assert_eq!(
            medium.deferred(MANIFEST_SLOT),
            Err(MediumError::NotHashed { path: "sources/boot.wim".into() })
        );
        let digest: [u8; 32] = Sha256::digest(b"wim").into();
        medium.record(0, 10, 3, &digest).unwrap();
        // The same range read again must give the same bytes.
        medium.record(0, 10, 3, &digest).unwrap();
        let other: [u8; 32] = Sha256::digest(b"WIM").into();
        assert_eq!(
            medium.record(0, 10, 3, &other),
            Err(MediumError::Changed { path: "sources/boot.wim".into() })
        );
        let completed = medium.deferred(MANIFEST_SLOT).unwrap();
        assert_eq!(completed.len(), bundle[1].bytes.len());
        let manifest = read_manifest(&completed).unwrap();
        let sha = |path: &str| {
            manifest.boot_files.iter().find(|e| e.path == path).unwrap().sha256.clone()
        };
        assert_eq!(sha("sources/boot.wim"), crate::hex::lower(&digest));
        assert_eq!(sha("EFI/BOOT/BOOTX64.EFI"), crate::hex::lower(&Sha256::digest(b"efi")));
        assert_eq!(sha("empty"), crate::hex::lower(&Sha256::digest(b"")));
        assert_eq!(medium.bundle_files().unwrap()[1].bytes, completed);
        assert_eq!(medium.deferred(1), Err(MediumError::UnknownSlot { slot: 1 }));
        let iso = medium.iso_options("OSDGATE");
        let id = medium.identity();
        assert_eq!(iso.serial, u32::from_le_bytes([id[12], id[13], id[14], id[15]]));
        assert_eq!(medium.usb_options(7).identity, id);
    }

    #[test]
    fn boot_files_are_sorted_checked_and_kept_out_of_the_bundle_folder() {
        let file = |path: &str| MediumFile { path: path.into(), content: Content::Bytes(vec![1]) };
        let sorted = boot_files(vec![
            file("sources/boot.wim"),
            file("EFI/Microsoft/Boot/BCD"),
            file("EFI/BOOT/BOOTX64.EFI"),
        ])
        .unwrap();
        let paths: Vec<&str> = sorted.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["EFI/BOOT/BOOTX64.EFI", "EFI/Microsoft/Boot/BCD", "sources/boot.wim"]);
        assert_eq!(boot_wim(&sorted), Some(2));
        let error =
            boot_files(vec![file("EFI/BOOT/BOOTX64.EFI"), file("OSDGATE/media.json")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "OSDGATE/media.json is in the folder `osdgate`, where the bundle goes; remove it"
        );
        let error =
            boot_files(vec![file("EFI/BOOT/BOOTX64.EFI"), file("sources/boot.wim")]).unwrap_err();
        assert!(error.to_string().contains("EFI/Microsoft/Boot/BCD"), "{error}");
    }

    #[test]
    fn a_bundle_built_for_other_boot_files_is_refused() {
        let boot = boot();
        let bundle = bundle(&boot[..2]);
        let error = Medium::new(&boot, &bundle).unwrap_err();
        assert!(matches!(error, MediumError::BundleMismatch { .. }), "{error}");
        let mut no_manifest = bundle.clone();
        no_manifest.pop();
        assert!(Medium::new(&boot[..2], &no_manifest).is_err());
    }
}
