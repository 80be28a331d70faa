//! Boot media (issue 11): what goes on the USB stick or ISO besides the admin's Windows PE boot
//! files, and the formats that carry it.
//!
//! - [`layout`]: where every file of the bundle lives on the medium.
//! - [`launcher`]: the `startnet.cmd` block that finds the bundle, imports its roots and starts the
//!   agent; installing it replaces an earlier block, never stacks it.
//! - [`iso`]: the ISO image (ISO 9660, Joliet, a UEFI El Torito entry), written forward-only.
//! - [`iso_read`]: the file list and El Torito catalog of an ISO (boot files given as an ISO,
//!   verifying an osdgate ISO), strict, with errors as kind and offset.
//! - [`medium`]: a whole medium (boot files + bundle) for the image writers: the manifest planned
//!   with the boot files' digests reserved and completed while they are copied, and the image's
//!   identity.
//! - [`prepare`]: the DISM scripts that prepare a `boot.wim` once (roots into the offline hive, the
//!   launcher into `startnet.cmd`).
//!
//! Nothing here does I/O: inputs are bytes and values, outputs are bytes (or, for images, a plan of
//! generated chunks and ranges of input files).

pub mod bundle;
pub mod fat;
pub mod identity;
pub mod iso;
pub mod iso_read;
pub mod launcher;
pub mod layout;
pub mod medium;
pub mod prepare;
pub mod usb;
