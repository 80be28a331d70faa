-- osdgate relay schema, version 4: one medium, one record (issue 14, item 2; issue 11).
--
-- A registered medium names the published document's medium it was built from; its deployments
-- are that medium's. Media registered before this version have no `medium` (their deployments were
-- given directly) and keep working within them; the relay serves them only deployments that start
-- from media.
ALTER TABLE media ADD COLUMN medium TEXT;

-- Media passwords never stay in the relay: documents published before this version could hold a
-- medium's `password` in clear (masked on GET, kept in the history). Remove it from every stored
-- version. The versions' `sha256` (and so their ETag) stays that of the document as published.
UPDATE config_versions
SET document = json_set(
    document,
    '$.media',
    (SELECT json_group_array(json(cleaned))
     FROM (SELECT json_remove(value, '$.password') AS cleaned
           FROM json_each(config_versions.document, '$.media')
           ORDER BY key))
)
WHERE json_valid(document)
  AND json_type(document, '$.media') = 'array'
  AND EXISTS (SELECT 1 FROM json_each(config_versions.document, '$.media')
              WHERE json_type(value, '$.password') IS NOT NULL);

UPDATE relay_meta SET value = '4' WHERE key = 'schema_version';
