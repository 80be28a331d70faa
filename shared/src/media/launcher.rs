//! The osdgate launcher: the lines Windows PE runs from `X:\Windows\System32\startnet.cmd` after
//! `wpeinit` (issue 11, "How Windows PE runs our agent").
//!
//! Stock Windows PE runs only what its `startnet.cmd` says, and that file lives inside `boot.wim`
//! (`winpeshl.exe` runs `cmd /k startnet.cmd` when there is no `winpeshl.ini`; the stock file holds
//! the single line `wpeinit`, which starts networking and PnP). A boot image is prepared once — by
//! the DISM scripts of [`super::prepare`] or by patching the WIM directly — so that after `wpeinit`
//! the launcher
//!
//! 1. finds the folder `\osdgate` holding `media.json` on any attached drive (USB drives may appear a
//!    few seconds after `wpeinit`, so it looks again once a second for 30 seconds),
//! 2. `reg import`s every `.reg` in `\osdgate\roots\running` into the running registry (Windows PE's
//!    registry lives in RAM, so no offline hive is involved), and
//! 3. runs `\osdgate\osdgate-agent.exe --media \osdgate\media.json`.
//!
//! The launcher carries no per-medium data, so one prepared boot image serves every medium.
//!
//! The block is delimited by marker lines (`@rem osdgate-launcher v1 begin` … `@rem
//! osdgate-launcher v1 end`). [`install`] removes any earlier block, of any version, before it inserts
//! the current one after `wpeinit`: preparing a prepared image replaces the launcher, never stacks it.
//! [`find`] tells which version an existing `startnet.cmd` holds.
//!
//! Everything works on bytes: `startnet.cmd` is read by `cmd.exe` in the OEM code page, so lines
//! other than ours are kept byte for byte, whatever their encoding and line ends.

use std::fmt;

use super::layout::{AGENT_EXE, BUNDLE_DIR, MEDIA_CONFIG, ROOTS_RUNNING_DIR};

/// The launcher version this build writes. Raise it whenever [`block`] changes.
pub const LAUNCHER_VERSION: u32 = 1;

/// The marker word in the delimiting lines.
const MARKER: &str = "osdgate-launcher";

/// Drive letters searched for the bundle: every letter but `A:`/`B:` (floppies) and `X:` (Windows
/// PE's own RAM drive).
const DRIVE_LETTERS: &str = "C D E F G H I J K L M N O P Q R S T U V W Y Z";

/// The launcher block, CRLF line ends, ending with a line end.
pub fn block() -> String {
    let text = format!(
        r#"@rem {MARKER} v{LAUNCHER_VERSION} begin (written by osdgate; preparing the image again replaces this block)
@echo off
set "OSDGATE_DIR="
set "OSDGATE_TRY=0"
:osdgate_find
for %%D in ({DRIVE_LETTERS}) do if not defined OSDGATE_DIR if exist "%%D:\{BUNDLE_DIR}\{MEDIA_CONFIG}" set "OSDGATE_DIR=%%D:\{BUNDLE_DIR}"
if defined OSDGATE_DIR goto :osdgate_found
set /a OSDGATE_TRY+=1
if %OSDGATE_TRY% GEQ 30 goto :osdgate_missing
rem USB drives can appear a few seconds after wpeinit: wait a second (Windows PE has no timeout.exe) and look again.
ping -n 2 127.0.0.1 >nul
goto :osdgate_find
:osdgate_missing
echo osdgate: no drive holds \{BUNDLE_DIR}\{MEDIA_CONFIG}. Insert the osdgate USB stick, then run X:\Windows\System32\startnet.cmd again.
goto :osdgate_end
:osdgate_found
echo osdgate: medium found at %OSDGATE_DIR%
for %%R in ("%OSDGATE_DIR%\{ROOTS_RUNNING_DIR}\*.reg") do (
  reg import "%%~fR" >nul 2>&1
  if errorlevel 1 (echo osdgate: WARNING: reg import of %%~nxR failed; connections to the gateway may not be trusted) else (echo osdgate: trusted roots imported from %%~nxR)
)
if not exist "%OSDGATE_DIR%\{AGENT_EXE}" (
  echo osdgate: %OSDGATE_DIR%\{AGENT_EXE} is missing; build the medium again.
  goto :osdgate_end
)
"%OSDGATE_DIR%\{AGENT_EXE}" --media "%OSDGATE_DIR%\{MEDIA_CONFIG}"
echo osdgate: the agent exited with code %ERRORLEVEL%
:osdgate_end
@rem {MARKER} v{LAUNCHER_VERSION} end
"#
    );
    text.replace('\n', "\r\n")
}

/// A launcher block found in a `startnet.cmd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundLauncher {
    /// The version in its begin marker.
    pub version: u32,
    /// 1-based line of the begin marker.
    pub line: usize,
}

/// Why a `startnet.cmd` cannot take the launcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LauncherError {
    /// A begin marker without its end marker (a damaged earlier block).
    UnterminatedBlock {
        /// 1-based line of the begin marker.
        line: usize,
    },
    /// An end marker without a begin marker before it.
    UnexpectedEnd {
        /// 1-based line of the end marker.
        line: usize,
    },
    /// The file is UTF-16, which `cmd.exe` cannot run.
    Utf16,
}

impl fmt::Display for LauncherError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LauncherError::UnterminatedBlock { line } => write!(
                f,
                "startnet.cmd line {line}: an osdgate launcher block begins here but never ends; remove the lines from `@rem {MARKER} ... begin` on (or restore the stock startnet.cmd, which holds only `wpeinit`) and prepare the image again"
            ),
            LauncherError::UnexpectedEnd { line } => write!(
                f,
                "startnet.cmd line {line}: an osdgate launcher end marker without its begin marker; remove that line and prepare the image again"
            ),
            LauncherError::Utf16 => write!(
                f,
                "startnet.cmd is UTF-16, which cmd.exe cannot run; save it as ANSI (or restore the stock file holding only `wpeinit`)"
            ),
        }
    }
}

impl std::error::Error for LauncherError {}

/// `startnet.cmd` with the current launcher in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledLauncher {
    /// The new file.
    pub startnet: Vec<u8>,
    /// The versions of the blocks that were removed (empty for a stock file).
    pub replaced: Vec<u32>,
    /// The file had no `wpeinit` line; one was added before the launcher, because without it
    /// Windows PE has no network.
    pub added_wpeinit: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Begin(u32),
    End,
}

/// The text of a line without its line end and surrounding blanks.
fn trimmed(line: &[u8]) -> &[u8] {
    line.trim_ascii()
}

/// `@rem osdgate-launcher vN begin|end ...` (case-insensitive, `@` optional).
fn marker(line: &[u8]) -> Option<Marker> {
    let text = std::str::from_utf8(trimmed(line)).ok()?;
    let text = text.strip_prefix('@').unwrap_or(text);
    let mut words = text.split_ascii_whitespace();
    if !words.next()?.eq_ignore_ascii_case("rem") || !words.next()?.eq_ignore_ascii_case(MARKER) {
        return None;
    }
    let version = words.next()?.strip_prefix(['v', 'V'])?.parse::<u32>().ok()?;
    match words.next()? {
        w if w.eq_ignore_ascii_case("begin") => Some(Marker::Begin(version)),
        w if w.eq_ignore_ascii_case("end") => Some(Marker::End),
        _ => None,
    }
}

/// A line that runs `wpeinit` (`wpeinit`, `@wpeinit.exe`, `X:\Windows\System32\wpeinit.exe` …).
fn is_wpeinit(line: &[u8]) -> bool {
    let text = trimmed(line);
    let text = text.strip_prefix(b"@").unwrap_or(text);
    let command = text.split(|b| b.is_ascii_whitespace()).next().unwrap_or_default();
    let command = command.trim_ascii_start();
    let name = command.rsplit(|b| *b == b'\\').next().unwrap_or_default();
    let name = name.strip_suffix(b"\"").unwrap_or(name);
    let name = name.strip_prefix(b"\"").unwrap_or(name);
    name.eq_ignore_ascii_case(b"wpeinit") || name.eq_ignore_ascii_case(b"wpeinit.exe")
}

/// Splits into lines that keep their line ends.
fn lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|b| *b == b'\n').collect()
}

/// The launcher blocks in `startnet`, in order, as (begin line index, end line index, version).
fn blocks(lines: &[&[u8]]) -> Result<Vec<(usize, usize, u32)>, LauncherError> {
    let mut found = Vec::new();
    let mut open: Option<(usize, u32)> = None;
    for (index, line) in lines.iter().enumerate() {
        match (marker(line), open) {
            (Some(Marker::Begin(_)), Some((begin, _))) => {
                return Err(LauncherError::UnterminatedBlock { line: begin + 1 });
            }
            (Some(Marker::Begin(version)), None) => open = Some((index, version)),
            (Some(Marker::End), Some((begin, version))) => {
                found.push((begin, index, version));
                open = None;
            }
            (Some(Marker::End), None) => {
                return Err(LauncherError::UnexpectedEnd { line: index + 1 });
            }
            (None, _) => {}
        }
    }
    match open {
        Some((begin, _)) => Err(LauncherError::UnterminatedBlock { line: begin + 1 }),
        None => Ok(found),
    }
}

fn check_encoding(startnet: &[u8]) -> Result<(), LauncherError> {
    if startnet.starts_with(&[0xFF, 0xFE]) || startnet.starts_with(&[0xFE, 0xFF]) {
        return Err(LauncherError::Utf16);
    }
    Ok(())
}

/// The launcher an existing `startnet.cmd` holds, if any (the first block when, against the rules,
/// there are several).
pub fn find(startnet: &[u8]) -> Result<Option<FoundLauncher>, LauncherError> {
    check_encoding(startnet)?;
    let lines = lines(startnet);
    Ok(blocks(&lines)?
        .first()
        .map(|&(begin, _, version)| FoundLauncher { version, line: begin + 1 }))
}

/// `startnet` with every earlier launcher block removed and the current one inserted after the first
/// `wpeinit` line. A file without `wpeinit` gets `wpeinit` and the launcher at its start.
pub fn install(startnet: &[u8]) -> Result<InstalledLauncher, LauncherError> {
    check_encoding(startnet)?;
    let all_lines = lines(startnet);
    let found = blocks(&all_lines)?;
    let replaced = found.iter().map(|&(_, _, version)| version).collect();
    let kept: Vec<&[u8]> = all_lines
        .iter()
        .enumerate()
        .filter(|(index, _)| !found.iter().any(|&(begin, end, _)| (begin..=end).contains(index)))
        .map(|(_, line)| *line)
        .collect();
    let block = block();
    let mut out = Vec::with_capacity(startnet.len() + block.len() + 16);
    let wpeinit = kept.iter().position(|line| is_wpeinit(line));
    let added_wpeinit = wpeinit.is_none();
    if added_wpeinit {
        out.extend_from_slice(b"wpeinit\r\n");
        out.extend_from_slice(block.as_bytes());
    }
    for (index, line) in kept.iter().enumerate() {
        out.extend_from_slice(line);
        if Some(index) == wpeinit {
            if !line.ends_with(b"\n") {
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(block.as_bytes());
        }
    }
    Ok(InstalledLauncher { startnet: out, replaced, added_wpeinit })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STOCK: &[u8] = b"wpeinit\r\n";

    #[test]
    fn stock_startnet_gets_the_block_after_wpeinit() {
        let installed = install(STOCK).unwrap();
        let text = String::from_utf8(installed.startnet.clone()).unwrap();
        assert!(text.starts_with("wpeinit\r\n@rem osdgate-launcher v1 begin"));
        assert!(text.ends_with("@rem osdgate-launcher v1 end\r\n"));
        assert!(installed.replaced.is_empty());
        assert!(!installed.added_wpeinit);
        assert!(!text.replace("\r\n", "").contains('\n'), "every line ends CRLF");
        assert_eq!(find(&installed.startnet).unwrap(), Some(FoundLauncher { version: 1, line: 2 }));
        assert_eq!(find(STOCK).unwrap(), None);
    }

    #[test]
    fn installing_twice_replaces_never_stacks() {
        let once = install(STOCK).unwrap().startnet;
        let twice = install(&once).unwrap();
        assert_eq!(twice.startnet, once);
        assert_eq!(twice.replaced, vec![1]);
    }

    #[test]
    fn an_older_block_anywhere_is_replaced_and_other_lines_kept_byte_for_byte() {
        let old = b"@echo off\nrem custom \xe4 line\nREM OSDGATE-LAUNCHER v0 begin\nold stuff\n@rem osdgate-launcher v0 end\nX:\\Windows\\System32\\wpeinit.exe\nstart custom.exe";
        let installed = install(old).unwrap();
        assert_eq!(installed.replaced, vec![0]);
        let expected = [
            b"@echo off\nrem custom \xe4 line\nX:\\Windows\\System32\\wpeinit.exe\n".as_slice(),
            block().as_bytes(),
            b"start custom.exe",
        ]
        .concat();
        assert_eq!(installed.startnet, expected);
    }

    #[test]
    fn a_last_wpeinit_line_without_line_end_gets_one() {
        let installed = install(b"wpeinit").unwrap();
        assert_eq!(installed.startnet, [b"wpeinit\r\n".as_slice(), block().as_bytes()].concat());
    }

    #[test]
    fn a_file_without_wpeinit_gets_it_first() {
        let installed = install(b"@echo off\r\nstart shell.exe\r\n").unwrap();
        assert!(installed.added_wpeinit);
        let expected =
            [b"wpeinit\r\n".as_slice(), block().as_bytes(), b"@echo off\r\nstart shell.exe\r\n"]
                .concat();
        assert_eq!(installed.startnet, expected);
        // `wpeinitx` and a word containing wpeinit are not wpeinit.
        assert!(install(b"wpeinitx\r\necho wpeinit\r\n").unwrap().added_wpeinit);
        assert!(!install(b"\"wpeinit\"\r\n").unwrap().added_wpeinit);
        assert!(!install(b"  @\"X:\\Windows\\System32\\WPEINIT.EXE\"\r\n").unwrap().added_wpeinit);
    }

    #[test]
    fn damaged_blocks_are_refused_with_their_line() {
        let unterminated = b"wpeinit\r\n@rem osdgate-launcher v1 begin\r\necho\r\n";
        assert_eq!(install(unterminated), Err(LauncherError::UnterminatedBlock { line: 2 }));
        let nested = b"@rem osdgate-launcher v1 begin\r\n@rem osdgate-launcher v1 begin\r\n@rem osdgate-launcher v1 end\r\n";
        assert_eq!(install(nested), Err(LauncherError::UnterminatedBlock { line: 1 }));
        let stray = b"wpeinit\r\n@rem osdgate-launcher v1 end\r\n";
        assert_eq!(install(stray), Err(LauncherError::UnexpectedEnd { line: 2 }));
        assert_eq!(install(b"\xff\xfew\0"), Err(LauncherError::Utf16));
        assert!(LauncherError::UnterminatedBlock { line: 2 }.to_string().contains("line 2"));
    }

    #[test]
    fn block_names_the_bundle_files() {
        let block = block();
        for needle in [
            "\\osdgate\\media.json",
            "roots\\running\\*.reg",
            "reg import",
            "osdgate-agent.exe\" --media",
        ] {
            assert!(block.contains(needle), "launcher lacks {needle}");
        }
        // Labels are prefixed so they cannot clash with the admin's own startnet.cmd labels.
        for line in block.lines().filter(|l| l.starts_with(':')) {
            assert!(line.starts_with(":osdgate_"), "{line}");
        }
    }
}
