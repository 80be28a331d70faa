//! The blob table ("lookup table"): one 50-byte entry per resource — a [`ResourceHeader`], the
//! part number (u16), the reference count (u32) and the SHA-1 of the uncompressed data. Metadata
//! resources are the entries flagged [`resource_flags::METADATA`], in image order (WIM white paper,
//! "Lookup table"; wimlib `blob_table.c`).

use super::header::{Header, ResourceHeader, resource_flags};
use super::{Sha1, WimError, WimErrorKind, WimResult, WimSource, le_u16, le_u32, read_range};

/// One blob table entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobEntry {
    /// Where the resource lies.
    pub resource: ResourceHeader,
    /// Part of a split WIM holding it (always 1 here).
    pub part_number: u16,
    /// How many streams in all images refer to it (1 for metadata resources).
    pub reference_count: u32,
    /// SHA-1 of the uncompressed data.
    pub hash: Sha1,
}

/// The on-disk size of an entry.
pub const ENTRY_SIZE: usize = 50;

impl BlobEntry {
    /// Whether this entry is an image's metadata resource.
    pub fn is_metadata(&self) -> bool {
        self.resource.flags & resource_flags::METADATA != 0
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.resource.to_bytes());
        out.extend_from_slice(&self.part_number.to_le_bytes());
        out.extend_from_slice(&self.reference_count.to_le_bytes());
        out.extend_from_slice(&self.hash);
    }
}

/// Reads and checks the blob table the header points to: every resource lies inside the file
/// before the blob table's own end or anywhere else within the file, none is solid or spanned, and
/// the number of metadata resources equals the header's image count.
pub fn read_blob_table<S: WimSource + ?Sized>(
    source: &S,
    header: &Header,
) -> WimResult<Vec<BlobEntry>> {
    let table = header.blob_table;
    if table.is_compressed()
        || table.size_in_wim != table.original_size
        || !table.size_in_wim.is_multiple_of(ENTRY_SIZE as u64)
    {
        return Err(WimError::file(WimErrorKind::BadBlobTable, 48));
    }
    let bytes = read_range(source, table.offset, table.size_in_wim, "blob table")?;
    let file_size = source.size();
    let mut entries = Vec::with_capacity(bytes.len() / ENTRY_SIZE);
    for (index, raw) in bytes.chunks_exact(ENTRY_SIZE).enumerate() {
        let at = table.offset + (index * ENTRY_SIZE) as u64;
        let resource = ResourceHeader::read(raw, 0);
        if resource.flags & resource_flags::SOLID != 0 {
            return Err(WimError::file(WimErrorKind::Solid, at));
        }
        if resource.flags & resource_flags::SPANNED != 0 {
            return Err(WimError::file(
                WimErrorKind::Split { part: header.part_number, total: header.total_parts },
                at,
            ));
        }
        let inside = resource.end().is_some_and(|end| end <= file_size);
        let sizes_ok = resource.is_compressed() || resource.size_in_wim == resource.original_size;
        if !inside || !sizes_ok {
            return Err(WimError::file(WimErrorKind::BadResource, at));
        }
        let mut hash = [0u8; 20];
        hash.copy_from_slice(&raw[30..50]);
        entries.push(BlobEntry {
            resource,
            part_number: le_u16(raw, 24),
            reference_count: le_u32(raw, 26),
            hash,
        });
    }
    let found = entries.iter().filter(|e| e.is_metadata()).count() as u32;
    if found != header.image_count {
        return Err(WimError::file(
            WimErrorKind::MetadataCount { found, images: header.image_count },
            table.offset,
        ));
    }
    Ok(entries)
}

/// The entries in on-disk form.
pub fn write_blob_table(entries: &[BlobEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * ENTRY_SIZE);
    for entry in entries {
        entry.write(&mut out);
    }
    out
}
