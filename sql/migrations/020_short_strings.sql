-- lake: unchanged (how the writer compresses its columns is its own; the DuckLake's Parquet files keep theirs)
-- 020_short_strings: the short strings of the per-article tables (ids, classifier versions, codes,
-- names) are compressed by dictionary and FSST instead of zstd. The writer forces zstd on every
-- string column so that article texts are compressed (pipeline/store.py), short ones too; every
-- query that filters or joins on them paid zstd's decompression per row. Measured on 8.7 million
-- rows (article_topics at 1M articles): a filter on classifier version and subtopic 0.29 s with
-- zstd, 0.02 s with dict_fsst; a search by 5,000 article ids 0.17 s against 0.09 s, in half the
-- space (docs/performance.md). Long strings (texts, titles, descriptions, addresses, explanations,
-- term lists), content hashes and weekly terms stay zstd: a dictionary of unique or rarely repeated
-- strings takes more room than zstd (article_versions 11 MB with zstd, 22 MB with dict_fsst at
-- 100,000 articles; weekly_terms 20 against 30 MB). A column's method is part of its definition,
-- which DuckDB cannot alter, so each table is copied into its new definition: the columns, their
-- order and NOT NULL stay as they were.
CREATE TABLE article_topics_020 (
    article_id VARCHAR USING COMPRESSION dict_fsst NOT NULL,
    topic_id VARCHAR USING COMPRESSION dict_fsst NOT NULL,
    classifier_version VARCHAR USING COMPRESSION dict_fsst NOT NULL, score DOUBLE NOT NULL,
    is_primary BOOLEAN NOT NULL
);
INSERT INTO article_topics_020 SELECT * FROM article_topics;
DROP TABLE article_topics;
ALTER TABLE article_topics_020 RENAME TO article_topics;

CREATE TABLE articles_020 (
    article_id VARCHAR USING COMPRESSION dict_fsst NOT NULL, url VARCHAR NOT NULL,
    link VARCHAR NOT NULL, final_url VARCHAR, feed_id VARCHAR USING COMPRESSION dict_fsst,
    source_domain VARCHAR USING COMPRESSION dict_fsst, title VARCHAR, authors VARCHAR[],
    published_at TIMESTAMPTZ, date_source VARCHAR USING COMPRESSION dict_fsst,
    fetched_at TIMESTAMPTZ NOT NULL, http_status INTEGER,
    content_type VARCHAR USING COMPRESSION dict_fsst, size_bytes BIGINT, fetch_ms DOUBLE,
    "language" VARCHAR USING COMPRESSION dict_fsst, site_name VARCHAR USING COMPRESSION dict_fsst,
    description VARCHAR, "text" VARCHAR, word_count INTEGER,
    content_hash VARCHAR,
    extraction_status VARCHAR USING COMPRESSION dict_fsst NOT NULL, extraction_error VARCHAR,
    first_seen_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL,
    warc_file VARCHAR USING COMPRESSION dict_fsst, warc_offset BIGINT, warc_length BIGINT,
    last_run_id VARCHAR USING COMPRESSION dict_fsst,
    published_zone VARCHAR USING COMPRESSION dict_fsst
);
INSERT INTO articles_020 SELECT * FROM articles;
DROP TABLE articles;
ALTER TABLE articles_020 RENAME TO articles;

CREATE TABLE article_terms_020 (
    article_id VARCHAR USING COMPRESSION dict_fsst NOT NULL,
    terms STRUCT(term VARCHAR, mentions INTEGER)[] NOT NULL, "week" DATE
);
INSERT INTO article_terms_020 SELECT * FROM article_terms;
DROP TABLE article_terms;
ALTER TABLE article_terms_020 RENAME TO article_terms;

CREATE TABLE article_versions_020 (
    article_id VARCHAR USING COMPRESSION dict_fsst NOT NULL, "version" INTEGER NOT NULL,
    content_hash VARCHAR NOT NULL, fetched_at TIMESTAMPTZ NOT NULL,
    title VARCHAR, "text" VARCHAR, word_count INTEGER, diff_words INTEGER
);
INSERT INTO article_versions_020 SELECT * FROM article_versions;
DROP TABLE article_versions;
ALTER TABLE article_versions_020 RENAME TO article_versions;

CREATE TABLE classifications_020 (
    article_id VARCHAR USING COMPRESSION dict_fsst NOT NULL,
    classifier_version VARCHAR USING COMPRESSION dict_fsst NOT NULL, relevant BOOLEAN NOT NULL,
    score DOUBLE NOT NULL, explanation JSON, classified_at TIMESTAMPTZ NOT NULL, peace BOOLEAN,
    peace_score DOUBLE
);
INSERT INTO classifications_020 SELECT * FROM classifications;
DROP TABLE classifications;
ALTER TABLE classifications_020 RENAME TO classifications;

CREATE TABLE url_aliases_020 (
    alias_id VARCHAR USING COMPRESSION dict_fsst NOT NULL,
    article_id VARCHAR USING COMPRESSION dict_fsst NOT NULL, link VARCHAR NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL
);
INSERT INTO url_aliases_020 SELECT * FROM url_aliases;
DROP TABLE url_aliases;
ALTER TABLE url_aliases_020 RENAME TO url_aliases;

CREATE TABLE entries_020 (
    feed_id VARCHAR USING COMPRESSION dict_fsst NOT NULL, guid VARCHAR NOT NULL, link VARCHAR,
    article_id VARCHAR USING COMPRESSION dict_fsst, title VARCHAR, summary VARCHAR,
    published_at TIMESTAMPTZ, authors VARCHAR[], first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
INSERT INTO entries_020 SELECT * FROM entries;
DROP TABLE entries;
ALTER TABLE entries_020 RENAME TO entries;

CREATE TABLE article_signatures_020 (
    article_id VARCHAR USING COMPRESSION dict_fsst NOT NULL, signature BLOB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
INSERT INTO article_signatures_020 SELECT * FROM article_signatures;
DROP TABLE article_signatures;
ALTER TABLE article_signatures_020 RENAME TO article_signatures;

CREATE TABLE story_clusters_020 (
    article_id VARCHAR USING COMPRESSION dict_fsst NOT NULL,
    cluster_id VARCHAR USING COMPRESSION dict_fsst NOT NULL, similarity DOUBLE NOT NULL,
    is_representative BOOLEAN NOT NULL, clustered_at TIMESTAMPTZ NOT NULL
);
INSERT INTO story_clusters_020 SELECT * FROM story_clusters;
DROP TABLE story_clusters;
ALTER TABLE story_clusters_020 RENAME TO story_clusters;
