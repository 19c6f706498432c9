-- lake: views
-- 027_review_queue_first_seen: the review queue (026) says when the pipeline first saw each
-- article, for the Airflow view's closest calls of the week (sql/report/view_review.sql).
CREATE OR REPLACE VIEW review_queue AS
WITH doubt AS (
    SELECT
        c.article_id,
        c.classifier_version,
        c.relevant,
        c.score,
        c.peace,
        c.peace_score,
        c.explanation,
        abs(c.score - 0.5) AS relevance_margin,
        CASE WHEN c.relevant THEN abs(c.peace_score - 0.5) END AS peace_margin
    FROM current_classifications c
    WHERE c.corrected_by IS NULL
      AND c.score IS NOT NULL
      AND json_extract_string(c.explanation, '$.not_scored') IS NULL
)
SELECT
    d.article_id,
    a.title,
    a.source_domain,
    coalesce(a.published_at, a.first_seen_at) AS published,
    a.first_seen_at,
    CASE WHEN d.peace_margin < d.relevance_margin THEN 'peace' ELSE 'relevant' END AS closest,
    least(d.relevance_margin, coalesce(d.peace_margin, d.relevance_margin)) AS margin,
    d.relevance_margin,
    d.peace_margin,
    d.relevant,
    d.score,
    d.peace,
    d.peace_score,
    d.classifier_version,
    d.explanation,
    a.final_url
FROM doubt d
JOIN articles a USING (article_id);
