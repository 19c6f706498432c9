-- The articles of a staged batch the writer does not hold yet (their keys are fresh: no publish
-- has carried them, migration 014).
SELECT s.article_id
FROM staging_articles s
ANTI JOIN articles a USING (article_id);
