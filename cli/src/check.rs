//! `osdgate check FILE [--relay URL]`: preflight of a document (JSON or TOML), and with `--relay`
//! also what the relay holds: each file the relay must serve has been uploaded (`OSDG-CONTENT-007`,
//! the same check the relay runs when the document is published).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use osdgate_model::model::{Document, DocumentFormat, Timestamp};
use osdgate_model::preflight;

use crate::output::{ReportFormat, print_report, unreadable};

/// Check a document against every preflight rule.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The document (`.json` or `.toml`; other names are sniffed).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
    /// Compare expiry dates with this RFC 3339 time instead of the system clock.
    #[arg(long)]
    pub now: Option<String>,
    /// Also check the relay at this URL (such as https://relay.contoso.example): every file it must
    /// serve for the document has been uploaded to it. Needs the admin token.
    #[arg(long, value_name = "URL")]
    pub relay: Option<String>,
    /// A file holding the relay's admin token (else the environment variable
    /// `OSDGATE_ADMIN_TOKEN_FILE` names one, or `OSDGATE_ADMIN_TOKEN` holds the token).
    #[arg(long, value_name = "FILE", requires = "relay")]
    pub admin_token_file: Option<PathBuf>,
    /// Which of the document's gateways the relay is (its `GATEWAY_ID`); needed only when the
    /// document has several gateways.
    #[arg(long, value_name = "ID", requires = "relay")]
    pub gateway: Option<String>,
}

/// Asks the relay's admin API which of `hashes` it holds (`GET /api/v1/admin/blobs/{sha256}`: 200
/// held, 404 not).
fn held_by_relay(
    relay: &str,
    token: &str,
    hashes: &[String],
) -> Result<std::collections::HashSet<String>, String> {
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let base = relay.trim_end_matches('/');
    let mut held = std::collections::HashSet::new();
    for sha256 in hashes {
        let url = format!("{base}{}/admin/blobs/{sha256}", osdgate_model::api::API_PREFIX);
        let mut response = agent
            .get(&url)
            .header("authorization", &format!("Bearer {token}"))
            .call()
            .map_err(|e| format!("cannot reach the relay at {base}: {e}"))?;
        match response.status().as_u16() {
            200 => {
                held.insert(sha256.clone());
            }
            404 => {}
            status => {
                let body = response.body_mut().read_to_string().unwrap_or_default();
                let message = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["message"].as_str().map(str::to_owned))
                    .unwrap_or(body);
                return Err(format!("the relay at {base} answered {status} for {url}: {message}"));
            }
        }
    }
    Ok(held)
}

/// The current time, or `--now`.
pub fn now_from(argument: Option<&str>) -> Result<Timestamp, String> {
    match argument {
        Some(text) => Timestamp::parse(text).map_err(|e| format!("--now: {e}")),
        None => {
            let seconds = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or(0);
            Ok(Timestamp::from_unix_seconds(seconds))
        }
    }
}

/// Reads and parses a document file.
pub fn read_document(path: &std::path::Path) -> Result<Document, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let name = path.to_string_lossy();
    let format =
        DocumentFormat::from_file_name(&name).unwrap_or_else(|| DocumentFormat::sniff(&text));
    Document::parse(&text, format).map_err(|e| e.to_string())
}

/// Runs the command.
pub fn run(args: CheckArgs) -> ExitCode {
    let now = match now_from(args.now.as_deref()) {
        Ok(now) => now,
        Err(message) => return unreadable(&args.file, message),
    };
    let document = match read_document(&args.file) {
        Ok(document) => document,
        Err(message) => return unreadable(&args.file, message),
    };
    let mut report = preflight::check_at(&document, now);
    if let Some(relay) = &args.relay {
        let gateway = match preflight::relay_gateway(&document, args.gateway.as_deref()) {
            Ok(gateway) => gateway,
            Err(error) => return unreadable(&args.file, format!("--relay: {error} (--gateway)")),
        };
        if let Some(gateway) = gateway {
            let held =
                crate::relay::admin_token(args.admin_token_file.as_deref()).and_then(|token| {
                    held_by_relay(relay, &token, &preflight::files_to_upload(&document, gateway))
                });
            let held = match held {
                Ok(held) => held,
                Err(message) => return unreadable(&args.file, message),
            };
            report = report
                .with_findings(preflight::check_uploaded(&document, gateway, |h| held.contains(h)));
        }
    }
    print_report(&report, args.format, &args.file)
}
