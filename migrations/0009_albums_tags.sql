-- Albums and tags: metadata only. Keys and URLs never name them, so
-- organising never breaks a link a post already shows.
CREATE TABLE albums (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  parent_id INTEGER,
  cover_image_id INTEGER,
  -- Images in the album that are not in the trash, kept by the triggers
  -- below, so an album's listing counts its total in one row read.
  image_count INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  -- The shared page's `/a/<share_token>`; NULL when not shared.
  share_token TEXT,
  share_expires_at INTEGER
);
-- Sibling albums have different names, whatever their case.
CREATE UNIQUE INDEX albums_sibling_name ON albums(COALESCE(parent_id, 0), name COLLATE NOCASE);
CREATE UNIQUE INDEX albums_share_token ON albums(share_token) WHERE share_token IS NOT NULL;
CREATE INDEX albums_parent ON albums(parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX albums_cover ON albums(cover_image_id) WHERE cover_image_id IS NOT NULL;

-- Both ways indexed: an album's images newest first (the primary key),
-- and an image's albums (the second index).
CREATE TABLE album_images (
  album_id INTEGER NOT NULL,
  image_id INTEGER NOT NULL,
  PRIMARY KEY (album_id, image_id)
) WITHOUT ROWID;
CREATE INDEX album_images_image ON album_images(image_id, album_id);

CREATE TABLE tags (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  image_count INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE image_tags (
  tag_id INTEGER NOT NULL,
  image_id INTEGER NOT NULL,
  PRIMARY KEY (tag_id, image_id)
) WITHOUT ROWID;
CREATE INDEX image_tags_image ON image_tags(image_id, tag_id);

-- Counts follow links made and removed for live images...
CREATE TRIGGER album_images_after_insert AFTER INSERT ON album_images
WHEN EXISTS (SELECT 1 FROM images WHERE id = NEW.image_id AND deleted_at IS NULL)
BEGIN
  UPDATE albums SET image_count = image_count + 1 WHERE id = NEW.album_id;
END;

CREATE TRIGGER album_images_after_delete AFTER DELETE ON album_images
WHEN EXISTS (SELECT 1 FROM images WHERE id = OLD.image_id AND deleted_at IS NULL)
BEGIN
  UPDATE albums SET image_count = image_count - 1 WHERE id = OLD.album_id;
END;

CREATE TRIGGER image_tags_after_insert AFTER INSERT ON image_tags
WHEN EXISTS (SELECT 1 FROM images WHERE id = NEW.image_id AND deleted_at IS NULL)
BEGIN
  UPDATE tags SET image_count = image_count + 1 WHERE id = NEW.tag_id;
END;

CREATE TRIGGER image_tags_after_delete AFTER DELETE ON image_tags
WHEN EXISTS (SELECT 1 FROM images WHERE id = OLD.image_id AND deleted_at IS NULL)
BEGIN
  UPDATE tags SET image_count = image_count - 1 WHERE id = OLD.tag_id;
END;

-- ...images going to the trash and back (their links stay, so a restore
-- brings an image back into its albums with its tags; a trashed image is
-- no album's cover)...
CREATE TRIGGER labels_after_trash AFTER UPDATE OF deleted_at ON images
WHEN (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
  UPDATE albums SET cover_image_id = NULL
  WHERE NEW.deleted_at IS NOT NULL AND cover_image_id = NEW.id;
  UPDATE albums SET image_count = image_count + (CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END)
  WHERE id IN (SELECT album_id FROM album_images WHERE image_id = NEW.id);
  UPDATE tags SET image_count = image_count + (CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END)
  WHERE id IN (SELECT tag_id FROM image_tags WHERE image_id = NEW.id);
END;

-- ...and rows deleted (purged from the trash, or a live row reconcile
-- found without its object): their links go with them.
CREATE TRIGGER labels_after_image_delete AFTER DELETE ON images
BEGIN
  UPDATE albums SET image_count = image_count - 1
  WHERE OLD.deleted_at IS NULL AND id IN (SELECT album_id FROM album_images WHERE image_id = OLD.id);
  UPDATE tags SET image_count = image_count - 1
  WHERE OLD.deleted_at IS NULL AND id IN (SELECT tag_id FROM image_tags WHERE image_id = OLD.id);
  DELETE FROM album_images WHERE image_id = OLD.id;
  DELETE FROM image_tags WHERE image_id = OLD.id;
  UPDATE albums SET cover_image_id = NULL WHERE cover_image_id = OLD.id;
END;

-- Named tokens that may do everything an admin does may organise too.
UPDATE tokens SET scopes = scopes || ',organize'
WHERE revoked_at IS NULL AND (',' || scopes || ',') LIKE '%,admin,%'
  AND (',' || scopes || ',') NOT LIKE '%,organize,%';
