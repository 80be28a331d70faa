//! Retention: what the relay writes on behalf of clients is pruned on a schedule (the Cron Trigger
//! in `wrangler.toml` calls [`prune`] through `glue.rs`), so a relay that runs for years, or one an
//! attacker floods with refused requests, never fills D1. Rate-limit windows and nonces go as soon
//! as they are over; authentication events, status messages and revoked or expired device
//! credentials after the days the `RETAIN_*` settings give.

use serde::Serialize;

use super::auth::challenge::RATE_WINDOW_MS;
use super::{ApiError, AppState};

const DAY_MS: i64 = 86_400_000;
/// Rows deleted per statement: D1 bounds a statement's time, so a large backlog is removed in
/// slices rather than in one statement that could time out.
pub const PRUNE_BATCH: i64 = 1_000;
/// Slices per table and run: a backlog larger than this is finished by the next runs.
pub const PRUNE_ROUNDS: u32 = 50;

/// How long the relay keeps what it records (`RETAIN_*_DAYS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// `RETAIN_AUTH_EVENTS_DAYS`: the admin's log of authentication attempts.
    pub auth_events_days: i64,
    /// `RETAIN_STATUS_DAYS`: devices' status messages.
    pub status_days: i64,
    /// `RETAIN_DEVICES_DAYS`: revoked devices, and device tokens revoked or expired this long ago.
    pub devices_days: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { auth_events_days: 90, status_days: 180, devices_days: 90 }
    }
}

/// How many rows each table lost in one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    pub rate_limits: u64,
    pub auth_nonces: u64,
    pub auth_events: u64,
    pub status_messages: u64,
    pub device_tokens: u64,
    pub devices: u64,
}

/// Delete the rows `condition` selects, in slices of [`PRUNE_BATCH`].
async fn delete_where(
    state: &AppState,
    table: &str,
    condition: &str,
    cutoff: i64,
) -> Result<u64, ApiError> {
    let sql = format!(
        "DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {condition} LIMIT ?2)"
    );
    let mut total = 0;
    for _ in 0..PRUNE_ROUNDS {
        let deleted = state.db.execute(&sql, &[cutoff.into(), PRUNE_BATCH.into()]).await?;
        total += deleted;
        if deleted < PRUNE_BATCH as u64 {
            break;
        }
    }
    Ok(total)
}

/// One retention run at the clock's current time.
pub async fn prune(state: &AppState) -> Result<PruneReport, ApiError> {
    let now = state.clock.now_ms();
    let retention = state.config.retention;
    let days_ago = |days: i64| now - days * DAY_MS;
    let devices_cutoff = days_ago(retention.devices_days);
    Ok(PruneReport {
        rate_limits: delete_where(state, "rate_limits", "window_start < ?1", now - RATE_WINDOW_MS)
            .await?,
        auth_nonces: delete_where(state, "auth_nonces", "expires_at < ?1", now).await?,
        auth_events: delete_where(
            state,
            "auth_events",
            "at < ?1",
            days_ago(retention.auth_events_days),
        )
        .await?,
        status_messages: delete_where(
            state,
            "status_messages",
            "received_at < ?1",
            days_ago(retention.status_days),
        )
        .await?,
        // Tokens first: a revoked device's tokens go with it, and tokens reference devices.
        device_tokens: delete_where(
            state,
            "device_tokens",
            "expires_at < ?1 OR revoked_at < ?1 OR device_id IN \
             (SELECT device_id FROM devices WHERE revoked_at < ?1)",
            devices_cutoff,
        )
        .await?,
        devices: delete_where(state, "devices", "revoked_at < ?1", devices_cutoff).await?,
    })
}
