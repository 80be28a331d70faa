-- osdgate relay schema, version 3: device trust. A device registered through a medium is pending
-- (its tokens live only while the medium is valid) until an admin approves it; a medium may approve
-- its devices automatically. Devices registered before this version stay pending: they were
-- registered without proof of possession of their key, so an admin decides.

ALTER TABLE media ADD COLUMN auto_approve INTEGER NOT NULL DEFAULT 0;

ALTER TABLE devices ADD COLUMN approved_at INTEGER;
ALTER TABLE devices ADD COLUMN approved_by TEXT;

-- Revoking a medium revokes its devices; a claimed hardware identity is looked up at registration.
CREATE INDEX devices_by_media ON devices (media_id);
CREATE INDEX devices_by_smbios_guid ON devices (smbios_guid);
CREATE INDEX devices_by_mac ON devices (mac);
