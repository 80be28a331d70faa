//! Running the relay under the real edge runtime: `wrangler dev` (workerd) with local D1/R2/KV.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::process::{self, GroupGuard, step};
use crate::tools::{self, Tools};
use crate::{build, secrets};

pub const DEFAULT_PORT: u16 = 8787;

/// A wrangler command with telemetry, update checks and the banner turned off: nothing may reach a
/// host other than the package registries.
fn wrangler(root: &Path, tools: &Tools) -> Command {
    let mut command = Command::new(tools.node_bin.join("wrangler"));
    command
        .current_dir(root.join("edge-worker"))
        .env("WRANGLER_SEND_METRICS", "false")
        .env("WRANGLER_SEND_ERROR_REPORTS", "false")
        .env("WRANGLER_HIDE_BANNER", "true")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("CI", "true");
    command
}

/// Apply every migration in `edge-worker/migrations` to the local D1 state in `state`.
pub fn apply_migrations(root: &Path, tools: &Tools, state: &Path) -> Result<()> {
    step(format!("D1: applying migrations to {}", state.display()));
    process::run(
        wrangler(root, tools)
            .args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"])
            .arg(state),
    )
}

/// Start `wrangler dev` on 127.0.0.1:`port` and wait until the relay answers its health check.
pub fn start(
    root: &Path,
    tools: &Tools,
    port: u16,
    state: &Path,
    env_file: &Path,
) -> Result<GroupGuard> {
    step(format!("relay: wrangler dev on http://127.0.0.1:{port}"));
    let inspector_port = free_port()?;
    let mut guard = GroupGuard::spawn(
        "wrangler dev",
        wrangler(root, tools)
            .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .args(["--inspector-port", &inspector_port.to_string()])
            .args(["--show-interactive-dev-session=false", "--persist-to"])
            .arg(state)
            .arg("--env-file")
            .arg(env_file),
    )?;
    wait_healthy(&mut guard, port, Duration::from_secs(90))?;
    Ok(guard)
}

/// Poll `GET /api/v1/health` until it answers 200, the process exits, or time runs out.
fn wait_healthy(guard: &mut GroupGuard, port: u16, limit: Duration) -> Result<()> {
    let started = Instant::now();
    loop {
        if let Some(status) = guard.try_wait()? {
            bail!("wrangler dev exited before the relay answered ({status})");
        }
        if let Ok(200) = http_get_status(port, "/api/v1/health") {
            step(format!("relay: healthy after {:.1}s", started.elapsed().as_secs_f32()));
            return Ok(());
        }
        if started.elapsed() > limit {
            bail!("the relay did not answer /api/v1/health within {}s", limit.as_secs());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A minimal HTTP/1.1 GET on loopback, returning the status code.
fn http_get_status(port: u16, path: &str) -> Result<u16> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")?;
    let mut head = [0u8; 16];
    let read = stream.read(&mut head)?;
    let text = std::str::from_utf8(&head[..read]).unwrap_or_default();
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .context("not an HTTP response")
}

/// A port nobody listens on right now.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).context("binding a loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// `cargo xtask dev`: install, build, migrate, serve; Ctrl-C stops everything.
pub fn dev(root: &Path, port: u16) -> Result<()> {
    if TcpListener::bind(("127.0.0.1", port)).is_err() {
        bail!("port {port} on 127.0.0.1 is in use; choose another with `cargo xtask dev --port N`");
    }
    let tools = tools::ensure(root, tools::Needs::BUILD)?;
    build::all(root, &tools)?;
    let dev_dir = root.join(".dev");
    let state = dev_dir.join("state");
    let env_file = dev_dir.join("secrets.env");
    let values = secrets::write_env_file(root, &env_file)?;
    apply_migrations(root, &tools, &state)?;

    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .context("installing the Ctrl-C handler")?;

    let mut relay = start(root, &tools, port, &state, &env_file)?;
    let admin_token = values
        .iter()
        .find(|(name, _)| name == "ADMIN_TOKEN")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    println!();
    println!("  osdgate is running");
    println!("  console:     http://127.0.0.1:{port}/");
    println!("  relay API:   http://127.0.0.1:{port}/api/v1/health");
    println!("  admin token: {admin_token}");
    println!("               (kept in {}; local state in {})", env_file.display(), state.display());
    println!("  Ctrl-C stops everything.");
    println!();
    loop {
        if interrupted.load(Ordering::SeqCst) {
            relay.stop();
            return Ok(());
        }
        if let Some(status) = relay.try_wait()? {
            relay.stop();
            if status.success() {
                return Ok(());
            }
            bail!("wrangler dev exited ({status})");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
