-- 017_topics_unkeyed: article_topics loses its primary key. The key held one index entry per
-- (article, subtopic, classifier version), eight or more per article: about 90 bytes each on disk,
-- 111 MB at 155,000 articles (15 % of the writer), and every load's ON CONFLICT looked up each new
-- row in it (0.92 s per 5,000 articles at 1M, against under 0.15 s at 100k; docs/performance.md).
-- A load now deletes the rows of the (article, version) pairs it writes, looking only for
-- articles the writer held before it, then inserts (sql/load/article_topics.sql): a rerun of a
-- classifier version still replaces that version's rows, and no pair is stored twice
-- (sql/checks/duplicate_ids.sql checks it).
CREATE TABLE article_topics_unkeyed (
    article_id          VARCHAR NOT NULL,
    topic_id            VARCHAR NOT NULL,
    classifier_version  VARCHAR NOT NULL,
    score               DOUBLE NOT NULL,      -- in [0, 1]
    is_primary          BOOLEAN NOT NULL      -- the best-scoring subtopic of a relevant article
);
INSERT INTO article_topics_unkeyed SELECT article_id, topic_id, classifier_version, score, is_primary
FROM article_topics;
DROP TABLE article_topics;
ALTER TABLE article_topics_unkeyed RENAME TO article_topics;
