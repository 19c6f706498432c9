-- 004_fetching: fetching that survives the real web.
--   feed_state      conditional polling (ETag / Last-Modified), health, backoff, disabled state
--   errors          retryable + next_retry_at: the ledger later runs retry from
--   articles        warc_file / warc_offset / warc_length: the raw response in the WARC archive
--   feed_health     the view, now with the state above

-- One row per feed: what the next poll needs to know. Updated after every poll.
CREATE TABLE IF NOT EXISTS feed_state (
    feed_id               VARCHAR PRIMARY KEY,
    etag                  VARCHAR,              -- sent back as If-None-Match
    last_modified         VARCHAR,              -- sent back as If-Modified-Since
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    last_status           VARCHAR,              -- ok | partial | not_modified | failed | skipped
    last_polled_at        TIMESTAMPTZ,
    last_success_at       TIMESTAMPTZ,
    next_poll_at          TIMESTAMPTZ,          -- not polled before this (backoff, Retry-After, ttl)
    ttl_minutes           INTEGER,              -- the feed's own hint: <ttl> or sy:updatePeriod/Frequency
    retry_after_until     TIMESTAMPTZ,          -- a 429/503 Retry-After asked us to wait until then
    disabled_at           TIMESTAMPTZ,          -- set after feed_disable_after failures in a row
    disabled_reason       VARCHAR
);

ALTER TABLE errors ADD COLUMN IF NOT EXISTS retryable BOOLEAN;
ALTER TABLE errors ADD COLUMN IF NOT EXISTS next_retry_at TIMESTAMPTZ;
UPDATE errors SET retryable = error_class IN ('timeout', 'connection_error', 'http_5xx', 'http_429')
WHERE retryable IS NULL;

ALTER TABLE articles ADD COLUMN IF NOT EXISTS warc_file VARCHAR;
ALTER TABLE articles ADD COLUMN IF NOT EXISTS warc_offset BIGINT;
ALTER TABLE articles ADD COLUMN IF NOT EXISTS warc_length BIGINT;

-- Health of every configured feed: its poll history and its state.
CREATE OR REPLACE VIEW feed_health AS
SELECT
    f.feed_id,
    f.enabled,
    count(p.poll_id) AS polls,
    max(p.polled_at) FILTER (WHERE p.status IN ('ok', 'partial', 'not_modified')) AS last_success,
    max(p.polled_at) AS last_poll,
    arg_max(p.status, p.polled_at) AS last_status,
    arg_max(p.error, p.polled_at) AS last_error,
    sum(p.entries_new) AS entries_new_total,
    coalesce(s.consecutive_failures, 0) AS consecutive_failures,
    s.next_poll_at,
    s.ttl_minutes,
    s.disabled_at,
    s.disabled_reason,
    s.etag IS NOT NULL OR s.last_modified IS NOT NULL AS conditional
FROM feeds f
LEFT JOIN feed_polls p USING (feed_id)
LEFT JOIN feed_state s USING (feed_id)
GROUP BY ALL;
