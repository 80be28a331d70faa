//! On demand (`agent/bench/run.sh`, not in CI): the agent's content download (the code
//! `osdgate-agent run` uses: locations, `Range`-capable GET, SHA-256 on the way, written to the
//! cache and flushed) of a 256 MiB file through `wrangler dev`, beside `curl` fetching the same
//! URL with the same bearer token in the same run, alternating, best of `BENCH_RUNS` (default 3).
//! Prints both rates and the ratio (target: the agent at least 0.9× curl).
//!
//! Needs what the journey test needs (`OSDGATE_WRANGLER`, `OSDGATE_WRANGLER_STATE`,
//! `OSDGATE_WRANGLER_ENV_FILE`, `OSDGATE_ADMIN_TOKEN`, `OSDGATE_CLI_EXE`,
//! `OSDGATE_AGENT_WINDOWS_EXE`), which the script prepares.

#[path = "../tests/common/wrangler.rs"]
mod wrangler;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use osdgate_agent::content::{ContentCache, RetryPolicy};
use osdgate_agent::relay::{
    ConnectOptions, ConnectRetry, HardwareIdentity, PasswordSource, Session,
};
use osdgate_agent::run::read_media_config;
use wrangler::{Admin, WranglerDev, publish_example, register_medium};

const PASSWORD: &str = "Bench-Download-2026!";

fn main() {
    let mib: usize = std::env::var("BENCH_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let folder =
        std::env::temp_dir().join(format!("osdgate-download-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let relay = WranglerDev::fresh(&folder);
    let admin = Admin::new(&relay.url());
    let size = mib * 1024 * 1024;
    let (_, document_path) = publish_example(&admin, &folder, size);
    let password = folder.join("password.txt");
    std::fs::write(&password, format!("{PASSWORD}\n")).unwrap();
    let bundle = register_medium(&admin, &document_path, &folder, &password);

    // The agent's session: media login, device registration, the policy.
    let media = read_media_config(&bundle).unwrap();
    let options = ConnectOptions {
        bundle: bundle.clone(),
        state_folder: folder.join("state"),
        password: PasswordSource::File(password.clone()),
        identity: HardwareIdentity {
            smbios_guid: Some("4C4C4544-0042-3510-8052-B4C04F4B4E32".into()),
            mac: None,
        },
        retry: ConnectRetry { attempts: 2, delay: Duration::from_secs(1) },
        relay_url: Some(relay.url()),
    };
    let mut session = Session::connect(&options, &media, &mut |_| {}).unwrap();
    let policy = session.policy().unwrap();
    let image = policy.deployments[0]
        .content
        .iter()
        .find(|c| c.content_id == "ABC00010")
        .expect("the OS image in the policy")
        .clone();
    assert_eq!(image.files[0].size as usize, size);
    let url = format!(
        "{}/api/v1/content/{}/files/{}",
        relay.url(),
        image.content_id,
        image.files[0].path
    );
    let token = session.client().token().expect("a device token").to_owned();

    let mut agent_best = f64::MAX;
    let mut curl_best = f64::MAX;
    for run in 1..=runs {
        let cache_folder = folder.join(format!("agent-{run}"));
        let mut cache = ContentCache::new(&cache_folder);
        let started = Instant::now();
        cache
            .fetch(&mut session, &image, RetryPolicy::default(), &mut |_, _| {})
            .unwrap_or_else(|e| panic!("the agent's download failed: {e}"));
        let agent = started.elapsed().as_secs_f64();
        std::fs::remove_dir_all(&cache_folder).unwrap();

        let output = folder.join(format!("curl-{run}.bin"));
        let started = Instant::now();
        let status = Command::new("curl")
            .args(["-sS", "--fail", "-o"])
            .arg(&output)
            .args(["-H", &format!("authorization: Bearer {token}"), &url])
            .status()
            .expect("curl is missing (apt-get install curl)");
        let curl = started.elapsed().as_secs_f64();
        assert!(status.success(), "curl failed: {status}");
        assert_eq!(std::fs::metadata(&output).unwrap().len() as usize, size);
        std::fs::remove_file(&output).unwrap();

        println!(
            "run {run}: agent {:.2} s ({:.1} MB/s), curl {:.2} s ({:.1} MB/s)",
            agent,
            rate(size, agent),
            curl,
            rate(size, curl)
        );
        agent_best = agent_best.min(agent);
        curl_best = curl_best.min(curl);
    }
    println!(
        "best of {runs}: agent {:.1} MB/s, curl {:.1} MB/s, ratio {:.2} (target ≥ 0.90)",
        rate(size, agent_best),
        rate(size, curl_best),
        curl_best / agent_best
    );
    drop(relay);
    remove(&folder);
}

fn rate(bytes: usize, seconds: f64) -> f64 {
    bytes as f64 / 1_000_000.0 / seconds
}

fn remove(folder: &Path) {
    let _ = std::fs::remove_dir_all(folder);
}
