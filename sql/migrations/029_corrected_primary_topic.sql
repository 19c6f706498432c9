-- lake: views (one view changes; no table does: the next publish recreates the DuckLake's views)
-- 029_corrected_primary_topic: an article an analyst puts on the story counts under a subtopic.
-- A relevant article's primary subtopic is its highest-scoring one, so every on-story article
-- counts under a subtopic; but the model marks a primary only for the articles it decides are on
-- the story, so one that `newsflow label --relevant yes` put there had none, and the report, the
-- Airflow view and `search --topic` counted it under "No subtopic". Its highest-scoring subtopic
-- is now its primary in current_article_topics. The stored rows keep the model's own decision
-- (is_primary false). An article set aside without the model (every score 0) has no subtopic to
-- promote and stays under "No subtopic". Ties go to the first topic id.
-- Keep sql/publish/carried_report.sql in step: tests/test_snapshot.py compares the two.
CREATE OR REPLACE VIEW current_article_topics AS
WITH t AS (
    SELECT * EXCLUDE (is_current) FROM article_topics WHERE is_current
),
promoted AS (
    SELECT t.article_id, t.topic_id
    FROM t JOIN current_labels l ON l.article_id = t.article_id AND l.relevant
    QUALIFY NOT bool_or(t.is_primary) OVER (PARTITION BY t.article_id)
        AND row_number() OVER (PARTITION BY t.article_id ORDER BY t.score DESC, t.topic_id) = 1
        AND t.score > 0
)
SELECT t.article_id, t.topic_id, t.classifier_version, t.score,
       t.is_primary OR p.article_id IS NOT NULL AS is_primary
FROM t
LEFT JOIN promoted p ON p.article_id = t.article_id AND p.topic_id = t.topic_id;
