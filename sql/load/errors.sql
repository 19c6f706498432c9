-- The error ledger: a new failure inserts a row, a repeated one counts another attempt. One row
-- per (stage, target) (migration 024).
-- A retryable failure is due again after retry_base * 2^(attempts - 1) seconds, or after the
-- server's Retry-After when that is later; a permanent one has no next_retry_at.
MERGE INTO errors USING (
    SELECT DISTINCT ON (s.stage, s.target)
        s.stage, s.target, s.feed_id, s.error_class, s.message,
        coalesce(e.attempts, 0) + 1 AS attempts, s.seen_at AS first_seen_at,
        s.seen_at AS last_seen_at, s.run_id AS last_run_id, NULL::TIMESTAMPTZ AS resolved_at,
        s.retryable,
        CASE WHEN s.retryable THEN s.seen_at + to_microseconds((greatest(
            coalesce(s.retry_base, 0) * pow(2, coalesce(e.attempts, 0)),
            coalesce(s.retry_after, 0)) * 1e6)::BIGINT) END AS next_retry_at
    FROM staging_errors s
    LEFT JOIN errors e ON e.stage = s.stage AND e.target = s.target
) AS seen ON errors.stage = seen.stage AND errors.target = seen.target
WHEN MATCHED THEN UPDATE SET
    feed_id = seen.feed_id, error_class = seen.error_class, message = seen.message,
    attempts = seen.attempts, last_seen_at = seen.last_seen_at,
    last_run_id = seen.last_run_id, resolved_at = NULL, retryable = seen.retryable,
    next_retry_at = seen.next_retry_at
WHEN NOT MATCHED THEN INSERT BY NAME;
