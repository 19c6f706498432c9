-- lake: views (report_articles changes; no table does: the next publish recreates the DuckLake's views)
-- 023_report_articles_without_text: report_articles, the base of the report views, carries each
-- article's word count in place of its whole text. `SELECT * FROM report_articles`, as a notebook
-- starts, fetched every stored text: 5.6 GB at a million articles, 19-32 s and more memory than a
-- reader has, where the other report views take about a second. No report view reads the text
-- (report_new_terms counts article_terms since migration 013); an analyst who wants it joins
-- articles (USING (article_id)) or searches (newsflow search). Every other column is as in 005.
CREATE OR REPLACE VIEW report_articles AS
SELECT
    a.article_id,
    CAST(coalesce(a.published_at, a.first_seen_at) AS DATE) AS day,
    coalesce(a.published_at, a.first_seen_at) AS published,
    a.first_seen_at,
    a.feed_id,
    a.source_domain,
    coalesce(a.site_name, f.name, a.source_domain) AS source,
    coalesce(a.language, 'und') AS language,
    a.title,
    a.word_count,
    a.final_url,
    coalesce(c.relevant, false) AS on_topic,
    c.score AS relevance,
    p.topic_id AS primary_topic
FROM articles a
LEFT JOIN feeds f USING (feed_id)
LEFT JOIN current_classifications c USING (article_id)
LEFT JOIN current_article_topics p ON p.article_id = a.article_id AND p.is_primary
WHERE a.extraction_status = 'ok';
