-- 029_corrected_primary_topic: an article an analyst puts on the story counts under a subtopic.
-- A relevant article's primary subtopic is its highest-scoring one, so every on-story article
-- counts under a subtopic; but the model marks a primary only for the articles it decides are on
-- the story, so one that `newsflow label --relevant yes` put there had none, and the report, the
-- Airflow view and `search --topic` counted it under "No subtopic". Such a correction now keeps
-- the subtopic the article counts under (`labels.topic_id`: its highest-scoring one, score above
-- 0, ties to the first topic id; sql/load/label.sql), and current_article_topics makes it the
-- primary. The stored article_topics rows keep the model's own decision. An article set aside
-- without the model (every score 0) has no subtopic to give and stays under "No subtopic".
-- current_article_topics reads the corrected articles apart (a union), so that a reader's
-- filter on is_primary still reaches the table scan: at a million articles (8M rows, 200
-- corrections; a scratch study) a count of the primaries takes 0.08 s this way against 0.02 s
-- for the view before, where a join of every row with the labels took 0.3-0.4 s.
-- Keep sql/publish/carried_report.sql in step (tests/test_snapshot.py).
ALTER TABLE labels ADD COLUMN IF NOT EXISTS topic_id VARCHAR;

-- the corrections made before this migration
UPDATE labels SET topic_id = best.topic_id
FROM (
    SELECT article_id, topic_id FROM article_topics
    WHERE is_current
    QUALIFY NOT bool_or(is_primary) OVER (PARTITION BY article_id)
        AND row_number() OVER (PARTITION BY article_id ORDER BY score DESC, topic_id) = 1
        AND score > 0
) best
WHERE labels.article_id = best.article_id AND labels.relevant;

-- (a view of `SELECT *` is bound to the columns its table had)
CREATE OR REPLACE VIEW current_labels AS
SELECT * FROM labels
QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY labelled_at DESC) = 1;

CREATE OR REPLACE VIEW current_article_topics AS
SELECT t.* EXCLUDE (is_current)
FROM article_topics t
WHERE t.is_current
  AND t.article_id NOT IN (SELECT article_id FROM current_labels WHERE topic_id IS NOT NULL)
UNION ALL
SELECT t.article_id, t.topic_id, t.classifier_version, t.score, t.topic_id = l.topic_id AS is_primary
FROM article_topics t
JOIN current_labels l ON l.article_id = t.article_id AND l.topic_id IS NOT NULL
WHERE t.is_current;
