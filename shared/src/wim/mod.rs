//! Windows Imaging Format (WIM): read a `boot.wim` and replace one file in one image the way
//! wimlib's append mode does (issue 15).
//!
//! Format references: Microsoft's *Windows Imaging File Format (WIM)* white paper and wimlib's
//! documentation of the on-disk structures (`header.h`, `resource.h`, `dentry.c`), the *MS-XCA*
//! specification for XPRESS Huffman and the *LZX DELTA* specification (MS-PATCH) for LZX. The code
//! is written from those descriptions; nothing here is derived from an implementation.
//!
//! A WIM is a 208-byte [header](header), then resources in any order: file data ("blobs"), one
//! metadata resource per image (security descriptors and the directory tree), the blob table
//! (where every resource lies and its SHA-1), the XML data (image names and sizes) and an optional
//! integrity table (SHA-1 of every 10 MiB chunk of the file).
//!
//! No I/O: the WIM is read through [`WimSource`], which the caller implements over its file (a
//! `std::fs::File` in the CLI, a browser `File` read by slices in the console). [`prepare`] returns
//! the output as three parts — a new header, a byte range of the original file and the appended
//! bytes — so neither side ever copies the untouched resources.

pub mod blob_table;
pub mod bootimage;
pub mod header;
pub mod integrity;
pub mod lzx;
pub mod metadata;
pub mod prepare;
pub mod resource;
pub mod xml;
pub mod xpress;

mod bits;
mod huffman;

use std::fmt;

pub use header::{Compression, Header};
pub use prepare::{
    ImageInfo, Inspection, IntegrityOutcome, Preparation, PrepareOptions, PreparedWim, Wim,
    inspect, prepare,
};

/// Random access to the bytes of a WIM. The CLI implements it over a file, the console over a
/// browser `File` (read synchronously in a Web Worker), tests over a byte slice.
pub trait WimSource {
    /// The size of the whole WIM in bytes.
    fn size(&self) -> u64;
    /// Fills `buf` with the bytes at `offset`. Callers never ask beyond [`WimSource::size`].
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), String>;
}

impl WimSource for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), String> {
        let start = usize::try_from(offset).map_err(|_| "offset out of range".to_owned())?;
        let end = start.checked_add(buf.len()).ok_or("range overflows")?;
        let bytes = self.get(start..end).ok_or("range beyond the end of the data")?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

impl WimSource for Vec<u8> {
    fn size(&self) -> u64 {
        self.as_slice().size()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), String> {
        self.as_slice().read_at(offset, buf)
    }
}

/// Where an error's byte offset counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "in", content = "image")]
pub enum Place {
    /// The WIM file itself.
    File,
    /// The uncompressed metadata resource of the image with this (1-based) index.
    Metadata(u32),
    /// The uncompressed XML data (bytes of UTF-16LE).
    Xml,
}

/// A WIM that cannot be read or changed: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at byte {offset} of {})", place_name(.place))]
pub struct WimError {
    /// What is wrong.
    pub kind: WimErrorKind,
    /// The byte offset, counted in [`WimError::place`].
    pub offset: u64,
    /// What the offset counts in.
    pub place: Place,
}

fn place_name(place: &Place) -> String {
    match place {
        Place::File => "the file".to_owned(),
        Place::Metadata(index) => format!("image {index}'s metadata"),
        Place::Xml => "the XML data".to_owned(),
    }
}

impl WimError {
    pub(crate) fn file(kind: WimErrorKind, offset: u64) -> Self {
        WimError { kind, offset, place: Place::File }
    }
    pub(crate) fn metadata(kind: WimErrorKind, image: u32, offset: u64) -> Self {
        WimError { kind, offset, place: Place::Metadata(image) }
    }
}

/// The kinds of [`WimError`]. Each message says what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WimErrorKind {
    /// The source could not be read (the caller's message).
    Read(String),
    /// The file is shorter than a structure it must contain.
    Truncated {
        /// What was being read.
        what: &'static str,
    },
    /// The first 8 bytes are not `MSWIM\0\0\0`.
    NotAWim,
    /// The header size field is not 208.
    HeaderSize(u32),
    /// A header version this reader does not know.
    UnsupportedVersion(u32),
    /// Solid (LZMS, "ESD") WIMs keep many files in one compressed stream and cannot be appended to.
    Solid,
    /// One part of a split WIM (`.swm`).
    Split {
        /// This file's part number.
        part: u16,
        /// The number of parts.
        total: u16,
    },
    /// Compression flags that name no known or several methods.
    UnknownCompression(u32),
    /// A chunk size the compression method does not allow.
    BadChunkSize(u32),
    /// The blob table's size is not a multiple of 50 bytes, or it is compressed.
    BadBlobTable,
    /// A resource header points beyond the end of the file or has impossible sizes.
    BadResource,
    /// The chunk table of a compressed resource is out of order or out of bounds.
    BadChunkTable,
    /// Compressed data that does not decompress (the method named).
    CorruptData(&'static str),
    /// The data of a resource does not have the SHA-1 the blob table gives it.
    HashMismatch,
    /// Two different resources in the blob table claim the same metadata slot, or images lack one.
    MetadataCount {
        /// Metadata resources in the blob table.
        found: u32,
        /// Images in the header.
        images: u32,
    },
    /// `--index` is not an image of this WIM.
    NoSuchImage {
        /// The requested index.
        index: u32,
        /// How many images there are.
        images: u32,
    },
    /// No boot index in the header and more than one image: say which one.
    NoBootIndex {
        /// How many images there are.
        images: u32,
    },
    /// A metadata resource larger than this reader accepts.
    MetadataTooLarge(u64),
    /// The metadata resource (security data or directory tree) is malformed.
    BadMetadata(&'static str),
    /// The image has no `Windows\System32\startnet.cmd` (the path that was not found).
    NotWindowsPe(&'static str),
    /// `startnet.cmd` exists but is a directory, a reparse point or encrypted.
    StartnetNotAFile,
    /// A blob the image refers to is not in the blob table.
    MissingBlob,
    /// The XML data is not UTF-16LE XML of the expected shape.
    BadXml(&'static str),
    /// The integrity table is malformed.
    BadIntegrityTable,
    /// The new startnet.cmd is larger than this writer accepts.
    LauncherTooLarge,
}

impl fmt::Display for WimErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use WimErrorKind as K;
        match self {
            K::Read(message) => write!(f, "cannot read the WIM: {message}"),
            K::Truncated { what } => {
                write!(f, "the file ends inside the {what}: it is truncated; copy it again")
            }
            K::NotAWim => write!(
                f,
                "not a WIM file (no `MSWIM` signature): give the boot image, usually \
                 `sources\\boot.wim` on the Windows PE media"
            ),
            K::HeaderSize(size) => {
                write!(f, "header size {size} is not 208: not a WIM this reader knows")
            }
            K::UnsupportedVersion(version) => write!(
                f,
                "WIM version {version:#x} is not supported (expected 0x10d00): export the image \
                 with `dism /Export-Image` or `wimlib-imagex export` first"
            ),
            K::Solid => write!(
                f,
                "solid (LZMS/ESD) WIMs cannot be prepared in place: export the image to an LZX or \
                 XPRESS WIM first (`dism /Export-Image /Compress:max` or `wimlib-imagex export \
                 SRC 1 boot.wim --compress=LZX`)"
            ),
            K::Split { part, total } => write!(
                f,
                "this is part {part} of a split WIM of {total} parts: join the parts first \
                 (`dism /Export-Image /SourceImageFile:boot.swm /SWMFile:boot*.swm` or \
                 `wimlib-imagex join boot.wim boot*.swm`)"
            ),
            K::UnknownCompression(flags) => write!(f, "unknown compression flags {flags:#x}"),
            K::BadChunkSize(size) => {
                write!(f, "chunk size {size} is not allowed for this compression")
            }
            K::BadBlobTable => write!(f, "the blob table is malformed"),
            K::BadResource => {
                write!(f, "a resource header points outside the file or has impossible sizes")
            }
            K::BadChunkTable => write!(f, "the chunk table of a compressed resource is malformed"),
            K::CorruptData(method) => {
                write!(f, "{method} data does not decompress: the WIM is damaged")
            }
            K::HashMismatch => write!(f, "a resource does not match its SHA-1: the WIM is damaged"),
            K::MetadataCount { found, images } => write!(
                f,
                "the header says {images} image(s) but the blob table has {found} metadata resource(s)"
            ),
            K::NoSuchImage { index, images } => {
                write!(
                    f,
                    "there is no image {index}: this WIM has {images} image(s) (--index 1..={images})"
                )
            }
            K::NoBootIndex { images } => {
                write!(f, "the WIM has {images} images and no boot index: choose one with --index")
            }
            K::MetadataTooLarge(size) => {
                write!(
                    f,
                    "an image's metadata of {size} bytes is larger than a boot image's can be"
                )
            }
            K::BadMetadata(what) => write!(f, "the image's metadata is malformed: {what}"),
            K::NotWindowsPe(path) => write!(
                f,
                "the image has no `{path}`: it is not a Windows PE boot image (choose the Windows \
                 PE image with --index, or use boot.wim from the Windows ADK's WinPE add-on)"
            ),
            K::StartnetNotAFile => write!(
                f,
                "`Windows\\System32\\startnet.cmd` is not a plain file (directory, link or \
                 encrypted): replace it with a plain file in the image first"
            ),
            K::MissingBlob => {
                write!(f, "a file's data is missing from the blob table: the WIM is damaged")
            }
            K::BadXml(what) => write!(f, "the XML data is malformed: {what}"),
            K::BadIntegrityTable => write!(f, "the integrity table is malformed"),
            K::LauncherTooLarge => write!(f, "the launcher is larger than 16 MiB"),
        }
    }
}

/// A `Result` with a [`WimError`].
pub type WimResult<T> = Result<T, WimError>;

/// Reads `len` bytes at `offset` of `source`, checking the range against the source's size before
/// allocating (a length from the file is never trusted).
pub(crate) fn read_range<S: WimSource + ?Sized>(
    source: &S,
    offset: u64,
    len: u64,
    what: &'static str,
) -> WimResult<Vec<u8>> {
    let end =
        offset.checked_add(len).ok_or_else(|| WimError::file(WimErrorKind::BadResource, offset))?;
    if end > source.size() {
        return Err(WimError::file(WimErrorKind::Truncated { what }, offset));
    }
    let len =
        usize::try_from(len).map_err(|_| WimError::file(WimErrorKind::BadResource, offset))?;
    let mut buf = vec![0u8; len];
    source
        .read_at(offset, &mut buf)
        .map_err(|message| WimError::file(WimErrorKind::Read(message), offset))?;
    Ok(buf)
}

/// A SHA-1 digest, as the blob table and the directory entries store it.
pub type Sha1 = [u8; 20];

/// The SHA-1 of `data`.
pub fn sha1(data: &[u8]) -> Sha1 {
    use sha1::Digest as _;
    sha1::Sha1::digest(data).into()
}

pub(crate) fn le_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}
pub(crate) fn le_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}
pub(crate) fn le_u64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}
