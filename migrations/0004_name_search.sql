-- Name search without scanning the table. FTS5 has no tokenizer that finds
-- any part of a word of any length (and Chinese names have no spaces), so
-- each name is also kept with its characters spaced out ("猫 咪 . p n g")
-- and indexed one character per token: a search is a phrase of characters,
-- which matches wherever those characters stand together, from one
-- character up, case-insensitively.
ALTER TABLE images ADD COLUMN search_text TEXT;

UPDATE images SET search_text = (
  WITH RECURSIVE spaced(i, text) AS (
    SELECT 1, ''
    UNION ALL
    SELECT i + 1, text || substr(images.original_name, i, 1) || ' '
    FROM spaced WHERE i <= length(images.original_name)
  )
  SELECT text FROM spaced ORDER BY i DESC LIMIT 1
);

CREATE VIRTUAL TABLE images_fts USING fts5(
  search_text,
  content = 'images',
  content_rowid = 'id',
  tokenize = 'unicode61'
);
INSERT INTO images_fts(images_fts) VALUES ('rebuild');

CREATE TRIGGER images_fts_after_insert AFTER INSERT ON images
BEGIN
  INSERT INTO images_fts(rowid, search_text) VALUES (NEW.id, NEW.search_text);
END;

CREATE TRIGGER images_fts_after_delete AFTER DELETE ON images
BEGIN
  INSERT INTO images_fts(images_fts, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text);
END;
