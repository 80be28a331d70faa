//! The 208-byte WIM header (`WIMHEADER_V1_PACKED` in Microsoft's WIM white paper; wimlib's
//! `header.h`) and the 24-byte resource header (`RESHDR_DISK_SHORT`) it and the blob table use.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | `MSWIM\0\0\0` |
//! | 8 | 4 | header size (208) |
//! | 12 | 4 | version (0x10d00; 0xe00 for solid WIMs) |
//! | 16 | 4 | flags ([`flags`]) |
//! | 20 | 4 | chunk size of compressed resources |
//! | 24 | 16 | GUID |
//! | 40 | 2 | part number (1-based) |
//! | 42 | 2 | total parts |
//! | 44 | 4 | image count |
//! | 48 | 24 | blob table resource |
//! | 72 | 24 | XML data resource |
//! | 96 | 24 | boot image's metadata resource |
//! | 120 | 4 | boot index (1-based, 0 = none) |
//! | 124 | 24 | integrity table resource |
//! | 148 | 60 | reserved |

use super::{WimError, WimErrorKind, WimResult, le_u16, le_u32, le_u64};

/// The size of the header and of the area before the first resource.
pub const HEADER_SIZE: usize = 208;
/// The signature.
pub const MAGIC: [u8; 8] = *b"MSWIM\0\0\0";
/// The version of non-solid WIMs (`WIM_VERSION_DEFAULT`).
pub const VERSION_DEFAULT: u32 = 0x10d00;
/// The version of solid WIMs (`WIM_VERSION_SOLID`).
pub const VERSION_SOLID: u32 = 0xe00;

/// Header flags (`FLAG_HEADER_*`).
pub mod flags {
    /// Resources may be compressed.
    pub const COMPRESSION: u32 = 0x0000_0002;
    /// Read-only.
    pub const READONLY: u32 = 0x0000_0004;
    /// Part of a split WIM.
    pub const SPANNED: u32 = 0x0000_0008;
    /// Resources only, no metadata.
    pub const RESOURCE_ONLY: u32 = 0x0000_0010;
    /// Metadata only.
    pub const METADATA_ONLY: u32 = 0x0000_0020;
    /// A writer was interrupted.
    pub const WRITE_IN_PROGRESS: u32 = 0x0000_0040;
    /// Absolute symbolic links were made relative at capture.
    pub const RP_FIX: u32 = 0x0000_0080;
    /// XPRESS compression.
    pub const COMPRESS_XPRESS: u32 = 0x0002_0000;
    /// LZX compression.
    pub const COMPRESS_LZX: u32 = 0x0004_0000;
    /// LZMS compression (solid WIMs).
    pub const COMPRESS_LZMS: u32 = 0x0008_0000;
    /// wimlib's name for the newer XPRESS variant; refused like LZMS.
    pub const COMPRESS_XPRESS2: u32 = 0x0020_0000;
}

/// Resource flags (`RESHDR_FLAG_*`).
pub mod resource_flags {
    /// An unused ("free") resource.
    pub const FREE: u8 = 0x01;
    /// A metadata resource (wimlib also sets it on the blob table and XML data).
    pub const METADATA: u8 = 0x02;
    /// Chunk-compressed with the WIM's compression method.
    pub const COMPRESSED: u8 = 0x04;
    /// Continues in the next part of a split WIM.
    pub const SPANNED: u8 = 0x08;
    /// Part of a solid resource.
    pub const SOLID: u8 = 0x10;
}

/// Where a resource lies and how large it is (`RESHDR_DISK_SHORT`, 24 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResourceHeader {
    /// Bytes the resource occupies in the file (56 bits on disk).
    pub size_in_wim: u64,
    /// [`resource_flags`].
    pub flags: u8,
    /// Offset of the resource in the file.
    pub offset: u64,
    /// Size of the uncompressed data.
    pub original_size: u64,
}

impl ResourceHeader {
    /// The on-disk size.
    pub const SIZE: usize = 24;

    /// Reads the 24 bytes at `at` of `bytes` (the caller checked the length).
    pub(crate) fn read(bytes: &[u8], at: usize) -> Self {
        let size_and_flags = le_u64(bytes, at);
        ResourceHeader {
            size_in_wim: size_and_flags & 0x00ff_ffff_ffff_ffff,
            flags: (size_and_flags >> 56) as u8,
            offset: le_u64(bytes, at + 8),
            original_size: le_u64(bytes, at + 16),
        }
    }

    /// The 24 on-disk bytes.
    pub fn to_bytes(self) -> [u8; 24] {
        let mut out = [0u8; 24];
        let size_and_flags =
            (self.size_in_wim & 0x00ff_ffff_ffff_ffff) | (u64::from(self.flags) << 56);
        out[0..8].copy_from_slice(&size_and_flags.to_le_bytes());
        out[8..16].copy_from_slice(&self.offset.to_le_bytes());
        out[16..24].copy_from_slice(&self.original_size.to_le_bytes());
        out
    }

    /// The offset just past the resource, or `None` when it overflows.
    pub fn end(&self) -> Option<u64> {
        self.offset.checked_add(self.size_in_wim)
    }

    /// Whether the resource is chunk-compressed.
    pub fn is_compressed(&self) -> bool {
        self.flags & resource_flags::COMPRESSED != 0
    }
}

/// The compression method of a WIM's compressed resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// No compression.
    None,
    /// XPRESS with Huffman coding (MS-XCA §2.1), chunks of at most 64 KiB.
    Xpress,
    /// LZX (MS-PATCH LZX DELTA without the delta), chunks of 32 KiB to 2 MiB.
    Lzx,
}

impl Compression {
    /// The name `wimlib-imagex` and DISM use.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Xpress => "XPRESS",
            Compression::Lzx => "LZX",
        }
    }
}

/// A parsed header. `raw` keeps all 208 bytes so that rewriting it changes only the fields this
/// writer sets (reserved bytes and unknown flags survive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The bytes as read.
    pub raw: [u8; HEADER_SIZE],
    /// Version field.
    pub version: u32,
    /// [`flags`].
    pub flags: u32,
    /// Compression method of compressed resources.
    pub compression: Compression,
    /// Uncompressed bytes per chunk.
    pub chunk_size: u32,
    /// This file's part number (1-based).
    pub part_number: u16,
    /// Number of parts.
    pub total_parts: u16,
    /// Number of images.
    pub image_count: u32,
    /// The blob table.
    pub blob_table: ResourceHeader,
    /// The XML data.
    pub xml_data: ResourceHeader,
    /// The boot image's metadata resource.
    pub boot_metadata: ResourceHeader,
    /// 1-based boot image index, 0 for none.
    pub boot_index: u32,
    /// The integrity table; `offset == 0` when there is none.
    pub integrity: ResourceHeader,
}

impl Header {
    /// Parses and checks the header: signature, size, version; refuses split and solid WIMs with
    /// the fix.
    pub fn parse(bytes: &[u8]) -> WimResult<Header> {
        let err = |kind, offset| WimError::file(kind, offset);
        if bytes.len() < HEADER_SIZE {
            if bytes.len() < 8 || bytes[..8] != MAGIC {
                return Err(err(WimErrorKind::NotAWim, 0));
            }
            return Err(err(WimErrorKind::Truncated { what: "header" }, 0));
        }
        if bytes[..8] != MAGIC {
            return Err(err(WimErrorKind::NotAWim, 0));
        }
        let header_size = le_u32(bytes, 8);
        if header_size as usize != HEADER_SIZE {
            return Err(err(WimErrorKind::HeaderSize(header_size), 8));
        }
        let version = le_u32(bytes, 12);
        let flags = le_u32(bytes, 16);
        let chunk_size = le_u32(bytes, 20);
        let part_number = le_u16(bytes, 40);
        let total_parts = le_u16(bytes, 42);
        if version == VERSION_SOLID || flags & (flags::COMPRESS_LZMS | flags::COMPRESS_XPRESS2) != 0
        {
            return Err(err(WimErrorKind::Solid, 12));
        }
        if version != VERSION_DEFAULT {
            return Err(err(WimErrorKind::UnsupportedVersion(version), 12));
        }
        if total_parts != 1 || part_number != 1 || flags & flags::SPANNED != 0 {
            return Err(err(WimErrorKind::Split { part: part_number, total: total_parts }, 40));
        }
        let compression = if flags & flags::COMPRESSION == 0 {
            Compression::None
        } else {
            match flags & (flags::COMPRESS_XPRESS | flags::COMPRESS_LZX) {
                flags::COMPRESS_XPRESS => Compression::Xpress,
                flags::COMPRESS_LZX => Compression::Lzx,
                _ => return Err(err(WimErrorKind::UnknownCompression(flags), 16)),
            }
        };
        // XPRESS: 4 KiB..64 KiB (one Huffman table per 64 KiB, MS-XCA §2.2.4); LZX: 32 KiB..2 MiB
        // (the window sizes of LZX DELTA); powers of two in both.
        let chunk_ok = chunk_size.is_power_of_two()
            && match compression {
                Compression::None => true,
                Compression::Xpress => (1 << 12..=1 << 16).contains(&chunk_size),
                Compression::Lzx => (1 << 15..=1 << 21).contains(&chunk_size),
            };
        if !chunk_ok && compression != Compression::None {
            return Err(err(WimErrorKind::BadChunkSize(chunk_size), 20));
        }
        let mut raw = [0u8; HEADER_SIZE];
        raw.copy_from_slice(&bytes[..HEADER_SIZE]);
        Ok(Header {
            raw,
            version,
            flags,
            compression,
            chunk_size,
            part_number,
            total_parts,
            image_count: le_u32(bytes, 44),
            blob_table: ResourceHeader::read(bytes, 48),
            xml_data: ResourceHeader::read(bytes, 72),
            boot_metadata: ResourceHeader::read(bytes, 96),
            boot_index: le_u32(bytes, 120),
            integrity: ResourceHeader::read(bytes, 124),
        })
    }

    /// Whether the WIM has an integrity table.
    pub fn has_integrity(&self) -> bool {
        self.integrity.offset != 0 && self.integrity.size_in_wim != 0
    }

    /// The header bytes with the fields of `self` written over `raw`.
    pub fn to_bytes(&self) -> [u8; HEADER_SIZE] {
        let mut out = self.raw;
        out[16..20].copy_from_slice(&self.flags.to_le_bytes());
        out[44..48].copy_from_slice(&self.image_count.to_le_bytes());
        out[48..72].copy_from_slice(&self.blob_table.to_bytes());
        out[72..96].copy_from_slice(&self.xml_data.to_bytes());
        out[96..120].copy_from_slice(&self.boot_metadata.to_bytes());
        out[120..124].copy_from_slice(&self.boot_index.to_le_bytes());
        out[124..148].copy_from_slice(&self.integrity.to_bytes());
        out
    }
}
