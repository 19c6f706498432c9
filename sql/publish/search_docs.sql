-- The search documents of the articles this publish carries ({all}: of every article), with what
-- a hit shows: report_articles' columns, computed for those articles only (going through the
-- view joins every decision and subtopic score: 23 s at 1M articles). An article missing here
-- (no longer usable) leaves the index. tests/test_snapshot.py checks it agrees with the view.
WITH chosen AS (  -- {all}: every article; else the fresh ones read from where they start ({fresh},
                  -- store.fresh_rows), not by their ids, which a hash spreads over every row group.
                  -- Read once, in the final SELECT only, so the result streams (a CTE read twice
                  -- is materialized whole, texts and all).
    SELECT * FROM main.articles WHERE {all}
    UNION ALL
    SELECT * FROM main.articles
    WHERE NOT {all} AND {fresh} AND article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND fresh)
    UNION ALL
    SELECT * FROM main.articles
    WHERE NOT {all} AND article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND NOT fresh)
),
carried AS (  -- the same articles' ids, without their texts
    SELECT article_id FROM main.articles WHERE {all}
    UNION ALL
    SELECT key FROM publishing WHERE NOT {all} AND kind = 'article'
),
newest AS (
    SELECT classifier_version FROM main.classifications ORDER BY classified_at DESC LIMIT 1
),
decisions AS (  -- {decided}: where the carried articles' decisions lie (`rowid >= N` when they are
                 -- all fresh, as for their texts; else true); {topics}: the same for their scores
    SELECT c.article_id, c.relevant FROM main.classifications c
    WHERE {decided} AND c.article_id IN (SELECT article_id FROM carried)
      AND c.classifier_version = (SELECT classifier_version FROM newest)
),
corrections AS (
    SELECT article_id, relevant FROM main.labels
    WHERE article_id IN (SELECT article_id FROM carried)
    QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY labelled_at DESC) = 1
),
primaries AS (
    SELECT t.article_id, t.topic_id FROM main.article_topics t
    WHERE {topics} AND t.article_id IN (SELECT article_id FROM decisions)
      AND t.classifier_version = (SELECT classifier_version FROM newest) AND t.is_primary
)
SELECT
    a.article_id,
    a.title,
    a.text,
    coalesce(a.language, 'und') AS language,
    coalesce(a.published_at, a.first_seen_at) AS published,
    CASE WHEN d.article_id IS NULL THEN false ELSE coalesce(l.relevant, d.relevant, false) END AS on_topic,
    p.topic_id AS primary_topic,
    coalesce(a.site_name, f.name, a.source_domain) AS source,
    a.final_url AS url
FROM chosen a
LEFT JOIN main.feeds f USING (feed_id)
LEFT JOIN decisions d ON d.article_id = a.article_id
LEFT JOIN corrections l ON l.article_id = a.article_id
LEFT JOIN primaries p ON p.article_id = a.article_id
WHERE a.extraction_status = 'ok';
