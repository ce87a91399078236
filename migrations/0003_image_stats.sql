-- Totals kept by triggers in the same transaction as every insert and
-- delete, so listing and stats read one row instead of counting the table.
CREATE TABLE image_stats (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  image_count INTEGER NOT NULL,
  bytes_stored INTEGER NOT NULL,
  bytes_original INTEGER NOT NULL,
  compression_count INTEGER
);

INSERT INTO image_stats (id, image_count, bytes_stored, bytes_original)
SELECT 1, COUNT(*), COALESCE(SUM(size), 0), COALESCE(SUM(COALESCE(original_size, size)), 0)
FROM images;

CREATE TRIGGER image_stats_after_insert AFTER INSERT ON images
BEGIN
  UPDATE image_stats
  SET image_count = image_count + 1,
      bytes_stored = bytes_stored + NEW.size,
      bytes_original = bytes_original + COALESCE(NEW.original_size, NEW.size)
  WHERE id = 1;
END;

CREATE TRIGGER image_stats_after_delete AFTER DELETE ON images
BEGIN
  UPDATE image_stats
  SET image_count = image_count - 1,
      bytes_stored = bytes_stored - OLD.size,
      bytes_original = bytes_original - COALESCE(OLD.original_size, OLD.size)
  WHERE id = 1;
END;
