-- Every article with its relevance and peace decisions and primary subtopic, on-topic first
-- (newsflow demo).
SELECT relevant, relevance, peace, primary_topic, language, word_count, title
FROM article_overview
ORDER BY relevant DESC NULLS LAST, relevance DESC NULLS LAST, title;
