-- How many of the articles this publish carries the DuckLake may hold rows of (not fresh).
SELECT count(*) FROM publishing WHERE kind = 'article' AND NOT fresh;
