-- Every topic score is a number in [0, 1]: relevance scores and subtopic scores alike.
SELECT 'classifications' AS what, article_id, classifier_version, score
FROM classifications WHERE score IS NULL OR isnan(score) OR score < 0 OR score > 1
UNION ALL
SELECT 'article_topics:' || topic_id, article_id, classifier_version, score
FROM article_topics WHERE score IS NULL OR isnan(score) OR score < 0 OR score > 1;
