// The original image-storage Worker's D1 statements that the benchmark
// (scripts/bench/bench.mjs) runs on a copy of its database: its table's
// columns, to seed it, and its two listing queries, to read what they cost.
// Copied from its src/index.ts; the benchmark checks that they still match
// it before it measures anything (`checkReferenceSql`).

/** The columns its upload handler inserts. */
export const REFERENCE_INSERT_COLUMNS = ['object_key', 'original_name', 'image_url', 'content_type', 'size', 'created_at'];

/** One page of `GET /query`: bound to (pageSize, (pageNum - 1) * pageSize). */
export const REFERENCE_LIST_SQL = `SELECT id, object_key, original_name, image_url, content_type, size, created_at
FROM images
ORDER BY id DESC
LIMIT ? OFFSET ?`;

/** The total that every `GET /query` answer carries. */
export const REFERENCE_COUNT_SQL = 'SELECT COUNT(*) AS total FROM images';

const normalize = (sql) => sql.replace(/\s+/g, ' ').trim();

/**
 * Throws unless the original Worker at `dir` still runs these statements:
 * the listing and count queries verbatim, and one INSERT with these columns.
 * The benchmark's numbers are only about the original if they match.
 */
export async function checkReferenceSql(dir) {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const file = join(dir, 'src/index.ts');
  const source = await readFile(file, 'utf8').catch(() => {
    throw new Error(`the original Worker's source was not found at ${file}: set REFERENCE_WORKER to its checkout`);
  });
  const statements = [...source.matchAll(/\.prepare\(\s*(`[^`]*`|'[^']*'|"[^"]*")/g)].map((m) => normalize(m[1].slice(1, -1)));
  for (const [what, sql] of [['page', REFERENCE_LIST_SQL], ['count', REFERENCE_COUNT_SQL]]) {
    if (!statements.includes(normalize(sql))) {
      throw new Error(`the ${what} query in tests/support/reference-sql.mjs is not in ${file}:\n  ${normalize(sql)}`);
    }
  }
  const inserts = statements.filter((sql) => /^INSERT INTO images\b/i.test(sql));
  const columns = inserts[0]?.match(/^INSERT INTO images \(([^)]*)\)/i)?.[1].split(',').map((column) => column.trim());
  if (inserts.length !== 1 || JSON.stringify(columns) !== JSON.stringify(REFERENCE_INSERT_COLUMNS)) {
    throw new Error(`${file} does not insert exactly these columns: ${REFERENCE_INSERT_COLUMNS.join(', ')}`);
  }
}
