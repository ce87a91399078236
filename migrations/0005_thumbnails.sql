-- Thumbnails, made by the clients that hold the decoded pixels and stored
-- beside their image (`<image key>.thumb.<ext>`), and whether an image has
-- more than one frame (its card is marked; its thumbnail is the first).
-- Rows from before have neither: clients backfill thumbnails.
ALTER TABLE images ADD COLUMN thumbnail_key TEXT;
ALTER TABLE images ADD COLUMN animated INTEGER;
-- Reconcile asks which row a listed thumbnail belongs to.
CREATE INDEX idx_images_thumbnail_key ON images(thumbnail_key) WHERE thumbnail_key IS NOT NULL;
