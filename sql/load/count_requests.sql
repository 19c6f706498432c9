-- How many articles each request a run took selected, set when the run plans them.
UPDATE reprocess_requests AS r
SET articles = c.articles
FROM (SELECT unnest($request_ids) AS request_id, unnest($articles) AS articles) AS c
WHERE r.request_id = c.request_id;
