-- The articles this publish carries.
SELECT key FROM publishing WHERE kind = 'article' ORDER BY key;
