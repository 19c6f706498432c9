-- How many cluster rows this publish carries: none, and story_clusters is left alone.
SELECT count(*) FROM publishing WHERE kind = 'cluster';
