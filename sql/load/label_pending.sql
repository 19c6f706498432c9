-- A correction changes the article's current decision: the next publish carries it.
INSERT INTO publish_pending (kind, key) VALUES ('article', $article_id);
