-- How many entries the given polls saw for the first time.
SELECT coalesce(sum(entries_new), 0) FROM feed_polls WHERE list_contains($poll_ids, poll_id);
