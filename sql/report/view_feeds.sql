-- The Airflow view's feed table: every feed's activity, the failing ones first.
SELECT feed_id, name, enabled, last_success, last_status, failure_streak, articles_per_day,
       articles_total, last_error
FROM report_feed_activity
ORDER BY enabled DESC, failure_streak DESC, feed_id;
