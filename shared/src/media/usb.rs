//! The USB image (issue 11, item 3): a raw disk image with a GPT (UEFI 2.10 §5.3) behind a protective
//! MBR (§5.2.3) and one FAT32 partition holding the Windows PE boot files and the bundle, written
//! forward-only as [`Part`]s (see [`super::fat`]).
//!
//! The partition is a Microsoft basic data partition, not an EFI system partition: UEFI firmware
//! boots `\EFI\BOOT\BOOTX64.EFI` from any FAT file system on removable media (§3.5.1.1), and Windows
//! PE gives a basic data partition a drive letter, which the launcher needs to find `\osdgate`.
//! It starts at 1 MiB; the image ends on a 1 MiB boundary after the backup GPT.
//!
//! The partition tables are written here rather than with `gptman`/`mbrman`: those write through
//! `Seek` onto a device the size of the disk, while this writer emits the primary table first and
//! the backup table last in one forward pass. `sfdisk --dump` checks the result in the tests.

use super::fat::{FatOptions, FatSummary, FatType, FatVolume, ImageError, MediumFile, Part};

const SECTOR: u64 = 512;
/// The partition starts at LBA 2048 (1 MiB), as Windows and every current partitioning tool align.
const PARTITION_START: u64 = 2048;
/// 128 entries of 128 bytes: 32 sectors.
const ENTRY_SECTORS: u64 = 32;
/// Microsoft basic data partition, `EBD0A0A2-B9E5-4433-87C0-68B6B72699C7`, in GPT byte order
/// (the first three fields little-endian).
const BASIC_DATA: [u8; 16] = [
    0xA2, 0xA0, 0xD0, 0xEB, 0xE5, 0xB9, 0x33, 0x44, 0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7,
];

/// Boot files every UEFI medium needs, with the fix when one is missing.
pub const REQUIRED_BOOT_FILES: &[(&str, &str)] = &[
    (
        "EFI/BOOT/BOOTX64.EFI",
        "give the Windows PE media folder (the ADK's `media` folder after copype, or the root of a WinPE ISO), which holds EFI\\BOOT\\BOOTX64.EFI",
    ),
    (
        "EFI/Microsoft/Boot/BCD",
        "give the whole Windows PE media folder: Windows Boot Manager reads its boot configuration from EFI\\Microsoft\\Boot\\BCD (copype and MakeWinPEMedia put it there)",
    ),
    (
        "sources/boot.wim",
        "give boot files that hold sources\\boot.wim (prepared with `osdgate bootimage script`)",
    ),
];

/// Checks that `files` hold every [`REQUIRED_BOOT_FILES`] entry (case-insensitively).
pub fn check_boot_files(files: &[MediumFile]) -> Result<(), ImageError> {
    for (path, fix) in REQUIRED_BOOT_FILES {
        if !files.iter().any(|f| f.path.eq_ignore_ascii_case(path)) {
            return Err(ImageError::MissingBootFile { path, fix });
        }
    }
    Ok(())
}

/// A planned USB image.
#[derive(Debug, Clone)]
pub struct UsbImage {
    volume: FatVolume,
    total_sectors: u64,
    partition_sectors: u64,
    disk_guid: [u8; 16],
    partition_guid: [u8; 16],
}

/// What a USB image holds, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsbSummary {
    /// The image's size in bytes (the smallest stick it fits on).
    pub image_bytes: u64,
    /// The partition's offset in bytes.
    pub partition_offset: u64,
    /// The FAT32 volume.
    pub volume: FatSummary,
}

/// Options of a USB image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsbOptions {
    /// Free space to leave on the volume.
    pub free_bytes: u64,
    /// 16 bytes that name the disk: the GPT disk and partition GUIDs and the volume serial derive
    /// from them (the CLI uses the manifest's SHA-256, so the same bundle gives the same image).
    pub identity: [u8; 16],
}

fn guid_v4(mut bytes: [u8; 16], variant: u8) -> [u8; 16] {
    bytes[0] ^= variant;
    bytes[7] = (bytes[7] & 0x0F) | 0x40; // version 4 (byte 7 is the high byte of field 3, LE)
    bytes[8] = (bytes[8] & 0x3F) | 0x80; // RFC 4122 variant
    bytes
}

impl UsbImage {
    /// Plans an image holding `files` (boot files and bundle; paths from the volume's root).
    pub fn plan(files: Vec<MediumFile>, options: UsbOptions) -> Result<UsbImage, ImageError> {
        check_boot_files(&files)?;
        let serial = u32::from_le_bytes([
            options.identity[12],
            options.identity[13],
            options.identity[14],
            options.identity[15],
        ]);
        let volume = FatVolume::plan(
            files,
            FatOptions {
                fat_type: FatType::Fat32,
                free_bytes: options.free_bytes,
                hidden_sectors: PARTITION_START as u32,
                serial,
                label: "OSDGATE",
            },
        )?;
        let partition_sectors = volume.size() / SECTOR;
        let minimum = PARTITION_START + partition_sectors + 1 + ENTRY_SECTORS;
        let total_sectors = minimum.div_ceil(2048) * 2048;
        Ok(UsbImage {
            volume,
            total_sectors,
            partition_sectors,
            disk_guid: guid_v4(options.identity, 0x00),
            partition_guid: guid_v4(options.identity, 0x5A),
        })
    }

    /// The image's size in bytes.
    pub fn size(&self) -> u64 {
        self.total_sectors * SECTOR
    }

    /// What the image holds.
    pub fn summary(&self) -> UsbSummary {
        UsbSummary {
            image_bytes: self.size(),
            partition_offset: PARTITION_START * SECTOR,
            volume: self.volume.summary(),
        }
    }

    fn entries(&self) -> Vec<u8> {
        let mut entries = vec![0u8; (ENTRY_SECTORS * SECTOR) as usize];
        entries[..16].copy_from_slice(&BASIC_DATA);
        entries[16..32].copy_from_slice(&self.partition_guid);
        entries[32..40].copy_from_slice(&PARTITION_START.to_le_bytes());
        entries[40..48]
            .copy_from_slice(&(PARTITION_START + self.partition_sectors - 1).to_le_bytes());
        for (i, unit) in "osdgate".encode_utf16().enumerate() {
            entries[56 + 2 * i..58 + 2 * i].copy_from_slice(&unit.to_le_bytes());
        }
        entries
    }

    fn header(&self, entries_crc: u32, backup: bool) -> [u8; 512] {
        let last = self.total_sectors - 1;
        let (my_lba, alternate, entries_lba) =
            if backup { (last, 1, last - ENTRY_SECTORS) } else { (1, last, 2) };
        let mut h = [0u8; 512];
        h[..8].copy_from_slice(b"EFI PART");
        h[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        h[12..16].copy_from_slice(&92u32.to_le_bytes());
        h[24..32].copy_from_slice(&my_lba.to_le_bytes());
        h[32..40].copy_from_slice(&alternate.to_le_bytes());
        h[40..48].copy_from_slice(&(2 + ENTRY_SECTORS).to_le_bytes());
        h[48..56].copy_from_slice(&(last - 1 - ENTRY_SECTORS).to_le_bytes());
        h[56..72].copy_from_slice(&self.disk_guid);
        h[72..80].copy_from_slice(&entries_lba.to_le_bytes());
        h[80..84].copy_from_slice(&128u32.to_le_bytes());
        h[84..88].copy_from_slice(&128u32.to_le_bytes());
        h[88..92].copy_from_slice(&entries_crc.to_le_bytes());
        let crc = crc32fast::hash(&h[..92]);
        h[16..20].copy_from_slice(&crc.to_le_bytes());
        h
    }

    fn protective_mbr(&self) -> [u8; 512] {
        let mut m = [0u8; 512];
        let entry = &mut m[446..462];
        entry[1..4].copy_from_slice(&[0x00, 0x02, 0x00]); // CHS of LBA 1
        entry[4] = 0xEE;
        entry[5..8].copy_from_slice(&[0xFF, 0xFF, 0xFF]);
        entry[8..12].copy_from_slice(&1u32.to_le_bytes());
        let size = (self.total_sectors - 1).min(u64::from(u32::MAX)) as u32;
        entry[12..16].copy_from_slice(&size.to_le_bytes());
        m[510] = 0x55;
        m[511] = 0xAA;
        m
    }

    /// Emits the image, part by part, to `sink`.
    pub fn emit<E, F: FnMut(Part) -> Result<(), E> + ?Sized>(&self, sink: &mut F) -> Result<(), E> {
        let entries = self.entries();
        let entries_crc = crc32fast::hash(&entries);
        let mut head = Vec::with_capacity(((2 + ENTRY_SECTORS) * SECTOR) as usize);
        head.extend_from_slice(&self.protective_mbr());
        head.extend_from_slice(&self.header(entries_crc, false));
        head.extend_from_slice(&entries);
        sink(Part::Bytes(head))?;
        sink(Part::Zeros((PARTITION_START - 2 - ENTRY_SECTORS) * SECTOR))?;
        self.volume.emit(sink)?;
        let backup_entries_lba = self.total_sectors - 1 - ENTRY_SECTORS;
        sink(Part::Zeros(
            (backup_entries_lba - PARTITION_START - self.partition_sectors) * SECTOR,
        ))?;
        let mut tail = entries;
        tail.extend_from_slice(&self.header(entries_crc, true));
        sink(Part::Bytes(tail))
    }
}

/// How many bytes of the image's start [`read_partition`] needs: the protective MBR, the primary
/// GPT header and 128 entries of 128 bytes.
pub const TABLE_BYTES: usize = ((2 + ENTRY_SECTORS) * SECTOR) as usize;

/// A USB image whose partition table cannot be read: what is wrong and at which byte.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem} (at byte {offset} of the image)")]
pub struct TableError {
    /// What is wrong.
    pub problem: &'static str,
    /// The byte offset in the image.
    pub offset: u64,
}

/// The byte range of the one partition of an osdgate USB image, from its first [`TABLE_BYTES`]:
/// a protective MBR (type 0xEE), a primary GPT header with valid CRCs (UEFI 2.10 §5.3.2) and one
/// used partition entry. Anything else is refused.
pub fn read_partition(head: &[u8], image_size: u64) -> Result<std::ops::Range<u64>, TableError> {
    let err = |problem, offset| Err(TableError { problem, offset });
    if head.len() < TABLE_BYTES {
        return err("the image is shorter than a partition table", head.len() as u64);
    }
    if head[510..512] != [0x55, 0xAA] {
        return err("no MBR signature", 510);
    }
    if head[446 + 4] != 0xEE {
        return err("the MBR is not a protective MBR (type 0xEE): not a GPT disk", 450);
    }
    let h = &head[512..1024];
    if &h[..8] != b"EFI PART" {
        return err("no GPT header signature `EFI PART` at LBA 1", 512);
    }
    let header_size = u32::from_le_bytes([h[12], h[13], h[14], h[15]]) as usize;
    if !(92..=512).contains(&header_size) {
        return err("GPT header size outside 92..512", 524);
    }
    let stored = u32::from_le_bytes([h[16], h[17], h[18], h[19]]);
    let mut copy = h[..header_size].to_vec();
    copy[16..20].fill(0);
    if crc32fast::hash(&copy) != stored {
        return err("GPT header CRC mismatch: the table is damaged", 528);
    }
    let u64_at = |at: usize| u64::from_le_bytes(h[at..at + 8].try_into().unwrap_or([0; 8]));
    let u32_at = |at: usize| u32::from_le_bytes(h[at..at + 4].try_into().unwrap_or([0; 4]));
    if u64_at(72) != 2 {
        return err("the partition entries do not start at LBA 2", 584);
    }
    let (count, size) = (u32_at(80) as usize, u32_at(84) as usize);
    if size != 128 || count == 0 || count * size > (ENTRY_SECTORS * SECTOR) as usize {
        return err("partition entry count or size outside what osdgate writes", 592);
    }
    let entries = &head[1024..1024 + count * size];
    if crc32fast::hash(entries) != u32_at(88) {
        return err("partition entries CRC mismatch: the table is damaged", 600);
    }
    let mut found = None;
    for (index, entry) in entries.chunks_exact(size).enumerate() {
        if entry[..16].iter().all(|&b| b == 0) {
            continue;
        }
        let offset = 1024 + (index * size) as u64;
        if found.is_some() {
            return err("more than one partition: not an osdgate USB image", offset);
        }
        let first = u64::from_le_bytes(entry[32..40].try_into().unwrap_or([0; 8]));
        let last = u64::from_le_bytes(entry[40..48].try_into().unwrap_or([0; 8]));
        if first < 2 + ENTRY_SECTORS || last < first || (last + 1) * SECTOR > image_size {
            return err("a partition outside the image", offset + 32);
        }
        found = Some(first * SECTOR..(last + 1) * SECTOR);
    }
    match found {
        Some(range) => Ok(range),
        None => err("no partition", 1024),
    }
}
