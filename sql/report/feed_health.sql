-- Health of every feed: last success, the current failure streak, articles it brought
-- (newsflow status).
WITH ranked AS (
    SELECT feed_id, status, polled_at, error_class, error,
           row_number() OVER (PARTITION BY feed_id ORDER BY polled_at DESC) AS recency
    FROM feed_polls
),
streak AS (
    SELECT r.feed_id, count(*) AS failures
    FROM ranked r
    WHERE r.status = 'failed'
      AND r.recency < coalesce((SELECT min(recency) FROM ranked o
                                WHERE o.feed_id = r.feed_id AND o.status <> 'failed'), 1e9)
    GROUP BY r.feed_id
)
SELECT
    f.feed_id,
    f.enabled,
    h.polls,
    h.last_success,
    h.last_status,
    greatest(coalesce(s.failures, 0), h.consecutive_failures) AS failure_streak,
    (SELECT count(*) FROM articles a WHERE a.feed_id = f.feed_id) AS articles,
    (SELECT error_class || ': ' || error FROM ranked r
     WHERE r.feed_id = f.feed_id AND r.recency = 1) AS last_error
FROM feeds f
JOIN feed_health h USING (feed_id)
LEFT JOIN streak s USING (feed_id)
ORDER BY f.enabled DESC, f.feed_id;
