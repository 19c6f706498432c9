-- 027_current_rows: every article keeps its decision when another classifier version decides
-- some articles and not the rest.
-- Until now the current_* views kept the rows of the newest classifier version alone. A version
-- that had decided only part of the store (`newsflow reclassify --since DAY`, or the first run
-- after `newsflow train` or a taxonomy change, which decides the new articles alone) hid the
-- decision of every other article, and with it the analysts' corrections of those articles:
-- they fell off the story in every report until all of them were classified again.
-- Now each row says whether it is its article's current decision: the newest load of a decision
-- of an article makes its rows current and the article's earlier ones not
-- (sql/load/classifications.sql, article_topics.sql); the earlier versions' rows stay queryable.
-- The views read the flag, not a join: as cheap as the version filter they replace, where a
-- newest-row-per-article query took 0.4-0.5 s more at 1.285M articles.
ALTER TABLE classifications ADD COLUMN IF NOT EXISTS is_current BOOLEAN;
ALTER TABLE article_topics ADD COLUMN IF NOT EXISTS is_current BOOLEAN;

-- The rows stored before this migration: each article's newest decision is current.
UPDATE classifications c
SET is_current = (c.classifier_version = n.classifier_version)
FROM (
    SELECT article_id, classifier_version
    FROM classifications
    QUALIFY row_number() OVER (PARTITION BY article_id
                               ORDER BY classified_at DESC, classifier_version DESC) = 1
) n
WHERE n.article_id = c.article_id;

UPDATE article_topics t
SET is_current = (t.article_id, t.classifier_version) IN (
    SELECT (article_id, classifier_version) FROM classifications WHERE is_current
);

-- An article's current decision (the newest of the versions that decided it), with an analyst's
-- correction winning over the model's decision; the model's own decision stays beside it.
CREATE OR REPLACE VIEW current_classifications AS
SELECT
    c.article_id,
    c.classifier_version,
    coalesce(l.relevant, c.relevant) AS relevant,
    c.score,
    CASE WHEN l.article_id IS NULL THEN c.peace
         WHEN NOT l.relevant THEN false
         ELSE coalesce(l.peace, c.peace) END AS peace,
    c.peace_score,
    c.explanation,
    c.classified_at,
    c.relevant AS model_relevant,
    c.peace AS model_peace,
    l.labelled_by AS corrected_by,
    l.labelled_at AS corrected_at
FROM classifications c
LEFT JOIN current_labels l USING (article_id)
WHERE c.is_current;

-- The subtopic scores of each article's current decision.
CREATE OR REPLACE VIEW current_article_topics AS
SELECT t.* EXCLUDE (is_current)
FROM article_topics t
WHERE t.is_current;

-- The weekly term counts (015) count the on-topic articles of current_classifications: recount
-- every week with each article's current decision, as weekly_terms.sql recounts a load's weeks.
CREATE OR REPLACE TEMP TABLE recounted AS SELECT article_id, week, source FROM term_articles;
DELETE FROM on_topic_weeks;
INSERT INTO on_topic_weeks SELECT week, count(*) FROM recounted GROUP BY week;
DELETE FROM weekly_terms;
INSERT INTO weekly_terms SELECT * FROM weekly_term_counts(recounted);
CREATE OR REPLACE TEMP TABLE reflag AS SELECT DISTINCT week FROM weekly_terms;
CREATE OR REPLACE TEMP TABLE reflagged AS SELECT * FROM weekly_term_flags(reflag);
DELETE FROM weekly_terms;
INSERT INTO weekly_terms SELECT * FROM reflagged;
DROP TABLE recounted;
DROP TABLE reflag;
DROP TABLE reflagged;
