-- Lineage and reprocessing: which run last wrote each article, and the queue of reprocessing
-- requests that backfills put in and `news_process` (or `newsflow backfill`) works off.

-- The run that last loaded this article's row (a fetch, a re-fetch or a re-extraction).
ALTER TABLE articles ADD COLUMN IF NOT EXISTS last_run_id VARCHAR;

-- A window of stored articles to process again. Airflow's own backfill of `news_ingest` over a
-- date range puts one request per data interval here; the next `news_process` run works it off.
CREATE TABLE IF NOT EXISTS reprocess_requests (
    request_id   VARCHAR PRIMARY KEY,       -- stable id of (stage, since, until, feed_ids)
    requested_by VARCHAR NOT NULL,          -- the run that asked (pipeline_runs.run_id)
    stage        VARCHAR NOT NULL,          -- re-fetch | re-extract | re-classify
    since        TIMESTAMPTZ,               -- published (or first seen) at or after
    until        TIMESTAMPTZ,               -- ... and before
    feed_ids     VARCHAR[],                 -- NULL: every source
    requested_at TIMESTAMPTZ NOT NULL,
    status       VARCHAR NOT NULL,          -- open | taken (by a running run) | done
    done_by      VARCHAR,                   -- the run that worked it off
    done_at      TIMESTAMPTZ,
    articles     INTEGER                    -- articles it selected
);
