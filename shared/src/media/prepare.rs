//! The boot image preparation scripts (`osdgate bootimage script`, issue 11): the trust scripts' DISM
//! flow (`trust::scripts`) with the launcher step. Mount the `boot.wim` index, import the roots into
//! the offline SOFTWARE hive (when there are any), install [`launcher::block`] into
//! `Windows\System32\startnet.cmd` after `wpeinit` (replacing an earlier osdgate block), unmount with
//! commit; on any failure unload the hive and unmount with discard, naming the failed step.

use super::launcher::{self, LAUNCHER_VERSION};
use super::layout::{LAUNCHER_FILE, PREPARE_CMD, PREPARE_PS1};
use crate::trust::scripts::{self, ApplyScriptParams, LauncherStep, PatchFile, powershell_bytes};

/// What the preparation scripts are generated for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepareParams {
    /// Path of the `boot.wim` on the Windows machine that runs the scripts.
    pub wim_path: String,
    /// Image index (Windows PE is index 1 in the ADK's and ConfigMgr's boot.wim; 2 in a Windows
    /// installation `boot.wim`, whose index 2 is Setup).
    pub index: u32,
    /// Mount directory; `None`: `%TEMP%\osdgate-mount`.
    pub mount_dir: Option<String>,
    /// `.reg` patches for the offline hive (`HKEY_LOCAL_MACHINE\winpe-offline`), relative to the
    /// scripts' folder; may be empty when the gateway's certificate chains to a root Windows PE
    /// already trusts.
    pub offline_patches: Vec<PatchFile>,
}

/// The generated files, ready to write next to each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepareFiles {
    /// `(file name, bytes)`: the PowerShell script (UTF-8 with BOM, CRLF), the `.cmd` script (CRLF)
    /// and the launcher block they install.
    pub files: Vec<(String, Vec<u8>)>,
}

/// The scripts and the launcher block, or every parameter problem.
pub fn generate(params: &PrepareParams) -> Result<PrepareFiles, Vec<String>> {
    let scripts = scripts::generate(&ApplyScriptParams {
        wim_path: params.wim_path.clone(),
        index: params.index,
        mount_dir: params.mount_dir.clone(),
        patches: params.offline_patches.clone(),
        launcher: Some(LauncherStep {
            file_name: LAUNCHER_FILE.to_string(),
            version: LAUNCHER_VERSION,
        }),
    })?;
    Ok(PrepareFiles {
        files: vec![
            (PREPARE_PS1.to_string(), powershell_bytes(&scripts.powershell)),
            (PREPARE_CMD.to_string(), scripts.cmd.into_bytes()),
            (LAUNCHER_FILE.to_string(), launcher::block().into_bytes()),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(patches: Vec<PatchFile>) -> PrepareParams {
        PrepareParams {
            wim_path: "D:\\Sources\\boot.wim".into(),
            index: 1,
            mount_dir: None,
            offline_patches: patches,
        }
    }

    fn text(files: &PrepareFiles, name: &str) -> String {
        let bytes = &files.files.iter().find(|(n, _)| n == name).unwrap().1;
        String::from_utf8(bytes.clone()).unwrap()
    }

    #[test]
    fn without_roots_the_hive_is_never_loaded() {
        let files = generate(&params(vec![])).unwrap();
        let ps = text(&files, PREPARE_PS1);
        let cmd = text(&files, PREPARE_CMD);
        assert!(ps.starts_with('\u{feff}'));
        assert!(!ps.contains("'load'") && !cmd.contains("reg load"));
        for script in [&ps, &cmd] {
            assert!(script.contains("/Mount-Image") && script.contains("/Commit"));
            assert!(
                script.contains("startnet.cmd") && script.contains("osdgate-launcher v1 begin")
            );
            assert!(script.contains("Prepares a WinPE boot image for osdgate media"));
            assert!(!script.replace("\r\n", "").contains('\n'), "CRLF throughout");
        }
        assert_eq!(text(&files, LAUNCHER_FILE), launcher::block());
    }

    #[test]
    fn with_roots_the_launcher_follows_the_hive_and_precedes_the_commit() {
        let patch = PatchFile {
            file_name: "roots\\offline\\roots.reg".into(),
            keys: vec![
                "HKEY_LOCAL_MACHINE\\winpe-offline\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\AB"
                    .into(),
            ],
        };
        let files = generate(&params(vec![patch])).unwrap();
        for (script, unload, step, commit) in [
            (text(&files, PREPARE_PS1), "'unload'", "install the osdgate launcher", "'/Commit'"),
            (
                text(&files, PREPARE_CMD),
                "reg unload \"%HIVE%\"\r\n",
                "install the osdgate launcher",
                "/Commit\r\n",
            ),
        ] {
            let unload = script.find(unload).unwrap();
            let step = script.find(step).unwrap();
            let commit = script.find(commit).unwrap();
            assert!(unload < step && step < commit);
        }
    }

    #[test]
    fn bad_parameters_are_all_reported() {
        let mut p = params(vec![]);
        p.wim_path = "C:\\a%b\\boot.iso".into();
        p.index = 0;
        assert_eq!(generate(&p).unwrap_err().len(), 3);
    }
}
