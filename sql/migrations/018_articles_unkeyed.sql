-- lake: unchanged (the DuckLake's copies never had keys; its tables and views stay as they are)
-- 018_articles_unkeyed: the per-article tables lose their primary keys, as article_topics did
-- (migration 017). DuckDB keeps a key as an ART index that a load must hold in memory to check
-- each new row, and that every checkpoint writes out whole. With article ids that are URL hashes
-- the index of 1.1 million keys held about 130 MB in memory per table once a load of 5,000 rows
-- had looked them up, took 0.46 s to checkpoint after that load (0.007 s without the key), and
-- about 250 MB on disk (docs/performance.md): seven such tables made every load cost what the
-- database holds. The loads keep the keys' promise themselves: each updates the rows it
-- replaces and inserts the others (sql/load/*.sql), and sql/checks/duplicate_ids.sql checks that
-- no key is stored twice. The columns, their order and NOT NULL stay as they were.
CREATE TABLE articles_unkeyed (
    article_id VARCHAR NOT NULL, url VARCHAR NOT NULL, link VARCHAR NOT NULL, final_url VARCHAR,
    feed_id VARCHAR, source_domain VARCHAR, title VARCHAR, authors VARCHAR[],
    published_at TIMESTAMPTZ, date_source VARCHAR, fetched_at TIMESTAMPTZ NOT NULL,
    http_status INTEGER, content_type VARCHAR, size_bytes BIGINT, fetch_ms DOUBLE,
    "language" VARCHAR, site_name VARCHAR, description VARCHAR, "text" VARCHAR, word_count INTEGER,
    content_hash VARCHAR, extraction_status VARCHAR NOT NULL, extraction_error VARCHAR,
    first_seen_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL, warc_file VARCHAR,
    warc_offset BIGINT, warc_length BIGINT, last_run_id VARCHAR, published_zone VARCHAR
);
INSERT INTO articles_unkeyed SELECT * FROM articles;
DROP TABLE articles;
ALTER TABLE articles_unkeyed RENAME TO articles;

CREATE TABLE article_signatures_unkeyed (
    article_id VARCHAR NOT NULL, signature BLOB NOT NULL, updated_at TIMESTAMPTZ NOT NULL
);
INSERT INTO article_signatures_unkeyed SELECT * FROM article_signatures;
DROP TABLE article_signatures;
ALTER TABLE article_signatures_unkeyed RENAME TO article_signatures;

CREATE TABLE article_terms_unkeyed (
    article_id VARCHAR NOT NULL, terms STRUCT(term VARCHAR, mentions INTEGER)[] NOT NULL, "week" DATE
);
INSERT INTO article_terms_unkeyed SELECT * FROM article_terms;
DROP TABLE article_terms;
ALTER TABLE article_terms_unkeyed RENAME TO article_terms;

CREATE TABLE article_versions_unkeyed (
    article_id VARCHAR NOT NULL, "version" INTEGER NOT NULL, content_hash VARCHAR NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL, title VARCHAR, "text" VARCHAR, word_count INTEGER,
    diff_words INTEGER
);
INSERT INTO article_versions_unkeyed SELECT * FROM article_versions;
DROP TABLE article_versions;
ALTER TABLE article_versions_unkeyed RENAME TO article_versions;

CREATE TABLE classifications_unkeyed (
    article_id VARCHAR NOT NULL, classifier_version VARCHAR NOT NULL, relevant BOOLEAN NOT NULL,
    score DOUBLE NOT NULL, explanation JSON, classified_at TIMESTAMPTZ NOT NULL, peace BOOLEAN,
    peace_score DOUBLE
);
INSERT INTO classifications_unkeyed SELECT * FROM classifications;
DROP TABLE classifications;
ALTER TABLE classifications_unkeyed RENAME TO classifications;

CREATE TABLE story_clusters_unkeyed (
    article_id VARCHAR NOT NULL, cluster_id VARCHAR NOT NULL, similarity DOUBLE NOT NULL,
    is_representative BOOLEAN NOT NULL, clustered_at TIMESTAMPTZ NOT NULL
);
INSERT INTO story_clusters_unkeyed SELECT * FROM story_clusters;
DROP TABLE story_clusters;
ALTER TABLE story_clusters_unkeyed RENAME TO story_clusters;

CREATE TABLE url_aliases_unkeyed (
    alias_id VARCHAR NOT NULL, article_id VARCHAR NOT NULL, link VARCHAR NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL
);
INSERT INTO url_aliases_unkeyed SELECT * FROM url_aliases;
DROP TABLE url_aliases;
ALTER TABLE url_aliases_unkeyed RENAME TO url_aliases;
