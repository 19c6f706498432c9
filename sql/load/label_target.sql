-- Why an article cannot be corrected (`newsflow label`): its extraction status, or no row.
SELECT extraction_status, coalesce(extraction_error, '') FROM articles WHERE article_id = $article_id;
