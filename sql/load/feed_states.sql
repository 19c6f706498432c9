-- Every feed's state for the next poll (pipeline.feedstate.FeedState's fields).
SELECT feed_id, etag, last_modified, consecutive_failures, next_poll_at, ttl_minutes, disabled_at,
       disabled_reason, last_success_at
FROM feed_state;
