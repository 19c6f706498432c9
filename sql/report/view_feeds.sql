-- The Airflow view's feed table: every feed's activity, the failing ones first, and when a feed
-- was disabled after failures in a row (feed_state; it is not polled again until
-- `newsflow enable-feed`).
SELECT a.feed_id, a.name, a.enabled, a.last_success, a.last_status, a.failure_streak,
       a.articles_per_day, a.articles_total, a.last_error, s.disabled_at
FROM report_feed_activity a
LEFT JOIN feed_state s USING (feed_id)
ORDER BY a.enabled DESC, s.disabled_at IS NOT NULL DESC, a.failure_streak DESC, a.feed_id;
