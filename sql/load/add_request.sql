-- A reprocessing request; asking again for the same window reopens it.
INSERT INTO reprocess_requests
    (request_id, requested_by, stage, since, until, feed_ids, requested_at, status)
VALUES ($request_id, $requested_by, $stage, $since, $until, $feed_ids, now(), 'open')
ON CONFLICT (request_id) DO UPDATE SET
    requested_by = excluded.requested_by, requested_at = excluded.requested_at,
    status = 'open', done_by = NULL, done_at = NULL, articles = NULL;
