// What filtering by album and tag costs at 100,000 images: one local stack
// seeded by SQL with ROWS images, an album holding every 10th, a small
// album of 60, and a tag on every 7th; then pages of 50 listed with each
// filter, alone and together, first pages and deep ones (by cursor). Prints
// the D1 rows each listing read (X-D1-Rows-Read, what D1 bills) and its
// time, and writes them to docs/benchmarks.md.
//
// Not a test: it prints figures and asserts nothing. A few minutes (the
// seeding).
//
//   make bench-organise    (or, with the Worker built: node scripts/bench/organise.mjs)
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { QUIET_ENV, ROOT, startStack, WRANGLER } from '../../tests/support/stack.mjs';
import { writeSection } from './report.mjs';
import { seedImagesSql } from './seed.mjs';

const run = promisify(execFile);
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const PAGE = 50;

/** Albums and tags over the seeded images; the triggers keep the counts. */
const LABELS_SQL = `
INSERT INTO albums (id, name, created_at) VALUES (1, 'Every tenth', 0), (2, 'Small', 0);
INSERT INTO album_images (album_id, image_id) SELECT 1, id FROM images WHERE id % 10 = 0;
INSERT INTO album_images (album_id, image_id) SELECT 2, id FROM images WHERE id % 1000 = 0 LIMIT 60;
INSERT INTO tags (id, name) VALUES (1, 'seventh');
INSERT INTO image_tags (tag_id, image_id) SELECT 1, id FROM images WHERE id % 7 = 0;
`;

async function seed(stateDir) {
  const file = join(stateDir, 'seed.sql');
  await writeFile(file, `${seedImagesSql('imghost', ROWS)}\n${LABELS_SQL}`);
  await run(WRANGLER, ['d1', 'execute', 'DB', '--local', '--persist-to', stateDir, '--file', file], {
    cwd: ROOT,
    env: QUIET_ENV,
    maxBuffer: 64 << 20,
  });
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

console.log(`Seeding ${ROWS.toLocaleString('en')} images, two albums and a tag...`);
const stack = await startStack({ seed });
try {
  const get = async (query) => {
    const started = performance.now();
    const response = await fetch(`${stack.url}/query?${query}`, { headers: { Authorization: `Bearer ${stack.token}` } });
    const body = await response.json();
    if (!response.ok) throw new Error(`${query}: ${response.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - started, rowsRead: Number(response.headers.get('x-d1-rows-read')), body };
  };
  /** The cursor of page `n` of `query`, walked to. */
  const cursorOf = async (query, n) => {
    let cursor = '';
    for (let page = 1; page < n; page++) cursor = (await get(`${query}${cursor ? `&cursor=${cursor}` : ''}`)).body.next_cursor;
    return cursor;
  };
  const cases = [
    ['no filter, page 1', `pageSize=${PAGE}`],
    ['album of 10,000, page 1', `pageSize=${PAGE}&album=1`],
    ['album of 10,000, page 100 (cursor)', `pageSize=${PAGE}&album=1`, 100],
    ['album of 60, page 1', `pageSize=${PAGE}&album=2`],
    ['tag on 14,285, page 1', `pageSize=${PAGE}&tag=seventh`],
    ['tag on 14,285, page 100 (cursor)', `pageSize=${PAGE}&tag=seventh`, 100],
    ['album and tag, page 1', `pageSize=${PAGE}&album=1&tag=seventh`],
    ['album and name search, page 1', `pageSize=${PAGE}&album=1&search=holiday`],
  ];
  const rows = [];
  for (const [label, base, page] of cases) {
    const query = page ? `${base}&cursor=${await cursorOf(base, page)}` : base;
    await get(query);
    const times = [];
    let last;
    for (let i = 0; i < RUNS; i++) {
      last = await get(query);
      times.push(last.ms);
    }
    rows.push({ label, rowsRead: last.rowsRead, results: last.body.results.length, total: last.body.total, median: quantile(times, 0.5), p95: quantile(times, 0.95) });
    console.log(`${label}: ${last.rowsRead} rows read, ${quantile(times, 0.5).toFixed(1)} ms median`);
  }
  const table = rows
    .map((r) => `| ${r.label} | ${r.results} | ${r.total.toLocaleString('en')} | ${r.rowsRead.toLocaleString('en')} | ${r.median.toFixed(1)} ms | ${r.p95.toFixed(1)} ms |`)
    .join('\n');
  await writeSection(
    'organise',
    `## Filtering by album and tag at ${ROWS.toLocaleString('en')} images (\`make bench-organise\`)

One local stack (\`wrangler dev\`, workerd with its local D1) seeded by SQL
with ${ROWS.toLocaleString('en')} images, an album holding every 10th
image, an album of 60, and a tag on every 7th image. Each listing asks for
a page of ${PAGE}; ${RUNS} runs each after one warm-up. "Rows read" is the
listing's \`X-D1-Rows-Read\`: the page and its total, as D1 bills them.

| listing | images | total | D1 rows read | median | p95 |
|---|---:|---:|---:|---:|---:|
${table}

An album or a tag drives the page through its link index, so a page of
${PAGE} reads its ${PAGE} links and the ${PAGE} image rows, and the total of
one album or one tag is its counter row: about 2 rows per image listed,
however deep the page and however large the library. That is the floor
for a many-to-many label (the link, then the image it names); the
unfiltered listing reads 1 row per image. Listings asked for with
\`labels=1\` (the CLI's) also read each image's albums and tags.

Filters together (an album and a tag, or an album and a name search) are
checked on each row the album's range reads, and their total counts the
matches, which reads the album's whole range: like a name search's total,
it grows with the album, not the page.`,
  );
} finally {
  await stack.stop();
}
