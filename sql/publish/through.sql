-- What this publish carries through (migration 014): the highest number of the keys it carries,
-- copied to the DuckLake in the same snapshot as their rows.
DELETE FROM published_through;
-- (greatest skips a NULL: nothing being published leaves $through as it is)
INSERT INTO published_through SELECT greatest((SELECT max(seq) FROM publishing), $through);
