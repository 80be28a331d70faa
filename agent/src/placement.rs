//! Where a real run keeps its state and its log, as ConfigMgr does (its "Log files" reference, task
//! sequence section, and the `_SMSTaskSequence` folder of the task sequence environment):
//!
//! | phase | state folder | `smsts.log` |
//! |---|---|---|
//! | Windows PE, before the disk is partitioned | `X:\_SMSTaskSequence` (RAM disk) | `X:\Windows\Temp\SMSTSLog` |
//! | Windows PE, once Format and Partition Disk set the Windows drive | `W:\_SMSTaskSequence` | `W:\_SMSTaskSequence\Logs\Smstslog` |
//! | the full OS (after Setup Windows and ConfigMgr installed the client) | `C:\_SMSTaskSequence` | `%SystemRoot%\CCM\Logs\SMSTSLog` |
//! | the full OS, the task sequence finished | `C:\_SMSTaskSequence` | `%SystemRoot%\CCM\Logs` |
//!
//! The state folder holds `state.json`, the status queue, the record and `policy.json`; it moves
//! whole (copied, then the old one removed, so a power loss in between leaves a complete copy) when
//! the Windows drive becomes known, so a restart finds it on the disk. At start the agent looks for
//! `_SMSTaskSequence\state.json` on drives C: to Z: (then X:, a restart of the agent without a reboot),
//! as ConfigMgr's boot shell looks for its task sequence environment on every volume.

use std::fs;
use std::io;
use std::path::Path;

use crate::engine::{Environment, RunState};
use crate::platform::Drives;
use crate::state::STATE_FILE;

/// The task sequence's folder at the root of a drive.
pub const TASK_SEQUENCE_FOLDER: &str = "_SMSTaskSequence";
/// The state folder in Windows PE before the disk is partitioned.
pub const RAM_STATE_FOLDER: &str = "X:\\_SMSTaskSequence";
/// The log folder in Windows PE before the disk is partitioned.
pub const RAM_LOG_FOLDER: &str = "X:\\Windows\\Temp\\SMSTSLog";
/// The log folder inside the state folder once it is on the disk.
pub const DISK_LOG_FOLDER: &str = "Logs\\Smstslog";
/// The saved policy in the state folder (a restart in the full OS runs from it).
pub const SAVED_POLICY: &str = "policy.json";

/// The drive of the Windows installation the run is building, once known: Apply Operating System
/// Image's `OSDTargetSystemDrive`, else the Windows partition Format and Partition Disk prepared.
pub fn target_drive(state: &RunState) -> Option<String> {
    ["OSDTargetSystemDrive", "OSDGATEWindowsDrive"]
        .iter()
        .find_map(|name| state.variables.get(name))
        .map(|drive| drive.trim_end_matches('\\').to_owned())
        .filter(|drive| drive.len() == 2 && drive.ends_with(':'))
}

/// Where the state folder belongs for `state` (`current` is where it is now). In Windows PE it
/// moves from the RAM disk to the Windows drive once that is known; elsewhere it stays.
pub fn state_folder(state: &RunState, current: &str) -> String {
    if state.environment == Environment::WindowsPe
        && current.eq_ignore_ascii_case(RAM_STATE_FOLDER)
        && let Some(drive) = target_drive(state)
    {
        return format!("{drive}\\{TASK_SEQUENCE_FOLDER}");
    }
    current.to_owned()
}

/// Where `smsts.log` belongs for `state`, with the state folder at `state_folder` and the full OS's
/// Windows folder at `system_root`.
pub fn log_folder(state: &RunState, state_folder: &str, system_root: &str) -> String {
    match state.environment {
        Environment::FullOs if state.finished.is_some() => format!("{system_root}\\CCM\\Logs"),
        Environment::FullOs => format!("{system_root}\\CCM\\Logs\\SMSTSLog"),
        Environment::WindowsPe if state_folder.eq_ignore_ascii_case(RAM_STATE_FOLDER) => {
            RAM_LOG_FOLDER.to_owned()
        }
        Environment::WindowsPe => format!("{state_folder}\\{DISK_LOG_FOLDER}"),
    }
}

/// The state folder of a run in progress on this machine: the first drive from C: to Z:, then X:,
/// whose `_SMSTaskSequence` holds a state file.
pub fn find_saved_state(drives: &Drives) -> Option<String> {
    ('C'..='Z').filter(|l| *l != 'X').chain(['X']).find_map(|letter| {
        let folder = format!("{letter}:\\{TASK_SEQUENCE_FOLDER}");
        let file = drives.host_path(&format!("{folder}\\{STATE_FILE}")).ok()?;
        file.is_file().then_some(folder)
    })
}

/// Moves the folder `from` to `to` (host paths, possibly on different volumes): every file is
/// copied and flushed first, then `from` is removed, so an interruption leaves at least one whole
/// copy. A state file is copied last, so a copy without it is never taken for a run.
pub fn move_folder(from: &Path, to: &Path) -> io::Result<()> {
    copy_tree(from, to)?;
    fs::remove_dir_all(from)
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    let mut entries: Vec<_> = fs::read_dir(from)?.collect::<Result<_, _>>()?;
    // The state file last: until it is there, the new folder is not a run.
    entries.sort_by_key(|e| e.file_name() == STATE_FILE);
    for entry in entries {
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            // Streamed: the content cache moves with the state folder.
            crate::state::copy_atomically(&entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Moves the log files (`smsts.log` and its rolled copies `smsts-*.log`) from one folder to another.
pub fn move_logs(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    let entries = match fs::read_dir(from) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let text = name.to_string_lossy();
        let is_log = text.eq_ignore_ascii_case("smsts.log")
            || (text.to_ascii_lowercase().starts_with("smsts-") && text.ends_with(".log"));
        if is_log && entry.file_type()?.is_file() {
            let bytes = fs::read(entry.path())?;
            crate::state::write_atomically(&to.join(&name), &bytes)?;
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// A real run's placement: where its state folder and log are now, on which drives.
#[derive(Debug, Clone)]
pub struct Placed {
    pub drives: Drives,
    /// The state folder (a Windows path).
    pub state_folder: String,
    /// The log folder (a Windows path).
    pub log_folder: String,
    /// The full OS's Windows folder (`%SystemRoot%`).
    pub system_root: String,
    /// Where this process runs (the saved state's environment at start: a restart into the full
    /// OS is only real once the machine has restarted).
    pub running_in: Environment,
}

impl Placed {
    /// The placement at start: the saved run found on the drives, else a fresh one on the RAM disk.
    pub fn at_start(drives: Drives) -> Result<(Self, Option<RunState>), String> {
        let system_root = match &drives {
            Drives::Windows => {
                std::env::var("SystemRoot").unwrap_or_else(|_| "C:\\Windows".to_owned())
            }
            Drives::Folders(_) => "C:\\Windows".to_owned(),
        };
        let state_folder = find_saved_state(&drives).unwrap_or_else(|| RAM_STATE_FOLDER.to_owned());
        let host = drives.host_path(&state_folder)?;
        let saved = crate::state::StateFile::in_folder(&host)
            .and_then(|file| file.load())
            .map_err(|e| e.to_string())?;
        let running_in = saved.as_ref().map_or(Environment::WindowsPe, |s| s.environment);
        let mut placed =
            Placed { drives, state_folder, log_folder: String::new(), system_root, running_in };
        // Where the log was left (the first save moves it on if it belongs elsewhere now): on the
        // RAM disk, in the state folder on the disk, or, in the full OS, in the client's folder.
        let on_disk = if placed.state_folder.eq_ignore_ascii_case(RAM_STATE_FOLDER) {
            RAM_LOG_FOLDER.to_owned()
        } else {
            format!("{}\\{DISK_LOG_FOLDER}", placed.state_folder)
        };
        let in_client = format!("{}\\CCM\\Logs\\SMSTSLog", placed.system_root);
        placed.log_folder = [in_client, on_disk.clone()]
            .into_iter()
            .filter(|_| running_in == Environment::FullOs)
            .find(|folder| {
                placed.drives.host_path(&format!("{folder}\\smsts.log")).is_ok_and(|p| p.is_file())
            })
            .unwrap_or(on_disk);
        Ok((placed, saved))
    }

    pub fn host(&self, path: &str) -> Result<std::path::PathBuf, String> {
        self.drives.host_path(path)
    }

    /// Where the state folder belongs now.
    pub fn wanted_state_folder(&self, state: &RunState) -> String {
        if self.running_in == Environment::WindowsPe {
            let mut as_running = state.clone();
            as_running.environment = Environment::WindowsPe;
            state_folder(&as_running, &self.state_folder)
        } else {
            self.state_folder.clone()
        }
    }

    /// Where the log belongs now.
    pub fn wanted_log_folder(&self, state: &RunState) -> String {
        let mut as_running = state.clone();
        as_running.environment = self.running_in;
        log_folder(&as_running, &self.state_folder, &self.system_root)
    }
}

/// Refuses to continue a run whose next steps belong to the full OS when this process runs in
/// Windows PE (the machine booted the medium again instead of the disk after the restart).
/// `system_drive` is the host's `%SystemDrive%` (Windows PE runs from `X:`); `None` off Windows.
pub fn check_resume_environment(
    saved: Environment,
    system_drive: Option<&str>,
) -> Result<(), String> {
    let in_windows_pe = system_drive.is_some_and(|d| d.trim().eq_ignore_ascii_case("X:"));
    if saved == Environment::FullOs && in_windows_pe {
        return Err("the task sequence continues in the installed Windows, but this machine started Windows PE from the osdgate medium: restart and boot from the disk (choose it in the firmware's boot menu), and leave the medium inserted".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_for_the_full_os_does_not_continue_in_windows_pe() {
        let pe = Some("X:");
        assert!(
            check_resume_environment(Environment::FullOs, pe)
                .unwrap_err()
                .contains("boot from the disk")
        );
        assert!(check_resume_environment(Environment::FullOs, Some("C:")).is_ok());
        assert!(check_resume_environment(Environment::WindowsPe, pe).is_ok());
        assert!(check_resume_environment(Environment::FullOs, None).is_ok());
    }
}
