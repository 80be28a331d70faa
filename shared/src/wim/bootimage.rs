//! A boot image for osdgate media, prepared without Windows (issue 15): the WIM writer of
//! [`super::prepare`] plus the launcher of [`crate::media::launcher`]. The CLI's `osdgate bootimage
//! inspect|prepare` and the console call these two functions, so both report and write the same.

use std::fmt;

use super::prepare::{
    IntegrityOutcome, Preparation, PrepareOptions, PreparedWim, inspect as inspect_wim, prepare,
};
use super::{ImageInfo, Inspection, WimError, WimSource};
use crate::media::launcher::{self, FoundLauncher, LauncherError};

/// What an image's `startnet.cmd` holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum LauncherState {
    /// No osdgate launcher (a stock or customised `startnet.cmd`).
    Absent,
    /// An osdgate launcher block of this version, beginning on this 1-based line.
    Present {
        /// Launcher version in its begin marker.
        version: u32,
        /// Whether it is the version this build writes.
        current: bool,
        /// Line of the begin marker.
        line: usize,
    },
    /// The file is there but cannot take the launcher (a damaged block, UTF-16).
    Unusable {
        /// Why, with the fix.
        reason: String,
    },
    /// The image has no usable `startnet.cmd` or its metadata cannot be read.
    NotWindowsPe {
        /// Why, with the fix.
        reason: String,
    },
}

impl LauncherState {
    fn of(startnet: &Result<Vec<u8>, WimError>) -> LauncherState {
        match startnet {
            Err(error) => LauncherState::NotWindowsPe { reason: error.to_string() },
            Ok(text) => match launcher::find(text) {
                Ok(None) => LauncherState::Absent,
                Ok(Some(FoundLauncher { version, line })) => LauncherState::Present {
                    version,
                    current: version == launcher::LAUNCHER_VERSION,
                    line,
                },
                Err(error) => LauncherState::Unusable { reason: error.to_string() },
            },
        }
    }
}

/// One image as `inspect` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BootImageInfo {
    /// The WIM's view of the image.
    #[serde(flatten)]
    pub image: ImageInfo,
    /// The osdgate launcher in its `startnet.cmd`.
    pub launcher: LauncherState,
}

/// What `inspect` shows about a boot image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BootImageInspection {
    /// The WIM as a whole.
    #[serde(flatten)]
    pub wim: Inspection,
    /// The image `prepare` changes without `--index` (the boot index, or the only image), if any.
    pub default_index: Option<u32>,
    /// Each image with its launcher state.
    #[serde(rename = "images")]
    pub images: Vec<BootImageInfo>,
    /// The launcher version this build writes.
    pub launcher_version: u32,
}

/// Inspects a boot image.
pub fn inspect<S: WimSource + ?Sized>(source: &S) -> Result<BootImageInspection, WimError> {
    let mut wim = inspect_wim(source)?;
    let images = std::mem::take(&mut wim.images)
        .into_iter()
        .map(|image| BootImageInfo { launcher: LauncherState::of(&image.startnet), image })
        .collect();
    let default_index = match (wim.boot_index, wim.image_count) {
        (0, 1) => Some(1),
        (0, _) => None,
        (index, _) => Some(index),
    };
    Ok(BootImageInspection {
        wim,
        default_index,
        images,
        launcher_version: launcher::LAUNCHER_VERSION,
    })
}

/// Why a boot image cannot be prepared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootImageError {
    /// The WIM cannot be read or changed.
    Wim(WimError),
    /// Its `startnet.cmd` cannot take the launcher.
    Launcher(LauncherError),
}

impl fmt::Display for BootImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BootImageError::Wim(error) => error.fmt(f),
            BootImageError::Launcher(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for BootImageError {}

impl From<WimError> for BootImageError {
    fn from(error: WimError) -> Self {
        BootImageError::Wim(error)
    }
}

/// A prepared boot image and what preparing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedBootImage {
    /// The output, as parts.
    pub wim: PreparedWim,
    /// Versions of the launcher blocks that were replaced (empty: none was there).
    pub replaced: Vec<u32>,
    /// `startnet.cmd` had no `wpeinit`; it was added before the launcher.
    pub added_wpeinit: bool,
    /// The new `startnet.cmd`.
    pub startnet: Vec<u8>,
}

impl PreparedBootImage {
    /// The integrity table's fate.
    pub fn integrity(&self) -> IntegrityOutcome {
        self.wim.integrity
    }
}

/// Installs the current launcher into `startnet.cmd` of image `index` (default: the boot image),
/// replacing an earlier launcher.
pub fn prepare_boot_image<S: WimSource + ?Sized>(
    source: &S,
    index: Option<u32>,
    options: PrepareOptions,
) -> Result<PreparedBootImage, BootImageError> {
    let preparation = Preparation::open(source, index)?;
    let installed = launcher::install(&preparation.current).map_err(BootImageError::Launcher)?;
    let wim = prepare(source, &preparation, &installed.startnet, options)?;
    Ok(PreparedBootImage {
        wim,
        replaced: installed.replaced,
        added_wpeinit: installed.added_wpeinit,
        startnet: installed.startnet,
    })
}
