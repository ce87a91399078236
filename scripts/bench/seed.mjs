// Seeding a benchmark's D1 with SQL: many image rows in a few statements,
// for imghost's schema or the original Worker's.
import { createHash } from 'node:crypto';
import { REFERENCE_INSERT_COLUMNS } from '../../tests/support/reference-sql.mjs';

export const sqlText = (text) => `'${String(text).replaceAll("'", "''")}'`;
const NAMES = ['holiday', 'screenshot', 'diagram', '猫咪照片', 'IMG', 'cover', 'banner', 'chart'];

// D1 refuses statements over 100 KB.
const ROWS_PER_INSERT = 200;

/** INSERT statements for `rows` images, oldest first (ids 1 to `rows`). */
export function seedImagesSql(kind, rows) {
  const statements = [];
  const start = Date.UTC(2024, 0, 1);
  for (let first = 1; first <= rows; first += ROWS_PER_INSERT) {
    const values = [];
    for (let i = first; i < Math.min(first + ROWS_PER_INSERT, rows + 1); i++) {
      const key = `seed/${String(i).padStart(6, '0')}.png`;
      const name = `${NAMES[i % NAMES.length]}-${i}.png`;
      const url = `https://img.example.com/${key}`;
      const size = 50_000 + (i % 1000);
      const created = start + i * 60_000;
      if (kind === 'imghost') {
        const sha = createHash('sha256').update(String(i)).digest('hex');
        const searchText = [...name].map((c) => `${c} `).join('');
        values.push(`(${sqlText(key)}, ${sqlText(name)}, ${sqlText(url)}, 'image/png', ${size}, ${created}, 800, 600, ${sqlText(sha)}, ${size}, 'none', ${sqlText(searchText)})`);
      } else {
        values.push(`(${sqlText(key)}, ${sqlText(name)}, ${sqlText(url)}, 'image/png', ${size}, ${created})`);
      }
    }
    const columns = kind === 'imghost'
      ? 'object_key, original_name, image_url, content_type, size, created_at, width, height, sha256, original_size, compressed_by, search_text'
      : REFERENCE_INSERT_COLUMNS.join(', ');
    statements.push(`INSERT INTO images (${columns}) VALUES\n${values.join(',\n')};`);
  }
  return statements.join('\n');
}
