-- Subtopic scores of a batch, one row per (article, subtopic, classifier version). A rerun of a
-- classifier version replaces that version's rows of its articles. The table has no key
-- (migration 017): the rows to replace are deleted first, and only articles the writer held
-- before this load can have any (staging_pending's `fresh` marks the others), so a load of new
-- articles reads none of the table.
-- The scores of the batch's decisions are current (migration 027); those of the other versions
-- of its decided articles are not, whether or not this version scored their subtopics.
DELETE FROM article_topics
WHERE article_id IN (SELECT key FROM staging_pending WHERE kind = 'article' AND NOT fresh)
  AND (article_id, classifier_version) IN (SELECT article_id, classifier_version
                                           FROM staging_article_topics);
UPDATE article_topics SET is_current = false
WHERE article_id IN (SELECT key FROM staging_pending WHERE kind = 'article' AND NOT fresh)
  AND article_id IN (SELECT article_id FROM staging_classifications)
  AND is_current;
INSERT INTO article_topics BY NAME
SELECT DISTINCT ON (article_id, topic_id, classifier_version) *,
       (article_id, classifier_version) IN (
           SELECT (article_id, classifier_version) FROM staging_classifications
           QUALIFY row_number() OVER (PARTITION BY article_id
                                      ORDER BY classified_at DESC, classifier_version DESC) = 1
       ) AS is_current
FROM staging_article_topics;
