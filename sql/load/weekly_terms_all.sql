-- Every week to be recounted: those counted so far and those with on-topic articles now.
INSERT INTO recount
SELECT week FROM on_topic_weeks
UNION
SELECT DISTINCT week FROM term_articles;
