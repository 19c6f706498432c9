-- The texts of a search's hits ($ids), for their snippets.
SELECT article_id, text FROM articles WHERE article_id IN (SELECT unnest($ids::VARCHAR[]));
