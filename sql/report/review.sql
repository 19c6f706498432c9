-- newsflow review: the decisions the model is least sure of, closest to a line first.
-- $decision: 'any' (the closer of the two calls), 'relevant' or 'peace'; $since: a UTC time or NULL.
SELECT article_id, published, source_domain, title, relevant, score, peace, peace_score,
       closest, margin, explanation
FROM (
    SELECT *,
           CASE $decision WHEN 'relevant' THEN relevance_margin
                          WHEN 'peace' THEN peace_margin
                          ELSE margin END AS chosen_margin
    FROM review_queue
    WHERE $since IS NULL OR published >= $since
)
WHERE chosen_margin IS NOT NULL
ORDER BY chosen_margin, published DESC, article_id
LIMIT $limit;
