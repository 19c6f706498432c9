-- The earliest day the requests a run took reach back to (NULL: it took none, or one open at the start).
SELECT min(coalesce(since, TIMESTAMPTZ '1970-01-01'))
FROM reprocess_requests
WHERE done_by = $run_id AND status <> 'failed';  -- a failed request reprocessed nothing (028)
