-- Where the rows of the fresh articles this publish carries start in the writer's table {table}
-- (its smallest rowid among them; NULL when it holds none). A load appends the rows of articles
-- new to the writer, so they lie at the end of each table; reading them as `rowid >= start`
-- skips the row groups before it, whose article ids a hash spreads over every value, so that
-- a read by id alone would scan (and cache) every row, texts and all. Only the ids are read here.
SELECT min(rowid) FROM main.{table}
WHERE article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND fresh);
