-- Name search without scanning the table: a trigram full-text index for
-- searches of three characters or more (any part of the name), and a
-- case-insensitive index for shorter ones (start of the name).
CREATE VIRTUAL TABLE images_fts USING fts5(
  original_name,
  content = 'images',
  content_rowid = 'id',
  tokenize = 'trigram'
);
INSERT INTO images_fts(images_fts) VALUES ('rebuild');

CREATE TRIGGER images_fts_after_insert AFTER INSERT ON images
BEGIN
  INSERT INTO images_fts(rowid, original_name) VALUES (NEW.id, NEW.original_name);
END;

CREATE TRIGGER images_fts_after_delete AFTER DELETE ON images
BEGIN
  INSERT INTO images_fts(images_fts, rowid, original_name) VALUES ('delete', OLD.id, OLD.original_name);
END;

CREATE INDEX idx_images_name ON images(original_name COLLATE NOCASE);
