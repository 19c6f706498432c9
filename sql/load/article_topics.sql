-- Subtopic scores of a batch, one row per (article, subtopic, classifier version).
INSERT INTO article_topics BY NAME
SELECT DISTINCT ON (article_id, topic_id, classifier_version) *
FROM staging_article_topics
ON CONFLICT (article_id, topic_id, classifier_version) DO UPDATE SET
    score = excluded.score, is_primary = excluded.is_primary;
