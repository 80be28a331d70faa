//! An image's metadata resource (wimlib `dentry.c`, `security.c`; WIM white paper "Metadata
//! resource"): the security data — `u32` total length, `u32` count, `count` × `u64` sizes, the
//! descriptors, padded to 8 bytes — then the root directory entry and the tree.
//!
//! A directory entry ("dentry") is 102 fixed bytes (length, attributes, security ID, offset of the
//! children, three times, the SHA-1 of the unnamed stream, the reparse tag or hard-link group,
//! the number of extra stream entries and the name lengths), the UTF-16LE long and short names
//! (each followed by a NUL when present), optional tagged items up to `length` (rounded up to 8),
//! then `num_extra_streams` stream entries (`u64` length, `u64` reserved, SHA-1, `u16` name
//! length, name). A directory's children are listed at its `subdir_offset`, ended by an entry
//! whose length is 8 or less.
//!
//! Preparing changes nothing but the 20 bytes of one stream hash (and clears a hard-link group),
//! so security descriptors, named streams, reparse data and tagged items stay byte for byte.

use super::{Sha1, WimError, WimErrorKind, WimResult, le_u16, le_u32, le_u64};

const DENTRY_FIXED: usize = 102;
const STREAM_FIXED: usize = 38;
const ATTRIBUTE_DIRECTORY: u32 = 0x10;
const ATTRIBUTE_REPARSE_POINT: u32 = 0x400;
const ATTRIBUTE_ENCRYPTED: u32 = 0x4000;
/// Offset of the unnamed stream's hash in a dentry.
const DEFAULT_HASH_AT: usize = 64;
/// Offset of the hard-link group ID (or reparse tag) in a dentry.
const LINK_GROUP_AT: usize = 88;

/// One directory entry as found in the metadata resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dentry {
    /// Where it starts.
    pub offset: usize,
    /// `FILE_ATTRIBUTE_*`.
    pub attributes: u32,
    /// Offset of the children, 0 for none.
    pub subdir_offset: u64,
    /// The long name, UTF-16 code units.
    pub name: Vec<u16>,
    /// The streams: offset of each 20-byte hash in the resource and whether it is named. The
    /// dentry's own (default) hash comes first.
    pub streams: Vec<StreamRef>,
    /// Where the next sibling starts.
    pub next: usize,
}

/// A stream of a [`Dentry`]: where its hash lies in the metadata resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamRef {
    /// Offset of the 20-byte SHA-1.
    pub hash_at: usize,
    /// Whether the stream has a name (an alternate data stream).
    pub named: bool,
}

impl Dentry {
    fn is_directory(&self) -> bool {
        self.attributes & ATTRIBUTE_DIRECTORY != 0
    }

    /// The stream that holds the file's contents, chosen as Windows and wimlib choose it: the
    /// first unnamed stream with a non-zero hash (the dentry's own hash counts only when non-zero),
    /// else the first unnamed stream with a zero hash (an empty file).
    pub fn unnamed_data_stream(&self, meta: &[u8]) -> StreamRef {
        let zero = |s: &StreamRef| meta[s.hash_at..s.hash_at + 20].iter().all(|&b| b == 0);
        self.streams
            .iter()
            .find(|s| !s.named && !zero(s))
            .or_else(|| self.streams.iter().find(|s| !s.named))
            .copied()
            .unwrap_or(self.streams[0])
    }
}

/// Offset of the root dentry: after the security data, rounded up to 8.
pub fn root_offset(meta: &[u8], image: u32) -> WimResult<usize> {
    let bad = |what, at| WimError::metadata(WimErrorKind::BadMetadata(what), image, at);
    if meta.len() < 8 {
        return Err(bad("shorter than its security data header", 0));
    }
    let total = le_u32(meta, 0) as u64;
    let count = le_u32(meta, 4) as u64;
    let minimum = 8 + 8 * count;
    // A total length of 0 occurs in old WIMs and means "no descriptors".
    let total = if total == 0 && count == 0 { 8 } else { total };
    if total < minimum || total > meta.len() as u64 {
        return Err(bad("security data length out of range", 0));
    }
    let mut sum = minimum;
    for i in 0..count as usize {
        sum = sum
            .checked_add(le_u64(meta, 8 + 8 * i))
            .ok_or_else(|| bad("security descriptor sizes overflow", 8))?;
    }
    if sum > total {
        return Err(bad("security descriptors exceed the security data", 8 + 8 * count));
    }
    let root = total.next_multiple_of(8);
    if root > meta.len() as u64 {
        return Err(bad("no root directory entry", total));
    }
    Ok(root as usize)
}

/// Reads the dentry at `offset`; `None` for an end-of-directory entry.
pub fn read_dentry(meta: &[u8], image: u32, offset: usize) -> WimResult<Option<Dentry>> {
    let bad =
        |what, at: usize| WimError::metadata(WimErrorKind::BadMetadata(what), image, at as u64);
    if offset.checked_add(8).is_none_or(|end| end > meta.len()) {
        return Err(bad("directory entry beyond the end", offset));
    }
    let raw_length = le_u64(meta, offset);
    if raw_length <= 8 {
        return Ok(None);
    }
    let length = raw_length
        .checked_next_multiple_of(8)
        .ok_or_else(|| bad("directory entry length", offset))?;
    if length < DENTRY_FIXED as u64 || offset as u64 + length > meta.len() as u64 {
        return Err(bad("directory entry length out of range", offset));
    }
    let length = length as usize;
    let attributes = le_u32(meta, offset + 8);
    let subdir_offset = le_u64(meta, offset + 16);
    let num_extra = le_u16(meta, offset + 96) as usize;
    let short_bytes = le_u16(meta, offset + 98) as usize;
    let name_bytes = le_u16(meta, offset + 100) as usize;
    if !name_bytes.is_multiple_of(2) || !short_bytes.is_multiple_of(2) {
        return Err(bad("odd UTF-16 name length", offset + 98));
    }
    let mut needed = DENTRY_FIXED;
    if name_bytes != 0 {
        needed += name_bytes + 2;
    }
    if short_bytes != 0 {
        needed += short_bytes + 2;
    }
    if needed > length {
        return Err(bad("names longer than the directory entry", offset));
    }
    let name = meta[offset + DENTRY_FIXED..offset + DENTRY_FIXED + name_bytes]
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    let mut streams = Vec::with_capacity(num_extra.min(64) + 1);
    streams.push(StreamRef { hash_at: offset + DEFAULT_HASH_AT, named: false });
    let mut at = offset + length;
    for _ in 0..num_extra {
        if at.checked_add(STREAM_FIXED).is_none_or(|end| end > meta.len()) {
            return Err(bad("stream entry beyond the end", at));
        }
        let entry_length = le_u64(meta, at)
            .checked_next_multiple_of(8)
            .filter(|&l| l >= STREAM_FIXED as u64 && at as u64 + l <= meta.len() as u64)
            .ok_or_else(|| bad("stream entry length out of range", at))?
            as usize;
        let stream_name_bytes = le_u16(meta, at + 36) as usize;
        if !stream_name_bytes.is_multiple_of(2) || STREAM_FIXED + stream_name_bytes > entry_length {
            return Err(bad("stream name longer than its entry", at + 36));
        }
        streams.push(StreamRef { hash_at: at + 16, named: stream_name_bytes != 0 });
        at += entry_length;
    }
    Ok(Some(Dentry { offset, attributes, subdir_offset, name, streams, next: at }))
}

/// The children of a directory, in stored order.
pub fn children(meta: &[u8], image: u32, directory: &Dentry) -> WimResult<Vec<Dentry>> {
    let mut out = Vec::new();
    if directory.subdir_offset == 0 {
        return Ok(out);
    }
    let mut at = usize::try_from(directory.subdir_offset)
        .ok()
        .filter(|&at| at < meta.len())
        .ok_or_else(|| {
            WimError::metadata(
                WimErrorKind::BadMetadata("children beyond the end"),
                image,
                directory.offset as u64,
            )
        })?;
    // Each entry is at least 8 bytes past the previous one, so the loop ends.
    while let Some(child) = read_dentry(meta, image, at)? {
        at = child.next;
        out.push(child);
    }
    Ok(out)
}

fn name_matches(name: &[u16], wanted: &str) -> bool {
    name.len() == wanted.len()
        && name.iter().zip(wanted.bytes()).all(|(&unit, byte)| {
            u8::try_from(unit).is_ok_and(|unit| unit.eq_ignore_ascii_case(&byte))
        })
}

/// The file at `path` (ASCII components, compared without case as Windows does; an exact-case
/// match wins over another spelling in the same directory).
pub fn find_path(meta: &[u8], image: u32, path: &[&'static str]) -> WimResult<Dentry> {
    let root_at = root_offset(meta, image)?;
    let mut current = read_dentry(meta, image, root_at)?.ok_or_else(|| {
        WimError::metadata(WimErrorKind::BadMetadata("empty image"), image, root_at as u64)
    })?;
    for (depth, component) in path.iter().enumerate() {
        if !current.is_directory() {
            return Err(WimError::metadata(
                WimErrorKind::NotWindowsPe(full_path(path, depth)),
                image,
                current.offset as u64,
            ));
        }
        let siblings = children(meta, image, &current)?;
        let exact =
            siblings.iter().position(|d| d.name.iter().copied().eq(component.encode_utf16()));
        let found =
            exact.or_else(|| siblings.iter().position(|d| name_matches(&d.name, component)));
        current = match found {
            Some(i) => siblings[i].clone(),
            None => {
                return Err(WimError::metadata(
                    WimErrorKind::NotWindowsPe(full_path(path, depth)),
                    image,
                    current.offset as u64,
                ));
            }
        };
    }
    Ok(current)
}

fn full_path(path: &[&'static str], depth: usize) -> &'static str {
    match (path, depth) {
        (["Windows", "System32", "startnet.cmd"], 0) => "Windows",
        (["Windows", "System32", "startnet.cmd"], 1) => "Windows\\System32",
        (["Windows", "System32", "startnet.cmd"], _) => "Windows\\System32\\startnet.cmd",
        _ => "the requested path",
    }
}

/// The path of the Windows PE launch script.
pub const STARTNET_PATH: [&str; 3] = ["Windows", "System32", "startnet.cmd"];

/// `Windows\System32\startnet.cmd` of an image: its dentry and the stream holding its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Startnet {
    /// The directory entry.
    pub dentry: Dentry,
    /// The stream with the file's contents.
    pub stream: StreamRef,
    /// Its current SHA-1 (all zero for an empty file).
    pub hash: Sha1,
}

/// Finds `startnet.cmd` and checks it is a plain file.
pub fn find_startnet(meta: &[u8], image: u32) -> WimResult<Startnet> {
    let dentry = find_path(meta, image, &STARTNET_PATH)?;
    if dentry.attributes & (ATTRIBUTE_DIRECTORY | ATTRIBUTE_REPARSE_POINT | ATTRIBUTE_ENCRYPTED)
        != 0
    {
        return Err(WimError::metadata(
            WimErrorKind::StartnetNotAFile,
            image,
            dentry.offset as u64,
        ));
    }
    let stream = dentry.unnamed_data_stream(meta);
    let mut hash = [0u8; 20];
    hash.copy_from_slice(&meta[stream.hash_at..stream.hash_at + 20]);
    Ok(Startnet { dentry, stream, hash })
}

/// The metadata with `startnet.cmd`'s contents hash set to `hash` and its hard-link group cleared
/// (a new file's contents belong to this name only; wimlib writes 0 for unlinked files too).
pub fn with_startnet_hash(meta: &[u8], startnet: &Startnet, hash: &Sha1) -> Vec<u8> {
    let mut out = meta.to_vec();
    out[startnet.stream.hash_at..startnet.stream.hash_at + 20].copy_from_slice(hash);
    let link = startnet.dentry.offset + LINK_GROUP_AT;
    out[link..link + 8].fill(0);
    out
}
