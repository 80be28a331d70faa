//! Where things are on a medium. The launcher, the bundle writer, the image writers and the agent
//! all name files through these constants, so a renamed file cannot break one of them silently.

/// The folder that holds the bundle at the root of the medium (`\osdgate` on the stick, the
/// top-level folder inside the bundle zip).
pub const BUNDLE_DIR: &str = "osdgate";
/// The media configuration (relay URL, media ID, expiry, sealed key, certificate pins). Its
/// presence is what the launcher looks for on every drive.
pub const MEDIA_CONFIG: &str = "media.json";
/// The Windows x64 agent the launcher starts.
pub const AGENT_EXE: &str = "osdgate-agent.exe";
/// `.reg` patches for the running Windows PE registry (`HKEY_LOCAL_MACHINE\SOFTWARE`), imported by
/// the launcher at every boot.
pub const ROOTS_RUNNING_DIR: &str = "roots\\running";
/// `.reg` patches for the boot image's offline hive (`HKEY_LOCAL_MACHINE\winpe-offline`), imported
/// once by the preparation scripts.
pub const ROOTS_OFFLINE_DIR: &str = "roots\\offline";
/// The preparation scripts and the launcher block they install.
pub const SCRIPTS_DIR: &str = "bootimage";
/// The launcher block, as the preparation scripts insert it into `startnet.cmd`.
pub const LAUNCHER_FILE: &str = "startnet-osdgate.cmd";
/// The PowerShell preparation script.
pub const PREPARE_PS1: &str = "prepare-bootimage.ps1";
/// The `.cmd` preparation script.
pub const PREPARE_CMD: &str = "prepare-bootimage.cmd";
/// Every file of the bundle with its size and SHA-256.
pub const MANIFEST: &str = "manifest.json";
/// Plain-words instructions for whoever handles the stick.
pub const README: &str = "README.txt";
