//! `osdgate media … --relay URL` against the relay's own router (issue 11, item 7): the relay over
//! in-memory storage (`edge-worker/tests/support`) behind a small HTTP/1.1 front on a loopback port,
//! the example published there, and the CLI registering the medium it builds with the admin token
//! from the environment or a file (never from the command line). A refused registration writes
//! nothing.

#[path = "../../edge-worker/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use osdgate_model::api::MediaRecord;
use osdgate_model::model::{Document, Timestamp};
use support::{ADMIN_TOKEN, Relay};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// One request from `stream`, answered by the relay's router.
fn serve_one(stream: TcpStream, relay: &Relay) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return Ok(()) };
    let mut builder = Request::builder().method(method).uri(target);
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
            builder = builder.header(name.trim(), value.trim());
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let request = builder.header("cf-connecting-ip", "198.51.100.20").body(Body::from(body));
    let reply = runtime().block_on(relay.send(request.unwrap()));
    let mut head = format!("HTTP/1.1 {}\r\n", reply.status.as_u16());
    for (name, value) in &reply.headers {
        if name != "content-length" && name != "connection" {
            head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or_default()));
        }
    }
    head.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", reply.bytes.len()));
    let mut stream = stream;
    stream.write_all(head.as_bytes())?;
    stream.write_all(&reply.bytes)?;
    stream.flush()
}

/// The relay on a loopback port; returns its URL.
fn serve(relay: Arc<Relay>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let relay = Arc::clone(&relay);
            std::thread::spawn(move || {
                let _ = serve_one(stream, &relay);
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("osdgate-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `osdgate media bundle` of the published example, registering at `relay`; `env` sets the
/// environment (the admin token is never an argument).
fn bundle(dir: &Path, relay: &str, out: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut exe = vec![0u8; 0x200];
    exe[..2].copy_from_slice(b"MZ");
    exe[0x3c] = 0x40;
    exe[0x40..0x44].copy_from_slice(b"PE\0\0");
    exe[0x44..0x46].copy_from_slice(&0x8664u16.to_le_bytes());
    std::fs::write(dir.join("agent.exe"), exe).unwrap();
    std::fs::write(dir.join("password.txt"), "Remote-Reimage-2026\n").unwrap();
    let now = Timestamp::from_unix_seconds(support::START / 1000).to_string();
    let mut command = Command::new(env!("CARGO_BIN_EXE_osdgate"));
    command
        .args(["media", "bundle", "--document"])
        .arg(dir.join("document.json"))
        .args(["--password-file", s(&dir.join("password.txt"))])
        .args(["--agent", s(&dir.join("agent.exe"))])
        .args(["--now", &now, "--kdf-memory-kib", "19456", "--kdf-iterations", "1"])
        .args(["--relay", relay])
        .args(extra)
        .args(["-o", s(out)])
        .env_remove("OSDGATE_ADMIN_TOKEN")
        .env_remove("OSDGATE_ADMIN_TOKEN_FILE");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn media(relay: &Relay) -> Vec<MediaRecord> {
    let reply = runtime().block_on(relay.admin("GET", "/api/v1/admin/media", None));
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    serde_json::from_slice(&reply.bytes).unwrap()
}

#[test]
fn media_register_at_the_relay_with_the_admin_token_from_the_environment_or_a_file() {
    let dir = scratch("media-relay");
    let relay = Arc::new(Relay::new());
    let url = serve(Arc::clone(&relay));
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/boot-media-over-gateway.toml"),
    )
    .unwrap();
    let document = Document::from_toml(&text).unwrap();
    std::fs::write(dir.join("document.json"), document.to_json()).unwrap();

    // Nothing published yet: the relay refuses, and nothing is written.
    let out = dir.join("first.zip");
    let output = bundle(&dir, &url, &out, &[], &[("OSDGATE_ADMIN_TOKEN", ADMIN_TOKEN)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no_configuration") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert!(!out.exists());

    let body: serde_json::Value = serde_json::from_str(&document.to_json()).unwrap();
    let reply = runtime().block_on(relay.admin("PUT", "/api/v1/admin/config", Some(body)));
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());

    // No token: refused before anything is asked or written.
    let output = bundle(&dir, &url, &out, &[], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("OSDGATE_ADMIN_TOKEN"), "{stderr}");
    assert!(!out.exists() && media(&relay).is_empty());

    // A wrong token: the relay's refusal, nothing written.
    let output = bundle(&dir, &url, &out, &[], &[("OSDGATE_ADMIN_TOKEN", "not-the-token")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("401"), "{stderr}");
    assert!(!out.exists() && media(&relay).is_empty());

    // The token from a file named by the environment: registered with the bundle's key and the
    // document medium's deployments, then written.
    let token_file = dir.join("admin-token");
    std::fs::write(&token_file, format!("{ADMIN_TOKEN}\n")).unwrap();
    let output = bundle(
        &dir,
        &url,
        &out,
        &["--created-by", "alice@example.com"],
        &[("OSDGATE_ADMIN_TOKEN_FILE", s(&token_file))],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("registered medium `usb-remote`"), "{stderr}");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut config = String::new();
    archive.by_name("osdgate/media.json").unwrap().read_to_string(&mut config).unwrap();
    let config: serde_json::Value = serde_json::from_str(&config).unwrap();
    let registered = media(&relay);
    assert_eq!(registered.len(), 1, "{registered:?}");
    let record = &registered[0];
    assert_eq!(record.media_id, config["media_id"].as_str().unwrap());
    assert_eq!(record.medium.as_deref(), Some("usb-remote"));
    assert_eq!(record.created_by, "alice@example.com");
    assert!(!record.auto_approve);
    let expected_deployments: Vec<String> = config["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(record.deployments, expected_deployments);
    let key = |text: &str| {
        let engines = [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        engines.iter().find_map(|e| e.decode(text).ok()).unwrap()
    };
    assert_eq!(key(&record.public_key), key(config["public_key"].as_str().unwrap()));
    assert_eq!(
        record.expires_at,
        Timestamp::parse(config["expires_at"].as_str().unwrap()).unwrap().unix_seconds() * 1000
    );

    // The same medium again: the relay refuses, the new file is not written.
    let again = dir.join("again.zip");
    let output = bundle(&dir, &url, &again, &[], &[("OSDGATE_ADMIN_TOKEN", ADMIN_TOKEN)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("refused to register medium `usb-remote`"), "{stderr}");
    assert!(!again.exists());
    assert_eq!(media(&relay).len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_admin_token_is_never_an_argument() {
    let output = Command::new(env!("CARGO_BIN_EXE_osdgate"))
        .args(["media", "bundle", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--relay") && help.contains("--admin-token-file"), "{help}");
    assert!(!help.contains("--admin-token ") && !help.contains("--token"), "{help}");
}
