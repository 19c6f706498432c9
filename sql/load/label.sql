-- An analyst's correction of one article (`newsflow label`). Returns the article id, or nothing
-- when the article is not in the database or has nothing to judge: no text was extracted and no
-- decision made (a correction could neither show in current_classifications nor teach `train`).
-- One row per (article, time) (migration 024).
INSERT INTO labels (article_id, relevant, peace, labelled_by, labelled_at, note)
SELECT article_id, $relevant, CASE WHEN $relevant THEN $peace ELSE false END, $by, now(), $note
FROM articles a WHERE article_id = $article_id
  AND (a.extraction_status = 'ok'
       OR EXISTS (SELECT 1 FROM classifications c WHERE c.article_id = $article_id AND c.is_current))
RETURNING article_id;
