-- 010_overview_peace: article_overview shows the peace decision beside relevance (both with an
-- analyst's correction applied, as current_classifications has them).

CREATE OR REPLACE VIEW article_overview AS
SELECT
    a.article_id,
    a.published_at,
    a.source_domain,
    a.feed_id,
    a.language,
    a.title,
    a.word_count,
    a.extraction_status,
    c.relevant,
    round(c.score, 3) AS relevance,
    c.peace,
    p.topic_id AS primary_topic,
    a.final_url
FROM articles a
LEFT JOIN current_classifications c USING (article_id)
LEFT JOIN current_article_topics p ON p.article_id = a.article_id AND p.is_primary;
