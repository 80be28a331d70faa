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
//!   is the latest, and a medium's authentication row. Changes made through this isolate (publish,
//!   rollback, revoke) forget the entry at once; other isolates of the relay see them within that
//!   time. `CLIENT_CACHE_SECONDS = 0` turns the revocable entries off.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use osdgate_model::api::BlobRecord;

use super::auth::MediaAuthRow;
use super::view::RelayView;

/// Entries per map before the map is cleared: bounds an isolate's memory whatever the traffic.
const MAX_ENTRIES: usize = 4096;

#[derive(Debug, Default)]
pub struct ClientCache {
    view: Mutex<Option<(i64, String, Arc<RelayView>)>>,
    latest: Mutex<Option<Checked<(i64, String)>>>,
    media: Mutex<HashMap<String, Checked<MediaAuthRow>>>,
    blobs: Mutex<HashMap<String, (BlobRecord, String)>>,
}

/// A revocable entry and when D1 last confirmed it (relay clock, ms).
#[derive(Debug, Clone)]
struct Checked<T> {
    at: i64,
    value: T,
}

fn fresh<T: Clone>(entry: Option<&Checked<T>>, now: i64, ttl_ms: i64) -> Option<T> {
    entry.filter(|e| ttl_ms > 0 && now >= e.at && now - e.at < ttl_ms).map(|e| e.value.clone())
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
        fresh(self.latest.lock().ok()?.as_ref(), now, ttl_ms)
    }

    pub fn keep_latest(&self, now: i64, version: i64, sha256: String) {
        if let Ok(mut latest) = self.latest.lock() {
            *latest = Some(Checked { at: now, value: (version, sha256) });
        }
    }

    /// A publish or rollback through this isolate: the next request reads the latest version.
    pub fn forget_latest(&self) {
        if let Ok(mut latest) = self.latest.lock() {
            *latest = None;
        }
    }

    /// A medium's authentication row, if confirmed within `ttl_ms`.
    pub fn media(&self, media_id: &str, now: i64, ttl_ms: i64) -> Option<MediaAuthRow> {
        fresh(self.media.lock().ok()?.get(media_id), now, ttl_ms)
    }

    pub fn keep_media(&self, media_id: &str, now: i64, row: MediaAuthRow) {
        if let Ok(mut media) = self.media.lock() {
            bounded(&mut media);
            media.insert(media_id.to_owned(), Checked { at: now, value: row });
        }
    }

    /// A revocation through this isolate takes effect on its next request.
    pub fn forget_media(&self, media_id: &str) {
        if let Ok(mut media) = self.media.lock() {
            media.remove(media_id);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(revoked_at: Option<i64>) -> MediaAuthRow {
        MediaAuthRow {
            public_key: "k".into(),
            deployments: vec!["D".into()],
            expires_at: 10_000,
            revoked_at,
        }
    }

    #[test]
    fn revocable_entries_live_for_the_ttl_only_and_can_be_forgotten() {
        let cache = ClientCache::default();
        cache.keep_media("M1", 1_000, row(None));
        assert!(cache.media("M1", 1_000, 5_000).is_some());
        assert!(cache.media("M1", 5_999, 5_000).is_some());
        assert!(cache.media("M1", 6_000, 5_000).is_none(), "stale after the TTL");
        assert!(cache.media("M1", 999, 5_000).is_none(), "a clock that went back is not trusted");
        assert!(cache.media("M1", 1_000, 0).is_none(), "a TTL of 0 turns the entry off");
        cache.forget_media("M1");
        assert!(cache.media("M1", 1_000, 5_000).is_none());

        cache.keep_latest(1_000, 3, "abc".into());
        assert_eq!(cache.latest(2_000, 5_000), Some((3, "abc".into())));
        cache.forget_latest();
        assert_eq!(cache.latest(2_000, 5_000), None);
    }

    #[test]
    fn maps_are_bounded() {
        let cache = ClientCache::default();
        for i in 0..(MAX_ENTRIES + 10) {
            cache.keep_media(&format!("M{i}"), 0, row(None));
        }
        assert!(cache.media.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
