-- How many keys of each kind this publish carries, and how many of them the DuckLake may already
-- hold rows of (not fresh: an article published before, which its delete must replace). A kind
-- with no keys leaves its tables alone: a week-keyed or cluster table is not touched at all.
SELECT kind, count(*) AS keys, count(*) FILTER (WHERE NOT fresh) AS held
FROM publishing
GROUP BY kind;
