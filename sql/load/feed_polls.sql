-- One row per poll; entries_new counts the entries not in `entries` before this poll. A poll
-- already recorded (its load retried) is not recorded again: one row per poll_id (migration 024).
INSERT INTO feed_polls BY NAME
SELECT
    p.* EXCLUDE (entries_new),
    coalesce((
        SELECT count(*) FROM staging_entries s
        WHERE s.feed_id = p.feed_id
          AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.feed_id = s.feed_id AND e.guid = s.guid)
    ), 0)::INTEGER AS entries_new
FROM staging_polls p
WHERE p.poll_id NOT IN (SELECT poll_id FROM feed_polls);
