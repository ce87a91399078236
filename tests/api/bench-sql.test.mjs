// The benchmark runs the original Worker's SQL through a probe to read what
// its listings cost; that SQL is a copy (tests/support/reference-sql.mjs),
// checked against the original's source by the benchmark itself before it
// measures (it needs that checkout; the tests need only this repository).
// Here: the checker catches a copy that drifted, and the benchmark uses
// the copy rather than SQL of its own. No stack needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/stack.mjs';
import { checkReferenceSql, REFERENCE_COUNT_SQL, REFERENCE_INSERT_COLUMNS, REFERENCE_LIST_SQL } from '../support/reference-sql.mjs';

/** A stand-in for the original Worker's checkout, holding `source` as its src/index.ts. */
async function checkout(source) {
  const dir = await mkdtemp(join(tmpdir(), 'imghost-reference-'));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'src/index.ts'), source);
  return dir;
}

const original = [
  `await env.DB.prepare(\`INSERT INTO images (${REFERENCE_INSERT_COLUMNS.join(', ')}) VALUES (?, ?, ?, ?, ?, ?)\`).bind().run();`,
  `await env.DB.prepare(\`${REFERENCE_LIST_SQL}\`).bind(pageSize, offset).all();`,
  `await env.DB.prepare('${REFERENCE_COUNT_SQL}').first();`,
].join('\n');

test('the checker accepts the statements as copied and refuses any drift', async () => {
  const dirs = [];
  try {
    const same = await checkout(original);
    dirs.push(same);
    await checkReferenceSql(same);
    for (const drifted of [
      original.replace('ORDER BY id DESC', 'ORDER BY created_at DESC'),
      original.replace('COUNT(*) AS total', 'COUNT(id) AS total'),
      original.replace(', created_at)', ', created_at, sha256)'),
    ]) {
      const dir = await checkout(drifted);
      dirs.push(dir);
      await assert.rejects(checkReferenceSql(dir));
    }
    await assert.rejects(checkReferenceSql(join(tmpdir(), 'no-such-checkout')), /REFERENCE_WORKER/);
  } finally {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
});

test('the benchmark checks the copy first and uses it, not SQL of its own', async () => {
  const bench = await readFile(join(ROOT, 'scripts/bench/bench.mjs'), 'utf8');
  assert.match(bench, /from '\.\.\/\.\.\/tests\/support\/reference-sql\.mjs'/);
  assert.match(bench, /await checkReferenceSql\(/);
  const normalize = (sql) => sql.replace(/\s+/g, ' ').trim();
  for (const copy of ['FROM images ORDER BY', 'COUNT(*) AS total', "'object_key, original_name, image_url, content_type, size, created_at'"]) {
    assert.ok(!normalize(bench).includes(copy), `scripts/bench/bench.mjs holds its own copy of the original's SQL: ${copy}`);
  }
});
