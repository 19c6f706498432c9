-- The keys just published are done; keys noted since (none while the publish holds the write
-- lock) stay for the next one.
DELETE FROM publish_pending
WHERE (kind, key) IN (SELECT kind, key FROM publishing);
