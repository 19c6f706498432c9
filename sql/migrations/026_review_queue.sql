-- lake: views
-- 026_review_queue: where a reader's check finds the model's mistakes. They gather near its
-- decision lines: on the real test months, the 50 closest calls of each month (16 % of the
-- headlines) held 45 of its 63 relevance mistakes (bench/review_bench.py). One row per article
-- the current classifier version decided with its model (not those it set aside without one: no
-- story term, or published before the war) and no analyst has corrected: how far each decision's
-- score is from its line (0.5), relevance always, peace when the article is on the story, and
-- which of the two is the closer call (pipeline.relevance.margins says the same in Python).
-- `newsflow review` lists them closest first; `newsflow label` corrects one.
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
