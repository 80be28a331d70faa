-- osdgate relay schema, version 1. Applied by `cargo xtask dev`/`test` (wrangler d1 migrations apply --local)
-- and in production by `wrangler d1 migrations apply osdgate --remote`.
CREATE TABLE IF NOT EXISTS relay_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
INSERT OR IGNORE INTO relay_meta (key, value) VALUES ('schema_version', '1');
