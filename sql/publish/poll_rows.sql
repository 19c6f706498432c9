-- Add the feed polls this publish carries (polls are only ever added).
DELETE FROM newsflow_lake.feed_polls
WHERE poll_id IN (SELECT key FROM publishing WHERE kind = 'poll');
INSERT INTO newsflow_lake.feed_polls BY NAME
SELECT * FROM main.feed_polls
WHERE poll_id IN (SELECT key FROM publishing WHERE kind = 'poll');
