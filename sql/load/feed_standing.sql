-- A feed as `newsflow enable-feed` finds it: whether the feeds file enables it (NULL: not in it),
-- when it was disabled after failures, and its failures in a row (0 without polling state).
SELECT f.enabled, s.disabled_at, coalesce(s.consecutive_failures, 0)
FROM (SELECT $feed_id AS feed_id) q
LEFT JOIN feeds f USING (feed_id)
LEFT JOIN feed_state s USING (feed_id);
