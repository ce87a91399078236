// The benchmark runs the original Worker's SQL through a probe to read what
// its listings cost; that SQL is a copy (tests/support/reference-sql.mjs).
// This checks the copy against the original's source, so that the numbers
// in docs/benchmarks.md are about the queries the original really runs.
// No stack needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ROOT } from '../support/stack.mjs';
import { REFERENCE_COUNT_SQL, REFERENCE_INSERT_COLUMNS, REFERENCE_LIST_SQL } from '../support/reference-sql.mjs';

/**
 * The original Worker's checkout: REFERENCE_WORKER (as `make bench` takes
 * it) when set, else the copy beside this repository's checkout.
 */
function referenceWorker() {
  const [what, dir] = process.env.REFERENCE_WORKER
    ? ['REFERENCE_WORKER', resolve(process.env.REFERENCE_WORKER)]
    : ['beside this checkout', resolve(ROOT, '../shared/reference-worker')];
  if (!existsSync(join(dir, 'src/index.ts'))) {
    assert.fail(
      `the original Worker's source was not found: no ${join(dir, 'src/index.ts')} (${what}); ` +
        'set REFERENCE_WORKER to a checkout of the original image-storage Worker',
    );
  }
  return dir;
}

const normalize = (sql) => sql.replace(/\s+/g, ' ').trim();

/** The SQL of every `.prepare(...)` call in the original's source, normalised. */
async function preparedStatements() {
  const source = await readFile(join(referenceWorker(), 'src/index.ts'), 'utf8');
  const statements = [...source.matchAll(/\.prepare\(\s*(`[^`]*`|'[^']*'|"[^"]*")/g)].map((m) => normalize(m[1].slice(1, -1)));
  assert.ok(statements.length > 0, 'no DB.prepare(...) call found in the original source');
  return statements;
}

test("the listing queries the benchmark probes are the original Worker's", async () => {
  const statements = await preparedStatements();
  for (const [what, sql] of [['page', REFERENCE_LIST_SQL], ['count', REFERENCE_COUNT_SQL]]) {
    assert.ok(
      statements.includes(normalize(sql)),
      `the ${what} query in tests/support/reference-sql.mjs is not in the original source:\n  ${normalize(sql)}\nits statements:\n  ${statements.join('\n  ')}`,
    );
  }
});

test("the columns the benchmark seeds are the ones the original's upload inserts", async () => {
  const inserts = (await preparedStatements()).filter((sql) => /^INSERT INTO images\b/i.test(sql));
  assert.equal(inserts.length, 1, `expected one INSERT INTO images, found: ${inserts.join(' | ')}`);
  const columns = inserts[0].match(/^INSERT INTO images \(([^)]*)\)/i)?.[1].split(',').map((column) => column.trim());
  assert.deepEqual(columns, REFERENCE_INSERT_COLUMNS);
});

test('the benchmark uses the checked copy, not SQL of its own', async () => {
  const bench = await readFile(join(ROOT, 'scripts/bench/bench.mjs'), 'utf8');
  assert.match(bench, /from '\.\.\/\.\.\/tests\/support\/reference-sql\.mjs'/);
  for (const copy of ['FROM images ORDER BY', 'COUNT(*) AS total', "'object_key, original_name, image_url, content_type, size, created_at'"]) {
    assert.ok(!normalize(bench).includes(copy), `scripts/bench/bench.mjs holds its own copy of the original's SQL: ${copy}`);
  }
});
