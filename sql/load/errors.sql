-- The error ledger: a new failure inserts a row, a repeated one counts another attempt.
-- A retryable failure is due again after retry_base * 2^(attempts - 1) seconds, or after the
-- server's Retry-After when that is later; a permanent one has no next_retry_at.
INSERT INTO errors BY NAME
SELECT DISTINCT ON (s.stage, s.target)
    s.stage, s.target, s.feed_id, s.error_class, s.message,
    coalesce(e.attempts, 0) + 1 AS attempts, s.seen_at AS first_seen_at, s.seen_at AS last_seen_at,
    s.run_id AS last_run_id, NULL::TIMESTAMPTZ AS resolved_at, s.retryable,
    CASE WHEN s.retryable THEN s.seen_at + to_microseconds((greatest(
        coalesce(s.retry_base, 0) * pow(2, coalesce(e.attempts, 0)),
        coalesce(s.retry_after, 0)) * 1e6)::BIGINT) END AS next_retry_at
FROM staging_errors s
LEFT JOIN errors e ON e.stage = s.stage AND e.target = s.target
ON CONFLICT (stage, target) DO UPDATE SET
    feed_id = excluded.feed_id, error_class = excluded.error_class, message = excluded.message,
    attempts = excluded.attempts, last_seen_at = excluded.last_seen_at,
    last_run_id = excluded.last_run_id, resolved_at = NULL, retryable = excluded.retryable,
    next_retry_at = excluded.next_retry_at;
