-- 001_core: the core tables of the pipeline.
-- Applied once by pipeline.store.migrate(); recorded in schema_migrations.

CREATE TABLE IF NOT EXISTS feeds (
    feed_id     VARCHAR PRIMARY KEY,   -- slug from the feeds YAML
    name        VARCHAR,
    url         VARCHAR NOT NULL,
    language    VARCHAR,               -- ISO 639-1 as configured
    tags        VARCHAR[],
    enabled     BOOLEAN NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL   -- last time the config row was synced
);

-- One row per poll of one feed: an event log, it only grows.
CREATE TABLE IF NOT EXISTS feed_polls (
    poll_id       VARCHAR PRIMARY KEY,
    run_id        VARCHAR NOT NULL,
    feed_id       VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    polled_at     TIMESTAMPTZ NOT NULL,
    status        VARCHAR NOT NULL,    -- ok | partial (malformed but yielded entries) | failed
    http_status   INTEGER,
    content_type  VARCHAR,
    elapsed_ms    DOUBLE,
    entries_seen  INTEGER NOT NULL,
    entries_new   INTEGER NOT NULL,
    error_class   VARCHAR,
    error         VARCHAR
);

-- Every feed item as seen, keyed by (feed_id, guid).
CREATE TABLE IF NOT EXISTS entries (
    feed_id        VARCHAR NOT NULL,
    guid           VARCHAR NOT NULL,
    link           VARCHAR,
    article_id     VARCHAR,            -- id of the normalised link; NULL when the entry has no usable link
    title          VARCHAR,
    summary        VARCHAR,
    published_at   TIMESTAMPTZ,
    authors        VARCHAR[],
    first_seen_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (feed_id, guid)
);

-- One row per distinct article (normalised URL), the latest fetch and extraction.
CREATE TABLE IF NOT EXISTS articles (
    article_id         VARCHAR PRIMARY KEY,  -- first 16 hex chars of sha256(normalised url)
    url                VARCHAR NOT NULL,     -- normalised url
    link               VARCHAR NOT NULL,     -- link as the feed gave it
    final_url          VARCHAR,              -- after redirects
    feed_id            VARCHAR,              -- first feed that brought it
    source_domain      VARCHAR,
    title              VARCHAR,
    authors            VARCHAR[],
    published_at       TIMESTAMPTZ,          -- from the page, else from the feed
    date_source        VARCHAR,              -- page | feed | NULL
    fetched_at         TIMESTAMPTZ NOT NULL,
    http_status        INTEGER,
    content_type       VARCHAR,
    size_bytes         BIGINT,
    fetch_ms           DOUBLE,
    language           VARCHAR,
    site_name          VARCHAR,
    description        VARCHAR,
    text               VARCHAR,
    word_count         INTEGER,
    content_hash       VARCHAR,              -- sha256 of the whitespace-normalised text
    extraction_status  VARCHAR NOT NULL,     -- ok | empty
    extraction_error   VARCHAR,
    first_seen_at      TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);

-- The story and its subtopics, as the taxonomy defines them.
CREATE TABLE IF NOT EXISTS topics (
    topic_id          VARCHAR PRIMARY KEY,
    parent_id         VARCHAR,                -- NULL for the story itself
    label             VARCHAR NOT NULL,
    description       VARCHAR,
    taxonomy_version  VARCHAR NOT NULL
);

-- Relevance decision per article and classifier version, with its explanation.
CREATE TABLE IF NOT EXISTS classifications (
    article_id          VARCHAR NOT NULL,
    classifier_version  VARCHAR NOT NULL,
    relevant            BOOLEAN NOT NULL,
    score               DOUBLE NOT NULL,      -- story relevance score in [0, 1]
    explanation         JSON,                 -- matched terms, best sentence, component scores
    classified_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (article_id, classifier_version)
);

-- A score for every subtopic of every classified article.
CREATE TABLE IF NOT EXISTS article_topics (
    article_id          VARCHAR NOT NULL,
    topic_id            VARCHAR NOT NULL,
    classifier_version  VARCHAR NOT NULL,
    score               DOUBLE NOT NULL,      -- in [0, 1]
    is_primary          BOOLEAN NOT NULL,     -- the best-scoring subtopic of a relevant article
    PRIMARY KEY (article_id, topic_id, classifier_version)
);

CREATE TABLE IF NOT EXISTS pipeline_runs (
    run_id         VARCHAR PRIMARY KEY,
    trigger        VARCHAR NOT NULL,          -- cli | demo | airflow:<dag_id> | ...
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    status         VARCHAR NOT NULL,          -- running | success | failed
    feeds_ok       INTEGER,
    feeds_failed   INTEGER,
    entries_seen   INTEGER,
    entries_new    INTEGER,
    pages_fetched  INTEGER,
    pages_failed   INTEGER,
    articles_new   INTEGER,
    articles_empty INTEGER,
    on_topic       INTEGER,
    stage_seconds  JSON,                      -- {"poll": 1.2, "fetch": ...}
    error          VARCHAR
);

-- The error ledger: one row per (stage, target); attempts counts repeats.
CREATE TABLE IF NOT EXISTS errors (
    stage          VARCHAR NOT NULL,          -- poll | fetch | extract
    target         VARCHAR NOT NULL,          -- feed url or page url
    feed_id        VARCHAR,
    error_class    VARCHAR NOT NULL,          -- http_4xx | http_5xx | timeout | not_html | parse_error | ...
    message        VARCHAR NOT NULL,
    attempts       INTEGER NOT NULL,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    last_run_id    VARCHAR,
    resolved_at    TIMESTAMPTZ,               -- set when a later attempt succeeded
    PRIMARY KEY (stage, target)
);
