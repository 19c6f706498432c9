-- 003_dedup: one story, one row.

-- Every id an article has been reached by (a feed link, a tracking variant, an AMP page) and the
-- article it resolved to after the page named its canonical URL.
CREATE TABLE IF NOT EXISTS url_aliases (
    alias_id       VARCHAR PRIMARY KEY,   -- id of the normalised link
    article_id     VARCHAR NOT NULL,      -- id of the canonical URL
    link           VARCHAR NOT NULL,
    first_seen_at  TIMESTAMPTZ NOT NULL
);

-- MinHash signature of each article's text (datasketch, 128 x uint32, scheme affine32).
CREATE TABLE IF NOT EXISTS article_signatures (
    article_id  VARCHAR PRIMARY KEY,
    signature   BLOB NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- Story clusters: syndicated and lightly edited copies grouped; one row per clustered article.
CREATE TABLE IF NOT EXISTS story_clusters (
    article_id         VARCHAR PRIMARY KEY,
    cluster_id         VARCHAR NOT NULL,   -- the representative's article id
    similarity         DOUBLE NOT NULL,    -- estimated Jaccard similarity to the representative
    is_representative  BOOLEAN NOT NULL,   -- earliest published member
    clustered_at       TIMESTAMPTZ NOT NULL
);

-- Every distinct text an article has had; articles holds the latest.
CREATE TABLE IF NOT EXISTS article_versions (
    article_id    VARCHAR NOT NULL,
    version       INTEGER NOT NULL,        -- 1, 2, ... in fetch order
    content_hash  VARCHAR NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    title         VARCHAR,
    text          VARCHAR,
    word_count    INTEGER,
    diff_words    INTEGER,                 -- words added + removed against the previous version
    PRIMARY KEY (article_id, version)
);

-- One row per story: its representative, size and time span. Articles not clustered yet count
-- as stories of their own.
CREATE OR REPLACE VIEW stories AS
SELECT
    coalesce(s.cluster_id, a.article_id) AS story_id,
    count(*) AS articles,
    count(DISTINCT a.source_domain) AS sources,
    min(coalesce(a.published_at, a.first_seen_at)) AS first_published,
    max(coalesce(a.published_at, a.first_seen_at)) AS last_published,
    arg_min(a.title, coalesce(a.published_at, a.first_seen_at)) AS title
FROM articles a
LEFT JOIN story_clusters s USING (article_id)
WHERE a.extraction_status = 'ok'
GROUP BY 1;
