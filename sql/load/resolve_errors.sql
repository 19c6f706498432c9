-- Targets that succeeded in this batch close their open errors (the row stays as history); the
-- next publish carries the rows it closed (store.PUBLISHED_KEYS).
INSERT INTO publish_pending (kind, key)
SELECT 'error', stage || chr(31) || target
FROM errors
WHERE resolved_at IS NULL
  AND (stage, target) IN (SELECT stage, target FROM staging_resolved);
UPDATE errors SET resolved_at = now()
WHERE resolved_at IS NULL
  AND (stage, target) IN (SELECT stage, target FROM staging_resolved);
