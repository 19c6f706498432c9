-- Relevance decisions of a batch; a rerun of the same classifier version replaces its rows.
INSERT INTO classifications BY NAME
SELECT DISTINCT ON (article_id, classifier_version)
    article_id, classifier_version, relevant, score, peace, peace_score, explanation::JSON AS explanation, classified_at
FROM staging_classifications
ON CONFLICT (article_id, classifier_version) DO UPDATE SET
    relevant = excluded.relevant, score = excluded.score,
    peace = excluded.peace, peace_score = excluded.peace_score,
    explanation = excluded.explanation, classified_at = excluded.classified_at;
