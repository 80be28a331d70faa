//! The engine's state on disk: `state.json` in the state folder, replaced atomically (write a
//! temporary file, flush it to the disk, rename it over the old one, flush the folder), so a power
//! loss leaves either the old or the new state, never half of one.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::engine::RunState;

/// The state file's name inside the state folder.
pub const STATE_FILE: &str = "state.json";

/// Writes `bytes` to `path` atomically. The temporary file sits beside `path` (same file system, so
/// the rename is atomic) and is named after the process, so two writers never share one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_atomically(path, |file| file.write_all(bytes))
}

/// Copies the file `from` to `to` the way [`write_atomically`] writes: streamed (content can be
/// gigabytes) into a temporary file beside `to`, flushed, renamed.
pub fn copy_atomically(from: &Path, to: &Path) -> io::Result<()> {
    replace_atomically(to, |file| io::copy(&mut File::open(from)?, file).map(drop))
}

/// Fills a temporary file beside `path` with `fill`, flushes it and renames it over `path`; on any
/// error the temporary file is removed and `path` is untouched.
fn replace_atomically(
    path: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let mut temporary_name = file_name.to_os_string();
    temporary_name.push(format!(".{}.tmp", std::process::id()));
    let temporary = folder.join(temporary_name);
    let result = (|| {
        let mut file = File::create(&temporary)?;
        fill(&mut file)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, path)?;
        sync_folder(folder)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// Makes a rename in `folder` durable (Unix needs the folder itself flushed; Windows cannot open a
/// folder as a file and commits the rename with the file system's journal).
fn sync_folder(folder: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(folder)?.sync_all()?;
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
    }
    Ok(())
}

/// Why the saved state cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error(
        "{path} is not a state file of this agent ({source}); remove it to start the task sequence over"
    )]
    Corrupt { path: PathBuf, source: serde_json::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

/// The state file of one state folder.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    /// The state file in `folder` (created when missing).
    pub fn in_folder(folder: &Path) -> Result<Self, StateError> {
        fs::create_dir_all(folder)
            .map_err(|source| StateError::Write { path: folder.to_owned(), source })?;
        Ok(StateFile { path: folder.join(STATE_FILE) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved state, or `None` when there is none yet.
    pub fn load(&self) -> Result<Option<RunState>, StateError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StateError::Read { path: self.path.clone(), source }),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| StateError::Corrupt { path: self.path.clone(), source })
    }

    pub fn save(&self, state: &RunState) -> Result<(), StateError> {
        let bytes = serde_json::to_vec_pretty(state).map_err(|source| StateError::Write {
            path: self.path.clone(),
            source: io::Error::other(source),
        })?;
        write_atomically(&self.path, &bytes)
            .map_err(|source| StateError::Write { path: self.path.clone(), source })
    }
}
