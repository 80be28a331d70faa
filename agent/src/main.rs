//! `osdgate-agent`: runs from the boot media. Today: `run --policy FILE --dry-run` (the relay client
//! that fetches the policy and content is not built yet).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use osdgate_agent::run::{RunEnd, RunOptions, run};
use osdgate_model::model::Timestamp;

#[derive(Debug, Parser)]
#[command(name = "osdgate-agent", version = osdgate_model::VERSION, about = "The osdgate device agent: runs a task sequence from osdgate boot media.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the deployment's task sequence.
    ///
    /// NOT YET CONNECTED TO THE RELAY: this agent has no relay client yet (no media authentication,
    /// no policy or content download, no status upload). It runs a task sequence from a policy JSON
    /// file (--policy, the body of GET /api/v1/policy or one deployment policy). With --dry-run
    /// every command line, file, content download and restart the steps would use is recorded in
    /// STATE/dry-run.json and STATE/logs/smsts.log, and nothing on the disk is touched. Without it
    /// the steps run for real (Windows PE: diskpart, DISM, bcdboot, robocopy, cmd, wpeutil) with
    /// content staged in --content, and the same record is kept. Status messages are queued in
    /// STATE/status/ for the relay client to send.
    Run {
        /// The bundle folder on the medium (the `osdgate` folder with media.json).
        #[arg(long, value_name = "DIR")]
        bundle: PathBuf,
        /// A policy JSON file (required until the relay client exists).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Which deployment of the policy to run, when the medium may run several.
        #[arg(long, value_name = "ID")]
        deployment: Option<String>,
        /// Record what would be done instead of doing it (required for now).
        #[arg(long)]
        dry_run: bool,
        /// Where the engine keeps its state, the log and the status queue (survives restarts).
        /// Default: `osdgate-agent-state` for a dry run; a real run keeps them where ConfigMgr does
        /// (X:\_SMSTaskSequence and X:\Windows\Temp\SMSTSLog, then _SMSTaskSequence on the
        /// Windows drive once it is partitioned, then %SystemRoot%\CCM\Logs in the full OS).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// A real run's content, staged in this folder (a Windows path; one folder per content ID
        /// holding the content's files), verified against the policy's SHA-256 before use.
        #[arg(long, value_name = "DIR")]
        content: Option<String>,
        /// A folder searched for programs before the PATH (tools carried on the medium); repeatable.
        #[arg(long, value_name = "DIR")]
        tools: Vec<PathBuf>,
        /// A real run on a host without drive letters (tests): drive L: is the folder DIR/l.
        #[arg(long, value_name = "DIR")]
        drive_root: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { bundle, policy, deployment, dry_run, state, content, tools, drive_root } => {
            let Some(policy_file) = policy else {
                eprintln!(
                    "osdgate-agent: --policy FILE is required: this agent has no relay client yet, so it cannot fetch the policy from the relay"
                );
                return ExitCode::from(2);
            };
            let now =
                SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
            let options = RunOptions {
                bundle,
                policy_file,
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
    }
}
