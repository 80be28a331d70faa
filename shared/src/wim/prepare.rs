//! Inspecting a WIM and replacing `Windows\System32\startnet.cmd` in one image, in the manner of
//! wimlib's append mode: every existing resource stays where it is, byte for byte; the new file's
//! data, the image's new metadata resource, a new blob table, new XML data and (when the WIM had
//! one) a new integrity table are appended after the last resource still in use; the header is
//! rewritten. Resources nothing refers to any more (the replaced metadata resource, an earlier
//! launcher) stay in the file where they lie before that point and are cut off where they lie after
//! it, so preparing a prepared image again does not grow it.

use std::collections::HashMap;
use std::ops::Range;

use super::blob_table::{BlobEntry, read_blob_table, write_blob_table};
use super::header::{Compression, HEADER_SIZE, Header, ResourceHeader, resource_flags};
use super::integrity::{DEFAULT_CHUNK_SIZE, IntegrityTable};
use super::metadata::{Startnet, find_startnet, with_startnet_hash};
use super::resource::{read_resource, write_resource};
use super::xml::{WimXml, XmlImage};
use super::{Sha1, WimError, WimErrorKind, WimResult, WimSource, read_range, sha1};

/// The largest metadata resource read (a Windows PE image's is a few MiB; a full Windows image's
/// about 100 MiB).
pub const METADATA_LIMIT: u64 = 512 << 20;
/// The largest `startnet.cmd` read or written.
pub const STARTNET_LIMIT: u64 = 16 << 20;

/// An opened WIM: header, blob table and XML data, checked.
#[derive(Debug, Clone)]
pub struct Wim {
    /// The header.
    pub header: Header,
    /// The blob table.
    pub blobs: Vec<BlobEntry>,
    /// The XML data.
    pub xml: WimXml,
    by_hash: HashMap<Sha1, usize>,
    size: u64,
}

impl Wim {
    /// Reads and checks the header, the blob table and the XML data.
    pub fn open<S: WimSource + ?Sized>(source: &S) -> WimResult<Wim> {
        let size = source.size();
        let header_bytes = read_range(source, 0, size.min(HEADER_SIZE as u64), "header")?;
        let header = Header::parse(&header_bytes)?;
        let blobs = read_blob_table(source, &header)?;
        let xml_resource = header.xml_data;
        if xml_resource.is_compressed() || xml_resource.size_in_wim != xml_resource.original_size {
            return Err(WimError::file(WimErrorKind::BadXml("compressed XML data"), 72));
        }
        let xml_bytes = read_range(
            source,
            xml_resource.offset,
            xml_resource.size_in_wim.min(METADATA_LIMIT),
            "XML data",
        )?;
        let xml = WimXml::parse(&xml_bytes)?;
        let by_hash = blobs
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.is_metadata())
            .map(|(i, b)| (b.hash, i))
            .collect();
        Ok(Wim { header, blobs, xml, by_hash, size })
    }

    /// Position in the blob table of image `index`'s metadata resource.
    fn metadata_entry(&self, index: u32) -> WimResult<usize> {
        let images = self.header.image_count;
        if index == 0 || index > images {
            return Err(WimError::file(WimErrorKind::NoSuchImage { index, images }, 44));
        }
        self.blobs
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_metadata())
            .nth(index as usize - 1)
            .map(|(i, _)| i)
            .ok_or_else(|| {
                WimError::file(
                    WimErrorKind::MetadataCount { found: 0, images },
                    self.header.blob_table.offset,
                )
            })
    }

    /// The image to change: `requested`, else the header's boot index, else the only image.
    pub fn choose_image(&self, requested: Option<u32>) -> WimResult<u32> {
        let images = self.header.image_count;
        let index = match requested {
            Some(index) => index,
            None if self.header.boot_index != 0 => self.header.boot_index,
            None if images == 1 => 1,
            None => return Err(WimError::file(WimErrorKind::NoBootIndex { images }, 120)),
        };
        if index == 0 || index > images {
            return Err(WimError::file(WimErrorKind::NoSuchImage { index, images }, 120));
        }
        Ok(index)
    }

    /// Image `index`'s uncompressed metadata resource, checked against its SHA-1.
    pub fn metadata<S: WimSource + ?Sized>(&self, source: &S, index: u32) -> WimResult<Vec<u8>> {
        let entry = &self.blobs[self.metadata_entry(index)?];
        let meta = read_resource(source, &self.header, &entry.resource, METADATA_LIMIT)?;
        if sha1(&meta) != entry.hash {
            return Err(WimError::file(WimErrorKind::HashMismatch, entry.resource.offset));
        }
        Ok(meta)
    }

    /// The contents of the blob with `hash` (empty for the zero hash), checked against it.
    pub fn blob<S: WimSource + ?Sized>(
        &self,
        source: &S,
        hash: &Sha1,
        limit: u64,
    ) -> WimResult<Vec<u8>> {
        if hash.iter().all(|&b| b == 0) {
            return Ok(Vec::new());
        }
        let entry = self.by_hash.get(hash).map(|&i| &self.blobs[i]).ok_or_else(|| {
            WimError::file(WimErrorKind::MissingBlob, self.header.blob_table.offset)
        })?;
        let data = read_resource(source, &self.header, &entry.resource, limit)?;
        if sha1(&data) != *hash {
            return Err(WimError::file(WimErrorKind::HashMismatch, entry.resource.offset));
        }
        Ok(data)
    }

    fn blob_size(&self, hash: &Sha1) -> u64 {
        self.by_hash.get(hash).map_or(0, |&i| self.blobs[i].resource.original_size)
    }
}

/// What `inspect` reports about one image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageInfo {
    /// 1-based index.
    pub index: u32,
    /// From the XML data.
    #[serde(flatten)]
    pub xml: XmlImage,
    /// The contents of `Windows\System32\startnet.cmd`, or why there is none.
    #[serde(skip)]
    pub startnet: Result<Vec<u8>, WimError>,
}

/// What `inspect` reports about a WIM.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Inspection {
    /// File size.
    pub size: u64,
    /// Compression of compressed resources.
    pub compression: Compression,
    /// Uncompressed bytes per chunk.
    pub chunk_size: u32,
    /// Boot index from the header (0 = none).
    pub boot_index: u32,
    /// Whether the WIM has an integrity table.
    pub integrity_table: bool,
    /// The GUID, as hex.
    pub guid: String,
    /// Number of images in the header.
    pub image_count: u32,
    /// Every image.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageInfo>,
}

/// Reads what an admin needs to know before preparing: images, names, sizes, compression, boot
/// index, and each image's `startnet.cmd`.
pub fn inspect<S: WimSource + ?Sized>(source: &S) -> WimResult<Inspection> {
    let wim = Wim::open(source)?;
    let mut images = Vec::new();
    for index in 1..=wim.header.image_count {
        let startnet = wim.metadata(source, index).and_then(|meta| {
            let found = find_startnet(&meta, index)?;
            wim.blob(source, &found.hash, STARTNET_LIMIT)
        });
        let xml =
            wim.xml.image(index).cloned().unwrap_or(XmlImage { index, ..XmlImage::default() });
        images.push(ImageInfo { index, xml, startnet });
    }
    Ok(Inspection {
        size: wim.size,
        compression: wim.header.compression,
        chunk_size: wim.header.chunk_size,
        boot_index: wim.header.boot_index,
        integrity_table: wim.header.has_integrity(),
        guid: crate::hex::lower(&wim.header.raw[24..40]),
        image_count: wim.header.image_count,
        images,
    })
}

/// One image opened for preparing: its metadata and its current `startnet.cmd`.
#[derive(Debug, Clone)]
pub struct Preparation {
    wim: Wim,
    /// The image being changed.
    pub index: u32,
    meta: Vec<u8>,
    startnet: Startnet,
    /// The current contents of `startnet.cmd`.
    pub current: Vec<u8>,
}

impl Preparation {
    /// Opens image `index` (or the boot image) of the WIM for preparing.
    pub fn open<S: WimSource + ?Sized>(source: &S, index: Option<u32>) -> WimResult<Preparation> {
        let wim = Wim::open(source)?;
        let index = wim.choose_image(index)?;
        let meta = wim.metadata(source, index)?;
        let startnet = find_startnet(&meta, index)?;
        let current = wim.blob(source, &startnet.hash, STARTNET_LIMIT)?;
        Ok(Preparation { wim, index, meta, startnet, current })
    }

    /// The opened WIM.
    pub fn wim(&self) -> &Wim {
        &self.wim
    }
}

/// Options of [`prepare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrepareOptions {
    /// The image's new last-modification time (a Windows FILETIME) for the XML data; `None`
    /// keeps the old one (deterministic output).
    pub modified: Option<u64>,
    /// Drop an existing integrity table instead of writing a new one.
    pub drop_integrity: bool,
}

/// What happened to the integrity table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "integrity")]
pub enum IntegrityOutcome {
    /// The WIM had none and has none.
    None,
    /// Written anew; `reused` chunk hashes came from the old table (their bytes are unchanged),
    /// `hashed` were computed.
    Regenerated {
        /// Chunks whose hash was carried over.
        reused: u32,
        /// Chunks hashed now.
        hashed: u32,
    },
    /// The WIM had one and the output has none (the header's integrity entry is zero).
    Removed,
}

/// The prepared WIM as three parts: `header`, then bytes `kept` of the original file, then
/// `appended`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedWim {
    /// The new 208-byte header.
    pub header: [u8; HEADER_SIZE],
    /// The range of the original file that follows the header (starts at 208).
    pub kept: Range<u64>,
    /// Everything after it.
    pub appended: Vec<u8>,
    /// The image that was changed.
    pub index: u32,
    /// `startnet.cmd` already had exactly these contents: the output is the input.
    pub unchanged: bool,
    /// The integrity table.
    pub integrity: IntegrityOutcome,
    /// Whether the new metadata resource is compressed (XPRESS WIMs) or stored (LZX, none).
    pub metadata_compressed: bool,
}

impl PreparedWim {
    /// The size of the output.
    pub fn len(&self) -> u64 {
        HEADER_SIZE as u64 + (self.kept.end - self.kept.start) + self.appended.len() as u64
    }

    /// Never empty (a header at least); here for the `len` convention.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Replaces image `preparation.index`'s `startnet.cmd` with `startnet`.
pub fn prepare<S: WimSource + ?Sized>(
    source: &S,
    preparation: &Preparation,
    startnet: &[u8],
    options: PrepareOptions,
) -> WimResult<PreparedWim> {
    let wim = &preparation.wim;
    let header = &wim.header;
    let index = preparation.index;
    if startnet.len() as u64 > STARTNET_LIMIT {
        return Err(WimError::file(WimErrorKind::LauncherTooLarge, 0));
    }
    let new_hash = if startnet.is_empty() { [0u8; 20] } else { sha1(startnet) };
    let old_hash = preparation.startnet.hash;
    let keep_integrity = header.has_integrity() && !options.drop_integrity;
    if new_hash == old_hash && (keep_integrity || !header.has_integrity()) {
        return Ok(PreparedWim {
            header: header.raw,
            kept: HEADER_SIZE as u64..wim.size,
            appended: Vec::new(),
            index,
            unchanged: true,
            integrity: if header.has_integrity() {
                IntegrityOutcome::Regenerated { reused: 0, hashed: 0 }
            } else {
                IntegrityOutcome::None
            },
            metadata_compressed: false,
        });
    }
    let old_size = wim.blob_size(&old_hash);
    let new_meta = with_startnet_hash(&preparation.meta, &preparation.startnet, &new_hash);
    let meta_slot = wim.metadata_entry(index)?;

    // The new blob table: the old one with the metadata entry replaced, the old contents' reference
    // dropped and the new contents' added.
    let zero = [0u8; 20];
    let mut blobs = wim.blobs.clone();
    // The old contents lose this reference; when none is left their entry goes (as wimlib does
    // when it deletes files: it trusts the stored counts). No other entry is dropped, whatever
    // its stored count.
    let mut released = None;
    if old_hash != zero
        && let Some(&i) = wim.by_hash.get(&old_hash)
    {
        blobs[i].reference_count = blobs[i].reference_count.saturating_sub(1);
        released = Some(i);
    }
    let mut new_blob_needed = false;
    if new_hash != zero {
        match wim.by_hash.get(&new_hash) {
            Some(&i) => blobs[i].reference_count = blobs[i].reference_count.saturating_add(1),
            None => new_blob_needed = true,
        }
    }
    let meta_hash = sha1(&new_meta);
    let mut keep_end = HEADER_SIZE as u64;
    let mut kept_blobs = Vec::with_capacity(blobs.len() + 1);
    for (i, blob) in blobs.into_iter().enumerate() {
        if released == Some(i) && blob.reference_count == 0 {
            continue;
        }
        if i != meta_slot {
            keep_end = keep_end.max(blob.resource.end().unwrap_or(u64::MAX));
        }
        kept_blobs.push((i, blob));
    }
    if keep_end > wim.size {
        return Err(WimError::file(WimErrorKind::BadResource, header.blob_table.offset));
    }

    let mut appended = Vec::new();
    let mut position = keep_end;
    let mut new_entry = None;
    if new_blob_needed {
        // A few KiB of text: stored as it is, which every reader accepts in any WIM.
        new_entry = Some(BlobEntry {
            resource: ResourceHeader {
                size_in_wim: startnet.len() as u64,
                flags: 0,
                offset: position,
                original_size: startnet.len() as u64,
            },
            part_number: 1,
            reference_count: 1,
            hash: new_hash,
        });
        appended.extend_from_slice(startnet);
        position += startnet.len() as u64;
    }
    let (meta_resource, meta_bytes) =
        write_resource(&new_meta, header, position, resource_flags::METADATA);
    appended.extend_from_slice(&meta_bytes);
    position += meta_bytes.len() as u64;

    let mut entries: Vec<BlobEntry> = Vec::with_capacity(kept_blobs.len() + 1);
    for (i, mut blob) in kept_blobs {
        if i == meta_slot {
            blob = BlobEntry {
                resource: meta_resource,
                part_number: 1,
                reference_count: 1,
                hash: meta_hash,
            };
        }
        entries.push(blob);
    }
    entries.extend(new_entry);
    let table = write_blob_table(&entries);
    let table_resource = ResourceHeader {
        size_in_wim: table.len() as u64,
        flags: resource_flags::METADATA,
        offset: position,
        original_size: table.len() as u64,
    };
    appended.extend_from_slice(&table);
    position += table.len() as u64;

    let xml = wim.xml.updated(index, old_size, startnet.len() as u64, options.modified, position);
    let xml_resource = ResourceHeader {
        size_in_wim: xml.len() as u64,
        flags: resource_flags::METADATA,
        offset: position,
        original_size: xml.len() as u64,
    };
    appended.extend_from_slice(&xml);
    position += xml.len() as u64;

    let mut new_header = header.clone();
    new_header.blob_table = table_resource;
    new_header.xml_data = xml_resource;
    if header.boot_index == index {
        new_header.boot_metadata = meta_resource;
    }
    let integrity = if keep_integrity {
        let integrity_end = table_resource.offset + table_resource.size_in_wim;
        let (table, outcome) =
            regenerate_integrity(source, wim, keep_end, &appended, integrity_end)?;
        let bytes = table.to_bytes();
        new_header.integrity = ResourceHeader {
            size_in_wim: bytes.len() as u64,
            flags: 0,
            offset: position,
            original_size: bytes.len() as u64,
        };
        appended.extend_from_slice(&bytes);
        outcome
    } else {
        new_header.integrity = ResourceHeader::default();
        if header.has_integrity() { IntegrityOutcome::Removed } else { IntegrityOutcome::None }
    };
    Ok(PreparedWim {
        header: new_header.to_bytes(),
        kept: HEADER_SIZE as u64..keep_end,
        appended,
        index,
        unchanged: false,
        integrity,
        metadata_compressed: meta_resource.is_compressed(),
    })
}

/// The integrity table of the new file over `[208, integrity_end)`: a chunk that lies wholly in
/// the kept range with the same bounds as in the old table keeps its old hash (its bytes did not
/// change — and a damaged original stays detectable); the others are hashed from the original's
/// kept bytes and `appended`.
fn regenerate_integrity<S: WimSource + ?Sized>(
    source: &S,
    wim: &Wim,
    keep_end: u64,
    appended: &[u8],
    integrity_end: u64,
) -> WimResult<(IntegrityTable, IntegrityOutcome)> {
    let old = &wim.header.integrity;
    let old_table =
        read_range(source, old.offset, old.size_in_wim.min(METADATA_LIMIT), "integrity table")
            .and_then(|bytes| IntegrityTable::parse(&bytes, old.offset))
            .ok();
    let old_end = wim.header.blob_table.end().unwrap_or(0);
    let chunk_size = old_table.as_ref().map_or(DEFAULT_CHUNK_SIZE, |t| t.chunk_size);
    let start = HEADER_SIZE as u64;
    let chunk = u64::from(chunk_size);
    let count = (integrity_end - start).div_ceil(chunk);
    let (mut reused, mut hashed) = (0u32, 0u32);
    let mut hashes = Vec::with_capacity(count as usize);
    for j in 0..count {
        let from = start + j * chunk;
        let to = (from + chunk).min(integrity_end);
        let old_to = (from + chunk).min(old_end);
        if let Some(hash) = old_table
            .as_ref()
            .filter(|_| to <= keep_end && old_to == to)
            .and_then(|old| old.hashes.get(j as usize))
        {
            hashes.push(*hash);
            reused += 1;
            continue;
        }
        use sha1::Digest as _;
        let mut hasher = sha1::Sha1::new();
        if from < keep_end {
            let original_to = to.min(keep_end);
            hasher.update(read_range(source, from, original_to - from, "kept resources")?);
        }
        let appended_from = from.max(keep_end) - keep_end;
        let appended_to = to.saturating_sub(keep_end);
        if appended_to > appended_from {
            hasher.update(&appended[appended_from as usize..appended_to as usize]);
        }
        hashes.push(hasher.finalize().into());
        hashed += 1;
    }
    Ok((IntegrityTable { chunk_size, hashes }, IntegrityOutcome::Regenerated { reused, hashed }))
}
