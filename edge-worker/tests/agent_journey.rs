//! The device's journey against the relay, natively (issue 12): the relay's router over in-memory
//! storage, served on a loopback port by a small HTTP/1.1 front that can misbehave on purpose
//! (drop a download in the middle, corrupt a file once, lose the answer to a status post, revoke
//! the device when a download starts); the agent library (`osdgate_agent::run`) on a bundle built
//! by the same code as `osdgate media bundle`, with the relay client, in a dry run. The same
//! journey against `wrangler dev` is `cargo xtask test`'s job; this one runs in `cargo test`.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../../agent/tests/common/status_delivery.rs"]
mod status_delivery;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use osdgate_agent::executor::{Action, RecordedAction};
use osdgate_agent::relay::{ConnectRetry, HardwareIdentity, PasswordSource};
use osdgate_agent::run::{PolicySource, RunEnd, RunOptions, run};
use osdgate_model::api::{StatusPage, StepState};
use osdgate_model::cmtrace::read_log;
use osdgate_model::media::bundle::{BundleInput, build_bundle, plan_medium, resolve_roots};
use osdgate_model::media::identity::{KdfParams, MediaRandom, Protection};
use osdgate_model::model::{Document, GlobalVariable, Timestamp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use status_delivery::assert_delivered_once_in_order;
use support::Relay;

const PASSWORD: &str = "Journey-Test-2026!";
const DEVICE_GUID: &str = "4C4C4544-0042-3510-8052-B4C04F4B4E32";
const OTHER_GUID: &str = "4C4C4544-0099-3510-8052-B4C04F4B4E99";

/// How the front misbehaves; each trick fires once.
#[derive(Default)]
struct Tricks {
    /// Close a file download after this many body bytes.
    cut_after: AtomicU64,
    /// Flip a byte of the next complete file download.
    corrupt_next: AtomicBool,
    /// Store the next status post but drop the connection before answering.
    lose_status_answer: AtomicBool,
    /// Revoke every device when the next file download arrives.
    revoke_devices: AtomicBool,
    /// Send file bodies over 1 MiB slowly (128 KiB every 100 ms), like a slow line, and note
    /// when each one is complete (`END GET ...`).
    pace_files: AtomicBool,
    /// Every request line and Range header seen.
    seen: Mutex<Vec<String>>,
}

/// The relay on a loopback port.
struct Front {
    port: u16,
    relay: Arc<Relay>,
    tricks: Arc<Tricks>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn serve_one(stream: TcpStream, relay: &Relay, tricks: &Tricks) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return Ok(()) };
    let mut builder = Request::builder().method(method).uri(target);
    let mut length = 0usize;
    let mut range = None;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            }
            if name.eq_ignore_ascii_case("range") {
                range = Some(value.to_owned());
            }
            builder = builder.header(name.trim(), value);
        }
    }
    builder = builder.header("cf-connecting-ip", "198.51.100.20");
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    tricks
        .seen
        .lock()
        .unwrap()
        .push(format!("{method} {target}{}", range.map(|r| format!(" [{r}]")).unwrap_or_default()));
    let is_file = target.contains("/files/");
    if is_file && tricks.revoke_devices.swap(false, Ordering::SeqCst) {
        runtime().block_on(async {
            let devices = relay.admin("GET", "/api/v1/admin/devices", None).await;
            for device in devices.json.as_array().cloned().expect("the device list") {
                let id = device["device_id"].as_str().unwrap();
                let reply = relay
                    .admin("POST", &format!("/api/v1/admin/devices/{id}/revoke"), Some(json!({})))
                    .await;
                assert!(reply.status.is_success(), "revoke {id}: {}", reply.text());
            }
        });
        // Past CLIENT_CACHE_SECONDS: every isolate sees the revocation now.
        relay.advance(6_000);
    }
    let request = builder.body(Body::from(body)).unwrap();
    let reply = runtime().block_on(relay.send(request));
    let mut stream = stream;
    if method == "POST"
        && target.ends_with("/status")
        && tricks.lose_status_answer.swap(false, Ordering::SeqCst)
    {
        // Stored, but the device never hears it: it must send it again, and it counts once.
        assert!(reply.status.is_success(), "{}", reply.text());
        return Ok(());
    }
    let mut bytes = reply.bytes.to_vec();
    let cut = tricks.cut_after.load(Ordering::SeqCst);
    let cutting = is_file && cut > 0 && (cut as usize) < bytes.len();
    if is_file
        && !cutting
        && reply.status.is_success()
        && tricks.corrupt_next.swap(false, Ordering::SeqCst)
    {
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x55;
    }
    let mut head = format!("HTTP/1.1 {}\r\n", reply.status.as_u16());
    for (name, value) in &reply.headers {
        if name != "content-length" && name != "connection" {
            head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or_default()));
        }
    }
    head.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", bytes.len()));
    stream.write_all(head.as_bytes())?;
    if cutting {
        tricks.cut_after.store(0, Ordering::SeqCst);
        stream.write_all(&bytes[..cut as usize])?;
        stream.flush()?;
        // The relay goes away in the middle of the file.
        return stream.shutdown(std::net::Shutdown::Both);
    }
    if is_file && bytes.len() > 1024 * 1024 && tricks.pace_files.load(Ordering::SeqCst) {
        for piece in bytes.chunks(128 * 1024) {
            stream.write_all(piece)?;
            stream.flush()?;
            std::thread::sleep(Duration::from_millis(100));
        }
        tricks.seen.lock().unwrap().push(format!("END {method} {target}"));
        return Ok(());
    }
    stream.write_all(&bytes)?;
    stream.flush()
}

impl Front {
    fn start(relay: Relay) -> Front {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let relay = Arc::new(relay);
        let tricks = Arc::new(Tricks::default());
        let (r, t) = (Arc::clone(&relay), Arc::clone(&tricks));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (r, t) = (Arc::clone(&r), Arc::clone(&t));
                std::thread::spawn(move || {
                    let _ = serve_one(stream, &r, &t);
                });
            }
        });
        Front { port, relay, tricks }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn admin(&self, method: &str, path: &str, body: Option<Value>) -> support::Reply {
        runtime().block_on(self.relay.admin(method, path, body))
    }

    fn statuses(&self) -> Vec<osdgate_model::api::StatusMessage> {
        let mut messages = Vec::new();
        let mut after = String::new();
        loop {
            let path = format!("/api/v1/admin/status?limit=500&after={after}");
            let reply = self.admin("GET", &path, None);
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            let page: StatusPage = serde_json::from_slice(&reply.bytes).unwrap();
            let empty = page.messages.is_empty();
            messages.extend(page.messages);
            if !page.has_more || empty {
                return messages;
            }
            after = page.next_cursor;
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let folder =
        std::env::temp_dir().join(format!("osdgate-journey-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// A stand-in for the Windows agent in the bundle: an x64 PE header and nothing else.
fn fake_agent_exe() -> Vec<u8> {
    let mut exe = vec![0u8; 0x80];
    exe[..2].copy_from_slice(b"MZ");
    exe[0x3c] = 0x40;
    exe[0x40..0x46].copy_from_slice(&[b'P', b'E', 0, 0, 0x64, 0x86]);
    exe
}

/// The boot-media example, with real files (`big` bytes for the OS image), retries that do not
/// wait, and its content uploaded and published at the relay. Returns the document.
fn publish_example(front: &Front, big: usize) -> Document {
    publish_example_with(front, big, |_| {})
}

/// [`publish_example`] with `adjust` applied to the example first.
fn publish_example_with(front: &Front, big: usize, adjust: impl FnOnce(&mut Document)) -> Document {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/boot-media-over-gateway.toml"),
    )
    .unwrap();
    let mut document = Document::from_toml(&text).unwrap();
    adjust(&mut document);
    let mut uploads = Vec::new();
    for package in &mut document.content {
        for file in &mut package.files {
            let size = if package.id == "ABC00010" { big } else { 40_000 };
            let seed = format!("{} {} ", package.id, file.path);
            let bytes: Vec<u8> = seed.bytes().cycle().take(size).collect();
            file.size = bytes.len() as u64;
            file.sha256 = hex(&Sha256::digest(&bytes));
            uploads.push((file.sha256.clone(), bytes));
        }
    }
    let sequence = &mut document.task_sequences[0];
    for (name, value) in [("SMSTSDownloadRetryCount", "4"), ("SMSTSDownloadRetryDelay", "0")] {
        sequence.global_variables.push(GlobalVariable { name: name.into(), value: value.into() });
    }
    for (sha256, bytes) in uploads {
        let reply = runtime().block_on(
            front
                .relay
                .call("PUT", &format!("/api/v1/admin/blobs/{sha256}"))
                .admin()
                .body(bytes)
                .send(),
        );
        assert!(reply.status.is_success(), "upload: {}", reply.text());
    }
    let body: Value = serde_json::from_str(&document.to_json()).unwrap();
    let reply = front.admin("PUT", "/api/v1/admin/config", Some(body));
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    document
}

/// The medium's bundle folder, built like `osdgate media bundle`, and registered at the relay.
fn medium(front: &Front, document: &Document, folder: &Path, seed: u8) -> PathBuf {
    let now = Timestamp::from_unix_seconds(front.relay.now() / 1000);
    let plan = document.validate_at(now).unwrap_or_else(|r| panic!("{}", r.to_human()));
    let spec = plan_medium(&plan, None).unwrap();
    let roots = resolve_roots(&spec, &[]).unwrap();
    let random = MediaRandom::from_bytes(&[seed; MediaRandom::LEN]);
    let bundle = build_bundle(&BundleInput {
        spec: &spec,
        roots: &roots,
        protection: &Protection::Password(PASSWORD.into()),
        random: &random,
        kdf: KdfParams { memory_kib: 19 * 1024, iterations: 1, parallelism: 1 },
        agent_exe: &fake_agent_exe(),
        boot_files: &[],
    })
    .unwrap();
    for file in &bundle.files {
        let path = folder.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &file.bytes).unwrap();
    }
    let reply = front.admin(
        "POST",
        "/api/v1/admin/media",
        Some(json!({
            "media_id": bundle.config.media_id,
            "public_key": bundle.config.public_key,
            "medium": "usb-remote",
            "expires_at": front.relay.now() + 86_400_000,
            "created_by": "journey@example.com",
            "auto_approve": true,
        })),
    );
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    folder.join("osdgate")
}

fn options(
    front_url: &str,
    bundle: &Path,
    state: &Path,
    password: &Path,
    guid: &str,
) -> RunOptions {
    RunOptions {
        bundle: bundle.to_owned(),
        policy: PolicySource::Relay {
            password: PasswordSource::File(password.to_owned()),
            identity: HardwareIdentity { smbios_guid: Some(guid.into()), mac: None },
            retry: ConnectRetry { attempts: 2, delay: Duration::from_millis(10) },
            relay_url: Some(front_url.to_owned()),
        },
        deployment: None,
        state_folder: state.to_owned(),
        dry_run: true,
        now: Timestamp::from_unix_seconds(1_790_000_000),
        drive_root: None,
        tools: Vec::new(),
        staged_content: None,
        place_automatically: false,
    }
}

fn password_file(folder: &Path, text: &str) -> PathBuf {
    let path = folder.join(format!("password-{}.txt", hex(&Sha256::digest(text))));
    std::fs::write(&path, format!("{text}\n")).unwrap();
    path
}

fn unattend_text(state: &Path) -> String {
    let record: Vec<RecordedAction> =
        serde_json::from_slice(&std::fs::read(state.join("dry-run.json")).unwrap()).unwrap();
    record
        .iter()
        .find_map(|r| match &r.action {
            Action::File { path, text, .. } if path.ends_with("unattend.xml") => Some(text.clone()),
            _ => None,
        })
        .expect("an unattend.xml in the record")
}

#[test]
fn the_device_journey_through_the_relay() {
    let front = Front::start(Relay::new());
    let document = publish_example(&front, 3 * 1024 * 1024 + 123);
    let folder = scratch("journey");
    let bundle = medium(&front, &document, &folder, 7);
    let password = password_file(&folder, PASSWORD);
    let state = folder.join("state");

    // The relay goes away 1 MiB into the OS image, one file arrives corrupted, and the answer to
    // one status post is lost.
    front.tricks.cut_after.store(1024 * 1024, Ordering::SeqCst);
    front.tricks.corrupt_next.store(true, Ordering::SeqCst);
    front.tricks.lose_status_answer.store(true, Ordering::SeqCst);
    let mut screen = Vec::new();
    let end = run(&options(&front.url(), &bundle, &state, &password, DEVICE_GUID), &mut screen);
    let screen = String::from_utf8_lossy(&screen).into_owned();
    assert_eq!(end, Ok(RunEnd::Completed), "{screen}");
    for line in [
        "Registered this device as dev-",
        "Policy of deployment ABC20001",
        "content downloaded when needed",
        "[1/7] Partition Disk 0 - UEFI ...",
        "[ABC00010] install.wim:",
        "MB/s",
        "The task sequence completed.",
    ] {
        assert!(screen.contains(line), "missing {line:?} in\n{screen}");
    }
    // "Download content locally when needed": nothing is fetched before the first step.
    assert!(!screen.contains("before the first step"), "{screen}");

    // Resumed with Range after the cut; the corrupted file was deleted and fetched again.
    let seen = front.tricks.seen.lock().unwrap().clone();
    assert!(
        seen.iter().any(|s| s.contains("/files/install.wim") && s.contains("[bytes=1048576-]")),
        "no resumed request in {seen:#?}"
    );
    let log_bytes = std::fs::read(state.join("logs/smsts.log")).unwrap();
    let log_text = String::from_utf8_lossy(&log_bytes).into_owned();
    assert!(log_text.contains("SHA-256 is"), "the mismatch is in the log:\n{log_text}");
    // Every cached file is the one the policy names.
    for package in &document.content {
        for file in &package.files {
            let path = state.join("content").join(&package.id).join(&file.path);
            if package.id == "ABC00005" {
                assert!(!path.exists(), "the boot image is not used by any step");
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(hex(&Sha256::digest(&bytes)), file.sha256, "{}", path.display());
            assert!(
                !state
                    .join("content")
                    .join(&package.id)
                    .join(format!("{}.partial", file.path))
                    .exists()
            );
        }
    }

    // The log parses back with the shared reader.
    let parsed = read_log(&log_bytes);
    assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
    assert!(
        parsed.records.iter().any(|r| r.record.message.contains("registered with its own key"))
    );

    // The device-specific variable reached this device.
    assert!(unattend_text(&state).contains("LAPTOP-0042"));

    // Every status message the device queued is at the relay exactly once, in order.
    let messages = front.statuses();
    assert!(
        std::fs::read_dir(state.join("status")).unwrap().flatten().all(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            !name.ends_with(".json")
        }),
        "the queue is empty"
    );
    assert_delivered_once_in_order(&messages, &screen, 7);
    assert!(messages.iter().all(|m| m.device_id.as_deref().is_some_and(|d| d.starts_with("dev-"))));

    // Another device on its own medium: the same policy without LAPTOP-0042's variable.
    let other_folder = scratch("journey-other");
    let other_state = other_folder.join("state");
    let mut other_screen = Vec::new();
    let end = run(
        &options(&front.url(), &bundle, &other_state, &password, OTHER_GUID),
        &mut other_screen,
    );
    assert_eq!(end, Ok(RunEnd::Completed), "{}", String::from_utf8_lossy(&other_screen));
    assert!(!unattend_text(&other_state).contains("LAPTOP-0042"));
    let devices = front.admin("GET", "/api/v1/admin/devices", None);
    assert_eq!(devices.json.as_array().unwrap().len(), 2, "{}", devices.text());

    std::fs::remove_dir_all(&folder).unwrap();
    std::fs::remove_dir_all(&other_folder).unwrap();
}

/// Issue 14, item 4: "Pre-download content for this task sequence" reaches the device in its
/// policy and the agent obeys it: every package of the policy is downloaded and verified before
/// the first step (the journey above, without it, downloads when a step needs the content).
#[test]
fn pre_download_fetches_every_package_before_the_first_step() {
    let front = Front::start(Relay::new());
    let document = publish_example_with(&front, 200_000, |document| {
        document.deployments[0].pre_download = true;
    });
    let folder = scratch("pre-download");
    let bundle = medium(&front, &document, &folder, 11);
    let password = password_file(&folder, PASSWORD);
    let state = folder.join("state");
    let mut screen = Vec::new();
    let end = run(&options(&front.url(), &bundle, &state, &password, DEVICE_GUID), &mut screen);
    let screen = String::from_utf8_lossy(&screen).into_owned();
    assert_eq!(end, Ok(RunEnd::Completed), "{screen}");
    assert!(screen.contains("pre-download on"), "the policy said so: {screen}");
    let before = screen.find("content package(s) before the first step").expect(&screen);
    let first_step = screen.find("[1/7]").expect(&screen);
    assert!(before < first_step, "{screen}");
    // Every package was at the relay's download before the first step started.
    let seen = front.tricks.seen.lock().unwrap().clone();
    let downloads = seen.iter().filter(|s| s.contains("/files/")).count();
    assert!(downloads >= 3, "{seen:#?}");
    let messages = front.statuses();
    let fetch = messages
        .iter()
        .position(|m| {
            m.step == "Download content before starting" && m.state == StepState::Succeeded
        })
        .unwrap_or_else(|| panic!("{messages:#?}"));
    let first = messages
        .iter()
        .position(|m| m.state == StepState::Started && m.step.contains("Partition Disk"))
        .unwrap();
    assert!(fetch < first, "{messages:#?}");
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn faults_end_with_a_clear_message_and_no_step_on_bad_content() {
    let front = Front::start(Relay::new());
    let document = publish_example(&front, 300_000);
    let folder = scratch("faults");
    let bundle = medium(&front, &document, &folder, 9);
    let good = password_file(&folder, PASSWORD);
    let wrong = password_file(&folder, "Not-The-Password-1");

    // Wrong password: nothing is sent.
    let state = folder.join("wrong");
    let requests_before = front.tricks.seen.lock().unwrap().len();
    let end = run(&options(&front.url(), &bundle, &state, &wrong, DEVICE_GUID), &mut Vec::new());
    let message = end.unwrap_err();
    assert!(message.contains("the media password is wrong"), "{message}");
    assert_eq!(front.tricks.seen.lock().unwrap().len(), requests_before);

    // Relay down at start: tried, then a clear message.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let end =
        run(&options(&down, &bundle, &folder.join("down"), &good, DEVICE_GUID), &mut Vec::new());
    let message = end.unwrap_err();
    assert!(
        message.contains("cannot reach the relay") && message.contains("network cable"),
        "{message}"
    );

    // A corrupted download every time: the step fails with the hash error, no later step that
    // needs the content runs, and the failure is reported.
    let state = folder.join("corrupt");
    let corrupt = Arc::clone(&front.tricks);
    let keep_corrupting = Arc::new(AtomicBool::new(true));
    let flag = Arc::clone(&keep_corrupting);
    let corrupter = std::thread::spawn(move || {
        while flag.load(Ordering::SeqCst) {
            corrupt.corrupt_next.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    let end = run(&options(&front.url(), &bundle, &state, &good, DEVICE_GUID), &mut Vec::new());
    keep_corrupting.store(false, Ordering::SeqCst);
    corrupter.join().unwrap();
    front.tricks.corrupt_next.store(false, Ordering::SeqCst);
    match end {
        Ok(RunEnd::Failed { code, message }) => {
            assert_eq!(code, osdgate_agent::content::HASH_MISMATCH_ERROR, "{message}");
        }
        other => panic!("expected a failed run, got {other:?}"),
    }
    let record = std::fs::read_to_string(state.join("dry-run.json")).unwrap();
    assert!(!record.contains("DISM.exe"), "no image was applied from bad content: {record}");
    assert!(!state.join("content/ABC00010/install.wim").exists());
    assert!(!state.join("content/ABC00010/install.wim.partial").exists());
    let failed = front.statuses().into_iter().filter(|m| m.state == StepState::Failed).count();
    assert!(failed >= 1, "the failure reached the relay");

    // The device revoked by IT while it downloads: the run stops with a clear message, and the
    // failure still reaches the relay (with the media token).
    let state = folder.join("revoked-device");
    front.tricks.revoke_devices.store(true, Ordering::SeqCst);
    let before = front.statuses().len();
    let mut screen = Vec::new();
    let end = run(&options(&front.url(), &bundle, &state, &good, OTHER_GUID), &mut screen);
    let screen = String::from_utf8_lossy(&screen);
    let message = end.expect_err(&screen);
    assert!(message.contains("revoked this device"), "{message}");
    let after = front.statuses();
    assert!(
        after[before..].iter().any(|m| m.state == StepState::Failed && m.device_id.is_none()),
        "the failure was posted with the media token: {:?}",
        &after[before..]
    );

    // The medium revoked by IT: refused at login with what to do.
    let reply = front.admin(
        "POST",
        "/api/v1/admin/media/usb-remote/revoke",
        Some(json!({"reason": "lost", "approved_devices": "revoke"})),
    );
    assert!(reply.status.is_success(), "{}", reply.text());
    let end = run(
        &options(&front.url(), &bundle, &folder.join("revoked"), &good, DEVICE_GUID),
        &mut Vec::new(),
    );
    let message = end.unwrap_err();
    assert!(message.contains("IT has revoked it"), "{message}");

    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn an_expired_medium_is_refused_by_the_relay() {
    let front = Front::start(Relay::new());
    let document = publish_example(&front, 10_000);
    let folder = scratch("expired");
    let bundle = medium(&front, &document, &folder, 11);
    let good = password_file(&folder, PASSWORD);
    // The relay's clock passes the registered expiry (a day); media.json still says 2027.
    front.relay.advance(2 * 86_400_000);
    let end = run(
        &options(&front.url(), &bundle, &folder.join("state"), &good, DEVICE_GUID),
        &mut Vec::new(),
    );
    let message = end.unwrap_err();
    assert!(message.contains("it has expired"), "{message}");
    std::fs::remove_dir_all(&folder).unwrap();
}

/// Status messages queued while a file downloads reach the relay while it still arrives, not
/// after it (the download no longer keeps the session to itself).
#[test]
fn status_messages_are_sent_while_a_download_runs() {
    let front = Front::start(Relay::new());
    let document = publish_example(&front, 2 * 1024 * 1024);
    let folder = scratch("paced");
    let bundle = medium(&front, &document, &folder, 13);
    let password = password_file(&folder, PASSWORD);
    front.tricks.pace_files.store(true, Ordering::SeqCst);
    let mut screen = Vec::new();
    let end = run(
        &options(&front.url(), &bundle, &folder.join("state"), &password, DEVICE_GUID),
        &mut screen,
    );
    assert_eq!(end, Ok(RunEnd::Completed), "{}", String::from_utf8_lossy(&screen));
    let seen = front.tricks.seen.lock().unwrap().clone();
    let start = seen
        .iter()
        .position(|s| s.starts_with("GET ") && s.contains("/files/install.wim"))
        .expect("the image was downloaded");
    let end = seen
        .iter()
        .position(|s| s.starts_with("END GET ") && s.contains("/files/install.wim"))
        .expect("the image's download ended");
    let during: Vec<&String> =
        seen[start..end].iter().filter(|s| s.starts_with("POST /api/v1/status")).collect();
    assert!(!during.is_empty(), "no status message while the image arrived: {seen:#?}");
    let running = front
        .statuses()
        .into_iter()
        .filter(|m| m.state == StepState::Running && m.step.contains("downloading ABC00010"))
        .count();
    assert!(running >= 2, "progress messages of the image: {running}");
    std::fs::remove_dir_all(&folder).unwrap();
}

/// A real run (Windows tools replaced by shell stand-ins, drive letters as folders) downloads
/// content into the state folder where it is at the time: on the Windows drive once the disk is
/// partitioned, never the RAM disk, and the steps get that path.
#[cfg(unix)]
#[test]
fn a_real_run_downloads_content_to_the_windows_drive() {
    use std::os::unix::fs::PermissionsExt;

    let front = Front::start(Relay::new());
    let document = publish_example(&front, 300_000);
    let folder = scratch("real-content");
    let bundle = medium(&front, &document, &folder, 15);
    let password = password_file(&folder, PASSWORD);
    let tools = folder.join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    for name in
        ["diskpart.exe", "dism.exe", "bcdboot.exe", "robocopy.exe", "wpeutil.exe", "cmd.exe"]
    {
        let path = tools.join(name);
        std::fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let drives = folder.join("drives");
    std::fs::create_dir_all(drives.join("x")).unwrap();
    let options = RunOptions {
        dry_run: false,
        place_automatically: true,
        drive_root: Some(drives.clone()),
        tools: vec![tools],
        ..options(&front.url(), &bundle, &folder.join("unused"), &password, DEVICE_GUID)
    };
    let mut screen = Vec::new();
    let end = run(&options, &mut screen);
    let screen = String::from_utf8_lossy(&screen).into_owned();
    assert_eq!(end, Ok(RunEnd::Restarting), "{screen}");

    assert!(!drives.join("x/_SMSTaskSequence").exists(), "the state left the RAM disk");
    let on_disk = drives.join("w/_SMSTaskSequence");
    let image = &document.content.iter().find(|c| c.id == "ABC00010").unwrap().files[0];
    let bytes = std::fs::read(on_disk.join("content/ABC00010/install.wim")).unwrap();
    assert_eq!(hex(&Sha256::digest(&bytes)), image.sha256);
    let record: Vec<RecordedAction> =
        serde_json::from_slice(&std::fs::read(on_disk.join("actions.json")).unwrap()).unwrap();
    let content_path = record
        .iter()
        .find_map(|r| match &r.action {
            Action::Content { content_id, path, .. } if content_id == "ABC00010" => Some(path),
            _ => None,
        })
        .expect("the image's content in the record");
    assert_eq!(content_path, "W:\\_SMSTaskSequence\\content\\ABC00010");
    let apply = record
        .iter()
        .find_map(|r| match &r.action {
            Action::Command { command_line, .. } if command_line.contains("/Apply-Image") => {
                Some(command_line)
            }
            _ => None,
        })
        .expect("DISM /Apply-Image in the record");
    assert!(
        apply.contains("/ImageFile:W:\\_SMSTaskSequence\\content\\ABC00010\\install.wim"),
        "{apply}"
    );
    std::fs::remove_dir_all(&folder).unwrap();
}
