-- lake: unchanged (the DuckLake's copies never had keys; its tables and views stay as they are)
-- 024_ledgers_unkeyed: the tables every poll, run, load, correction or reprocessing request writes
-- a few rows to lose their primary keys, as the per-article tables did (migrations 017-019). In DuckDB 1.4, rows appended to a
-- table with a key after a checkpoint start a new row group rather than filling the last one:
-- feed_polls gained a row group at every poll, pipeline_runs at every run and labels at every
-- `newsflow label`, so a year of hourly
-- polls would leave 8,760 row groups of a hundred rows each, which every scan and checkpoint
-- walks. A store grown by 240 loads held feed_polls and feed_state in 198 row groups each and
-- on_topic_weeks in 239 (docs/performance.md). Without the key the appends fill the last row
-- group. The writers keep the keys' promise with MERGE INTO (sql/load/*.sql), and
-- sql/checks/duplicate_ids.sql says if one broke. Columns, their order, NOT NULL and defaults
-- stay as they were.
CREATE TABLE feed_polls_unkeyed (
    poll_id VARCHAR NOT NULL, run_id VARCHAR NOT NULL, feed_id VARCHAR NOT NULL,
    url VARCHAR NOT NULL, polled_at TIMESTAMPTZ NOT NULL, status VARCHAR NOT NULL,
    http_status INTEGER, content_type VARCHAR, elapsed_ms DOUBLE, entries_seen INTEGER NOT NULL,
    entries_new INTEGER NOT NULL, error_class VARCHAR, "error" VARCHAR
);
INSERT INTO feed_polls_unkeyed SELECT * FROM feed_polls;
DROP TABLE feed_polls;
ALTER TABLE feed_polls_unkeyed RENAME TO feed_polls;

CREATE TABLE feed_state_unkeyed (
    feed_id VARCHAR NOT NULL, etag VARCHAR, last_modified VARCHAR,
    consecutive_failures INTEGER NOT NULL DEFAULT 0, last_status VARCHAR,
    last_polled_at TIMESTAMPTZ, last_success_at TIMESTAMPTZ, next_poll_at TIMESTAMPTZ,
    ttl_minutes INTEGER, retry_after_until TIMESTAMPTZ, disabled_at TIMESTAMPTZ,
    disabled_reason VARCHAR
);
INSERT INTO feed_state_unkeyed SELECT * FROM feed_state;
DROP TABLE feed_state;
ALTER TABLE feed_state_unkeyed RENAME TO feed_state;

CREATE TABLE errors_unkeyed (
    stage VARCHAR NOT NULL, "target" VARCHAR NOT NULL, feed_id VARCHAR,
    error_class VARCHAR NOT NULL, message VARCHAR NOT NULL, attempts INTEGER NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL, last_seen_at TIMESTAMPTZ NOT NULL, last_run_id VARCHAR,
    resolved_at TIMESTAMPTZ, retryable BOOLEAN, next_retry_at TIMESTAMPTZ
);
INSERT INTO errors_unkeyed SELECT * FROM errors;
DROP TABLE errors;
ALTER TABLE errors_unkeyed RENAME TO errors;

CREATE TABLE pipeline_runs_unkeyed (
    run_id VARCHAR NOT NULL, "trigger" VARCHAR NOT NULL, started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ, status VARCHAR NOT NULL, feeds_ok INTEGER, feeds_failed INTEGER,
    entries_seen INTEGER, entries_new INTEGER, pages_fetched INTEGER, pages_failed INTEGER,
    articles_new INTEGER, articles_empty INTEGER, on_topic INTEGER, stage_seconds JSON,
    "error" VARCHAR
);
INSERT INTO pipeline_runs_unkeyed SELECT * FROM pipeline_runs;
DROP TABLE pipeline_runs;
ALTER TABLE pipeline_runs_unkeyed RENAME TO pipeline_runs;

CREATE TABLE on_topic_weeks_unkeyed (
    "week" DATE NOT NULL,  -- Monday
    articles BIGINT NOT NULL  -- on-topic articles that week
);
INSERT INTO on_topic_weeks_unkeyed SELECT * FROM on_topic_weeks;
DROP TABLE on_topic_weeks;
ALTER TABLE on_topic_weeks_unkeyed RENAME TO on_topic_weeks;

CREATE TABLE labels_unkeyed (
    article_id VARCHAR NOT NULL, relevant BOOLEAN NOT NULL, peace BOOLEAN,
    labelled_by VARCHAR NOT NULL, labelled_at TIMESTAMPTZ NOT NULL, note VARCHAR
);
INSERT INTO labels_unkeyed SELECT * FROM labels;
DROP TABLE labels;
ALTER TABLE labels_unkeyed RENAME TO labels;

CREATE TABLE reprocess_requests_unkeyed (
    request_id VARCHAR NOT NULL, requested_by VARCHAR NOT NULL, stage VARCHAR NOT NULL,
    since TIMESTAMPTZ, "until" TIMESTAMPTZ, feed_ids VARCHAR[], requested_at TIMESTAMPTZ NOT NULL,
    status VARCHAR NOT NULL, done_by VARCHAR, done_at TIMESTAMPTZ, articles INTEGER
);
INSERT INTO reprocess_requests_unkeyed SELECT * FROM reprocess_requests;
DROP TABLE reprocess_requests;
ALTER TABLE reprocess_requests_unkeyed RENAME TO reprocess_requests;
