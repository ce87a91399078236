-- Responsive widths: WebP copies of an image for a srcset, stored beside it
-- under `<object_key>@<width>w.webp`. `widths` lists them ascending and
-- space-separated ("640 960 1280"), `widths_size` is their bytes together;
-- both NULL for an image without widths. They count against
-- MAX_STORAGE_BYTES like thumbnails.
ALTER TABLE images ADD COLUMN widths TEXT;
ALTER TABLE images ADD COLUMN widths_size INTEGER;
ALTER TABLE image_stats ADD COLUMN width_bytes INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER image_stats_widths_after_insert AFTER INSERT ON images
WHEN NEW.widths_size IS NOT NULL
BEGIN
  UPDATE image_stats SET width_bytes = width_bytes + NEW.widths_size WHERE id = 1;
END;

CREATE TRIGGER image_stats_widths_after_delete AFTER DELETE ON images
WHEN OLD.widths_size IS NOT NULL
BEGIN
  UPDATE image_stats SET width_bytes = width_bytes - OLD.widths_size WHERE id = 1;
END;

CREATE TRIGGER image_stats_widths_after_update AFTER UPDATE OF widths_size ON images
BEGIN
  UPDATE image_stats
  SET width_bytes = width_bytes + COALESCE(NEW.widths_size, 0) - COALESCE(OLD.widths_size, 0)
  WHERE id = 1;
END;
