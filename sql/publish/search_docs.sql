-- The search documents of the articles this publish carries ($all: of every article), with what
-- a hit shows. An article missing here (no longer usable) leaves the index.
SELECT article_id, title, text, language, published, on_topic, primary_topic, source,
       final_url AS url
FROM main.report_articles
WHERE $all OR article_id IN (SELECT key FROM publishing WHERE kind = 'article');
