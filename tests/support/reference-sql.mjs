// The original image-storage Worker's D1 statements that the benchmark
// (scripts/bench/bench.mjs) runs on a copy of its database: its table's
// columns, to seed it, and its two listing queries, to read what they cost.
// Copied from its src/index.ts; tests/api/bench-sql.test.mjs checks that
// they still match it.

/** The columns its upload handler inserts. */
export const REFERENCE_INSERT_COLUMNS = ['object_key', 'original_name', 'image_url', 'content_type', 'size', 'created_at'];

/** One page of `GET /query`: bound to (pageSize, (pageNum - 1) * pageSize). */
export const REFERENCE_LIST_SQL = `SELECT id, object_key, original_name, image_url, content_type, size, created_at
FROM images
ORDER BY id DESC
LIMIT ? OFFSET ?`;

/** The total that every `GET /query` answer carries. */
export const REFERENCE_COUNT_SQL = 'SELECT COUNT(*) AS total FROM images';
