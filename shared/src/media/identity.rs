//! Media identity (issue 11, item 1): every medium holds an Ed25519 key pair. The relay keeps only the
//! public key (registered through its admin API) and authenticates the medium by a signed nonce; the
//! private key travels on the stick, sealed under the media password.
//!
//! Sealing: the password goes through Argon2id (RFC 9106) with a random 16-byte salt and the
//! parameters stored beside the result; the derived 32-byte key encrypts the 32-byte Ed25519 seed
//! with XChaCha20-Poly1305 (a 24-byte random nonce, so random nonces never collide in practice). The
//! associated data binds the ciphertext to the medium's ID and public key, so a sealed key moved to
//! another medium's configuration does not open. A wrong password fails the Poly1305 tag.
//!
//! Randomness is supplied by the caller ([`MediaRandom`]): the CLI reads the operating system's
//! CSPRNG, the browser `crypto.getRandomValues`. The same inputs give the same sealed bytes, which
//! makes bundles reproducible.
//!
//! "Unattended" media (the seeds' wizard option "Allow unattended operating system deployment")
//! start without a password prompt: their key is stored unsealed, so whoever holds the stick can
//! authenticate as the medium until it expires or is revoked. [`Protection::Unattended`] says so
//! wherever it is shown.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signer, SigningKey};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// Argon2id parameters: memory in KiB, passes, lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KdfParams {
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Degree of parallelism.
    pub parallelism: u32,
}

/// 256 MiB, 3 passes, 1 lane: about a second to derive. Measured 2026-12-02 on the 2-core
/// development VM (native, `osdgate media bundle` end to end): 64 MiB 0.39 s, 128 MiB 0.68 s,
/// 256 MiB 1.10 s. The agent derives it once per boot, natively; Windows PE devices have the memory.
pub const DEFAULT_KDF: KdfParams =
    KdfParams { memory_kib: 256 * 1024, iterations: 3, parallelism: 1 };

/// The smallest parameters [`open`] accepts from a configuration file, so a tampered file cannot
/// make the password cheap to guess; the largest, so it cannot exhaust the device's memory.
const MIN_MEMORY_KIB: u32 = 19 * 1024;
const MAX_MEMORY_KIB: u32 = 1024 * 1024;

/// The random bytes one medium needs, from the caller's CSPRNG.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaRandom {
    /// The Ed25519 private key (seed).
    pub key_seed: [u8; 32],
    /// The Argon2id salt.
    pub salt: [u8; 16],
    /// The XChaCha20-Poly1305 nonce.
    pub nonce: [u8; 24],
}

impl MediaRandom {
    /// Number of random bytes [`MediaRandom::from_bytes`] takes.
    pub const LEN: usize = 32 + 16 + 24;

    /// Splits `LEN` random bytes.
    pub fn from_bytes(bytes: &[u8; Self::LEN]) -> Self {
        let mut key_seed = [0; 32];
        let mut salt = [0; 16];
        let mut nonce = [0; 24];
        key_seed.copy_from_slice(&bytes[..32]);
        salt.copy_from_slice(&bytes[32..48]);
        nonce.copy_from_slice(&bytes[48..]);
        MediaRandom { key_seed, salt, nonce }
    }
}

impl fmt::Debug for MediaRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MediaRandom { .. }")
    }
}

impl Drop for MediaRandom {
    fn drop(&mut self) {
        self.key_seed.zeroize();
    }
}

/// How the private key is kept on the medium.
#[derive(Clone, PartialEq, Eq)]
pub enum Protection {
    /// Sealed under this password (checked with [`check_password`]).
    Password(String),
    /// No password: the key is stored unsealed. Weaker: anyone holding the medium can use it.
    Unattended,
}

impl fmt::Debug for Protection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protection::Password(_) => f.write_str("Password(..)"),
            Protection::Unattended => f.write_str("Unattended"),
        }
    }
}

/// The private key as it is stored in `media.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "protection", rename_all = "snake_case", deny_unknown_fields)]
pub enum StoredKey {
    /// Sealed under the media password.
    Password {
        /// Always `argon2id`.
        kdf: String,
        /// Argon2id parameters.
        kdf_params: KdfParams,
        /// Argon2id salt, URL-safe base64 without padding.
        salt: String,
        /// Always `xchacha20-poly1305`.
        aead: String,
        /// URL-safe base64 without padding.
        nonce: String,
        /// The sealed 32-byte seed and the 16-byte tag, URL-safe base64 without padding.
        ciphertext: String,
    },
    /// Unattended media: the seed in clear (URL-safe base64 without padding).
    Unattended {
        /// The 32-byte Ed25519 seed.
        private_key: String,
    },
}

/// Why a key cannot be made or opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// The password is not strong; `unattended` is the explicit alternative.
    WeakPassword,
    /// The password does not open the sealed key (or the key belongs to another medium).
    WrongPassword,
    /// The stored key is not what this version writes.
    Malformed {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The opened key does not match the medium's public key.
    PublicKeyMismatch,
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentityError::WeakPassword => f.write_str(
                "the media password is not strong: use at least 8 characters from at least three of upper case, lower case, digits and symbols (or build unattended media, which need no password and are weaker: anyone holding them can start the deployment)",
            ),
            IdentityError::WrongPassword => f.write_str("the password does not open this medium's key"),
            IdentityError::Malformed { field, problem } => {
                write!(f, "media key `{field}`: {problem}; build the medium again")
            }
            IdentityError::PublicKeyMismatch => f.write_str(
                "the medium's key does not match its public key; build the medium again",
            ),
        }
    }
}

impl std::error::Error for IdentityError {}

/// Checks the media password: the same rule as the preflight's `OSDG-MEDIA` password check.
pub fn check_password(password: &str) -> Result<(), IdentityError> {
    if crate::preflight::is_strong_password(password) {
        Ok(())
    } else {
        Err(IdentityError::WeakPassword)
    }
}

/// A medium's key pair.
pub struct MediaKey {
    signing: SigningKey,
}

impl fmt::Debug for MediaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MediaKey {{ public: {} }}", self.public_key_base64())
    }
}

impl MediaKey {
    /// The key pair of a 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        MediaKey { signing: SigningKey::from_bytes(seed) }
    }

    /// The raw 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// The public key as the relay's admin API takes it (URL-safe base64 without padding).
    pub fn public_key_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.public_key())
    }

    /// Signs `message` (the relay's challenge).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

fn associated_data(media_id: &str, public_key: &[u8; 32]) -> Vec<u8> {
    let mut aad = b"osdgate-media-key/v1\0".to_vec();
    aad.extend_from_slice(media_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(public_key);
    aad
}

fn derive(
    password: &str,
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, IdentityError> {
    let argon_params =
        Params::new(params.memory_kib, params.iterations, params.parallelism, Some(32)).map_err(
            |e| IdentityError::Malformed { field: "kdf_params", problem: e.to_string() },
        )?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password.as_bytes(), salt, key.as_mut())
        .map_err(|e| IdentityError::Malformed { field: "kdf_params", problem: e.to_string() })?;
    Ok(key)
}

/// Stores `random.key_seed` for the medium `media_id`: sealed under the password, or in clear for
/// unattended media.
pub fn store_key(
    media_id: &str,
    random: &MediaRandom,
    protection: &Protection,
    params: KdfParams,
) -> Result<StoredKey, IdentityError> {
    let password = match protection {
        Protection::Unattended => {
            return Ok(StoredKey::Unattended {
                private_key: URL_SAFE_NO_PAD.encode(random.key_seed),
            });
        }
        Protection::Password(password) => password,
    };
    check_password(password)?;
    let public = MediaKey::from_seed(&random.key_seed).public_key();
    let key = derive(password, &random.salt, params)?;
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let aad = associated_data(media_id, &public);
    let ciphertext = cipher
        .encrypt(XNonce::from_slice(&random.nonce), Payload { msg: &random.key_seed, aad: &aad })
        .map_err(|_| IdentityError::Malformed {
            field: "ciphertext",
            problem: "sealing failed".into(),
        })?;
    Ok(StoredKey::Password {
        kdf: "argon2id".into(),
        kdf_params: params,
        salt: URL_SAFE_NO_PAD.encode(random.salt),
        aead: "xchacha20-poly1305".into(),
        nonce: URL_SAFE_NO_PAD.encode(random.nonce),
        ciphertext: URL_SAFE_NO_PAD.encode(ciphertext),
    })
}

fn decode<const N: usize>(field: &'static str, text: &str) -> Result<[u8; N], IdentityError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| IdentityError::Malformed { field, problem: format!("not base64url: {e}") })?;
    bytes.as_slice().try_into().map_err(|_| IdentityError::Malformed {
        field,
        problem: format!("{} bytes, expected {N}", bytes.len()),
    })
}

/// Opens the stored key of medium `media_id` whose public key is `public_key` (URL-safe base64).
/// `password` is ignored for unattended media.
pub fn open_key(
    media_id: &str,
    public_key: &str,
    stored: &StoredKey,
    password: &str,
) -> Result<MediaKey, IdentityError> {
    let public: [u8; 32] = decode("public_key", public_key)?;
    let seed: Zeroizing<[u8; 32]> = match stored {
        StoredKey::Unattended { private_key } => {
            Zeroizing::new(decode("private_key", private_key)?)
        }
        StoredKey::Password { kdf, kdf_params, salt, aead, nonce, ciphertext } => {
            if kdf != "argon2id" {
                return Err(IdentityError::Malformed {
                    field: "kdf",
                    problem: format!("`{kdf}`, expected `argon2id`"),
                });
            }
            if aead != "xchacha20-poly1305" {
                return Err(IdentityError::Malformed {
                    field: "aead",
                    problem: format!("`{aead}`, expected `xchacha20-poly1305`"),
                });
            }
            if !(MIN_MEMORY_KIB..=MAX_MEMORY_KIB).contains(&kdf_params.memory_kib)
                || !(1..=16).contains(&kdf_params.iterations)
                || !(1..=16).contains(&kdf_params.parallelism)
            {
                return Err(IdentityError::Malformed {
                    field: "kdf_params",
                    problem: format!(
                        "{kdf_params:?} is outside 19 MiB–1 GiB, 1–16 passes, 1–16 lanes"
                    ),
                });
            }
            let salt: [u8; 16] = decode("salt", salt)?;
            let nonce: [u8; 24] = decode("nonce", nonce)?;
            let ciphertext: [u8; 48] = decode("ciphertext", ciphertext)?;
            let key = derive(password, &salt, *kdf_params)?;
            let cipher = XChaCha20Poly1305::new(key.as_ref().into());
            let aad = associated_data(media_id, &public);
            let plain = Zeroizing::new(
                cipher
                    .decrypt(XNonce::from_slice(&nonce), Payload { msg: &ciphertext, aad: &aad })
                    .map_err(|_| IdentityError::WrongPassword)?,
            );
            let mut seed = Zeroizing::new([0u8; 32]);
            seed.copy_from_slice(&plain);
            seed
        }
    };
    let key = MediaKey::from_seed(&seed);
    if key.public_key() != public {
        return Err(IdentityError::PublicKeyMismatch);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest accepted cost keeps the unit tests fast; the default is measured by the bench.
    const FAST: KdfParams = KdfParams { memory_kib: MIN_MEMORY_KIB, iterations: 1, parallelism: 1 };

    fn random() -> MediaRandom {
        let bytes: [u8; MediaRandom::LEN] = std::array::from_fn(|i| i as u8);
        MediaRandom::from_bytes(&bytes)
    }

    fn password() -> Protection {
        Protection::Password("Remote-Reimage-2026".into())
    }

    #[test]
    fn sealed_key_opens_with_its_password_only() {
        let stored = store_key("usb-remote", &random(), &password(), FAST).unwrap();
        let public = MediaKey::from_seed(&random().key_seed).public_key_base64();
        let key = open_key("usb-remote", &public, &stored, "Remote-Reimage-2026").unwrap();
        assert_eq!(key.public_key_base64(), public);
        assert_eq!(
            open_key("usb-remote", &public, &stored, "Remote-Reimage-2027").unwrap_err(),
            IdentityError::WrongPassword
        );
        assert_eq!(
            open_key("usb-remote", &public, &stored, "").unwrap_err(),
            IdentityError::WrongPassword
        );
        // Moved to another medium, it does not open even with the right password.
        assert_eq!(
            open_key("usb-other", &public, &stored, "Remote-Reimage-2026").unwrap_err(),
            IdentityError::WrongPassword
        );
        let other_public = MediaKey::from_seed(&[9; 32]).public_key_base64();
        assert_eq!(
            open_key("usb-remote", &other_public, &stored, "Remote-Reimage-2026").unwrap_err(),
            IdentityError::WrongPassword
        );
    }

    #[test]
    fn sealing_is_deterministic_and_the_seed_is_not_in_clear() {
        let a = store_key("m", &random(), &password(), FAST).unwrap();
        let b = store_key("m", &random(), &password(), FAST).unwrap();
        assert_eq!(a, b);
        let json = serde_json::to_string(&a).unwrap();
        assert!(!json.contains(&URL_SAFE_NO_PAD.encode(random().key_seed)));
        assert!(json.contains("\"protection\":\"password\""));
    }

    #[test]
    fn weak_passwords_are_refused_and_unattended_is_explicit() {
        for weak in ["", "password", "Ab1!", "abcdefgh12"] {
            assert_eq!(
                store_key("m", &random(), &Protection::Password(weak.into()), FAST).unwrap_err(),
                IdentityError::WeakPassword
            );
        }
        assert!(IdentityError::WeakPassword.to_string().contains("unattended"));
        let stored = store_key("m", &random(), &Protection::Unattended, FAST).unwrap();
        assert!(serde_json::to_string(&stored).unwrap().contains("\"protection\":\"unattended\""));
        let public = MediaKey::from_seed(&random().key_seed).public_key_base64();
        assert!(open_key("m", &public, &stored, "").is_ok());
    }

    #[test]
    fn tampered_parameters_are_refused() {
        let stored = store_key("m", &random(), &password(), FAST).unwrap();
        let public = MediaKey::from_seed(&random().key_seed).public_key_base64();
        let StoredKey::Password { kdf_params, salt, nonce, ciphertext, .. } = stored.clone() else {
            unreachable!()
        };
        let cheap = StoredKey::Password {
            kdf: "argon2id".into(),
            kdf_params: KdfParams { memory_kib: 8, ..kdf_params },
            salt: salt.clone(),
            aead: "xchacha20-poly1305".into(),
            nonce: nonce.clone(),
            ciphertext: ciphertext.clone(),
        };
        assert!(matches!(
            open_key("m", &public, &cheap, "Remote-Reimage-2026"),
            Err(IdentityError::Malformed { field: "kdf_params", .. })
        ));
        let short = StoredKey::Password {
            kdf: "argon2id".into(),
            kdf_params,
            salt,
            aead: "xchacha20-poly1305".into(),
            nonce,
            ciphertext: ciphertext[..10].to_string(),
        };
        assert!(matches!(
            open_key("m", &public, &short, "Remote-Reimage-2026"),
            Err(IdentityError::Malformed { field: "ciphertext", .. })
        ));
    }

    #[test]
    fn signatures_verify_with_the_public_key() {
        use ed25519_dalek::{Signature, Verifier, VerifyingKey};
        let key = MediaKey::from_seed(&random().key_seed);
        let signature = key.sign(b"nonce");
        let verifying = VerifyingKey::from_bytes(&key.public_key()).unwrap();
        assert!(verifying.verify(b"nonce", &Signature::from_bytes(&signature)).is_ok());
    }
}
