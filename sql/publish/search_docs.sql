-- The search documents of the articles this publish carries ({all}: of every article): each
-- one's text, with what a hit shows from its report_articles row ({report}: carried_report, which
-- carried_report.sql filled for the carried articles alone; the writer's view when {all}). An
-- article missing here (no longer usable) leaves the index.
WITH chosen AS (  -- {all}: every article; else the fresh ones read from where they start ({fresh},
                  -- store.fresh_rows), not by their ids, which a hash spreads over every row group.
                  -- Read once, in the final SELECT only, so the result streams (a CTE read twice
                  -- is materialized whole, texts and all).
    SELECT article_id, text FROM main.articles WHERE {all} AND extraction_status = 'ok'
    UNION ALL
    SELECT article_id, text FROM main.articles
    WHERE NOT {all} AND extraction_status = 'ok' AND {fresh} AND article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND fresh)
    UNION ALL
    SELECT article_id, text FROM main.articles
    WHERE NOT {all} AND extraction_status = 'ok' AND article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND NOT fresh)
)
SELECT
    a.article_id,  -- from the texts side: a document always carries the id it is deleted by
    r.title,
    a.text,
    r.language,
    r.published,
    r.on_topic,
    r.primary_topic,
    r.source,
    r.final_url AS url
FROM chosen a
LEFT JOIN {report} r ON r.article_id = a.article_id;
