-- osdgate relay schema, version 5: the configuration's secret values are sealed in D1 (issue 13,
-- item 6; edge-worker/src/app/sealing.rs).
--
-- `sealed` = 1: every secret value of the row's document and view is sealed under the relay's
-- CONFIG_SEALING_KEY. Rows stored before this version hold their secrets in clear (0); SQL cannot
-- seal them (the key is a Worker secret), so the relay seals them in place — document, view and
-- `sha256`, which becomes the digest of the masked document — on the hourly Cron Trigger and before
-- every publish or rollback, and reads them as they are until then.
ALTER TABLE config_versions ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
