//! `osdgate bootimage ...`: prepare a Windows PE boot image for osdgate media (issue 11). The scripts
//! and the launcher come from `osdgate_model::media::prepare`; this module reads the `.reg` patches,
//! writes the files atomically and prints.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::{Args, Subcommand};
use osdgate_model::media::layout::{LAUNCHER_FILE, PREPARE_CMD, PREPARE_PS1};
use osdgate_model::media::prepare::{self, PrepareParams};

use crate::output::write_atomically;
use crate::trust::patch_file;

/// Windows PE boot images for osdgate media.
#[derive(Debug, Args)]
pub struct BootimageArgs {
    #[command(subcommand)]
    command: BootimageCommand,
}

#[derive(Debug, Subcommand)]
enum BootimageCommand {
    /// Write prepare-bootimage.ps1, prepare-bootimage.cmd and startnet-osdgate.cmd: DISM scripts
    /// that add trusted roots to a boot.wim's offline hive and the osdgate launcher to its
    /// startnet.cmd (replacing an earlier one), once per boot image.
    Script {
        /// Path of the boot image on the Windows machine that runs the scripts.
        #[arg(long)]
        wim: String,
        /// Image index in the WIM (1 for the ADK's and ConfigMgr's boot.wim).
        #[arg(long, default_value_t = 1)]
        index: u32,
        /// Mount directory on the Windows machine (default %TEMP%\osdgate-mount).
        #[arg(long)]
        mount_dir: Option<String>,
        /// Folder to write the scripts to (default: the current folder).
        #[arg(short = 'o', long = "output-dir", default_value = ".")]
        output_dir: PathBuf,
        /// .reg patches targeting winpe-offline (`osdgate trust reg`); copy them next to the
        /// scripts. None: only the launcher is installed.
        regs: Vec<PathBuf>,
    },
    /// Show a boot.wim's images, names, sizes, compression, boot index and whether each image's
    /// startnet.cmd holds an osdgate launcher (and which version). Exit 2: not a usable WIM.
    Inspect {
        /// The WIM (usually sources\boot.wim of the Windows PE media).
        wim: PathBuf,
        /// text or json.
        #[arg(long, value_enum, default_value = "text")]
        format: crate::bootimage_wim::InspectFormat,
    },
    /// Write a copy of a boot.wim whose Windows PE starts the osdgate launcher, without Windows or
    /// DISM: only startnet.cmd of one image changes; every other byte of the WIM is kept. Preparing
    /// a prepared image replaces its launcher. Exit 2: the WIM cannot be prepared (nothing written).
    Prepare {
        /// The WIM to prepare.
        wim: PathBuf,
        /// Where to write the prepared WIM (written to a temporary file, then renamed).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// The image to change (default: the boot index, or the only image).
        #[arg(long)]
        index: Option<u32>,
        /// Drop an existing integrity table instead of writing a new one.
        #[arg(long)]
        remove_integrity: bool,
    },
}

/// Runs `osdgate bootimage ...`.
pub fn run(args: BootimageArgs) -> ExitCode {
    let result = match args.command {
        BootimageCommand::Script { wim, index, mount_dir, output_dir, regs } => {
            cmd_script(wim, index, mount_dir, &output_dir, &regs)
        }
        BootimageCommand::Inspect { wim, format } => {
            crate::bootimage_wim::cmd_inspect(&wim, format)
        }
        BootimageCommand::Prepare { wim, output, index, remove_integrity } => {
            crate::bootimage_wim::cmd_prepare(&wim, &output, index, remove_integrity)
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("osdgate bootimage: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn cmd_script(
    wim: String,
    index: u32,
    mount_dir: Option<String>,
    output_dir: &Path,
    regs: &[PathBuf],
) -> Result<ExitCode> {
    let offline_patches = regs.iter().map(|p| patch_file(p)).collect::<Result<Vec<_>>>()?;
    let files =
        prepare::generate(&PrepareParams { wim_path: wim, index, mount_dir, offline_patches })
            .map_err(|problems| anyhow!("invalid parameters:\n  {}", problems.join("\n  ")))?;
    std::fs::create_dir_all(output_dir)
        .with_context(|| format!("cannot create {}", output_dir.display()))?;
    for (name, bytes) in &files.files {
        write_atomically(&output_dir.join(name), bytes)?;
    }
    eprintln!(
        "wrote {PREPARE_PS1}, {PREPARE_CMD} and {LAUNCHER_FILE} to {}; copy them{} into one folder on a Windows machine with DISM and run one script elevated, once per boot.wim",
        output_dir.display(),
        if regs.is_empty() { "" } else { " and the .reg file(s)" }
    );
    Ok(ExitCode::SUCCESS)
}
