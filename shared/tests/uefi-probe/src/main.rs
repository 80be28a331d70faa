//! Boots, writes `OSDGATE-PROBE-BOOTED`, one `OSDGATE-FILE <name>` line per entry of `\osdgate` on
//! the volume it was loaded from, `OSDGATE-PROBE-DONE`, and powers the machine off. The log goes to
//! the UEFI console and, through uefi's `log-debugcon` feature, to QEMU's debug console (port 0xE9).
//!
//! Booted from a CD, the volume it was loaded from is the El Torito FAT image, which holds only
//! `\EFI\BOOT\BOOTX64.EFI`: then the probe does what Windows Boot Manager does on a CD and reads the
//! disc itself through its block device (2048-byte blocks, not a partition), walking the Joliet tree
//! (the supplementary volume descriptor with escape `%/E`) to `\osdgate`. Those lines follow
//! `OSDGATE-SOURCE joliet`.

#![no_main]
#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use uefi::boot::{OpenProtocolAttributes, OpenProtocolParams};
use uefi::fs::FileSystem;
use uefi::prelude::*;
use uefi::proto::media::block::BlockIO;
use uefi::runtime::ResetType;
use uefi::{boot, cstr16};

const CD_SECTOR: usize = 2048;

#[entry]
fn main() -> Status {
    if uefi::helpers::init().is_err() {
        return Status::ABORTED;
    }
    log::info!("OSDGATE-PROBE-BOOTED");
    let mut listed = false;
    match boot::get_image_file_system(boot::image_handle()) {
        Ok(protocol) => {
            let mut fs = FileSystem::new(protocol);
            match fs.read_dir(cstr16!("\\osdgate")) {
                Ok(entries) => {
                    listed = true;
                    for entry in entries.flatten() {
                        log::info!("OSDGATE-FILE {}", entry.file_name());
                    }
                }
                Err(error) => log::info!("OSDGATE-NOTE no \\osdgate on the boot volume: {error:?}"),
            }
        }
        Err(error) => log::info!("OSDGATE-ERROR file system: {error:?}"),
    }
    if !listed {
        if let Err(error) = list_from_disc() {
            log::info!("OSDGATE-ERROR disc: {error}");
        }
    }
    log::info!("OSDGATE-PROBE-DONE");
    runtime::reset(ResetType::SHUTDOWN, Status::SUCCESS, None)
}

fn u32_le(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// The directory records of a directory: (name in UCS-2 big-endian, extent, length, is a folder).
fn records(data: &[u8]) -> Vec<(Vec<u8>, u32, u32, bool)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let len = data[at] as usize;
        if len == 0 {
            at = (at / CD_SECTOR + 1) * CD_SECTOR;
            continue;
        }
        if len < 34 || at + len > data.len() {
            break;
        }
        let record = &data[at..at + len];
        let name_len = record[32] as usize;
        if 33 + name_len <= len {
            out.push((
                record[33..33 + name_len].to_vec(),
                u32_le(record, 2),
                u32_le(record, 10),
                record[25] & 2 != 0,
            ));
        }
        at += len;
    }
    out
}

fn read(block: &mut BlockIO, lba: u32, bytes: u32) -> Result<Vec<u8>, &'static str> {
    let sectors = (bytes as usize).div_ceil(CD_SECTOR).max(1);
    let mut buffer = vec![0u8; sectors * CD_SECTOR];
    let media_id = block.media().media_id();
    block.read_blocks(media_id, u64::from(lba), &mut buffer).map_err(|_| "read_blocks failed")?;
    Ok(buffer)
}

/// Lists `\osdgate` from the Joliet tree of the first CD-like block device holding one.
fn list_from_disc() -> Result<(), &'static str> {
    let handles = boot::find_handles::<BlockIO>().map_err(|_| "no block devices")?;
    for handle in handles {
        // SAFETY: a shared (GET_PROTOCOL) open for reading; nothing is disconnected or changed.
        let opened = unsafe {
            boot::open_protocol::<BlockIO>(
                OpenProtocolParams { handle, agent: boot::image_handle(), controller: None },
                OpenProtocolAttributes::GetProtocol,
            )
        };
        let Ok(mut block) = opened else { continue };
        let media = block.media();
        if media.is_logical_partition()
            || !media.is_media_present()
            || media.block_size() as usize != CD_SECTOR
        {
            continue;
        }
        let mut root = None;
        for lba in 16..48 {
            let descriptor = read(&mut block, lba, CD_SECTOR as u32)?;
            if &descriptor[1..6] != b"CD001" || descriptor[0] == 255 {
                break;
            }
            if descriptor[0] == 2 && &descriptor[88..90] == b"%/" {
                root = Some((u32_le(&descriptor, 156 + 2), u32_le(&descriptor, 156 + 10)));
            }
        }
        let Some((extent, length)) = root else { continue };
        let want: Vec<u8> = "osdgate".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let top = read(&mut block, extent, length)?;
        let Some((_, extent, length, _)) =
            records(&top).into_iter().find(|(name, _, _, dir)| *dir && *name == want)
        else {
            return Err("no \\osdgate in the Joliet tree");
        };
        log::info!("OSDGATE-SOURCE joliet");
        for (name, _, _, _) in records(&read(&mut block, extent, length)?) {
            if name == [0] || name == [1] {
                continue;
            }
            let units = name.chunks_exact(2).map(|u| u16::from_be_bytes([u[0], u[1]]));
            let text: String = char::decode_utf16(units).map(|c| c.unwrap_or('?')).collect();
            log::info!("OSDGATE-FILE {}", text.strip_suffix(";1").unwrap_or(&text));
        }
        return Ok(());
    }
    Err("no CD with a Joliet tree")
}
