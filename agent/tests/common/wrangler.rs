//! The real edge runtime for the agent's journey tests: `wrangler dev` started, stopped and started
//! again by the test (on the same port and local state, as a relay that goes away and comes back),
//! a loopback proxy in front of it that can hold a download in the middle, and the admin API.
//!
//! `cargo xtask test` prepares what the runtime needs and passes it in the environment:
//! `OSDGATE_WRANGLER` (the pinned wrangler), `OSDGATE_WRANGLER_STATE` (a local D1/R2/KV state
//! with every migration applied, copied for each test), `OSDGATE_WRANGLER_ENV_FILE` (the relay's
//! secrets) and `OSDGATE_ADMIN_TOKEN`. The worker and the console must be built (`build/`,
//! `dist/console`), which the xtask does first. The flags below are those of
//! `xtask/src/wrangler.rs` (telemetry and update checks off).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use osdgate_model::model::{Document, GlobalVariable};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A variable `cargo xtask test` sets; a clear failure (never a skip) without it.
pub fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: this test runs under `cargo xtask test`, which prepares wrangler dev and sets it")
    })
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Prints a command line before it runs, so the test's output shows every one of them.
pub fn show(command: &Command) -> String {
    let mut line = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    eprintln!("    $ {line}");
    line
}

/// One `wrangler dev` process group on 127.0.0.1:`port`.
#[derive(Debug)]
pub struct WranglerDev {
    child: Option<Child>,
    pub port: u16,
    state: PathBuf,
    log: PathBuf,
}

impl WranglerDev {
    /// A fresh copy of the migrated state in `folder`, and wrangler dev on a free port.
    pub fn fresh(folder: &Path) -> WranglerDev {
        let state = folder.join("wrangler-state");
        let template = required_env("OSDGATE_WRANGLER_STATE");
        let copied = Command::new("cp").arg("-a").arg(&template).arg(&state).status().unwrap();
        assert!(copied.success(), "cannot copy {template} to {}", state.display());
        let mut relay =
            WranglerDev { child: None, port: free_port(), state, log: folder.join("wrangler.log") };
        relay.start();
        relay
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts it (again) on the same port and state, and waits until `/api/v1/health` answers.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "wrangler dev is already running");
        let started = Instant::now();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let mut command = Command::new(required_env("OSDGATE_WRANGLER"));
        command
            .current_dir(workspace().join("edge-worker"))
            .args(["dev", "--ip", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--inspector-port", &free_port().to_string()])
            .args(["--show-interactive-dev-session=false", "--persist-to"])
            .arg(&self.state)
            .arg("--env-file")
            .arg(required_env("OSDGATE_WRANGLER_ENV_FILE"))
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_SEND_ERROR_REPORTS", "false")
            .env("WRANGLER_HIDE_BANNER", "true")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("CI", "true")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0);
        show(&command);
        let mut child = command.spawn().expect("cannot start wrangler dev");
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "wrangler dev exited ({status}) before it answered:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if http_status(self.port, "/api/v1/health") == Some(200) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "wrangler dev did not answer /api/v1/health within 120 s:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!(
            "    wrangler dev answers on {} after {:.1} s",
            self.url(),
            started.elapsed().as_secs_f64()
        );
        self.child = Some(child);
    }

    /// Stops the whole process group (wrangler and its workerd): SIGTERM, then SIGKILL.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let group = format!("-{}", child.id());
        let signal = |name: &str| {
            let _ = Command::new("kill")
                .args([name, "--", &group])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        };
        signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && child.try_wait().ok().flatten().is_none() {
            std::thread::sleep(Duration::from_millis(50));
        }
        signal("-KILL");
        let _ = child.wait();
        // The port is free once nothing answers on it any more.
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "port {} still answers after the stop", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for WranglerDev {
    fn drop(&mut self) {
        self.stop();
    }
}

fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut head = [0u8; 16];
    let read = stream.read(&mut head).ok()?;
    std::str::from_utf8(&head[..read]).ok()?.split_whitespace().nth(1)?.parse().ok()
}

/// The admin API over HTTP.
#[derive(Debug)]
pub struct Admin {
    base: String,
    token: String,
    http: ureq::Agent,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Admin {
    pub fn new(base: &str) -> Admin {
        let http = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(180)))
            .build()
            .into();
        Admin { base: base.to_owned(), token: required_env("OSDGATE_ADMIN_TOKEN"), http }
    }

    fn read(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = response.expect("the relay did not answer");
        let status = response.status().as_u16();
        let body = response.body_mut().with_config().limit(64 * 1024 * 1024).read_to_vec().unwrap();
        Reply { status, body }
    }

    pub fn get(&self, path: &str) -> Reply {
        let url = format!("{}{path}", self.base);
        Self::read(
            self.http.get(&url).header("authorization", format!("Bearer {}", self.token)).call(),
        )
    }

    /// A JSON request (`None`: no body).
    pub fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {}", self.token);
        let response = match (method, body) {
            ("PUT", Some(body)) => self
                .http
                .put(&url)
                .header("authorization", auth)
                .header("content-type", "application/json")
                .send(body.to_string()),
            ("POST", Some(body)) => self
                .http
                .post(&url)
                .header("authorization", auth)
                .header("content-type", "application/json")
                .send(body.to_string()),
            ("POST", None) => self.http.post(&url).header("authorization", auth).send_empty(),
            _ => panic!("{method} with this body is not used"),
        };
        Self::read(response)
    }

    /// Uploads a blob by its SHA-256: one PUT up to a part's size, else a multipart upload.
    pub fn upload(&self, sha256: &str, bytes: &[u8]) {
        let auth = format!("Bearer {}", self.token);
        // A PUT of a blob or a part may be repeated. wrangler dev's proxy sometimes drops one on a
        // kept-alive connection under load (a reset, or a 503 without the worker seeing it), so
        // each is tried up to three times, as an uploader would.
        let put = |path: &str, part: &[u8]| {
            let mut tries = 0;
            loop {
                tries += 1;
                let response = self
                    .http
                    .put(format!("{}{path}", self.base))
                    .header("authorization", &auth)
                    .header("content-type", "application/octet-stream")
                    .send(part);
                match response {
                    Ok(response) if response.status().as_u16() != 503 || tries == 3 => {
                        return Self::read(Ok(response));
                    }
                    Err(error) if tries == 3 => panic!("PUT {path}: {error}"),
                    _ => std::thread::sleep(Duration::from_millis(500)),
                }
            }
        };
        let part_size = 16 * 1024 * 1024;
        if bytes.len() <= part_size {
            let reply = put(&format!("/api/v1/admin/blobs/{sha256}"), bytes);
            assert!(matches!(reply.status, 200 | 201), "upload {sha256}: {}", reply.text());
            return;
        }
        let start = self.send(
            "POST",
            &format!("/api/v1/admin/blobs/{sha256}/uploads"),
            Some(&serde_json::json!({"size": bytes.len()})),
        );
        assert_eq!(start.status, 201, "start upload: {}", start.text());
        let session = start.json();
        let upload_id = session["upload_id"].as_str().unwrap().to_owned();
        let part_size = session["part_size"].as_u64().unwrap() as usize;
        for (index, part) in bytes.chunks(part_size).enumerate() {
            let path =
                format!("/api/v1/admin/blobs/{sha256}/uploads/{upload_id}/parts/{}", index + 1);
            let reply = put(&path, part);
            assert!(matches!(reply.status, 200 | 201), "part {}: {}", index + 1, reply.text());
        }
        let done = self.send(
            "POST",
            &format!("/api/v1/admin/blobs/{sha256}/uploads/{upload_id}/complete"),
            None,
        );
        assert!(matches!(done.status, 200 | 201), "complete {sha256}: {}", done.text());
    }

    /// Every status message, following the cursor.
    pub fn statuses(&self) -> Vec<osdgate_model::api::StatusMessage> {
        let mut messages = Vec::new();
        let mut after = String::new();
        loop {
            let reply = self.get(&format!("/api/v1/admin/status?limit=500&after={after}"));
            assert_eq!(reply.status, 200, "{}", reply.text());
            let page: osdgate_model::api::StatusPage = serde_json::from_slice(&reply.body).unwrap();
            let empty = page.messages.is_empty();
            messages.extend(page.messages);
            if !page.has_more || empty {
                return messages;
            }
            after = page.next_cursor;
        }
    }
}

/// The OS image's bytes: every MiB different, so a resume at a wrong offset changes the hash.
pub fn image_bytes(size: usize) -> Vec<u8> {
    let block: Vec<u8> =
        b"osdgate journey install.wim ".iter().copied().cycle().take(1 << 20).collect();
    let mut bytes = Vec::with_capacity(size);
    let mut index = 0u64;
    while bytes.len() < size {
        let take = (size - bytes.len()).min(block.len());
        let start = bytes.len();
        bytes.extend_from_slice(&block[..take]);
        let stamp = index.to_le_bytes();
        let end = (start + stamp.len()).min(bytes.len());
        bytes[start..end].copy_from_slice(&stamp[..end - start]);
        index += 1;
    }
    bytes
}

/// The boot-media example with real content uploaded (the OS image `image_size` bytes), retries
/// that outlast a wrangler restart, published. Returns the document and its path.
pub fn publish_example(admin: &Admin, folder: &Path, image_size: usize) -> (Document, PathBuf) {
    let text =
        std::fs::read_to_string(workspace().join("examples/boot-media-over-gateway.toml")).unwrap();
    let mut document = Document::from_toml(&text).unwrap();
    let mut uploads = Vec::new();
    for package in &mut document.content {
        for file in &mut package.files {
            let bytes = if package.id == "ABC00010" {
                image_bytes(image_size)
            } else {
                format!("{} {} ", package.id, file.path).bytes().cycle().take(40_000).collect()
            };
            file.size = bytes.len() as u64;
            file.sha256 = osdgate_model::hex::lower(&Sha256::digest(&bytes));
            uploads.push((file.sha256.clone(), bytes));
        }
    }
    // Retries with doubling waits (2, 4, 8, 16, 16, ... s): about two minutes, more than a restart
    // of wrangler dev takes on a loaded machine.
    let sequence = &mut document.task_sequences[0];
    for (name, value) in [("SMSTSDownloadRetryCount", "10"), ("SMSTSDownloadRetryDelay", "2")] {
        sequence.global_variables.push(GlobalVariable { name: name.into(), value: value.into() });
    }
    let started = Instant::now();
    let total: usize = uploads.iter().map(|(_, b)| b.len()).sum();
    for (sha256, bytes) in &uploads {
        admin.upload(sha256, bytes);
    }
    eprintln!(
        "    uploaded {} files, {:.1} MiB, in {:.1} s",
        uploads.len(),
        total as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );
    let body: serde_json::Value = serde_json::from_str(&document.to_json()).unwrap();
    let reply = admin.send("PUT", "/api/v1/admin/config", Some(&body));
    assert_eq!(reply.status, 201, "publish: {}", reply.text());
    let path = folder.join("document.json");
    std::fs::write(&path, document.to_json()).unwrap();
    (document, path)
}

/// `osdgate media bundle` (the CLI, the console's code) with the Windows agent, unpacked as it is
/// copied onto a stick, and the medium registered. Returns the bundle folder.
pub fn register_medium(admin: &Admin, document: &Path, folder: &Path, password: &Path) -> PathBuf {
    let zip = folder.join("medium.zip");
    let mut command = Command::new(required_env("OSDGATE_CLI_EXE"));
    command
        .args(["media", "bundle", "--document"])
        .arg(document)
        .arg("--password-file")
        .arg(password)
        .arg("--agent")
        .arg(required_env("OSDGATE_AGENT_WINDOWS_EXE"))
        .args(["--kdf-memory-kib", "19456", "--kdf-iterations", "1", "-o"])
        .arg(&zip);
    show(&command);
    let built = command.output().unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let stick = folder.join("stick");
    let mut unzip = Command::new("unzip");
    unzip.arg("-q").arg(&zip).arg("-d").arg(&stick);
    show(&unzip);
    assert!(unzip.status().unwrap().success());
    let bundle = stick.join("osdgate");
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("media.json")).unwrap()).unwrap();
    let now_ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
            as i64;
    let reply = admin.send(
        "POST",
        "/api/v1/admin/media",
        Some(&json!({
            "media_id": config["media_id"],
            "public_key": config["public_key"],
            "medium": "usb-remote",
            "expires_at": now_ms + 86_400_000,
            "created_by": "journey@example.com",
            "auto_approve": true,
        })),
    );
    assert_eq!(reply.status, 201, "register the medium: {}", reply.text());
    bundle
}

/// Where the proxy's hold of a download stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    Off,
    /// Hold the next file download after this many bytes of its answer.
    Armed(u64),
    Holding,
    Released,
}

#[derive(Debug)]
struct ProxyShared {
    upstream: u16,
    hold: Mutex<Hold>,
    changed: Condvar,
    /// Every request line, with its `Range` header.
    requests: Mutex<Vec<String>>,
    /// Connections that found no relay behind the proxy (the agent tried while it was away).
    unreachable: AtomicU64,
}

/// A loopback TCP proxy in front of wrangler dev. It passes bytes through unchanged; its one trick
/// is to hold a file download after a number of bytes until the test releases it, so the relay is
/// stopped while a download is certainly in the middle, however fast the machine is.
#[derive(Debug)]
pub struct Proxy {
    pub port: u16,
    shared: Arc<ProxyShared>,
}

impl Proxy {
    pub fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(ProxyShared {
            upstream,
            hold: Mutex::new(Hold::Off),
            changed: Condvar::new(),
            requests: Mutex::new(Vec::new()),
            unreachable: AtomicU64::new(0),
        });
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let shared = Arc::clone(&accepting);
                std::thread::spawn(move || connect(client, shared));
            }
        });
        Proxy { port, shared }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Holds the next file download once `bytes` of its answer have passed.
    pub fn hold_next_download_after(&self, bytes: u64) {
        *self.shared.hold.lock().unwrap() = Hold::Armed(bytes);
    }

    /// Waits until a download is held; false after `limit`.
    pub fn wait_until_held(&self, limit: Duration) -> bool {
        let hold = self.shared.hold.lock().unwrap();
        let (hold, _) =
            self.shared.changed.wait_timeout_while(hold, limit, |h| *h != Hold::Holding).unwrap();
        *hold == Hold::Holding
    }

    pub fn release(&self) {
        *self.shared.hold.lock().unwrap() = Hold::Released;
        self.shared.changed.notify_all();
    }

    pub fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn unreachable(&self) -> u64 {
        self.shared.unreachable.load(Ordering::SeqCst)
    }
}

fn connect(client: TcpStream, shared: Arc<ProxyShared>) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", shared.upstream)) else {
        // The relay is away: the client's connection closes without an answer.
        shared.unreachable.fetch_add(1, Ordering::SeqCst);
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    // Whether the answer now passing is a file's, and how many of its bytes have passed (a kept-alive
    // connection carries several requests, one after the other).
    let file_answer = Arc::new(AtomicBool::new(false));
    let passed = Arc::new(AtomicU64::new(0));
    let (up_client, up_server) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let (up_shared, up_file, up_passed) =
        (Arc::clone(&shared), Arc::clone(&file_answer), Arc::clone(&passed));
    let upward = std::thread::spawn(move || {
        let (mut from, mut to) = (up_client, up_server);
        let mut buffer = vec![0u8; 64 * 1024];
        while let Ok(read) = from.read(&mut buffer) {
            if read == 0 {
                break;
            }
            let chunk = &buffer[..read];
            if let Some(line) = request_line(chunk) {
                up_file.store(line.contains("/files/"), Ordering::SeqCst);
                up_passed.store(0, Ordering::SeqCst);
                up_shared.requests.lock().unwrap().push(line);
            }
            if to.write_all(chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    let (mut from, mut to) = (server, client);
    let mut buffer = vec![0u8; 64 * 1024];
    while let Ok(read) = from.read(&mut buffer) {
        if read == 0 {
            break;
        }
        let mut chunk = &buffer[..read];
        if file_answer.load(Ordering::SeqCst) {
            let mut hold = shared.hold.lock().unwrap();
            let before = passed.load(Ordering::SeqCst);
            let now = *hold;
            if let Hold::Armed(limit) = now
                && before + chunk.len() as u64 >= limit
            {
                let first = (limit - before.min(limit)) as usize;
                if to.write_all(&chunk[..first]).is_err() {
                    break;
                }
                passed.fetch_add(first as u64, Ordering::SeqCst);
                chunk = &chunk[first..];
                *hold = Hold::Holding;
                shared.changed.notify_all();
                drop(shared.changed.wait_while(hold, |h| *h == Hold::Holding).unwrap());
            }
        }
        passed.fetch_add(chunk.len() as u64, Ordering::SeqCst);
        if to.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
    let _ = upward.join();
}

/// `METHOD TARGET [range]` when `chunk` starts an HTTP request.
fn request_line(chunk: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&chunk[..chunk.len().min(4096)]);
    let first = text.lines().next()?;
    let mut words = first.split_whitespace();
    let method = words.next()?;
    if !matches!(method, "GET" | "POST" | "PUT" | "DELETE" | "HEAD") {
        return None;
    }
    let target = words.next()?;
    let range = text
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case("range")))
        .map(|(_, v)| format!(" [{}]", v.trim()))
        .unwrap_or_default();
    Some(format!("{method} {target}{range}"))
}
