-- lake: views (two views change; no table does: the next publish recreates the DuckLake's views)
-- 025_current_topics_and_top_stories: two views read less at a million articles, with the same
-- rows (compared with EXCEPT ALL both ways on the benchmark's 1.1M-article store).
-- current_article_topics joined article_topics (eight rows an article) with
-- current_classifications, itself a join of classifications with the labels, to keep the rows of
-- the current classifier version: a load writes an article's subtopic scores together with its
-- decision of the same version (sql/load/classifications.sql, article_topics.sql), so the version
-- alone says which rows those are. The primary subtopics of 1.1M articles: 0.58-0.67 s before,
-- 0.16-0.22 s after.
-- report_top_stories grouped every article into its story (the stories view) and then kept the
-- stories led by an on-topic article; it now groups only the articles of those stories:
-- 2.45-2.79 s before, 1.96-1.97 s after (with the first change; docs/performance.md).
CREATE OR REPLACE VIEW current_article_topics AS
SELECT t.*
FROM article_topics t
WHERE t.classifier_version = (
    SELECT classifier_version FROM classifications
    ORDER BY classified_at DESC LIMIT 1
);

-- Top stories, as in 005: on-topic stories (near-duplicate clusters, see 003) ranked by how many
-- articles and distinct sources carried them, then by recency. rank 1 is the biggest story.
CREATE OR REPLACE VIEW report_top_stories AS
WITH leads AS (  -- on-topic articles, each the lead of its story when it has one
    SELECT article_id, primary_topic, final_url FROM report_articles WHERE on_topic
),
led AS (  -- the stories they lead, as the stories view counts them
    SELECT
        coalesce(s.cluster_id, a.article_id) AS story_id,
        count(*) AS articles,
        count(DISTINCT a.source_domain) AS sources,
        min(coalesce(a.published_at, a.first_seen_at)) AS first_published,
        max(coalesce(a.published_at, a.first_seen_at)) AS last_published,
        arg_min(a.title, coalesce(a.published_at, a.first_seen_at)) AS title
    FROM articles a
    LEFT JOIN story_clusters s USING (article_id)
    WHERE a.extraction_status = 'ok'
      AND coalesce(s.cluster_id, a.article_id) IN (SELECT article_id FROM leads)
    GROUP BY 1
)
SELECT
    row_number() OVER (ORDER BY s.articles DESC, s.sources DESC, s.last_published DESC,
                                s.story_id) AS rank,
    s.story_id,
    s.title,
    s.articles,
    s.sources,
    s.first_published,
    s.last_published,
    r.primary_topic AS topic_id,
    r.final_url AS url
FROM led s
JOIN leads r ON r.article_id = s.story_id;
