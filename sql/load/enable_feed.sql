-- Re-enable a disabled feed and forget its backoff: the next run polls it.
UPDATE feed_state SET disabled_at = NULL, disabled_reason = NULL, next_poll_at = NULL,
    consecutive_failures = 0
WHERE feed_id = $feed_id;
