-- 005_reporting: the analysts' report views, built on the tables and views of 001-003.
-- Every view is named report_* and answers one question; docs/data-dictionary.md describes them.
-- Conventions: an article's day is the UTC date it was published (the page's date, else the
-- feed's, else the day the pipeline first saw it); "on topic" is the newest classifier
-- version's decision (current_classifications); an on-topic article counts once, under its
-- primary subtopic, so the subtopic figures of a day add up to that day's on-topic articles.

-- Usable articles with their day, decision and primary subtopic: the base of the views below.
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
    a.text,
    a.final_url,
    coalesce(c.relevant, false) AS on_topic,
    c.score AS relevance,
    p.topic_id AS primary_topic
FROM articles a
LEFT JOIN feeds f USING (feed_id)
LEFT JOIN current_classifications c USING (article_id)
LEFT JOIN current_article_topics p ON p.article_id = a.article_id AND p.is_primary
WHERE a.extraction_status = 'ok';

-- Daily volume per subtopic: how many on-topic articles a day each subtopic had as its primary.
CREATE OR REPLACE VIEW report_daily_subtopic_volume AS
SELECT
    r.day,
    r.primary_topic AS topic_id,
    t.label,
    count(*) AS articles,
    count(DISTINCT r.source) AS sources
FROM report_articles r
LEFT JOIN topics t ON t.topic_id = r.primary_topic
WHERE r.on_topic
GROUP BY ALL;

-- Volume per source and language a day: everything loaded, and how much of it was on topic.
CREATE OR REPLACE VIEW report_source_volume AS
SELECT
    day,
    source,
    source_domain,
    language,
    count(*) AS articles,
    count(*) FILTER (WHERE on_topic) AS on_topic
FROM report_articles
GROUP BY ALL;

-- On-topic share over time: per day, the articles loaded and the share of them on topic.
CREATE OR REPLACE VIEW report_on_topic_share AS
SELECT
    day,
    count(*) AS articles,
    count(*) FILTER (WHERE on_topic) AS on_topic,
    round(count(*) FILTER (WHERE on_topic) / count(*), 4) AS share
FROM report_articles
GROUP BY day;

-- Top stories: on-topic stories (near-duplicate clusters, see 003) ranked by how many articles
-- and distinct sources carried them, then by recency. rank 1 is the biggest story.
CREATE OR REPLACE VIEW report_top_stories AS
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
FROM stories s
JOIN report_articles r ON r.article_id = s.story_id
WHERE r.on_topic;

-- New actors and terms of the week. A term is a run of capitalised words (Kaja Kallas, Black Sea
-- Fleet, NATO) in the text of on-topic articles, with a possessive 's dropped (headlines are left
-- out: their Title Case makes every word look like a name). A capitalised word that also occurs in
-- lower case in any loaded article is an ordinary word at the start of a sentence ("The",
-- "Officials"), so it is dropped when alone and stripped when it leads a longer run ("The
-- Kremlin" -> "Kremlin"). A term is new in a week when on-topic articles mention it that week
-- and in none of the four weeks before; a week with no on-topic articles in the four weeks before
-- it has no baseline, so nothing in it is flagged. Weeks start on Monday (UTC).
CREATE OR REPLACE VIEW report_new_terms AS
WITH on_topic AS (
    SELECT article_id, CAST(date_trunc('week', day) AS DATE) AS week, source,
           coalesce(text, '') AS body
    FROM report_articles
    WHERE on_topic
),
lower_words AS (
    SELECT DISTINCT w AS word
    FROM report_articles, unnest(regexp_extract_all(coalesce(text, ''), '\b\p{Ll}[\p{L}''-]*')) AS u(w)
),
runs AS (
    SELECT o.article_id, o.week, o.source,
           string_split(regexp_replace(m, '[''’]s\b', '', 'g'), ' ') AS words
    FROM on_topic o,
         unnest(regexp_extract_all(o.body, '\p{Lu}[\p{L}\p{Nd}''’-]*(?: \p{Lu}[\p{L}\p{Nd}''’-]*)*')) AS u(m)
),
terms AS (
    SELECT r.article_id, r.week, r.source,
           CASE WHEN len(r.words) > 1 AND lw.word IS NOT NULL
                THEN array_to_string(r.words[2:], ' ')
                ELSE array_to_string(r.words, ' ') END AS term,
           len(r.words) = 1 AND lw.word IS NOT NULL AS ordinary
    FROM runs r
    LEFT JOIN lower_words lw ON lw.word = lower(r.words[1])
),
weekly AS (
    SELECT week, term, count(*) AS mentions, count(DISTINCT article_id) AS articles,
           count(DISTINCT source) AS sources
    FROM terms
    WHERE NOT ordinary AND length(term) >= 3
    GROUP BY week, term
),
weeks AS (
    SELECT DISTINCT week FROM on_topic
)
SELECT w.week, w.term, w.mentions, w.articles, w.sources
FROM weekly w
WHERE EXISTS (SELECT 1 FROM weeks b WHERE b.week >= w.week - INTERVAL 28 DAY AND b.week < w.week)
  AND NOT EXISTS (SELECT 1 FROM weekly p
                  WHERE p.term = w.term AND p.week >= w.week - INTERVAL 28 DAY AND p.week < w.week);

-- Feed activity per configured feed: when it last answered, how many polls in a row have failed
-- since (0 when the last poll was fine), and the articles it brought in the last 7 days (by
-- first seen) with their daily average. Named apart from feed_health (002), which it extends.
CREATE OR REPLACE VIEW report_feed_activity AS
WITH ranked AS (
    SELECT feed_id, status, polled_at, error_class, error,
           row_number() OVER (PARTITION BY feed_id ORDER BY polled_at DESC) AS recency
    FROM feed_polls
),
last_ok AS (
    SELECT feed_id, min(recency) AS recency FROM ranked WHERE status <> 'failed' GROUP BY feed_id
),
polls AS (
    SELECT r.feed_id,
           count(*) AS polls,
           max(r.polled_at) AS last_poll,
           max(r.polled_at) FILTER (WHERE r.status <> 'failed') AS last_success,
           count(*) FILTER (WHERE r.status = 'failed'
                            AND r.recency < coalesce(l.recency, 2147483647)) AS failure_streak,
           any_value(r.status) FILTER (WHERE r.recency = 1) AS last_status,
           any_value(r.error_class || ': ' || r.error) FILTER (WHERE r.recency = 1) AS last_error
    FROM ranked r
    LEFT JOIN last_ok l USING (feed_id)
    GROUP BY r.feed_id
),
brought AS (
    SELECT feed_id,
           count(*) AS articles_total,
           count(*) FILTER (WHERE first_seen_at >= now() - INTERVAL 7 DAY) AS articles_7d
    FROM articles
    GROUP BY feed_id
)
SELECT
    f.feed_id,
    f.name,
    f.enabled,
    coalesce(p.polls, 0) AS polls,
    p.last_poll,
    p.last_success,
    p.last_status,
    coalesce(p.failure_streak, 0) AS failure_streak,
    p.last_error,
    coalesce(b.articles_total, 0) AS articles_total,
    coalesce(b.articles_7d, 0) AS articles_7d,
    round(coalesce(b.articles_7d, 0) / 7, 2) AS articles_per_day
FROM feeds f
LEFT JOIN polls p USING (feed_id)
LEFT JOIN brought b USING (feed_id);
