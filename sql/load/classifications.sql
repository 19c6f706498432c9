-- Relevance decisions of a batch; a rerun of the same classifier version replaces its rows. The
-- table has no key (migration 018): the rows replaced are deleted first, for articles the writer
-- held before the load (a new one has none: a join of its id would read every stored id).
DELETE FROM classifications
WHERE article_id IN (SELECT key FROM staging_pending WHERE kind = 'article' AND NOT fresh)
  AND (article_id, classifier_version) IN (SELECT article_id, classifier_version
                                           FROM staging_classifications);
INSERT INTO classifications BY NAME
SELECT DISTINCT ON (article_id, classifier_version)
    article_id, classifier_version, relevant, score, peace, peace_score, explanation::JSON AS explanation, classified_at
FROM staging_classifications;
