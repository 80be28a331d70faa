//! The relay's own settings (`wrangler.toml` `[vars]` and Worker secrets), read and validated in one
//! place before any request is served: raw strings in, a [`RelayConfig`] or every problem out,
//! each naming its variable and the fix. Nothing is silently defaulted when it is set but wrong.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use osdgate_model::api::ErrorCode;

use super::retention::Retention;
use super::storage::Log;
use super::{ApiError, DEFAULT_CLIENT_CACHE_MS, Limits, MAX_CLIENT_CACHE_MS, RelayConfig};

/// The shortest secret the relay accepts (characters). 32 random characters from any alphabet of
/// 16 or more symbols carry at least 128 bits.
pub const MIN_SECRET_LENGTH: usize = 32;
/// The least estimated entropy of a secret, in bits (length × the Shannon entropy of its
/// characters: repetitions and small alphabets count for what they are worth).
pub const MIN_SECRET_BITS: f64 = 128.0;

/// One setting that is missing or wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    /// The variable or secret, as named in `wrangler.toml`.
    pub variable: &'static str,
    /// What is wrong with it (never the value of a secret).
    pub problem: String,
    /// How to fix it.
    pub fix: String,
}

impl std::fmt::Display for SettingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}; {}", self.variable, self.problem, self.fix)
    }
}

/// Length × the Shannon entropy of the value's character distribution, in bits: an estimate that
/// is fair to random strings of any alphabet and honest about `aaaa…` or `abab…`.
pub fn estimated_bits(value: &str) -> f64 {
    let characters: Vec<char> = value.chars().collect();
    if characters.is_empty() {
        return 0.0;
    }
    let mut counts = std::collections::HashMap::new();
    for &c in &characters {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let total = characters.len() as f64;
    let per_character: f64 = counts
        .values()
        .map(|&n| {
            let p = n as f64 / total;
            -p * p.log2()
        })
        .sum();
    per_character * total
}

fn secret_fix(variable: &str) -> String {
    format!(
        "generate one with `openssl rand -hex 32` and set it with `npx wrangler secret put {variable}` \
         (locally, `cargo xtask dev` generates it in .dev/secrets.env)"
    )
}

/// A required secret: present, long and not guessable.
fn strong_secret(
    variable: &'static str,
    value: Option<String>,
    problems: &mut Vec<SettingError>,
) -> Option<String> {
    let Some(value) = value else {
        problems.push(SettingError {
            variable,
            problem: "is not set".into(),
            fix: secret_fix(variable),
        });
        return None;
    };
    let length = value.chars().count();
    let bits = estimated_bits(&value);
    if length < MIN_SECRET_LENGTH || bits < MIN_SECRET_BITS {
        problems.push(SettingError {
            variable,
            problem: format!(
                "is too weak ({length} characters, about {bits:.0} bits; at least \
                 {MIN_SECRET_LENGTH} characters and {MIN_SECRET_BITS:.0} bits are needed)"
            ),
            fix: secret_fix(variable),
        });
        return None;
    }
    Some(value)
}

/// An optional whole number in `range`; absent means `default`.
fn number(
    variable: &'static str,
    value: Option<String>,
    range: std::ops::RangeInclusive<i64>,
    default: i64,
    problems: &mut Vec<SettingError>,
) -> i64 {
    let Some(value) = value else { return default };
    match value.trim().parse::<i64>() {
        Ok(number) if range.contains(&number) => number,
        _ => {
            problems.push(SettingError {
                variable,
                problem: format!("is `{}`, not a whole number from {} to {}", value.trim(), range.start(), range.end()),
                fix: format!(
                    "set it to a number in that range in edge-worker/wrangler.toml [vars], or leave it \
                     empty for the default ({default})"
                ),
            });
            default
        }
    }
}

/// `scheme://host[:port]`, nothing else: what browsers send in `Origin`.
fn origin(value: Option<String>, problems: &mut Vec<SettingError>) -> Option<String> {
    let value = value?.trim().to_owned();
    let valid = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .is_some_and(|rest| {
            !rest.is_empty()
                && rest.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'[' | b']')
                })
        });
    if valid {
        Some(value)
    } else {
        problems.push(SettingError {
            variable: "CONSOLE_ORIGIN",
            problem: format!("`{value}` is not an origin"),
            fix: "give scheme, host and port only, e.g. https://console.contoso.example (no path, no \
                  trailing slash), or leave it empty when the relay serves the console itself"
                .into(),
        });
        None
    }
}

fn identifier(
    variable: &'static str,
    value: Option<String>,
    problems: &mut Vec<SettingError>,
) -> Option<String> {
    let value = value?.trim().to_owned();
    match super::extract::check_id(variable, &value, 64) {
        Ok(()) => Some(value),
        Err(error) => {
            problems.push(SettingError {
                variable,
                problem: format!("`{value}` is not an identifier"),
                fix: format!(
                    "{}; use the `id` of a gateway in the published configuration",
                    error.message
                ),
            });
            None
        }
    }
}

impl RelayConfig {
    /// Read every setting through `lookup` (a variable or secret by name; `None` or blank when
    /// unset) and validate them all, returning every problem at once.
    pub fn from_env(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<RelayConfig, Vec<SettingError>> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let mut problems = Vec::new();
        let admin_token = strong_secret("ADMIN_TOKEN", get("ADMIN_TOKEN"), &mut problems);
        let token_key = strong_secret("TOKEN_SIGNING_KEY", get("TOKEN_SIGNING_KEY"), &mut problems);
        let sealing_key =
            strong_secret("CONFIG_SEALING_KEY", get("CONFIG_SEALING_KEY"), &mut problems);
        let console_origin = origin(get("CONSOLE_ORIGIN"), &mut problems);
        let gateway_id = identifier("GATEWAY_ID", get("GATEWAY_ID"), &mut problems);
        let defaults = Limits::default();
        let auth_per_subject = number(
            "AUTH_RATE_PER_SUBJECT",
            get("AUTH_RATE_PER_SUBJECT"),
            1..=1_000_000,
            defaults.auth_per_subject.into(),
            &mut problems,
        );
        let auth_per_address = number(
            "AUTH_RATE_PER_ADDRESS",
            get("AUTH_RATE_PER_ADDRESS"),
            1..=1_000_000,
            defaults.auth_per_address.into(),
            &mut problems,
        );
        let admin_failures_per_address = number(
            "ADMIN_FAILURES_PER_ADDRESS",
            get("ADMIN_FAILURES_PER_ADDRESS"),
            1..=1_000,
            defaults.admin_failures_per_address.into(),
            &mut problems,
        );
        let client_cache_seconds = number(
            "CLIENT_CACHE_SECONDS",
            get("CLIENT_CACHE_SECONDS"),
            0..=MAX_CLIENT_CACHE_MS / 1000,
            DEFAULT_CLIENT_CACHE_MS / 1000,
            &mut problems,
        );
        let defaults_kept = Retention::default();
        let mut days = |variable: &'static str, default: i64| {
            number(variable, get(variable), 1..=3_650, default, &mut problems)
        };
        let retention = Retention {
            auth_events_days: days("RETAIN_AUTH_EVENTS_DAYS", defaults_kept.auth_events_days),
            status_days: days("RETAIN_STATUS_DAYS", defaults_kept.status_days),
            devices_days: days("RETAIN_DEVICES_DAYS", defaults_kept.devices_days),
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(RelayConfig {
            admin_token,
            token_key: token_key.map(String::into_bytes),
            sealing_key: sealing_key.as_deref().map(super::sealing::SealingKey::from_secret),
            console_origin,
            gateway_id,
            limits: Limits {
                // In range, checked above.
                auth_per_subject: u32::try_from(auth_per_subject)
                    .unwrap_or(defaults.auth_per_subject),
                auth_per_address: u32::try_from(auth_per_address)
                    .unwrap_or(defaults.auth_per_address),
                admin_failures_per_address: u32::try_from(admin_failures_per_address)
                    .unwrap_or(defaults.admin_failures_per_address),
            },
            client_cache_ms: client_cache_seconds * 1000,
            retention,
        })
    }
}

/// The answer to every request while the settings are invalid: each problem goes to the log (the
/// administrator reads it with `wrangler tail`), the caller — possibly anonymous — learns only that
/// the relay is misconfigured, never which secret is weak.
pub fn refusal(problems: &[SettingError], log: &dyn Log) -> Response {
    for problem in problems {
        log.error(&format!("the relay's settings are invalid: {problem}"));
    }
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::RelayMisconfigured,
        "the relay's settings are invalid and it serves nothing until they are fixed; its \
         administrator finds each problem in the worker's log",
    )
    .into_response()
}

/// What serves every request while the settings are invalid: [`refusal`], behind the same
/// [`super::drain`] layer as the real router, so even this refusal consumes the request body.
pub fn misconfigured(problems: Vec<SettingError>, log: Arc<dyn Log>) -> Router {
    let problems = Arc::new(problems);
    Router::new()
        .fallback(move || {
            let (problems, log) = (problems.clone(), log.clone());
            async move { refusal(&problems, log.as_ref()) }
        })
        .layer(axum::middleware::from_fn(super::drain::drain_request_body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimated_bits_rewards_randomness_not_length_alone() {
        assert_eq!(estimated_bits(""), 0.0);
        assert!(estimated_bits(&"a".repeat(64)) < 1.0);
        assert!(estimated_bits(&"ab".repeat(32)) < 65.0);
        // 64 hex digits of 32 random bytes (what `openssl rand -hex 32` prints).
        let hex = "3f7a9c2e81d4b6f05a1e9d3c7b2f8a6e4d0c9b1a7f3e5d2c8b6a4f1e0d9c7b3a";
        assert!(estimated_bits(hex) > 200.0, "{}", estimated_bits(hex));
    }
}
