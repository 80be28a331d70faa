//! Apply scripts (issue 4, item 5; spec `windows-artifacts.md` §3 steps 3–5): a PowerShell script
//! and a `.cmd` script that mount a `boot.wim` index with DISM, `reg load` the offline SOFTWARE hive
//! as `HKLM\winpe-offline`, `reg import` each patch, verify every certificate key exists, `reg
//! unload` and unmount with commit. On any failure they unload the hive, unmount with discard and
//! exit non-zero naming the step that failed. Parameters are validated (here, and again by the
//! scripts at run time) before anything is mounted.
//!
//! Exit codes (both scripts): 0 done, 2 invalid parameters or not elevated, 3 mount failed, 4 hive
//! load failed, 5 import failed, 6 a key is missing after import, 7 hive unload failed, 8 unmount
//! (commit) failed, 9 the launcher could not be installed.
//!
//! With [`ApplyScriptParams::launcher`] the same flow prepares a boot image for osdgate media (issue
//! 11, `osdgate bootimage script`): after the roots (which are then optional) it installs the
//! launcher block of `media::launcher` into the mounted image's `Windows\System32\startnet.cmd`
//! after `wpeinit`, replacing any earlier osdgate block, before it commits.

/// One `.reg` patch the scripts import, with the keys it must create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchFile {
    /// File name or path as the scripts should use it; relative names are resolved against the
    /// script's own folder.
    pub file_name: String,
    /// Full key paths (`HKEY_LOCAL_MACHINE\winpe-offline\Microsoft\SystemCertificates\...`) that
    /// must exist after the import.
    pub keys: Vec<String>,
}

/// What the scripts are generated for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyScriptParams {
    /// Path of the `boot.wim` on the admin's Windows machine.
    pub wim_path: String,
    /// Image index (1-based; boot.wim index 1 is usually WinPE, ConfigMgr's is 1 too).
    pub index: u32,
    /// Mount directory; `None`: `%TEMP%\osdgate-mount`.
    pub mount_dir: Option<String>,
    /// The patches, imported in order.
    pub patches: Vec<PatchFile>,
    /// Also install the osdgate launcher into `startnet.cmd` (the preparation scripts).
    pub launcher: Option<LauncherStep>,
}

/// The launcher step of the preparation scripts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LauncherStep {
    /// The file holding `media::launcher::block()`, relative to the script's folder or absolute.
    pub file_name: String,
    /// The launcher version in that block (checked after the edit).
    pub version: u32,
}

/// The two generated scripts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyScripts {
    /// `apply-trust.ps1`.
    pub powershell: String,
    /// `apply-trust.cmd` (CRLF line ends).
    pub cmd: String,
}

/// File name of the PowerShell script `osdgate trust script` writes.
pub const APPLY_TRUST_PS1: &str = "apply-trust.ps1";
/// File name of the `.cmd` script `osdgate trust script` writes.
pub const APPLY_TRUST_CMD: &str = "apply-trust.cmd";

impl ApplyScripts {
    /// The two scripts as the files the CLI writes and the console downloads, byte for byte:
    /// `(file name, bytes)`.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        vec![
            (APPLY_TRUST_PS1.to_string(), powershell_bytes(&self.powershell)),
            (APPLY_TRUST_CMD.to_string(), self.cmd.clone().into_bytes()),
        ]
    }
}

/// A PowerShell script as a file: UTF-8 with a BOM (PowerShell 5.1 reads a BOM-less script in the
/// ANSI code page; the BOM makes it UTF-8) and CRLF line ends.
pub fn powershell_bytes(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(text.replace("\r\n", "\n").replace('\n', "\r\n").as_bytes());
    bytes
}

const HIVE_PREFIX: &str = "HKEY_LOCAL_MACHINE\\winpe-offline\\";

/// Characters that cannot be carried safely through both `cmd.exe` and PowerShell quoting.
fn unsafe_char(c: char) -> bool {
    matches!(c, '"' | '%' | '&' | '|' | '<' | '>' | '^' | '`' | '$') || c.is_control()
}

fn check_path(field: &str, value: &str, problems: &mut Vec<String>) {
    if value.trim().is_empty() {
        problems.push(format!("{field} is empty"));
    } else if let Some(c) = value.chars().find(|c| unsafe_char(*c)) {
        problems.push(format!(
            "{field} `{value}` contains `{}`, which the .cmd script cannot quote safely; rename or move the file",
            c.escape_default()
        ));
    }
}

/// Every problem with `params` (empty when they are fine).
pub fn validate(params: &ApplyScriptParams) -> Vec<String> {
    let mut problems = Vec::new();
    check_path("--wim", &params.wim_path, &mut problems);
    if !params.wim_path.to_ascii_lowercase().ends_with(".wim") {
        problems.push(format!(
            "--wim `{}` does not end in .wim; give the boot image (e.g. boot.wim)",
            params.wim_path
        ));
    }
    if params.index == 0 {
        problems.push("--index must be 1 or more (DISM image indexes start at 1)".to_string());
    }
    if let Some(dir) = &params.mount_dir {
        check_path("--mount-dir", dir, &mut problems);
    }
    if params.patches.is_empty() && params.launcher.is_none() {
        problems.push("no .reg patch given".to_string());
    }
    if let Some(launcher) = &params.launcher {
        check_path("launcher file name", &launcher.file_name, &mut problems);
    }
    for patch in &params.patches {
        check_path("patch file name", &patch.file_name, &mut problems);
        if patch.keys.is_empty() {
            problems.push(format!("{}: holds no certificate key", patch.file_name));
        }
        for key in &patch.keys {
            if !key.starts_with(HIVE_PREFIX) {
                problems.push(format!(
                    "{}: key `{key}` is not under HKEY_LOCAL_MACHINE\\winpe-offline, where the scripts load the boot image's hive; re-target it with `osdgate trust reg --hive winpe-offline`",
                    patch.file_name
                ));
            } else if let Some(c) = key.chars().find(|c| unsafe_char(*c)) {
                problems.push(format!(
                    "{}: key `{key}` contains `{}`",
                    patch.file_name,
                    c.escape_default()
                ));
            }
        }
    }
    problems
}

fn ps_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn short_key(key: &str) -> String {
    key.strip_prefix("HKEY_LOCAL_MACHINE\\").map_or(key.to_string(), |rest| format!("HKLM\\{rest}"))
}

/// Generates both scripts, or returns every parameter problem.
pub fn generate(params: &ApplyScriptParams) -> Result<ApplyScripts, Vec<String>> {
    let problems = validate(params);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(ApplyScripts { powershell: powershell(params), cmd: cmd(params) })
}

fn powershell(params: &ApplyScriptParams) -> String {
    let reg_files =
        params.patches.iter().map(|p| ps_quote(&p.file_name)).collect::<Vec<_>>().join(", ");
    let keys = params
        .patches
        .iter()
        .flat_map(|p| p.keys.iter())
        .map(|k| format!("    {}", ps_quote(&short_key(k))))
        .collect::<Vec<_>>()
        .join(",\n");
    let mount_default = match &params.mount_dir {
        Some(dir) => ps_quote(dir),
        None => "(Join-Path $env:TEMP 'osdgate-mount')".to_string(),
    };
    let template = r#"<#
.SYNOPSIS
    Adds trusted root certificates to a WinPE boot image (generated by `osdgate trust script`).
.DESCRIPTION
    Mounts the image with DISM, loads its SOFTWARE hive as HKLM\winpe-offline, imports the .reg
    patches, checks that every certificate key exists, unloads the hive and unmounts with /Commit.
    On any failure it unloads the hive, unmounts with /Discard and exits non-zero:
    2 invalid parameters or not elevated, 3 mount, 4 hive load, 5 import, 6 key missing,
    7 hive unload, 8 unmount/commit.
    Run it from an elevated PowerShell on Windows with DISM (Windows ADK or the built-in dism.exe).
#>
[CmdletBinding()]
param(
    # The boot image to patch.
    [string]$WimPath = @WIM@,
    # The image index inside the WIM.
    [int]$Index = @INDEX@,
    # An empty (or not yet existing) folder to mount the image in.
    [string]$MountDir = @MOUNT@,
    # The registry patches, relative to this script's folder or absolute.
    [string[]]$RegFiles = @(@REGFILES@)@LAUNCHERPARAM@
)

$ErrorActionPreference = 'Stop'
$HiveKey = 'HKLM\winpe-offline'
$ExpectedKeys = @(
@KEYS@
)
$script:Step = 'validate parameters'
$script:ExitCode = 2
$mounted = $false
$hiveLoaded = $false

function Invoke-Step([string]$Name, [int]$Code, [string]$Exe, [string[]]$Arguments) {
    $script:Step = $Name
    $script:ExitCode = $Code
    Write-Host "osdgate: $Name"
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "$Exe exited with code $LASTEXITCODE"
    }
}

# Windows PowerShell 5.1 turns a native command's redirected stderr into an error, which
# 'Stop' makes terminating: query keys with 'Continue'.
function Test-RegistryKey([string]$Key, [string[]]$Extra = @()) {
    $saved = $ErrorActionPreference
    $ErrorActionPreference = 'Continue'
    & reg.exe query $Key @Extra 2>&1 | Out-Null
    $found = ($LASTEXITCODE -eq 0)
    $ErrorActionPreference = $saved
    return $found
}

try {
    # Validate everything before mounting anything.
    $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
    if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
        throw 'run this script from an elevated (administrator) PowerShell'
    }
    if ($Index -lt 1) { throw "-Index must be 1 or more, not $Index" }
    if (-not (Test-Path -LiteralPath $WimPath -PathType Leaf)) { throw "boot image not found: $WimPath" }
    $WimPath = (Resolve-Path -LiteralPath $WimPath).ProviderPath
    $resolved = @()
    foreach ($file in $RegFiles) {
        $path = if ([IO.Path]::IsPathRooted($file)) { $file } else { Join-Path $PSScriptRoot $file }
        if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { throw "registry patch not found: $path" }
        $resolved += (Resolve-Path -LiteralPath $path).ProviderPath
    }
@LAUNCHERCHECK@    if (Test-Path -LiteralPath $MountDir) {
        if (@(Get-ChildItem -LiteralPath $MountDir -Force).Count -gt 0) {
            throw "mount directory is not empty: $MountDir (give an empty folder with -MountDir)"
        }
    } else {
        New-Item -ItemType Directory -Path $MountDir | Out-Null
    }
    if (Test-RegistryKey $HiveKey) {
        throw "$HiveKey is already loaded; unload it first with: reg unload $HiveKey"
    }

    Invoke-Step "mount $WimPath index $Index" 3 'dism.exe' @('/Mount-Image', "/ImageFile:$WimPath", "/Index:$Index", "/MountDir:$MountDir")
    $mounted = $true
@HIVE@@LAUNCHERSTEP@    Invoke-Step 'unmount and commit' 8 'dism.exe' @('/Unmount-Image', "/MountDir:$MountDir", '/Commit')
    $mounted = $false
    Write-Host "osdgate: trusted roots applied to $WimPath index $Index"
    exit 0
}
catch {
    Write-Host "osdgate: FAILED at step '$($script:Step)': $($_.Exception.Message)" -ForegroundColor Red
    if ($hiveLoaded) {
        [GC]::Collect()
        [GC]::WaitForPendingFinalizers()
        & reg.exe unload $HiveKey | Out-Null
    }
    if ($mounted) {
        & dism.exe /Unmount-Image "/MountDir:$MountDir" /Discard | Out-Null
    }
    exit $script:ExitCode
}
"#;
    let (launcher_param, launcher_check, launcher_step) = match &params.launcher {
        Some(launcher) => (
            format!(
                ",\n    # The osdgate launcher block to install into startnet.cmd.\n    [string]$LauncherFile = {}",
                ps_quote(&launcher.file_name)
            ),
            PS_LAUNCHER_CHECK.to_string(),
            PS_LAUNCHER_STEP.replace("@VERSION@", &launcher.version.to_string()),
        ),
        None => (String::new(), String::new(), String::new()),
    };
    let hive = if params.patches.is_empty() { "" } else { PS_HIVE };
    let text = template
        .replace("@HIVE@", hive)
        .replace("@LAUNCHERPARAM@", &launcher_param)
        .replace("@LAUNCHERCHECK@", &launcher_check)
        .replace("@LAUNCHERSTEP@", &launcher_step)
        .replace("@WIM@", &ps_quote(&params.wim_path))
        .replace("@INDEX@", &params.index.to_string())
        .replace("@MOUNT@", &mount_default)
        .replace("@REGFILES@", &reg_files)
        .replace("@KEYS@", &keys);
    if params.launcher.is_some() {
        prepare_wording(&text, "osdgate bootimage script")
    } else {
        text
    }
}

/// The preparation scripts say what they do: the same flow, with the launcher.
fn prepare_wording(text: &str, command: &str) -> String {
    text.replace(
        "Adds trusted root certificates to a WinPE boot image (generated by `osdgate trust script`).",
        &format!("Prepares a WinPE boot image for osdgate media: trusted roots and the osdgate launcher in startnet.cmd (generated by `{command}`)."),
    )
    .replace("trusted roots applied to", "boot image prepared for osdgate media:")
    .replace("Usage: apply-trust.cmd", "Usage: prepare-bootimage.cmd")
    .replace("7 hive unload, 8 unmount/commit.", "7 hive unload, 8 unmount/commit, 9 launcher.")
    .replace("6 key missing, 7 hive unload, 8 unmount/commit. On failure", "6 key missing, 7 hive unload, 8 unmount/commit, 9 launcher. On failure")
}

const PS_HIVE: &str = r#"    Invoke-Step 'load the offline SOFTWARE hive' 4 'reg.exe' @('load', $HiveKey, (Join-Path $MountDir 'Windows\System32\config\SOFTWARE'))
    $hiveLoaded = $true
    foreach ($file in $resolved) {
        Invoke-Step "import $file" 5 'reg.exe' @('import', $file)
    }
    foreach ($key in $ExpectedKeys) {
        $script:Step = "verify $key"
        $script:ExitCode = 6
        if (-not (Test-RegistryKey $key @('/v', 'Blob'))) { throw "key missing after import: $key" }
    }
    # Close every handle into the hive before unloading it.
    [GC]::Collect()
    [GC]::WaitForPendingFinalizers()
    Invoke-Step 'unload the offline hive' 7 'reg.exe' @('unload', $HiveKey)
    $hiveLoaded = $false
"#;

const PS_LAUNCHER_CHECK: &str = r#"    $launcherPath = if ([IO.Path]::IsPathRooted($LauncherFile)) { $LauncherFile } else { Join-Path $PSScriptRoot $LauncherFile }
    if (-not (Test-Path -LiteralPath $launcherPath -PathType Leaf)) { throw "launcher block not found: $launcherPath" }
"#;

/// The same rules as `media::launcher::install`: every earlier osdgate block goes, the current one
/// follows the first `wpeinit` line (or comes first, after an added `wpeinit`). Latin-1 maps every
/// byte to one character and back, so the admin's own lines stay byte for byte.
const PS_LAUNCHER_STEP: &str = r#"    $script:Step = 'install the osdgate launcher into startnet.cmd'
    $script:ExitCode = 9
    Write-Host "osdgate: $($script:Step)"
    $startnet = Join-Path $MountDir 'Windows\System32\startnet.cmd'
    $latin1 = [Text.Encoding]::GetEncoding(28591)
    $old = if (Test-Path -LiteralPath $startnet) { $latin1.GetString([IO.File]::ReadAllBytes($startnet)) } else { '' }
    $block = $latin1.GetString([IO.File]::ReadAllBytes($launcherPath))
    $beginMarker = '^\s*@?rem\s+osdgate-launcher\s+v\d+\s+begin(\s|$)'
    $endMarker = '^\s*@?rem\s+osdgate-launcher\s+v\d+\s+end(\s|$)'
    $wpeinitLine = '^\s*@?"?([^\s"]*\)?wpeinit(\.exe)?"?(\s|$)'
    $kept = New-Object System.Collections.Generic.List[string]
    $inBlock = $false
    $beginLine = 0
    $lineNumber = 0
    foreach ($line in [regex]::Split($old, '(?<=
)')) {
        if ($line.Length -eq 0) { continue }
        $lineNumber++
        if ($line -match $beginMarker) {
            if ($inBlock) { throw "startnet.cmd line ${beginLine}: an osdgate launcher block never ends; restore the stock startnet.cmd (the single line wpeinit)" }
            $inBlock = $true
            $beginLine = $lineNumber
            continue
        }
        if ($line -match $endMarker) {
            if (-not $inBlock) { throw "startnet.cmd line ${lineNumber}: an osdgate launcher end marker without its begin marker; remove that line" }
            $inBlock = $false
            continue
        }
        if (-not $inBlock) { $kept.Add($line) }
    }
    if ($inBlock) { throw "startnet.cmd line ${beginLine}: an osdgate launcher block never ends; restore the stock startnet.cmd (the single line wpeinit)" }
    $wpeinitIndex = -1
    for ($i = 0; $i -lt $kept.Count; $i++) { if ($kept[$i] -match $wpeinitLine) { $wpeinitIndex = $i; break } }
    $new = New-Object Text.StringBuilder
    if ($wpeinitIndex -lt 0) { [void]$new.Append("wpeinit`r`n").Append($block) }
    for ($i = 0; $i -lt $kept.Count; $i++) {
        [void]$new.Append($kept[$i])
        if ($i -eq $wpeinitIndex) {
            if (-not $kept[$i].EndsWith("`n")) { [void]$new.Append("`r`n") }
            [void]$new.Append($block)
        }
    }
    [IO.File]::WriteAllBytes($startnet, $latin1.GetBytes($new.ToString()))
    if (-not (@(Get-Content -LiteralPath $startnet) -match '^@rem osdgate-launcher v@VERSION@ begin')) { throw 'the launcher is not in startnet.cmd after writing it' }
"#;

fn cmd(params: &ApplyScriptParams) -> String {
    let mut reg_sets = String::new();
    let mut reg_checks = String::new();
    let mut imports = String::new();
    for (n, patch) in params.patches.iter().enumerate() {
        let n = n + 1;
        let is_absolute = patch.file_name.contains(':') || patch.file_name.starts_with('\\');
        let value =
            if is_absolute { patch.file_name.clone() } else { format!("%~dp0{}", patch.file_name) };
        reg_sets.push_str(&format!("set \"REG{n}={value}\"\n"));
        reg_checks.push_str(&format!(
            "if not exist \"%REG{n}%\" (set \"MSG=registry patch not found: %REG{n}%\" & goto :invalid)\n"
        ));
        imports.push_str(&format!(
            "set \"STEP=import %REG{n}%\"\necho osdgate: %STEP%\nreg import \"%REG{n}%\"\nif errorlevel 1 (set \"RC=5\" & goto :fail)\n"
        ));
    }
    let mut verifies = String::new();
    for key in params.patches.iter().flat_map(|p| p.keys.iter()) {
        let key = short_key(key);
        verifies.push_str(&format!(
            "set \"STEP=verify {key}\"\nreg query \"{key}\" /v Blob >nul\nif errorlevel 1 (set \"RC=6\" & goto :fail)\n"
        ));
    }
    let mount_default = params.mount_dir.clone().unwrap_or_else(|| "%TEMP%\\osdgate-mount".into());
    let template = r#"@echo off
rem Adds trusted root certificates to a WinPE boot image (generated by `osdgate trust script`).
rem Usage: apply-trust.cmd [WIM] [INDEX] [MOUNTDIR]   (defaults below; run elevated)
rem Exit codes: 0 done, 2 invalid parameters or not elevated, 3 mount, 4 hive load, 5 import,
rem 6 key missing, 7 hive unload, 8 unmount/commit. On failure the hive is unloaded and the image
rem unmounted with /Discard.
setlocal EnableExtensions DisableDelayedExpansion
set "WIM=@WIM@"
set "INDEX=@INDEX@"
set "MOUNT=@MOUNT@"
if not "%~1"=="" set "WIM=%~1"
if not "%~2"=="" set "INDEX=%~2"
if not "%~3"=="" set "MOUNT=%~3"
set "HIVE=HKLM\winpe-offline"
@REGSETS@@LAUNCHERSET@set "STEP=validate parameters"
set "RC=2"
set "MOUNTED=0"
set "LOADED=0"

rem Validate everything before mounting anything.
net session >nul 2>&1
if errorlevel 1 (set "MSG=run this script from an elevated (administrator) command prompt" & goto :invalid)
echo %INDEX%| findstr /r /x "[1-9][0-9]*" >nul
if errorlevel 1 (set "MSG=INDEX must be a number of 1 or more, not %INDEX%" & goto :invalid)
if not exist "%WIM%" (set "MSG=boot image not found: %WIM%" & goto :invalid)
@REGCHECKS@@LAUNCHERCHECK@if exist "%MOUNT%\*" (
  for /f %%F in ('dir /b /a "%MOUNT%" 2^>nul') do (set "MSG=mount directory is not empty: %MOUNT%" & goto :invalid)
) else (
  mkdir "%MOUNT%"
  if errorlevel 1 (set "MSG=cannot create the mount directory %MOUNT%" & goto :invalid)
)
reg query "%HIVE%" >nul 2>&1
if not errorlevel 1 (set "MSG=%HIVE% is already loaded; unload it first with: reg unload %HIVE%" & goto :invalid)

set "STEP=mount %WIM% index %INDEX%"
echo osdgate: %STEP%
dism /Mount-Image /ImageFile:"%WIM%" /Index:%INDEX% /MountDir:"%MOUNT%"
if errorlevel 1 (set "RC=3" & goto :fail)
set "MOUNTED=1"
@HIVE@@LAUNCHERSTEP@set "STEP=unmount and commit"
echo osdgate: %STEP%
dism /Unmount-Image /MountDir:"%MOUNT%" /Commit
if errorlevel 1 (set "RC=8" & goto :fail)
set "MOUNTED=0"
echo osdgate: trusted roots applied to %WIM% index %INDEX%
endlocal & exit /b 0

:invalid
echo osdgate: invalid parameters: %MSG%
endlocal & exit /b 2

:fail
echo osdgate: FAILED at step: %STEP% ^(exit code %RC%^)
if "%LOADED%"=="1" reg unload "%HIVE%" >nul
if "%MOUNTED%"=="1" dism /Unmount-Image /MountDir:"%MOUNT%" /Discard >nul
endlocal & exit /b %RC%
@LAUNCHERSUB@"#;
    let (launcher_set, launcher_check, launcher_step, launcher_sub) = match &params.launcher {
        Some(launcher) => {
            let is_absolute =
                launcher.file_name.contains(':') || launcher.file_name.starts_with('\\');
            let value = if is_absolute {
                launcher.file_name.clone()
            } else {
                format!("%~dp0{}", launcher.file_name)
            };
            (
                format!("set \"LAUNCHER={value}\"\n"),
                "if not exist \"%LAUNCHER%\" (set \"MSG=launcher block not found: %LAUNCHER%\" & goto :invalid)\n".to_string(),
                CMD_LAUNCHER_STEP.replace("@VERSION@", &launcher.version.to_string()),
                CMD_LAUNCHER_SUB.to_string(),
            )
        }
        None => Default::default(),
    };
    let hive = if params.patches.is_empty() { "" } else { CMD_HIVE };
    let text = template
        .replace("@HIVE@", hive)
        .replace("@LAUNCHERSET@", &launcher_set)
        .replace("@LAUNCHERCHECK@", &launcher_check)
        .replace("@LAUNCHERSTEP@", &launcher_step)
        .replace("@LAUNCHERSUB@", &launcher_sub)
        .replace("@WIM@", &params.wim_path)
        .replace("@INDEX@", &params.index.to_string())
        .replace("@MOUNT@", &mount_default)
        .replace("@REGSETS@", &reg_sets)
        .replace("@REGCHECKS@", &reg_checks)
        .replace("@IMPORTS@", &imports)
        .replace("@VERIFIES@", &verifies)
        .replace('\n', "\r\n");
    if params.launcher.is_some() {
        prepare_wording(&text, "osdgate bootimage script")
    } else {
        text
    }
}

const CMD_HIVE: &str = r#"set "STEP=load the offline SOFTWARE hive"
echo osdgate: %STEP%
reg load "%HIVE%" "%MOUNT%\Windows\System32\config\SOFTWARE"
if errorlevel 1 (set "RC=4" & goto :fail)
set "LOADED=1"
@IMPORTS@@VERIFIES@set "STEP=unload the offline hive"
echo osdgate: %STEP%
reg unload "%HIVE%"
if errorlevel 1 (set "RC=7" & goto :fail)
set "LOADED=0"
"#;

/// The same rules as `media::launcher::install`, within what `findstr` can match: the earlier
/// osdgate block goes (several blocks are refused: the PowerShell script removes them all), the
/// current block follows the first `wpeinit` line (or comes first, after an added `wpeinit`).
/// Lines are copied through `findstr /n` and a subroutine with delayed expansion, so empty lines,
/// `!`, `;` and leading colons survive.
const CMD_LAUNCHER_STEP: &str = r#"set "STEP=install the osdgate launcher into startnet.cmd"
echo osdgate: %STEP%
set "RC=9"
set "SN=%MOUNT%\Windows\System32\startnet.cmd"
if not exist "%SN%" type nul > "%SN%"
set "NB=0"
set "NE=0"
for /f %%C in ('findstr /r /i /c:"^[ @]*rem  *osdgate-launcher  *v[0-9]*  *begin" "%SN%" ^| find /c /v ""') do set "NB=%%C"
for /f %%C in ('findstr /r /i /c:"^[ @]*rem  *osdgate-launcher  *v[0-9]*  *end" "%SN%" ^| find /c /v ""') do set "NE=%%C"
if not "%NB%"=="%NE%" (echo osdgate: startnet.cmd holds a damaged osdgate launcher block; restore the stock startnet.cmd, the single line wpeinit & goto :fail)
if %NB% GTR 1 (echo osdgate: startnet.cmd holds %NB% osdgate launcher blocks; use prepare-bootimage.ps1, which removes them all & goto :fail)
set "BEGIN=0"
set "END=0"
for /f "delims=:" %%N in ('findstr /n /r /i /c:"^[ @]*rem  *osdgate-launcher  *v[0-9]*  *begin" "%SN%"') do set "BEGIN=%%N"
for /f "delims=:" %%N in ('findstr /n /r /i /c:"^[ @]*rem  *osdgate-launcher  *v[0-9]*  *end" "%SN%"') do set "END=%%N"
if %END% LSS %BEGIN% (echo osdgate: startnet.cmd: the osdgate end marker comes before its begin marker; remove both lines & goto :fail)
set "WPE="
for /f "delims=:" %%N in ('findstr /n /r /i /c:"^[ @]*wpeinit *$" /c:"^[ @]*wpeinit\.exe *$" /c:"^[ @]*[a-z]:\\windows\\system32\\wpeinit\.exe *$" "%SN%"') do if not defined WPE set "WPE=%%N"
set "N=0"
> "%SN%.osdgate-new" (
  if not defined WPE (echo wpeinit& type "%LAUNCHER%")
  for /f "delims=" %%L in ('findstr /n "^" "%SN%"') do (
    set "LINE=%%L"
    call :osdgate_emit
  )
)
if errorlevel 1 goto :fail
move /y "%SN%.osdgate-new" "%SN%" >nul
if errorlevel 1 goto :fail
findstr /b /c:"@rem osdgate-launcher v@VERSION@ begin" "%SN%" >nul
if errorlevel 1 (echo osdgate: the launcher is not in startnet.cmd after writing it & goto :fail)
"#;

const CMD_LAUNCHER_SUB: &str = r#"
rem One line of startnet.cmd (findstr /n "N:" prefix) to the new file, then the launcher after wpeinit.
:osdgate_emit
set /a N+=1
setlocal EnableDelayedExpansion
set "LINE=!LINE:*:=!"
set "SKIP=0"
if %BEGIN% GTR 0 if !N! GEQ %BEGIN% if !N! LEQ %END% set "SKIP=1"
if "!SKIP!"=="0" echo(!LINE!
endlocal
if "%N%"=="%WPE%" type "%LAUNCHER%"
goto :eof
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> ApplyScriptParams {
        ApplyScriptParams {
            wim_path: "D:\\Sources\\boot.wim".to_string(),
            index: 1,
            mount_dir: None,
            patches: vec![PatchFile {
                file_name: "roots.reg".to_string(),
                keys: vec![format!(
                    "{HIVE_PREFIX}Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\ABCD"
                )],
            }],
            launcher: None,
        }
    }

    #[test]
    fn validation_reports_every_problem() {
        let mut p = params();
        p.wim_path = "C:\\a%b\\boot.iso".to_string();
        p.index = 0;
        p.patches[0].keys[0] =
            "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\ROOT\\Certificates\\AB"
                .to_string();
        let problems = validate(&p);
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(generate(&p).is_err());
    }

    #[test]
    fn scripts_carry_parameters_and_every_step() {
        let scripts = generate(&params()).unwrap();
        let ps = &scripts.powershell;
        assert!(ps.contains("[string]$WimPath = 'D:\\Sources\\boot.wim'"));
        assert!(ps.contains("$RegFiles = @('roots.reg')"));
        assert!(ps.contains(
            "'HKLM\\winpe-offline\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\ABCD'"
        ));
        for needle in [
            "/Mount-Image",
            "'load'",
            "'import'",
            "@('/v', 'Blob')",
            "'unload'",
            "'/Commit'",
            "/Discard",
        ] {
            assert!(ps.contains(needle), "powershell lacks {needle}");
        }
        let cmd = &scripts.cmd;
        assert!(cmd.contains("set \"WIM=D:\\Sources\\boot.wim\"\r\n"));
        assert!(cmd.contains("set \"REG1=%~dp0roots.reg\"\r\n"));
        assert!(cmd.contains("reg query \"HKLM\\winpe-offline\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\ABCD\" /v Blob"));
        for needle in
            ["/Mount-Image", "reg load", "reg import", "reg unload", "/Commit", "/Discard", ":fail"]
        {
            assert!(cmd.contains(needle), "cmd lacks {needle}");
        }
        assert!(!cmd.replace("\r\n", "").contains('\n'));
        // Validation comes before the mount in both.
        assert!(
            ps.find("Test-Path -LiteralPath $WimPath").unwrap() < ps.find("/Mount-Image").unwrap()
        );
        assert!(
            cmd.find("if not exist \"%WIM%\"").unwrap() < cmd.find("dism /Mount-Image").unwrap()
        );
    }

    #[test]
    fn powershell_quotes_single_quotes() {
        let mut p = params();
        p.wim_path = "C:\\O'Brien\\boot.wim".to_string();
        assert!(generate(&p).unwrap().powershell.contains("'C:\\O''Brien\\boot.wim'"));
    }
}
