//! The agent's session with the relay (seed 000: "the boot media downloads the policy for the task
//! sequence deployment via the CMG"; "after the task sequence runs, the client uses token-based
//! authentication"):
//!
//! 1. the media key is opened with the media password (prompted, or from a file for tests; an
//!    unattended medium has none);
//! 2. the medium authenticates by challenge–response (`/auth/challenge`, `/auth/token`) and gets a
//!    media token;
//! 3. the device registers a key of its own with proof of possession (`/devices/nonce`,
//!    [`registration_message`], `/devices`) and from then on uses its device token, so the policy
//!    carries the variables of this device and of no other. The device key and ID are kept in the
//!    state folder (`device.json`): after a restart the device logs in with its key;
//! 4. a token that expires or is revoked is replaced by logging in again with the key; a revoked
//!    device ends the run.

use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer as _, SigningKey};
use osdgate_model::api::{
    Challenge, ChallengeRequest, DeploymentPolicy, DeviceRegistered, ErrorCode, IssuedToken,
    PolicyResponse, RegisterDevice, RegistrationNonce, StatusAccepted, StatusPost, SubjectKind,
    TokenRequest, registration_message,
};
use osdgate_model::media::bundle::MediaConfig;
use osdgate_model::media::identity::{IdentityError, MediaKey, StoredKey, open_key};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::client::{RelayClient, RelayError};
use super::trust::{RelayOrigin, relay_trust};
use crate::identity::HardwareIdentity;
use crate::state::write_atomically;
use crate::status::SendOutcome;

/// The device's key and registration, in the state folder.
pub const DEVICE_FILE: &str = "device.json";

/// How many times the media password may be typed before the agent gives up.
pub const PASSWORD_ATTEMPTS: u32 = 3;

/// Where the media password comes from.
#[derive(Debug, Clone)]
pub enum PasswordSource {
    /// Typed at the console (no echo).
    Prompt,
    /// The first line of a file (tests, and scripted runs).
    File(PathBuf),
}

/// How patiently to reach the relay before the policy (and its retry variables) is known.
#[derive(Debug, Clone, Copy)]
pub struct ConnectRetry {
    pub attempts: u32,
    pub delay: Duration,
}

/// Everything [`Session::connect`] needs.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub bundle: PathBuf,
    pub state_folder: PathBuf,
    pub password: PasswordSource,
    pub identity: HardwareIdentity,
    pub retry: ConnectRetry,
    /// A relay on this machine over plain http that stands in for the medium's (tests against
    /// `wrangler dev`; the document's gateway always has an https URL).
    pub relay_url: Option<String>,
}

/// Why the agent could not start its session; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Medium(String),
    #[error("the media password is wrong: {0}")]
    WrongPassword(String),
    #[error("{0}")]
    Relay(String),
    #[error("{0}")]
    State(String),
}

/// The device key and what the relay said about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DeviceFile {
    /// The medium it registered through.
    media_id: String,
    /// The 32-byte Ed25519 seed, URL-safe base64 without padding.
    private_key: String,
    /// Set once the relay registered the key.
    #[serde(default)]
    device_id: Option<String>,
    #[serde(default)]
    smbios_guid: Option<String>,
    #[serde(default)]
    mac: Option<String>,
}

struct Device {
    id: String,
    key: SigningKey,
}

/// An authenticated session with the relay.
pub struct Session {
    client: RelayClient,
    media: MediaConfig,
    media_key: MediaKey,
    device: Option<Device>,
    /// The device was revoked: the run must end (status goes out with the media token).
    device_revoked: bool,
    /// What happened on the way, for the log (token renewals, registrations).
    notes: Vec<String>,
    token_expires_at: i64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("client", &self.client)
            .field("media_id", &self.media.media_id)
            .field("device_id", &self.device.as_ref().map(|d| d.id.as_str()))
            .finish_non_exhaustive()
    }
}

fn read_password(source: &PasswordSource, attempt: u32) -> Result<Zeroizing<String>, ConnectError> {
    match source {
        PasswordSource::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConnectError::Medium(format!("--password-file {}: {e}", path.display()))
            })?;
            let line = text.lines().next().unwrap_or_default().to_owned();
            if line.is_empty() {
                return Err(ConnectError::Medium(format!(
                    "--password-file {}: the first line is empty",
                    path.display()
                )));
            }
            Ok(Zeroizing::new(line))
        }
        PasswordSource::Prompt => {
            let prompt = if attempt == 1 {
                "Media password: ".to_owned()
            } else {
                format!("Media password (attempt {attempt} of {PASSWORD_ATTEMPTS}): ")
            };
            rpassword::prompt_password(prompt).map(Zeroizing::new).map_err(|e| {
                ConnectError::Medium(format!(
                    "cannot read the media password from the console ({e}); start the agent at a console, or give --password-file"
                ))
            })
        }
    }
}

/// Opens the medium's key: unattended media need no password; a prompt allows
/// [`PASSWORD_ATTEMPTS`] tries, a password file one.
pub fn open_media_key(
    media: &MediaConfig,
    source: &PasswordSource,
    say: &mut dyn FnMut(&str),
) -> Result<MediaKey, ConnectError> {
    if let StoredKey::Unattended { .. } = media.key {
        say("This medium is unattended: no password is needed.");
        return open_key(&media.media_id, &media.public_key, &media.key, "")
            .map_err(|e| ConnectError::Medium(format!("media.json key: {e}")));
    }
    let attempts = match source {
        PasswordSource::Prompt => PASSWORD_ATTEMPTS,
        PasswordSource::File(_) => 1,
    };
    for attempt in 1..=attempts {
        let password = read_password(source, attempt)?;
        match open_key(&media.media_id, &media.public_key, &media.key, &password) {
            Ok(key) => return Ok(key),
            Err(IdentityError::WrongPassword) if attempt < attempts => {
                say("That password does not open this medium. Try again.");
            }
            Err(IdentityError::WrongPassword) => {
                return Err(ConnectError::WrongPassword(format!(
                    "it does not open the key of medium {} ({}); ask IT for the password of this medium",
                    media.media_id, media.name
                )));
            }
            Err(other) => return Err(ConnectError::Medium(format!("media.json key: {other}"))),
        }
    }
    unreachable!("the loop returns on its last attempt")
}

/// Plain words for the relay's refusal of a login.
fn login_refusal(error: &RelayError, media: &MediaConfig) -> String {
    let id = &media.media_id;
    match error.code() {
        Some(ErrorCode::MediaRevoked) => format!(
            "the relay refused medium {id}: IT has revoked it. This medium no longer works; ask IT for a new one"
        ),
        Some(ErrorCode::MediaExpired) => {
            format!("the relay refused medium {id}: it has expired. Ask IT for a new medium")
        }
        Some(ErrorCode::MediaUnknown | ErrorCode::SignatureInvalid) => format!(
            "the relay does not accept medium {id}: it is not registered there, or was registered with another key. Ask IT to register this medium (osdgate media) or build a new one"
        ),
        Some(ErrorCode::DeviceRevoked) => {
            "the relay refused this device: IT has revoked it. The task sequence cannot continue"
                .to_owned()
        }
        Some(ErrorCode::RateLimited) => format!(
            "the relay is limiting logins from this address; try again in a minute ({error})"
        ),
        _ => error.to_string(),
    }
}

fn login(
    client: &RelayClient,
    kind: SubjectKind,
    id: &str,
    sign: &dyn Fn(&[u8]) -> [u8; 64],
) -> Result<IssuedToken, RelayError> {
    let challenge: Challenge = client.post_json_anonymous(
        "the authentication challenge",
        "/auth/challenge",
        &ChallengeRequest { kind, id: id.to_owned() },
    )?;
    let signature = sign(challenge.message.as_bytes());
    client.post_json_anonymous(
        "the challenge answer",
        "/auth/token",
        &TokenRequest {
            kind,
            id: id.to_owned(),
            nonce: challenge.nonce,
            signature: URL_SAFE_NO_PAD.encode(signature),
        },
    )
}

/// Tries `call` up to `retry.attempts` times while the relay cannot be reached (or answers 5xx/429),
/// waiting `delay`, then twice that, and so on (at most 8 × `delay`).
fn with_retries<T>(
    retry: ConnectRetry,
    what: &str,
    say: &mut dyn FnMut(&str),
    mut call: impl FnMut() -> Result<T, RelayError>,
) -> Result<T, RelayError> {
    let mut attempt = 1;
    loop {
        match call() {
            Err(error) if error.is_transient() && attempt < retry.attempts.max(1) => {
                let wait = match &error {
                    RelayError::Refused { retry_after: Some(s), .. } => Duration::from_secs(*s),
                    _ => retry.delay * 2u32.saturating_pow(attempt - 1).min(8),
                };
                say(&format!(
                    "{what}: {error}; trying again in {} s (attempt {} of {})",
                    wait.as_secs_f32().ceil(),
                    attempt + 1,
                    retry.attempts
                ));
                sleep(wait);
                attempt += 1;
            }
            other => return other,
        }
    }
}

impl Session {
    /// Opens the key, logs the medium in, registers (or logs in) the device.
    pub fn connect(
        options: &ConnectOptions,
        media: &MediaConfig,
        say: &mut dyn FnMut(&str),
    ) -> Result<Session, ConnectError> {
        let public = RelayOrigin::parse(&media.relay_url).map_err(ConnectError::Medium)?;
        let origin = match &options.relay_url {
            Some(url) => {
                let origin = RelayOrigin::parse(url).map_err(|e| {
                    ConnectError::Medium(e.replace("media.json relay_url", "--relay-url"))
                })?;
                if !origin.is_loopback_http() {
                    return Err(ConnectError::Medium(format!(
                        "--relay-url {url}: only a relay on this machine over plain http (tests) may stand in for the medium's {}",
                        media.relay_url
                    )));
                }
                origin
            }
            None => public.clone(),
        };
        let trust = relay_trust(&options.bundle, media, &origin).map_err(ConnectError::Medium)?;
        if origin.is_loopback_http() {
            say(&format!(
                "WARNING: the relay {} is reached over plain http (allowed only on this machine, for tests)",
                origin.as_str()
            ));
        }
        let client = RelayClient::new(origin, trust).with_public_origin(&public);
        let media_key = open_media_key(media, &options.password, say)?;
        let mut session = Session {
            client,
            media: media.clone(),
            media_key,
            device: None,
            device_revoked: false,
            notes: Vec::new(),
            token_expires_at: 0,
        };
        let url = session.client.origin().as_str().to_owned();
        say(&format!("Connecting to the relay {url} as medium {} ...", media.media_id));
        let token = with_retries(options.retry, "connecting to the relay", say, || {
            session.login_media()
        })
        .map_err(|e| match e {
            e @ RelayError::Unreachable { .. } => ConnectError::Relay(format!(
                "{e}. Check that the network cable is connected and that this network reaches the internet, then start again"
            )),
            e => ConnectError::Relay(login_refusal(&e, media)),
        })?;
        session.client.set_token(token.token);
        session.token_expires_at = token.expires_at;
        session.note(format!("Medium {} authenticated at {url}", media.media_id));
        session.device(options, say)?;
        Ok(session)
    }

    fn login_media(&self) -> Result<IssuedToken, RelayError> {
        let key = &self.media_key;
        login(&self.client, SubjectKind::Media, &self.media.media_id, &|m| key.sign(m))
    }

    fn note(&mut self, text: String) {
        self.notes.push(text);
    }

    /// What happened since the last call (logins, registrations, renewals), for the log.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    pub fn media(&self) -> &MediaConfig {
        &self.media
    }

    pub fn client(&self) -> &RelayClient {
        &self.client
    }

    pub fn device_id(&self) -> Option<&str> {
        self.device.as_ref().map(|d| d.id.as_str())
    }

    /// The device was revoked during the run: nothing more may be done for it.
    pub fn device_revoked(&self) -> bool {
        self.device_revoked
    }

    /// Registers the device key (or logs in with the one kept from an earlier start).
    fn device(
        &mut self,
        options: &ConnectOptions,
        say: &mut dyn FnMut(&str),
    ) -> Result<(), ConnectError> {
        let path = options.state_folder.join(DEVICE_FILE);
        let mut file = match std::fs::read(&path) {
            Ok(bytes) => {
                let file: DeviceFile = serde_json::from_slice(&bytes).map_err(|e| {
                    ConnectError::State(format!(
                        "{} is not this agent's device file ({e}); remove it to register the device again",
                        path.display()
                    ))
                })?;
                (file.media_id == self.media.media_id).then_some(file)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(ConnectError::State(format!("cannot read {}: {e}", path.display())));
            }
        };
        if let Some(existing) = &file
            && let Some(device_id) = existing.device_id.clone()
        {
            let key = decode_seed(&existing.private_key).ok_or_else(|| {
                ConnectError::State(format!(
                    "{}: private_key is not a 32-byte key; remove the file to register again",
                    path.display()
                ))
            })?;
            match login(&self.client, SubjectKind::Device, &device_id, &|m| key.sign(m).to_bytes())
            {
                Ok(token) => {
                    self.client.set_token(token.token);
                    self.token_expires_at = token.expires_at;
                    self.note(format!("Device {device_id} logged in with its key"));
                    say(&format!("Logged in as device {device_id}."));
                    self.device = Some(Device { id: device_id, key });
                    return Ok(());
                }
                Err(e) if e.code() == Some(ErrorCode::DeviceUnknown) => {
                    say("The relay no longer knows this device; registering it again.");
                    file = None;
                }
                Err(e) => return Err(ConnectError::Relay(login_refusal(&e, &self.media))),
            }
        }
        if options.identity.is_empty() {
            return Err(ConnectError::Medium(
                "this machine's SMBIOS UUID and MAC address cannot be read; give them with --smbios-guid or --mac".to_owned(),
            ));
        }
        // The key is saved before it is registered, so a restart in between registers the same
        // key again (the relay answers the same device) instead of leaving an orphan.
        let mut file = match file {
            Some(file) => file,
            None => {
                let mut seed = Zeroizing::new([0u8; 32]);
                getrandom::getrandom(seed.as_mut()).map_err(|e| {
                    ConnectError::State(format!("cannot draw random bytes for the device key: {e}"))
                })?;
                DeviceFile {
                    media_id: self.media.media_id.clone(),
                    private_key: URL_SAFE_NO_PAD.encode(seed.as_ref()),
                    device_id: None,
                    smbios_guid: options.identity.smbios_guid.clone(),
                    mac: options.identity.mac.clone(),
                }
            }
        };
        save_device(&path, &file)?;
        let key = decode_seed(&file.private_key).ok_or_else(|| {
            ConnectError::State(format!(
                "{}: private_key is not a 32-byte key; remove the file to register again",
                path.display()
            ))
        })?;
        let public_key = key.verifying_key().to_bytes();
        let registered: DeviceRegistered = (|| {
            let nonce: RegistrationNonce = self.client.post_json(
                "the registration nonce",
                "/devices/nonce",
                &serde_json::json!({}),
            )?;
            let message = registration_message(&self.media.media_id, &nonce.nonce, &public_key);
            self.client.post_json(
                "the device registration",
                "/devices",
                &RegisterDevice {
                    smbios_guid: file.smbios_guid.clone(),
                    mac: file.mac.clone(),
                    public_key: URL_SAFE_NO_PAD.encode(public_key),
                    nonce: Some(nonce.nonce),
                    signature: Some(URL_SAFE_NO_PAD.encode(key.sign(&message).to_bytes())),
                },
            )
        })()
        .map_err(|e| match e.code() {
            Some(ErrorCode::DeviceIdentityInUse) => ConnectError::Relay(format!(
                "the relay refused to register this device: its SMBIOS UUID or MAC belongs to another registered device; IT must revoke that device first ({e})"
            )),
            _ => ConnectError::Relay(format!("registering this device failed: {e}")),
        })?;
        file.device_id = Some(registered.device_id.clone());
        save_device(&path, &file)?;
        self.client.set_token(registered.token.token);
        self.token_expires_at = registered.token.expires_at;
        self.note(format!(
            "Device {} registered with its own key (proof of possession); its token expires at {}",
            registered.device_id, registered.token.expires_at
        ));
        say(&format!("Registered this device as {}.", registered.device_id));
        self.device = Some(Device { id: registered.device_id, key });
        Ok(())
    }

    /// Logs in again with the device key (or the media key before the device registered).
    pub fn renew(&mut self) -> Result<(), RelayError> {
        let token = match &self.device {
            Some(device) => {
                let key = &device.key;
                login(&self.client, SubjectKind::Device, &device.id, &|m| key.sign(m).to_bytes())?
            }
            None => self.login_media()?,
        };
        self.client.set_token(token.token);
        self.token_expires_at = token.expires_at;
        let who = self.device_id().map_or("the medium".to_owned(), |d| format!("device {d}"));
        self.note(format!("The token was refused; {who} logged in again with its key"));
        Ok(())
    }

    /// Runs `call` with the current token; a token the relay no longer takes is replaced once by
    /// logging in again. A revoked device is remembered ([`Session::device_revoked`]).
    pub fn call<T>(
        &mut self,
        mut call: impl FnMut(&RelayClient) -> Result<T, RelayError>,
    ) -> Result<T, RelayError> {
        let result = match call(&self.client) {
            Err(error) if error.needs_new_token() => match self.renew() {
                Ok(()) => call(&self.client),
                Err(renewal) => Err(renewal),
            },
            other => other,
        };
        if let Err(error) = &result {
            self.observe(error);
        }
        result
    }

    /// Takes note of a refusal that ends the device's run (IT revoked the device).
    pub fn observe(&mut self, error: &RelayError) {
        if error.code() == Some(ErrorCode::DeviceRevoked) && !self.device_revoked {
            self.device_revoked = true;
            self.note("The relay says IT has revoked this device; the run stops".to_owned());
        }
    }

    /// The policies of the deployments this device may run.
    pub fn policy(&mut self) -> Result<PolicyResponse, RelayError> {
        self.call(|client| client.get_json("the policy", "/policy"))
    }

    /// Picks the deployment to run (the named one, else the only one).
    pub fn select(
        &self,
        response: PolicyResponse,
        wanted: Option<&str>,
    ) -> Result<DeploymentPolicy, String> {
        let available: Vec<String> =
            response.deployments.iter().map(|d| d.deployment_id.clone()).collect();
        match wanted {
            Some(id) => {
                response.deployments.into_iter().find(|d| d.deployment_id == id).ok_or_else(|| {
                    format!(
                        "--deployment {id}: the relay serves this medium only {}",
                        available.join(", ")
                    )
                })
            }
            None if response.deployments.len() == 1 => {
                Ok(response.deployments.into_iter().next().expect("one deployment"))
            }
            None => Err(format!(
                "the relay serves {} deployments to this medium ({}); choose one with --deployment",
                available.len(),
                available.join(", ")
            )),
        }
    }

    /// Sends one queued status message. A revoked device's messages go out with the media token
    /// (the medium may still report), so the admin sees why the run stopped.
    pub fn post_status(&mut self, post: &StatusPost) -> SendOutcome {
        let mut result: Result<StatusAccepted, RelayError> =
            self.call(|client| client.post_json("the status message", "/status", post));
        if self.device_revoked
            && matches!(&result, Err(e) if e.code() == Some(ErrorCode::DeviceRevoked))
        {
            match self.login_media() {
                Ok(token) => {
                    self.client.set_token(token.token);
                    self.device = None;
                    result = self.client.post_json("the status message", "/status", post);
                }
                Err(error) => result = Err(error),
            }
        }
        match result {
            Ok(_) => SendOutcome::Stored,
            Err(error) if error.is_transient() => SendOutcome::Retry(error.to_string()),
            Err(error) if error.code() == Some(ErrorCode::DeviceRevoked) => {
                SendOutcome::Retry(error.to_string())
            }
            Err(error) => SendOutcome::Refused(error.to_string()),
        }
    }
}

fn decode_seed(text: &str) -> Option<SigningKey> {
    let bytes = Zeroizing::new(URL_SAFE_NO_PAD.decode(text).ok()?);
    let seed: [u8; 32] = bytes.as_slice().try_into().ok()?;
    Some(SigningKey::from_bytes(&seed))
}

fn save_device(path: &Path, file: &DeviceFile) -> Result<(), ConnectError> {
    let bytes = serde_json::to_vec_pretty(file)
        .map_err(|e| ConnectError::State(format!("cannot encode {}: {e}", path.display())))?;
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .map_err(|e| ConnectError::State(format!("cannot create {}: {e}", folder.display())))?;
    }
    write_atomically(path, &bytes)
        .map_err(|e| ConnectError::State(format!("cannot write {}: {e}", path.display())))
}
