-- What imghost learns from the bytes: pixel size, content hash (one row per
-- distinct upload), and how much smaller the stored file is.
ALTER TABLE images ADD COLUMN width INTEGER;
ALTER TABLE images ADD COLUMN height INTEGER;
ALTER TABLE images ADD COLUMN sha256 TEXT;
ALTER TABLE images ADD COLUMN original_size INTEGER;
ALTER TABLE images ADD COLUMN compressed_by TEXT;
CREATE UNIQUE INDEX idx_images_sha256 ON images(sha256);
