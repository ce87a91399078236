-- The trash moves out of the public bucket into its own private one
-- (TRASH_BUCKET), so a custom domain on the image bucket can no longer
-- serve deleted images. A row keeps its keys for life: trashed or live,
-- `object_key` is the key its URL names, and `deleted_at` says which
-- bucket holds the bytes.
--
-- While objects move between the buckets the row names the direction
-- (`move_to`: 'trash', 'live' or 'gone') and when the move was claimed.
-- Only one request moves a row at a time; a move whose request died is
-- taken over once its claim is older than a few seconds, so every move
-- can be finished after a crash.
ALTER TABLE images ADD COLUMN move_to TEXT;
ALTER TABLE images ADD COLUMN move_claimed_at INTEGER;
CREATE INDEX images_moving ON images(id) WHERE move_to IS NOT NULL;

-- Rows trashed before this migration named `.trash/<key>`. They get their
-- own keys back (unless an import took that key meanwhile: those keep the
-- `.trash/` key and can only be purged), and a pending move into the
-- private bucket that the next clean-up, reconcile or restore finishes.
UPDATE OR IGNORE images
SET object_key = substr(object_key, 8), thumbnail_key = substr(thumbnail_key, 8)
WHERE object_key LIKE '.trash/%';
UPDATE images SET move_to = 'trash', move_claimed_at = 0 WHERE deleted_at IS NOT NULL;

-- The SHA-256 of the bytes in R2 (the upload's `sha256` is of the bytes
-- before metadata stripping and compression). Rows from before have none.
ALTER TABLE images ADD COLUMN stored_sha256 TEXT;

-- Thumbnails count against MAX_STORAGE_BYTES. Thumbnails stored before
-- this migration have no size and count as nothing (each is at most 96 KiB).
ALTER TABLE images ADD COLUMN thumbnail_size INTEGER;
ALTER TABLE image_stats ADD COLUMN thumbnail_bytes INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER image_stats_thumbnail_after_insert AFTER INSERT ON images
WHEN NEW.thumbnail_size IS NOT NULL
BEGIN
  UPDATE image_stats SET thumbnail_bytes = thumbnail_bytes + NEW.thumbnail_size WHERE id = 1;
END;

CREATE TRIGGER image_stats_thumbnail_after_delete AFTER DELETE ON images
WHEN OLD.thumbnail_size IS NOT NULL
BEGIN
  UPDATE image_stats SET thumbnail_bytes = thumbnail_bytes - OLD.thumbnail_size WHERE id = 1;
END;

CREATE TRIGGER image_stats_thumbnail_after_update AFTER UPDATE OF thumbnail_size ON images
BEGIN
  UPDATE image_stats
  SET thumbnail_bytes = thumbnail_bytes + COALESCE(NEW.thumbnail_size, 0) - COALESCE(OLD.thumbnail_size, 0)
  WHERE id = 1;
END;

-- Keys of purged images: a key that was ever used is never given to other
-- bytes, so a URL in a published post never shows another picture. An
-- import may bring the same bytes back under it (same stored SHA-256).
CREATE TABLE retired_keys (
  key TEXT PRIMARY KEY,
  stored_sha256 TEXT,
  retired_at INTEGER NOT NULL
) WITHOUT ROWID;

-- A token made by a named token is revoked with it.
ALTER TABLE tokens ADD COLUMN created_by INTEGER;
CREATE INDEX tokens_created_by ON tokens(created_by) WHERE created_by IS NOT NULL;

-- Which token wrote a row, so a revoked token's rows stay apart from a
-- later token given the same name. NULL for ADMIN_TOKEN and the cron.
ALTER TABLE audit_log ADD COLUMN token_id INTEGER;
