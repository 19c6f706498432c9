-- Health of every feed: last success, the current failure streak, articles it brought
-- (newsflow status). Skipped polls (a feed backing off, or not due) are neither successes nor
-- failures: the streak counts the failures since the last success, and the error shown is that
-- of the newest poll that was not skipped, so a feed backing off still says why it fails.
WITH polled AS (
    SELECT feed_id, status, polled_at, error_class, error
    FROM feed_polls
    WHERE status <> 'skipped'
),
streak AS (
    SELECT p.feed_id, count(*) AS failures
    FROM polled p
    JOIN feed_health h USING (feed_id)
    WHERE p.status = 'failed' AND (h.last_success IS NULL OR p.polled_at > h.last_success)
    GROUP BY p.feed_id
),
latest AS (
    SELECT feed_id, arg_max_null(error_class || ': ' || error, polled_at) AS last_error
    FROM polled
    GROUP BY feed_id
)
SELECT
    f.feed_id,
    f.enabled,
    h.polls,
    h.last_success,
    h.last_status,
    greatest(coalesce(s.failures, 0), h.consecutive_failures) AS failure_streak,
    (SELECT count(*) FROM articles a WHERE a.feed_id = f.feed_id) AS articles,
    l.last_error,
    h.disabled_at IS NOT NULL AS disabled_after_failures
FROM feeds f
JOIN feed_health h USING (feed_id)
LEFT JOIN streak s USING (feed_id)
LEFT JOIN latest l USING (feed_id)
ORDER BY f.enabled DESC, f.feed_id;
