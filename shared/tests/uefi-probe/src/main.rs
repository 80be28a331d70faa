//! Boots, writes `OSDGATE-PROBE-BOOTED`, one `OSDGATE-FILE <name>` line per entry of `\osdgate` on
//! the volume it was loaded from, `OSDGATE-PROBE-DONE`, and powers the machine off. The log goes to
//! the UEFI console and, through uefi's `log-debugcon` feature, to QEMU's debug console (port 0xE9).

#![no_main]
#![no_std]

extern crate alloc;

use uefi::fs::FileSystem;
use uefi::prelude::*;
use uefi::runtime::ResetType;
use uefi::{boot, cstr16};

#[entry]
fn main() -> Status {
    if uefi::helpers::init().is_err() {
        return Status::ABORTED;
    }
    log::info!("OSDGATE-PROBE-BOOTED");
    match boot::get_image_file_system(boot::image_handle()) {
        Ok(protocol) => {
            let mut fs = FileSystem::new(protocol);
            match fs.read_dir(cstr16!("\\osdgate")) {
                Ok(entries) => {
                    for entry in entries.flatten() {
                        log::info!("OSDGATE-FILE {}", entry.file_name());
                    }
                }
                Err(error) => log::info!("OSDGATE-ERROR read_dir: {error:?}"),
            }
        }
        Err(error) => log::info!("OSDGATE-ERROR file system: {error:?}"),
    }
    log::info!("OSDGATE-PROBE-DONE");
    runtime::reset(ResetType::SHUTDOWN, Status::SUCCESS, None)
}
