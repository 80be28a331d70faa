//! What the client hot path (policy, content location, content download) reads on every request,
//! kept in the isolate's memory so that such a request costs no D1 round trip. Each D1 query costs
//! several times a whole no-op request (measured by `edge-worker/bench/run.sh`), and a device
//! fetching a task sequence asks for policy and content many times.
//!
//! Two kinds of entries:
//! - immutable ones, kept until evicted: a configuration view by its version and document hash
//!   (versions are insert-only; a rollback publishes a new version) and a completed blob's record
//!   (blobs are content-addressed and never change);
//! - revocable ones, trusted for [`RelayConfig::client_cache_ms`](super::RelayConfig): which version
//!   is the latest, a medium's authentication row, and a device token's revocation state. Changes made through this isolate (publish,
//!   rollback, revoke) forget the entry at once; other isolates of the relay see them within that
//!   time, plus at most [`REFRESH_GRACE_MS`] while one request refreshes a stale entry.
//!   `CLIENT_CACHE_SECONDS = 0` turns the revocable entries off.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use osdgate_model::api::BlobRecord;

use super::credentials::{DeviceTokenState, MediaAuthRow};
use super::view::RelayView;

/// Entries per map before the map is cleared: bounds an isolate's memory whatever the traffic.
const MAX_ENTRIES: usize = 4096;

#[derive(Debug, Default)]
pub struct ClientCache {
    view: Mutex<Option<(i64, String, Arc<RelayView>)>>,
    latest: Mutex<Option<Checked<(i64, String)>>>,
    /// Media authentication rows by media ID.
    pub media: Revocable<MediaAuthRow>,
    /// Device token states by token ID.
    pub device_tokens: Revocable<DeviceTokenState>,
    blobs: Mutex<HashMap<String, (BlobRecord, String)>>,
}

/// How long past its time a stale entry still serves the requests that arrive while the first
/// one to notice refreshes it from D1. Without it, every request in flight when an entry expires
/// asks D1 at once, and that burst is the whole tail of the policy latency.
pub const REFRESH_GRACE_MS: i64 = 1_000;

/// A revocable entry, when D1 last confirmed it (relay clock, ms), and whether a request is
/// already asking D1 again.
#[derive(Debug, Clone)]
struct Checked<T> {
    at: i64,
    value: T,
    refreshing: bool,
}

impl<T> Checked<T> {
    fn new(at: i64, value: T) -> Self {
        Checked { at, value, refreshing: false }
    }
}

/// The kept value while it is fresh. Once stale, the first caller gets `None` (it reads D1 and
/// keeps the answer) and the entry is marked; callers while it refreshes get the stale value, for
/// at most [`REFRESH_GRACE_MS`] more.
fn lookup<T: Clone>(entry: Option<&mut Checked<T>>, now: i64, ttl_ms: i64) -> Option<T> {
    let entry = entry?;
    let age = now - entry.at;
    if ttl_ms <= 0 || age < 0 {
        return None;
    }
    if age < ttl_ms {
        return Some(entry.value.clone());
    }
    if age < ttl_ms + REFRESH_GRACE_MS {
        if entry.refreshing {
            return Some(entry.value.clone());
        }
        entry.refreshing = true;
    }
    None
}

fn bounded<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
}

impl ClientCache {
    /// The parsed view of `version` (whose document hashes to `sha256`), if kept.
    pub fn view(&self, version: i64, sha256: &str) -> Option<Arc<RelayView>> {
        let view = self.view.lock().ok()?;
        view.as_ref()
            .filter(|(v, sha, _)| *v == version && sha == sha256)
            .map(|(.., view)| view.clone())
    }

    pub fn keep_view(&self, version: i64, sha256: String, view: Arc<RelayView>) {
        if let Ok(mut kept) = self.view.lock() {
            *kept = Some((version, sha256, view));
        }
    }

    /// The latest version and its document hash, if confirmed within `ttl_ms`.
    pub fn latest(&self, now: i64, ttl_ms: i64) -> Option<(i64, String)> {
        lookup(self.latest.lock().ok()?.as_mut(), now, ttl_ms)
    }

    pub fn keep_latest(&self, now: i64, version: i64, sha256: String) {
        if let Ok(mut latest) = self.latest.lock() {
            *latest = Some(Checked::new(now, (version, sha256)));
        }
    }

    /// A publish or rollback through this isolate: the next request reads the latest version.
    pub fn forget_latest(&self) {
        if let Ok(mut latest) = self.latest.lock() {
            *latest = None;
        }
    }

    /// A completed blob's record and object key, if kept.
    pub fn blob(&self, sha256: &str) -> Option<(BlobRecord, String)> {
        self.blobs.lock().ok()?.get(sha256).cloned()
    }

    pub fn keep_blob(&self, record: BlobRecord, key: String) {
        if let Ok(mut blobs) = self.blobs.lock() {
            bounded(&mut blobs);
            blobs.insert(record.sha256.clone(), (record, key));
        }
    }
}

/// Revocable entries by ID, each trusted for the TTL the caller passes.
#[derive(Debug)]
pub struct Revocable<T>(Mutex<HashMap<String, Checked<T>>>);

impl<T> Default for Revocable<T> {
    fn default() -> Self {
        Revocable(Mutex::default())
    }
}

impl<T: Clone> Revocable<T> {
    /// The entry, if D1 confirmed it within `ttl_ms` (see [`lookup`] for stale entries).
    pub fn get(&self, id: &str, now: i64, ttl_ms: i64) -> Option<T> {
        lookup(self.0.lock().ok()?.get_mut(id), now, ttl_ms)
    }

    pub fn keep(&self, id: &str, now: i64, value: T) {
        if let Ok(mut entries) = self.0.lock() {
            bounded(&mut entries);
            entries.insert(id.to_owned(), Checked::new(now, value));
        }
    }

    /// A change through this isolate (a revocation, a renewal): the next request asks D1.
    pub fn forget(&self, id: &str) {
        if let Ok(mut entries) = self.0.lock() {
            entries.remove(id);
        }
    }

    /// Forget every entry `matches` selects (all tokens of a revoked device).
    pub fn forget_where(&self, matches: impl Fn(&T) -> bool) {
        if let Ok(mut entries) = self.0.lock() {
            entries.retain(|_, entry| !matches(&entry.value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(revoked_at: Option<i64>) -> MediaAuthRow {
        MediaAuthRow {
            public_key: "k".into(),
            deployments: vec!["D".into()],
            expires_at: 10_000,
            revoked_at,
            auto_approve: false,
            medium: None,
        }
    }

    #[test]
    fn revocable_entries_live_for_the_ttl_only_and_can_be_forgotten() {
        let cache = ClientCache::default();
        cache.media.keep("M1", 1_000, row(None));
        assert!(cache.media.get("M1", 1_000, 5_000).is_some());
        assert!(cache.media.get("M1", 5_999, 5_000).is_some());
        assert!(
            cache.media.get("M1", 6_000, 5_000).is_none(),
            "stale after the TTL: this caller reads D1"
        );
        assert!(
            cache.media.get("M1", 999, 5_000).is_none(),
            "a clock that went back is not trusted"
        );
        assert!(cache.media.get("M1", 1_000, 0).is_none(), "a TTL of 0 turns the entry off");
        cache.media.forget("M1");
        assert!(cache.media.get("M1", 1_000, 5_000).is_none());

        cache.keep_latest(1_000, 3, "abc".into());
        assert_eq!(cache.latest(2_000, 5_000), Some((3, "abc".into())));
        cache.forget_latest();
        assert_eq!(cache.latest(2_000, 5_000), None);
    }

    #[test]
    fn while_one_request_refreshes_a_stale_entry_the_others_use_it_briefly() {
        let cache = ClientCache::default();
        cache.media.keep("M1", 0, row(None));
        assert!(cache.media.get("M1", 5_000, 5_000).is_none(), "the first to notice refreshes");
        assert!(cache.media.get("M1", 5_001, 5_000).is_some(), "the others keep going meanwhile");
        assert!(cache.media.get("M1", 5_999, 5_000).is_some());
        assert!(cache.media.get("M1", 6_000, 5_000).is_none(), "never beyond the grace");
        cache.media.keep("M1", 5_010, row(Some(5_005)));
        let refreshed = cache.media.get("M1", 5_020, 5_000).expect("fresh again");
        assert_eq!(refreshed.revoked_at, Some(5_005));

        cache.keep_latest(0, 1, "a".into());
        assert_eq!(cache.latest(5_000, 5_000), None);
        assert_eq!(cache.latest(5_500, 5_000), Some((1, "a".into())));
    }

    #[test]
    fn revoking_a_device_forgets_every_token_of_it() {
        let cache = ClientCache::default();
        let state = |device: &str| DeviceTokenState {
            device_id: device.into(),
            media_id: "M1".into(),
            approved: false,
            device_revoked: false,
            token_revoked: false,
            smbios_guid: None,
            mac: None,
            medium: Some("usb-remote".into()),
        };
        cache.device_tokens.keep("t1", 0, state("d1"));
        cache.device_tokens.keep("t2", 0, state("d1"));
        cache.device_tokens.keep("t3", 0, state("d2"));
        cache.device_tokens.forget_where(|token| token.device_id == "d1");
        assert!(cache.device_tokens.get("t1", 1, 5_000).is_none());
        assert!(cache.device_tokens.get("t2", 1, 5_000).is_none());
        assert_eq!(cache.device_tokens.get("t3", 1, 5_000), Some(state("d2")));
        cache.device_tokens.forget("t3");
        assert!(cache.device_tokens.get("t3", 1, 5_000).is_none());
    }

    #[test]
    fn maps_are_bounded() {
        let cache = ClientCache::default();
        for i in 0..(MAX_ENTRIES + 10) {
            cache.media.keep(&format!("M{i}"), 0, row(None));
        }
        assert!(cache.media.0.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
