-- The error ledger: a new failure inserts a row, a repeated one counts another attempt.
INSERT INTO errors BY NAME
SELECT DISTINCT ON (stage, target)
    stage, target, feed_id, error_class, message,
    1 AS attempts, seen_at AS first_seen_at, seen_at AS last_seen_at,
    run_id AS last_run_id, NULL::TIMESTAMPTZ AS resolved_at
FROM staging_errors
ON CONFLICT (stage, target) DO UPDATE SET
    feed_id = excluded.feed_id, error_class = excluded.error_class, message = excluded.message,
    attempts = errors.attempts + 1, last_seen_at = excluded.last_seen_at,
    last_run_id = excluded.last_run_id, resolved_at = NULL;
