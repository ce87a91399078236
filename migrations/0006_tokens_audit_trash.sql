-- Named API tokens. Only the SHA-256 of a token is stored; a revoked token
-- keeps its row so the audit log's names stay meaningful, and its name can
-- be given to a new one.
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE UNIQUE INDEX tokens_active_name ON tokens(name) WHERE revoked_at IS NULL;

-- One row per change, written in the same batch as the change.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  token TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  detail TEXT,
  ip TEXT,
  user_agent TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);

-- The trash: a trashed image keeps its row, with its objects moved under
-- `.trash/` (object_key and thumbnail_key say where they are now).
ALTER TABLE images ADD COLUMN deleted_at INTEGER;
CREATE INDEX images_trash ON images(id) WHERE deleted_at IS NOT NULL;

ALTER TABLE image_stats ADD COLUMN trash_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE image_stats ADD COLUMN trash_bytes INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER image_stats_after_trash AFTER UPDATE OF deleted_at ON images
WHEN (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
  UPDATE image_stats
  SET trash_count = trash_count + (CASE WHEN NEW.deleted_at IS NULL THEN -1 ELSE 1 END),
      trash_bytes = trash_bytes + (CASE WHEN NEW.deleted_at IS NULL THEN -NEW.size ELSE NEW.size END)
  WHERE id = 1;
END;

CREATE TRIGGER image_stats_after_purge AFTER DELETE ON images
WHEN OLD.deleted_at IS NOT NULL
BEGIN
  UPDATE image_stats
  SET trash_count = trash_count - 1, trash_bytes = trash_bytes - OLD.size
  WHERE id = 1;
END;

-- Uploads per UTC day (days since the epoch), for MAX_UPLOADS_PER_DAY.
CREATE TABLE daily_uploads (
  day INTEGER PRIMARY KEY,
  uploads INTEGER NOT NULL
);

CREATE TRIGGER daily_uploads_after_insert AFTER INSERT ON images
BEGIN
  INSERT OR IGNORE INTO daily_uploads (day, uploads)
  VALUES (CAST(strftime('%s', 'now') AS INTEGER) / 86400, 0);
  UPDATE daily_uploads SET uploads = uploads + 1
  WHERE day = CAST(strftime('%s', 'now') AS INTEGER) / 86400;
END;
