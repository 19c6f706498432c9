-- After the articles statement: the week each of the batch's articles is counted under, written
-- beside its terms (migration 016) when it is new or its date moved it to another week. The same
-- week as term_articles gives, so that a recount of a week can read that week's terms only.
UPDATE article_terms t
SET week = w.week
FROM (SELECT article_id,
             CAST(date_trunc('week', CAST(coalesce(published_at, first_seen_at) AS DATE)) AS DATE) AS week
      FROM articles
      WHERE article_id IN (SELECT article_id FROM staging_articles)) w
WHERE t.article_id = w.article_id AND t.week IS DISTINCT FROM w.week;
