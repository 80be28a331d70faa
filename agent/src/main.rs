//! `osdgate-agent`: runs from the boot media. `run --bundle DIR --dry-run` authenticates to the
//! relay named by the medium, registers the device, fetches the policy and the content and reports
//! status; `--policy FILE` runs offline from a policy file instead.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use osdgate_agent::relay::{ConnectRetry, HardwareIdentity, PasswordSource};
use osdgate_agent::run::{PolicySource, RunEnd, RunOptions, run};
use osdgate_model::model::Timestamp;

#[derive(Debug, Parser)]
#[command(name = "osdgate-agent", version = osdgate_model::VERSION, about = "The osdgate device agent: runs a task sequence from osdgate boot media.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per start: the size of the `run` variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the deployment's task sequence.
    ///
    /// With the relay (the default): the medium's key is opened with the media password (asked at
    /// the console; none for unattended media), the medium authenticates to the relay named in
    /// media.json (TLS trusting only the roots the medium carries), the device registers a key of
    /// its own, and the policy of this device is fetched; content is downloaded, resumed and
    /// verified by SHA-256 before a step uses it, and every status message is sent (queued on disk
    /// while the relay is away). With --policy FILE the policy comes from a file and nothing is
    /// sent.
    ///
    /// With --dry-run every command line, file, content and restart the steps would use is recorded
    /// in STATE/dry-run.json and STATE/logs/smsts.log, and nothing on the disk is touched (content
    /// is still downloaded and verified, into STATE/content). Without it the steps run for real
    /// (Windows PE: diskpart, DISM, bcdboot, robocopy, cmd, wpeutil), with content from the relay
    /// (or staged in --content when offline), and the same record is kept in STATE/actions.json.
    Run {
        /// The bundle folder on the medium (the `osdgate` folder with media.json).
        #[arg(long, value_name = "DIR")]
        bundle: PathBuf,
        /// Run offline from a policy JSON file (the body of GET /api/v1/policy or one deployment
        /// policy) instead of asking the relay.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Which deployment to run, when the medium may run several.
        #[arg(long, value_name = "ID")]
        deployment: Option<String>,
        /// Record what would be done instead of doing it.
        #[arg(long)]
        dry_run: bool,
        /// Where the engine keeps its state, the log, the status queue, the device key and the
        /// content cache (survives restarts). Default: `osdgate-agent-state` for a dry run; a real
        /// run keeps them where ConfigMgr does (X:\_SMSTaskSequence and X:\Windows\Temp\SMSTSLog,
        /// then _SMSTaskSequence on the Windows drive once it is partitioned, then
        /// %SystemRoot%\CCM\Logs in the full OS).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// Offline real runs: content staged in this folder (a Windows path; one folder per content
        /// ID holding the content's files), verified against the policy's SHA-256 before use.
        #[arg(long, value_name = "DIR", requires = "policy")]
        content: Option<String>,
        /// A folder searched for programs before the PATH (tools carried on the medium); repeatable.
        #[arg(long, value_name = "DIR")]
        tools: Vec<PathBuf>,
        /// A real run on a host without drive letters (tests): drive L: is the folder DIR/l.
        #[arg(long, value_name = "DIR")]
        drive_root: Option<PathBuf>,
        /// Read the media password from the first line of FILE instead of asking at the console.
        #[arg(long, value_name = "FILE", conflicts_with = "policy")]
        password_file: Option<PathBuf>,
        /// The SMBIOS UUID the device registers with (default: read from the machine).
        #[arg(long, value_name = "GUID", conflicts_with = "policy")]
        smbios_guid: Option<String>,
        /// The MAC address the device registers with (default: read from the machine).
        #[arg(long, value_name = "MAC", conflicts_with = "policy")]
        mac: Option<String>,
        /// Talk to a relay on this machine over plain http instead of the medium's relay_url (tests
        /// against `wrangler dev`: the document's gateway always has an https URL). Only
        /// http://127.0.0.1, http://[::1] and http://localhost are accepted.
        #[arg(long, value_name = "URL", conflicts_with = "policy")]
        relay_url: Option<String>,
        /// How many times to try reaching the relay at the start (before the policy, whose
        /// SMSTSDownloadRetryCount/-Delay govern the rest).
        #[arg(long, value_name = "N", default_value_t = 5)]
        connect_attempts: u32,
        /// Seconds before the second try at the start; doubled after each failure.
        #[arg(long, value_name = "SECONDS", default_value_t = 10)]
        connect_retry_delay: u64,
    },
    /// Prints the SMBIOS UUID and MAC address this device registers with, as a document's
    /// `devices[]` entry writes them (to name the device in a deployment before it starts).
    ///
    /// Windows and Windows PE: the UUID the boot loader keeps in HKLM\SYSTEM\HardwareConfig
    /// (LastConfig) and the first adapter's physical address in `ipconfig /all`. Exits with 1 when
    /// neither can be read.
    Identity,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            bundle,
            policy,
            deployment,
            dry_run,
            state,
            password_file,
            smbios_guid,
            mac,
            connect_attempts,
            connect_retry_delay,
            relay_url,
            content,
            tools,
            drive_root,
        } => {
            let now =
                SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
            let policy = match policy {
                Some(file) => PolicySource::File(file),
                None => {
                    let identity = if smbios_guid.is_some() || mac.is_some() {
                        match HardwareIdentity::given(smbios_guid.as_deref(), mac.as_deref()) {
                            Ok(identity) => identity,
                            Err(error) => {
                                eprintln!("osdgate-agent: {error}");
                                return ExitCode::from(2);
                            }
                        }
                    } else {
                        HardwareIdentity::of_this_machine()
                    };
                    PolicySource::Relay {
                        password: password_file
                            .map_or(PasswordSource::Prompt, PasswordSource::File),
                        identity,
                        retry: ConnectRetry {
                            attempts: connect_attempts.max(1),
                            delay: Duration::from_secs(connect_retry_delay),
                        },
                        relay_url,
                    }
                }
            };
            let options = RunOptions {
                bundle,
                policy,
                deployment,
                place_automatically: !dry_run && state.is_none(),
                state_folder: state.unwrap_or_else(|| PathBuf::from("osdgate-agent-state")),
                dry_run,
                now: Timestamp::from_unix_seconds(now),
                drive_root,
                tools,
                staged_content: content,
            };
            match run(&options, &mut std::io::stdout()) {
                Ok(RunEnd::Completed) => ExitCode::SUCCESS,
                // The machine restarts; the agent starts again after it and resumes.
                Ok(RunEnd::Restarting) => ExitCode::from(3),
                Ok(RunEnd::Failed { code, message }) => {
                    eprintln!("osdgate-agent: the task sequence failed (0x{code:08X}): {message}");
                    ExitCode::from(1)
                }
                Err(message) => {
                    eprintln!("osdgate-agent: {message}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Identity => {
            let identity = HardwareIdentity::of_this_machine();
            // TOML lines to paste into the device's `[[devices]]` entry.
            match &identity.smbios_guid {
                Some(guid) => println!("smbios_guid = \"{guid}\""),
                None => println!("# smbios_guid: not readable on this machine"),
            }
            match &identity.mac {
                Some(mac) => println!("mac_addresses = [\"{mac}\"]"),
                None => println!("# mac_addresses: not readable on this machine"),
            }
            if identity.is_empty() {
                eprintln!(
                    "osdgate-agent: neither the SMBIOS UUID nor a MAC address can be read here; give them to `run` with --smbios-guid or --mac"
                );
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
    }
}
