-- Where the rows of the fresh articles this publish carries start in the writer's table {table}
-- (its smallest rowid among them; NULL when it holds none), looked for in its rows from rowid
-- {start} on (store.fresh_rows), and whether those rows hold one of an article the publish does
-- not carry: one no load wrote since the last publish, so in the table before every row a load
-- appended since, the fresh ones among them. If so, no fresh row lies before {start}; if not, the
-- caller looks farther back. A load appends the rows of articles new to the writer, so they lie
-- at the end of each table; reading them as `rowid >= start` skips the row groups before it,
-- whose article ids a hash spreads over every value, so that a read by id alone would scan (and
-- cache) every row, texts and all. Only the ids are read here, of the rows from {start} on.
SELECT
    min(rowid) FILTER (WHERE article_id IN (SELECT key FROM publishing WHERE kind = 'article' AND fresh)),
    coalesce(bool_or(article_id NOT IN (SELECT key FROM publishing WHERE kind = 'article')), false)
FROM main.{table}
WHERE rowid >= {start};
