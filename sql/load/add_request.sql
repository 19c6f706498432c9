-- A reprocessing request; asking again for the same window reopens it. One row per request_id
-- (migration 024).
MERGE INTO reprocess_requests
    USING (SELECT $request_id AS request_id, $requested_by AS requested_by, $stage AS stage,
                  $since AS since, $until AS until, $feed_ids AS feed_ids) AS asked
    ON reprocess_requests.request_id = asked.request_id
WHEN MATCHED THEN UPDATE SET
    requested_by = asked.requested_by, requested_at = now(),
    status = 'open', done_by = NULL, done_at = NULL, articles = NULL, error = NULL
WHEN NOT MATCHED THEN INSERT
    (request_id, requested_by, stage, since, until, feed_ids, requested_at, status)
    VALUES (asked.request_id, asked.requested_by, asked.stage, asked.since, asked.until,
            asked.feed_ids, now(), 'open');
