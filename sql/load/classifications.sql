-- Relevance decisions of a batch; a rerun of the same classifier version replaces its rows. The
-- table has no key (migration 018): the rows replaced are deleted first, for articles the writer
-- held before the load (a new one has none: a join of its id would read every stored id).
-- The batch's decisions become their articles' current ones (migration 027): the rows of other
-- versions of those articles stay, no longer current.
DELETE FROM classifications
WHERE article_id IN (SELECT key FROM staging_pending WHERE kind = 'article' AND NOT fresh)
  AND (article_id, classifier_version) IN (SELECT article_id, classifier_version
                                           FROM staging_classifications);
UPDATE classifications SET is_current = false
WHERE article_id IN (SELECT key FROM staging_pending WHERE kind = 'article' AND NOT fresh)
  AND article_id IN (SELECT article_id FROM staging_classifications)
  AND is_current;
INSERT INTO classifications BY NAME
SELECT article_id, classifier_version, relevant, score, peace, peace_score, explanation::JSON AS explanation,
       classified_at, row_number() OVER newest = 1 AS is_current  -- one per article, in any batch
FROM (SELECT DISTINCT ON (article_id, classifier_version) * FROM staging_classifications
      ORDER BY article_id, classifier_version, classified_at DESC)  -- the newest of a version's rows
WINDOW newest AS (PARTITION BY article_id ORDER BY classified_at DESC, classifier_version DESC);
