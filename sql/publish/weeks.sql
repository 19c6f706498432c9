-- How many weeks this publish carries (migration 015): none, and the week-keyed tables are left alone.
SELECT count(*) FROM publishing WHERE kind = 'week';
