-- A request that cannot be planned (a source the feeds file no longer has, say) fails alone,
-- with the reason; the runs after go on without it (migration 028).
UPDATE reprocess_requests
SET status = 'failed', done_at = now(), error = $error
WHERE request_id = $request_id;
