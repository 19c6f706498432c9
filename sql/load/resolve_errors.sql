-- Targets that succeeded in this batch close their open errors (the row stays as history).
UPDATE errors SET resolved_at = now()
WHERE resolved_at IS NULL
  AND (stage, target) IN (SELECT stage, target FROM staging_resolved);
