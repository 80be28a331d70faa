//! Reading an ISO 9660 image (issue 11): the file list of a Windows PE or ConfigMgr boot ISO the
//! admin gives as boot files, and of an osdgate ISO to verify against its manifest. Strict: every
//! structure is checked against ECMA-119 (and Joliet, El Torito) as [`super::iso`] writes them and
//! as `oscdimg` and `xorriso` do, and anything else is refused with its kind and byte offset.
//!
//! The Joliet tree is read when the image has one (real names), the primary tree otherwise (level
//! 1–3 names, `;1` versions and the trailing dot of extension-less names removed). Rock Ridge,
//! multi-extent files (over 4 GiB), interleaving and associated files are refused; a UDF-only image
//! (no ISO 9660 bridge) has no `CD001` descriptor and is refused as not ISO 9660.
//!
//! No I/O: the image is read through [`ByteSource`], the random-access trait the WIM reader uses
//! (a file in the CLI, a browser `File` in a Web Worker, a byte slice in tests).

use std::collections::HashSet;
use std::fmt;

pub use crate::wim::WimSource as ByteSource;

const SECTOR: u64 = 2048;
/// Volume descriptors are read up to this many before the terminator must have come.
const MAX_DESCRIPTORS: u64 = 64;
/// Directory levels accepted (ECMA-119 allows 8; Joliet trees written by some tools go deeper).
const MAX_DEPTH: usize = 32;
/// Files and directories accepted in one image.
const MAX_ENTRIES: usize = 200_000;
/// Bytes of directory data read in all.
const MAX_DIRECTORY_BYTES: u64 = 64 << 20;

/// An ISO image that cannot be read: what is wrong and at which byte of the image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at byte {offset} of the ISO)")]
pub struct IsoReadError {
    /// What is wrong.
    pub kind: IsoReadErrorKind,
    /// The byte offset in the image.
    pub offset: u64,
}

/// The kinds of [`IsoReadError`]. Each message says what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IsoReadErrorKind {
    /// The source could not be read (the caller's message).
    Read(String),
    /// The image ends inside a structure.
    Truncated {
        /// What was being read.
        what: &'static str,
    },
    /// No `CD001` volume descriptor at sector 16.
    NotIso9660,
    /// A volume descriptor that breaks the standard (the field named).
    BadDescriptor(&'static str),
    /// No primary volume descriptor before the terminator.
    NoPrimaryDescriptor,
    /// A logical block size other than 2048.
    BlockSize(u16),
    /// A directory record that breaks the standard (the field named).
    BadRecord(&'static str),
    /// A both-endian field whose halves differ.
    BothEndian(&'static str),
    /// A file or directory whose extent lies outside the image.
    ExtentOutsideImage,
    /// A file over 4 GiB stored in several extents.
    MultiExtent,
    /// A file stored interleaved.
    Interleaved,
    /// An associated (resource fork) file.
    AssociatedFile,
    /// A name that cannot be a path component (the problem named).
    BadName(&'static str),
    /// Two entries with the same name in one directory.
    Duplicate(String),
    /// A directory that contains itself.
    Loop,
    /// More levels, entries or directory bytes than the reader accepts.
    TooLarge(&'static str),
    /// The El Torito boot catalog breaks the standard (the field named).
    BadBootCatalog(&'static str),
}

impl fmt::Display for IsoReadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use IsoReadErrorKind as K;
        match self {
            K::Read(message) => write!(f, "cannot read the ISO: {message}"),
            K::Truncated { what } => {
                write!(f, "the image ends inside the {what}: it is truncated; copy it again")
            }
            K::NotIso9660 => f.write_str(
                "not an ISO 9660 image (no CD001 descriptor at sector 16); give a Windows PE or ConfigMgr boot ISO, or the folder of its files",
            ),
            K::BadDescriptor(field) => {
                write!(f, "a volume descriptor has an invalid {field}; the image is damaged")
            }
            K::NoPrimaryDescriptor => {
                f.write_str("no primary volume descriptor; the image is damaged")
            }
            K::BlockSize(size) => write!(
                f,
                "logical block size {size}; only 2048-byte blocks are supported (every CD/DVD image uses them)"
            ),
            K::BadRecord(field) => {
                write!(f, "a directory record has an invalid {field}; the image is damaged")
            }
            K::BothEndian(field) => write!(
                f,
                "the little- and big-endian halves of {field} differ; the image is damaged"
            ),
            K::ExtentOutsideImage => {
                f.write_str("an extent lies beyond the end of the image; it is truncated or damaged")
            }
            K::MultiExtent => f.write_str(
                "a file is stored in several extents (over 4 GiB); osdgate reads single-extent files only: split the WIM or give the boot files as a folder",
            ),
            K::Interleaved => f.write_str(
                "a file is stored interleaved, which osdgate does not read; give the boot files as a folder",
            ),
            K::AssociatedFile => f.write_str(
                "an associated file (a resource fork), which osdgate does not read; give the boot files as a folder",
            ),
            K::BadName(problem) => write!(f, "a file name is invalid: {problem}"),
            K::Duplicate(name) => write!(f, "the name {name:?} appears twice in one directory"),
            K::Loop => f.write_str("a directory contains itself; the image is damaged"),
            K::TooLarge(what) => write!(f, "the image has too many {what} for a boot medium"),
            K::BadBootCatalog(field) => {
                write!(f, "the El Torito boot catalog has an invalid {field}")
            }
        }
    }
}

fn error(kind: IsoReadErrorKind, offset: u64) -> IsoReadError {
    IsoReadError { kind, offset }
}

/// Which tree the names come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSource {
    /// The Joliet supplementary tree (UCS-2 names).
    Joliet,
    /// The primary ECMA-119 tree.
    Primary,
}

/// A file of the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoEntry {
    /// Path from the root, `/`-separated.
    pub path: String,
    /// Byte offset of the data in the image.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
}

/// An El Torito boot entry (El Torito §2.2–2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootEntry {
    /// Platform ID of its section (0 x86 BIOS, 0xEF EFI).
    pub platform: u8,
    /// Whether the entry is marked bootable (0x88).
    pub bootable: bool,
    /// Emulation (0 none, 1–3 diskettes, 4 hard disk).
    pub media_type: u8,
    /// Virtual 512-byte sectors to load.
    pub sector_count: u16,
    /// The image's first sector.
    pub lba: u32,
}

/// What an ISO holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoListing {
    /// The volume identifier.
    pub volume_label: String,
    /// The image's size by its primary descriptor, in bytes.
    pub volume_bytes: u64,
    /// The tree the names come from.
    pub names: NameSource,
    /// Every file, sorted by path.
    pub files: Vec<IsoEntry>,
    /// Every directory except the root, sorted.
    pub directories: Vec<String>,
    /// The El Torito boot entries, in catalog order (empty when the image is not bootable).
    pub boot: Vec<BootEntry>,
}

impl IsoListing {
    /// The file at `path` (compared ignoring ASCII case, as Windows does).
    pub fn file(&self, path: &str) -> Option<&IsoEntry> {
        self.files.iter().find(|f| f.path.eq_ignore_ascii_case(path))
    }
}

fn read_at<S: ByteSource + ?Sized>(
    source: &S,
    offset: u64,
    len: u64,
    what: &'static str,
) -> Result<Vec<u8>, IsoReadError> {
    if offset.checked_add(len).is_none_or(|end| end > source.size()) {
        return Err(error(IsoReadErrorKind::Truncated { what }, offset));
    }
    let mut buf = vec![0u8; len as usize];
    source.read_at(offset, &mut buf).map_err(|m| error(IsoReadErrorKind::Read(m), offset))?;
    Ok(buf)
}

fn both_u32(
    bytes: &[u8],
    at: usize,
    field: &'static str,
    offset: u64,
) -> Result<u32, IsoReadError> {
    let le = u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let be = u32::from_be_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]]);
    if le == be {
        Ok(le)
    } else {
        Err(error(IsoReadErrorKind::BothEndian(field), offset + at as u64))
    }
}

fn both_u16(
    bytes: &[u8],
    at: usize,
    field: &'static str,
    offset: u64,
) -> Result<u16, IsoReadError> {
    let le = u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    let be = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]);
    if le == be {
        Ok(le)
    } else {
        Err(error(IsoReadErrorKind::BothEndian(field), offset + at as u64))
    }
}

/// A directory record's fields this reader uses.
struct Record {
    extent: u32,
    length: u32,
    directory: bool,
    name: Vec<u8>,
}

/// Parses the directory record at `data[at..]`, whose length byte is `len` (non-zero).
fn record(data: &[u8], at: usize, offset: u64) -> Result<Record, IsoReadError> {
    let len = data[at] as usize;
    let bad = |field| error(IsoReadErrorKind::BadRecord(field), offset);
    if len < 34 {
        return Err(bad("length (under 34 bytes)"));
    }
    if (at % SECTOR as usize) + len > SECTOR as usize || at + len > data.len() {
        return Err(bad("length (it crosses a sector boundary)"));
    }
    let r = &data[at..at + len];
    if r[1] != 0 {
        return Err(bad("extended attribute record length"));
    }
    let extent = both_u32(r, 2, "a record's extent", offset)?;
    let length = both_u32(r, 10, "a record's data length", offset)?;
    let flags = r[25];
    if flags & 0x80 != 0 {
        return Err(error(IsoReadErrorKind::MultiExtent, offset + 25));
    }
    if flags & 0x04 != 0 {
        return Err(error(IsoReadErrorKind::AssociatedFile, offset + 25));
    }
    if r[26] != 0 || r[27] != 0 {
        return Err(error(IsoReadErrorKind::Interleaved, offset + 26));
    }
    let name_len = r[32] as usize;
    if name_len == 0 || 33 + name_len > len {
        return Err(bad("file identifier length"));
    }
    Ok(Record { extent, length, directory: flags & 0x02 != 0, name: r[33..33 + name_len].to_vec() })
}

/// The path component of a file identifier.
fn component(
    raw: &[u8],
    names: NameSource,
    directory: bool,
    offset: u64,
) -> Result<String, IsoReadError> {
    let bad = |problem| error(IsoReadErrorKind::BadName(problem), offset);
    let mut name = match names {
        NameSource::Joliet => {
            if !raw.len().is_multiple_of(2) {
                return Err(bad("a Joliet name of an odd number of bytes"));
            }
            let units = raw.chunks_exact(2).map(|u| u16::from_be_bytes([u[0], u[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .map_err(|_| bad("a Joliet name that is not valid UCS-2"))?
        }
        NameSource::Primary => {
            if !raw.iter().all(|b| (0x20..0x7F).contains(b)) {
                return Err(bad("a name with bytes outside printable ASCII"));
            }
            raw.iter().map(|&b| char::from(b)).collect()
        }
    };
    if !directory {
        if let Some(at) = name.rfind(';') {
            let version = &name[at + 1..];
            if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("a file version that is not a number"));
            }
            name.truncate(at);
        }
        if names == NameSource::Primary && name.ends_with('.') {
            name.pop();
        }
    }
    if name.is_empty() || name == "." || name == ".." {
        return Err(bad("an empty name, `.` or `..`"));
    }
    if name.chars().any(|c| c == '/' || c == '\\' || c == '\0') {
        return Err(bad("a slash, backslash or NUL in a name"));
    }
    Ok(name)
}

/// Reads the El Torito boot catalog at `lba`.
fn boot_catalog<S: ByteSource + ?Sized>(
    source: &S,
    lba: u32,
) -> Result<Vec<BootEntry>, IsoReadError> {
    let offset = u64::from(lba) * SECTOR;
    let c = read_at(source, offset, SECTOR, "El Torito boot catalog")?;
    let bad = |field, at: usize| error(IsoReadErrorKind::BadBootCatalog(field), offset + at as u64);
    if c[0] != 1 {
        return Err(bad("validation entry header ID", 0));
    }
    if c[30] != 0x55 || c[31] != 0xAA {
        return Err(bad("validation entry key bytes", 30));
    }
    let sum = c[..32].chunks(2).fold(0u16, |s, w| s.wrapping_add(u16::from_le_bytes([w[0], w[1]])));
    if sum != 0 {
        return Err(bad("validation entry checksum", 28));
    }
    let entry = |at: usize, platform: u8| BootEntry {
        platform,
        bootable: c[at] == 0x88,
        media_type: c[at + 1] & 0x0F,
        sector_count: u16::from_le_bytes([c[at + 6], c[at + 7]]),
        lba: u32::from_le_bytes([c[at + 8], c[at + 9], c[at + 10], c[at + 11]]),
    };
    if c[32] != 0x88 && c[32] != 0x00 {
        return Err(bad("default entry boot indicator", 32));
    }
    let mut entries = vec![entry(32, c[1])];
    // Section headers (0x90, 0x91 for the last) each followed by their entries.
    let mut at = 64;
    let mut last = false;
    while at + 32 <= c.len() && !last {
        match c[at] {
            0x90 | 0x91 => {
                last = c[at] == 0x91;
                let platform = c[at + 1];
                let count = u16::from_le_bytes([c[at + 2], c[at + 3]]) as usize;
                at += 32;
                for _ in 0..count {
                    if at + 32 > c.len() {
                        return Err(bad("section entry count", at));
                    }
                    match c[at] {
                        0x88 | 0x00 => entries.push(entry(at, platform)),
                        _ => return Err(bad("section entry boot indicator", at)),
                    }
                    at += 32;
                    // Section entry extensions (0x44) follow their entry.
                    while at + 32 <= c.len() && c[at] == 0x44 {
                        at += 32;
                    }
                }
            }
            0x00 => break,
            _ => return Err(bad("section header indicator", at)),
        }
    }
    for (index, e) in entries.iter().enumerate() {
        if e.lba != 0 && u64::from(e.lba) * SECTOR >= source.size() {
            return Err(bad("boot image location (beyond the image)", 32 + 32 * index));
        }
    }
    Ok(entries)
}

/// Reads the file list of an ISO 9660 image.
pub fn read_iso<S: ByteSource + ?Sized>(source: &S) -> Result<IsoListing, IsoReadError> {
    let mut primary = None;
    let mut joliet = None;
    let mut catalog = None;
    let mut terminated = false;
    for index in 0..MAX_DESCRIPTORS {
        let offset = (16 + index) * SECTOR;
        if offset + SECTOR > source.size() && index == 0 {
            return Err(error(IsoReadErrorKind::NotIso9660, offset));
        }
        let d = read_at(source, offset, SECTOR, "volume descriptors")?;
        if &d[1..6] != b"CD001" {
            if index == 0 {
                return Err(error(IsoReadErrorKind::NotIso9660, offset + 1));
            }
            return Err(error(IsoReadErrorKind::BadDescriptor("standard identifier"), offset + 1));
        }
        if d[6] != 1 {
            return Err(error(IsoReadErrorKind::BadDescriptor("version"), offset + 6));
        }
        match d[0] {
            0 => {
                if d[7..30] == *b"EL TORITO SPECIFICATION" && d[30..39].iter().all(|&b| b == 0) {
                    catalog = Some(u32::from_le_bytes([d[0x47], d[0x48], d[0x49], d[0x4A]]));
                }
            }
            1 if primary.is_none() => primary = Some((offset, d)),
            1 => {
                return Err(error(
                    IsoReadErrorKind::BadDescriptor("second primary descriptor"),
                    offset,
                ));
            }
            2 => {
                let escape = &d[88..91];
                if escape[..2] == *b"%/"
                    && matches!(escape[2], b'@' | b'C' | b'E')
                    && joliet.is_none()
                {
                    joliet = Some((offset, d));
                }
            }
            3 => {}
            255 => {
                terminated = true;
                break;
            }
            _ => return Err(error(IsoReadErrorKind::BadDescriptor("type"), offset)),
        }
    }
    if !terminated {
        return Err(error(IsoReadErrorKind::BadDescriptor("set (no terminator)"), 16 * SECTOR));
    }
    let (primary_offset, pvd) =
        primary.ok_or(error(IsoReadErrorKind::NoPrimaryDescriptor, 16 * SECTOR))?;
    let block = both_u16(&pvd, 128, "the logical block size", primary_offset)?;
    if u64::from(block) != SECTOR {
        return Err(error(IsoReadErrorKind::BlockSize(block), primary_offset + 128));
    }
    let volume_sectors = both_u32(&pvd, 80, "the volume space size", primary_offset)?;
    let volume_bytes = u64::from(volume_sectors) * SECTOR;
    if volume_bytes > source.size() {
        return Err(error(IsoReadErrorKind::Truncated { what: "volume" }, source.size()));
    }
    let volume_label: String =
        pvd[40..72].iter().map(|&b| char::from(b)).collect::<String>().trim_end().to_string();
    let (names, (tree_offset, descriptor)) = match joliet {
        Some(found) => (NameSource::Joliet, found),
        None => (NameSource::Primary, (primary_offset, pvd)),
    };
    if names == NameSource::Joliet {
        let block = both_u16(&descriptor, 128, "the logical block size", tree_offset)?;
        if u64::from(block) != SECTOR {
            return Err(error(IsoReadErrorKind::BlockSize(block), tree_offset + 128));
        }
    }
    let root_offset = tree_offset + 156;
    if descriptor[156] != 34 {
        return Err(error(
            IsoReadErrorKind::BadRecord("root directory record length"),
            root_offset,
        ));
    }
    let root = record(&descriptor[156..190], 0, root_offset)?;
    if !root.directory || root.name != [0] {
        return Err(error(IsoReadErrorKind::BadRecord("root directory record"), root_offset));
    }

    let mut files = Vec::new();
    let mut directories = Vec::new();
    let mut visited = HashSet::new();
    let mut read_bytes = 0u64;
    // (extent, length, path, depth)
    let mut pending = vec![(root.extent, root.length, String::new(), 1usize)];
    while let Some((extent, length, path, depth)) = pending.pop() {
        let offset = u64::from(extent) * SECTOR;
        if depth > MAX_DEPTH {
            return Err(error(IsoReadErrorKind::TooLarge("directory levels"), offset));
        }
        if !visited.insert(extent) {
            return Err(error(IsoReadErrorKind::Loop, offset));
        }
        if length == 0 || u64::from(length) % SECTOR != 0 {
            return Err(error(IsoReadErrorKind::BadRecord("directory data length"), offset));
        }
        if offset + u64::from(length) > volume_bytes {
            return Err(error(IsoReadErrorKind::ExtentOutsideImage, offset));
        }
        read_bytes += u64::from(length);
        if read_bytes > MAX_DIRECTORY_BYTES {
            return Err(error(IsoReadErrorKind::TooLarge("directory bytes"), offset));
        }
        let data = read_at(source, offset, u64::from(length), "directory")?;
        let mut at = 0usize;
        let mut index = 0usize;
        let mut seen = HashSet::new();
        while at < data.len() {
            if data[at] == 0 {
                // The rest of the sector is padding; it must be zeros.
                let end = (at / SECTOR as usize + 1) * SECTOR as usize;
                if data[at..end].iter().any(|&b| b != 0) {
                    return Err(error(
                        IsoReadErrorKind::BadRecord("padding after the last record of a sector"),
                        offset + at as u64,
                    ));
                }
                at = end;
                continue;
            }
            let record_offset = offset + at as u64;
            let r = record(&data, at, record_offset)?;
            at += data[at] as usize;
            match index {
                0 => {
                    if r.name != [0] || !r.directory || r.extent != extent {
                        return Err(error(
                            IsoReadErrorKind::BadRecord("`.` record"),
                            record_offset,
                        ));
                    }
                }
                1 => {
                    if r.name != [1] || !r.directory {
                        return Err(error(
                            IsoReadErrorKind::BadRecord("`..` record"),
                            record_offset,
                        ));
                    }
                }
                _ => {
                    let name = component(&r.name, names, r.directory, record_offset + 33)?;
                    if !seen.insert(name.clone()) {
                        return Err(error(IsoReadErrorKind::Duplicate(name), record_offset));
                    }
                    let child = if path.is_empty() { name } else { format!("{path}/{name}") };
                    if files.len() + directories.len() >= MAX_ENTRIES {
                        return Err(error(IsoReadErrorKind::TooLarge("entries"), record_offset));
                    }
                    if r.directory {
                        directories.push(child.clone());
                        pending.push((r.extent, r.length, child, depth + 1));
                    } else {
                        let file_offset = u64::from(r.extent) * SECTOR;
                        if r.length > 0 && file_offset + u64::from(r.length) > volume_bytes {
                            return Err(error(
                                IsoReadErrorKind::ExtentOutsideImage,
                                record_offset + 2,
                            ));
                        }
                        files.push(IsoEntry {
                            path: child,
                            offset: file_offset,
                            size: u64::from(r.length),
                        });
                    }
                }
            }
            index += 1;
        }
        if index < 2 {
            return Err(error(
                IsoReadErrorKind::BadRecord("directory without `.` and `..`"),
                offset,
            ));
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    directories.sort();
    let boot = match catalog {
        Some(lba) => boot_catalog(source, lba)?,
        None => Vec::new(),
    };
    Ok(IsoListing { volume_label, volume_bytes, names, files, directories, boot })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::fat::{Content, MediumFile, Part};
    use crate::media::iso::{IsoImage, IsoOptions};

    fn image(files: &[(&str, &[u8])]) -> Vec<u8> {
        let files = files
            .iter()
            .map(|(p, b)| MediumFile { path: (*p).into(), content: Content::Bytes(b.to_vec()) })
            .collect();
        let plan = IsoImage::plan(files, IsoOptions { label: "TEST".into(), serial: 1 }).unwrap();
        let mut out = Vec::new();
        plan.emit(&mut |part: Part| -> Result<(), ()> {
            match part {
                Part::Bytes(b) => out.extend_from_slice(&b),
                Part::Zeros(n) => out.resize(out.len() + n as usize, 0),
                Part::Input { .. } | Part::Deferred { .. } => unreachable!(),
            }
            Ok(())
        })
        .unwrap();
        out
    }

    fn sample() -> Vec<u8> {
        image(&[
            ("EFI/BOOT/BOOTX64.EFI", b"loader"),
            ("EFI/Microsoft/Boot/BCD", b"bcd"),
            ("sources/boot.wim", b"wim bytes"),
            ("Ünïcödé/file name.txt", b"x"),
            ("empty", b""),
        ])
    }

    #[test]
    fn what_the_writer_writes_reads_back() {
        let iso = sample();
        let listing = read_iso(iso.as_slice()).unwrap();
        assert_eq!(listing.names, NameSource::Joliet);
        assert_eq!(listing.volume_label, "TEST");
        assert_eq!(listing.volume_bytes, iso.len() as u64);
        let paths: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "EFI/BOOT/BOOTX64.EFI",
                "EFI/Microsoft/Boot/BCD",
                "empty",
                "sources/boot.wim",
                "Ünïcödé/file name.txt"
            ]
        );
        let wim = listing.file("SOURCES/BOOT.WIM").unwrap();
        assert_eq!(&iso[wim.offset as usize..(wim.offset + wim.size) as usize], b"wim bytes");
        assert_eq!(
            listing.directories,
            ["EFI", "EFI/BOOT", "EFI/Microsoft", "EFI/Microsoft/Boot", "sources", "Ünïcödé"]
        );
        assert_eq!(listing.boot.len(), 1);
        assert_eq!(listing.boot[0].platform, 0xEF);
        assert!(listing.boot[0].bootable);
    }

    #[test]
    fn the_primary_tree_is_read_without_joliet() {
        let mut iso = sample();
        // Turn the Joliet descriptor (sector 18) into an unknown-escape supplementary one.
        iso[18 * 2048 + 90] = b'X';
        let listing = read_iso(iso.as_slice()).unwrap();
        assert_eq!(listing.names, NameSource::Primary);
        let paths: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "EFI/BOOT/BOOTX64.EFI",
                "EFI/MICROSOFT/BOOT/BCD",
                "EMPTY",
                "SOURCES/BOOT.WIM",
                "_N_C_D_/FILE_NAME.TXT"
            ]
        );
    }

    #[test]
    fn damage_is_reported_with_kind_and_offset() {
        let iso = sample();
        let mut not_iso = iso.clone();
        not_iso[16 * 2048 + 1] = b'X';
        let e = read_iso(not_iso.as_slice()).unwrap_err();
        assert_eq!((e.kind, e.offset), (IsoReadErrorKind::NotIso9660, 16 * 2048 + 1));
        let mut truncated = iso.clone();
        truncated.truncate(iso.len() - 2048);
        let e = read_iso(truncated.as_slice()).unwrap_err();
        assert_eq!(e.kind, IsoReadErrorKind::Truncated { what: "volume" });
        let mut endian = iso.clone();
        endian[16 * 2048 + 80] ^= 1;
        let e = read_iso(endian.as_slice()).unwrap_err();
        assert_eq!(
            (e.kind, e.offset),
            (IsoReadErrorKind::BothEndian("the volume space size"), 16 * 2048 + 80)
        );
        let mut block = iso.clone();
        block[16 * 2048 + 128..16 * 2048 + 132].copy_from_slice(&[0, 2, 2, 0]);
        assert_eq!(read_iso(block.as_slice()).unwrap_err().kind, IsoReadErrorKind::BlockSize(512));
        let mut catalog = iso.clone();
        catalog[20 * 2048 + 28] ^= 1;
        let e = read_iso(catalog.as_slice()).unwrap_err();
        assert!(e.to_string().contains("at byte 40988 of the ISO"), "{e}");
        assert_eq!(
            (e.kind, e.offset),
            (IsoReadErrorKind::BadBootCatalog("validation entry checksum"), 20 * 2048 + 28)
        );
        assert_eq!(read_iso(&iso[..1000]).unwrap_err().kind, IsoReadErrorKind::NotIso9660);
    }
}
