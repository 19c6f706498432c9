-- 028_failed_requests_and_feed_activity: a reprocessing request that cannot be planned fails
-- alone, and the feed tables count what a poll's status says.
-- A request for a source the feeds file no longer has (or never had) stayed `taken`, and every
-- later processing run took it again and failed on it: one bad request stopped all processing.
-- Such a request is now marked `failed`, with the reason, and the runs go on without it.
ALTER TABLE reprocess_requests ADD COLUMN IF NOT EXISTS error VARCHAR;

-- report_feed_activity (005) counted every poll that was not `failed` as a success: a poll
-- `skipped` while the feed backs off after failures ended its failure streak and set its last
-- success, so a feed that never answered looked healthy. Now a success is a poll that reached
-- the feed (`ok`, `partial`, `not_modified`, as in feed_health), a streak counts the failures
-- since the last success, skipped polls aside, and the status and error shown are those of the
-- newest poll that reached the feed or failed.
CREATE OR REPLACE VIEW report_feed_activity AS
WITH polled AS (
    SELECT feed_id, status, polled_at, error_class, error
    FROM feed_polls
    WHERE status <> 'skipped'
),
polls AS (
    SELECT feed_id,
           max(polled_at) FILTER (WHERE status IN ('ok', 'partial', 'not_modified')) AS last_success,
           arg_max(status, polled_at) AS last_status,
           arg_max_null(error_class || ': ' || error, polled_at) AS last_error
    FROM polled
    GROUP BY feed_id
),
counted AS (
    SELECT f.feed_id,
           count(*) AS polls,
           max(f.polled_at) AS last_poll
    FROM feed_polls f
    GROUP BY f.feed_id
),
streaks AS (
    SELECT p.feed_id, count(*) AS failure_streak
    FROM polled p
    LEFT JOIN polls s USING (feed_id)
    WHERE p.status = 'failed' AND (s.last_success IS NULL OR p.polled_at > s.last_success)
    GROUP BY p.feed_id
),
brought AS (
    SELECT feed_id,
           count(*) AS articles_total,
           count(*) FILTER (WHERE first_seen_at >= now() - INTERVAL 7 DAY) AS articles_7d
    FROM articles
    GROUP BY feed_id
)
SELECT
    f.feed_id,
    f.name,
    f.enabled,
    coalesce(c.polls, 0) AS polls,
    c.last_poll,
    p.last_success,
    p.last_status,
    coalesce(k.failure_streak, 0) AS failure_streak,
    p.last_error,
    coalesce(b.articles_total, 0) AS articles_total,
    coalesce(b.articles_7d, 0) AS articles_7d,
    round(coalesce(b.articles_7d, 0) / 7, 2) AS articles_per_day
FROM feeds f
LEFT JOIN counted c USING (feed_id)
LEFT JOIN polls p USING (feed_id)
LEFT JOIN streaks k USING (feed_id)
LEFT JOIN brought b USING (feed_id);

-- feed_health (004) showed as the last error that of the newest poll, a skipped one too: while a
-- feed backed off, `newsflow status` showed "not due until ..." (or nothing) where the failure
-- was; and arg_max passes over NULLs, so a feed whose newest poll succeeded still showed an old
-- error. Now the error of the newest poll that was not skipped, NULL when that one succeeded;
-- `last_status` still says skipped.
CREATE OR REPLACE VIEW feed_health AS
SELECT
    f.feed_id,
    f.enabled,
    count(p.poll_id) AS polls,
    max(p.polled_at) FILTER (WHERE p.status IN ('ok', 'partial', 'not_modified')) AS last_success,
    max(p.polled_at) AS last_poll,
    arg_max(p.status, p.polled_at) AS last_status,
    arg_max_null(p.error, p.polled_at) FILTER (WHERE p.status <> 'skipped') AS last_error,
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
