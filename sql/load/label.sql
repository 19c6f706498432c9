-- An analyst's correction of one article (`newsflow label`). Returns the article id, or nothing
-- when the article is not in the database. One row per (article, time) (migration 024).
INSERT INTO labels (article_id, relevant, peace, labelled_by, labelled_at, note)
SELECT article_id, $relevant, CASE WHEN $relevant THEN $peace ELSE false END, $by, now(), $note
FROM articles WHERE article_id = $article_id
RETURNING article_id;
