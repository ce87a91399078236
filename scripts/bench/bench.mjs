// Side-by-side benchmark of imghost and the original image-storage Worker,
// both under `wrangler dev` on this machine with the same 100,000 rows.
//
//   REFERENCE_WORKER=/path/to/original-worker make bench
//
// Prints one table of medians and p95s with the imghost / reference ratio
// and writes it to docs/benchmarks.md. Not a test: it asserts nothing.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { writeSection } from './report.mjs';
import { seedImagesSql } from './seed.mjs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { pngFile } from '../../tests/support/png.mjs';
import { freePort, QUIET_ENV, ROOT, startStack, WRANGLER, withoutAssets, writeConfig } from '../../tests/support/stack.mjs';
import {
  checkReferenceSql,
  REFERENCE_COUNT_SQL,
  REFERENCE_LIST_SQL,
} from '../../tests/support/reference-sql.mjs';

const run = promisify(execFile);
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const PAGE_SIZE = 50;
const LISTING_RUNS = Number(process.env.BENCH_LISTING_RUNS ?? 30);
const FLOOR_RUNS = 100;
const UPLOADS_PER_SIZE = Number(process.env.BENCH_UPLOADS ?? 50);
const UPLOAD_CONCURRENCY = 4;
const UPLOAD_TURN = 10;
const SERVE_REQUESTS = 2000;
const SERVE_CONCURRENCY = 32;
const SERVE_ROUNDS = 5;

const referenceSource = process.env.REFERENCE_WORKER;
if (!referenceSource) {
  console.error('Set REFERENCE_WORKER to a checkout of the original image-storage Worker.');
  process.exit(2);
}
// The original's listing SQL is probed from a copy: it must still be what
// the original runs, or the figures are about something else.
await checkReferenceSql(resolve(referenceSource));

// ---------------------------------------------------------------- statistics
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const summary = (values) => ({ median: quantile(values, 0.5), p95: quantile(values, 0.95) });

async function timed(fn) {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}

// ------------------------------------------------------------------ seeding
const seedSql = (kind) => seedImagesSql(kind, ROWS);

async function wrangler(cwd, ...args) {
  return run(WRANGLER, args, { cwd, env: QUIET_ENV, maxBuffer: 64 << 20 });
}

async function seed(cwd, stateDir, database, kind) {
  const file = join(stateDir, 'seed.sql');
  await writeFile(file, seedSql(kind));
  await wrangler(cwd, 'd1', 'execute', database, '--local', '--persist-to', stateDir, '--file', file);
}

// ---------------------------------------------------------------- processes
const REFERENCE_DB = 'image-storage-record';

/** The reference's D1 in `stateDir`: migrated and seeded. */
async function prepareReference(stateDir, copy) {
  await wrangler(copy, 'd1', 'migrations', 'apply', REFERENCE_DB, '--local', '--persist-to', stateDir);
  await seed(copy, stateDir, REFERENCE_DB, 'reference');
}

/** The rows in the reference's table, read from its D1 file (the reference stopped). */
async function referenceRowCount(stateDir, copy) {
  const { stdout } = await wrangler(copy, 'd1', 'execute', REFERENCE_DB, '--local', '--persist-to', stateDir, '--json', '--command', REFERENCE_COUNT_SQL);
  return JSON.parse(stdout)[0].results[0].total;
}

/** The reference Worker on the D1 in `stateDir`. */
async function startReference(stateDir, copy) {
  const port = await freePort();
  const token = 'reference-token';
  await writeFile(join(stateDir, 'ref.vars'), `ADMIN_TOKEN=${token}\nPUBLIC_IMAGE_BASE_URL=http://127.0.0.1:${port}/i\n`);
  const child = await serve(copy, ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
    '--persist-to', stateDir, '--env-file', join(stateDir, 'ref.vars'), '--show-interactive-dev-session=false'], `http://127.0.0.1:${port}`);
  return { url: `http://127.0.0.1:${port}`, token, stop: () => kill(child) };
}

/** The probe Worker on the reference's D1 file, to read its queries' rows_read. */
async function startProbe(stateDir, copy) {
  const dir = await mkdtemp(join(tmpdir(), 'imghost-probe-'));
  await copyFile(join(ROOT, 'scripts/bench/probe-worker.js'), join(dir, 'probe-worker.js'));
  const config = (await readFile(join(copy, 'wrangler.toml'), 'utf8'));
  const d1 = config.slice(config.indexOf('[[d1_databases]]'));
  await writeFile(join(dir, 'wrangler.toml'), `name = "probe"\nmain = "probe-worker.js"\ncompatibility_date = "2026-04-01"\n\n${d1}`);
  const port = await freePort();
  const child = await serve(dir, ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
    '--persist-to', stateDir, '--show-interactive-dev-session=false'], `http://127.0.0.1:${port}`, 'POST');
  const url = `http://127.0.0.1:${port}`;
  return {
    /** Timings of a minimal JS Worker: an empty answer, and one `SELECT 1`. */
    async floors() {
      return {
        empty: await requests(url, {}, FLOOR_RUNS),
        oneQuery: await requests(url, { method: 'POST', body: '{"sql":"SELECT 1"}' }, FLOOR_RUNS),
      };
    },
    async rowsRead(sql, params = []) {
      const response = await fetch(url, { method: 'POST', body: JSON.stringify({ sql, params }) });
      return (await response.json()).rows_read;
    },
    async stop() {
      await kill(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function serve(cwd, args, url, probeMethod = 'GET') {
  const child = spawn(WRANGLER, args, { cwd, env: QUIET_ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler exited:\n${output}`);
    try {
      await fetch(url, { method: probeMethod, body: probeMethod === 'POST' ? '{"sql":"SELECT 1"}' : undefined });
      return child;
    } catch {}
    if (Date.now() > deadline) throw new Error(`wrangler did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function kill(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  try { process.kill(-child.pid, 'SIGKILL'); } catch {}
  await exited;
}

// ------------------------------------------------------------- measurements
const auth = (server) => ({ Authorization: `Bearer ${server.token}` });

/** Median and p95 of `runs` sequential requests. */
async function requests(url, init, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const { ms, result } = await timed(() => fetch(url, init));
    await result.arrayBuffer();
    times.push(ms);
  }
  return summary(times);
}

/**
 * Listing requests for each [server, query], one to each in turn, `runs`
 * times: the median, p95 and D1 rows read of each.
 */
async function listings(targets, runs = LISTING_RUNS) {
  const times = targets.map(() => []);
  const rowsRead = [];
  const totals = [];
  for (let run = 0; run < runs; run++) {
    for (const [i, [server, query]] of targets.entries()) {
      const url = `${server.url}/query?${query}`;
      const { ms, result } = await timed(() => fetch(url, { headers: auth(server) }));
      const body = await result.json();
      if (!body.success) throw new Error(`${url}: ${JSON.stringify(body)}`);
      rowsRead[i] = result.headers.get('x-d1-rows-read');
      totals[i] = body.total;
      times[i].push(ms);
    }
  }
  return targets.map((_, i) => ({ ...summary(times[i]), rowsRead: rowsRead[i] === null ? undefined : Number(rowsRead[i]), total: totals[i] }));
}

/** A request that reaches the Worker and touches no storage. */
const noop = (server) => requests(`${server.url}/no-such-route`, {}, FLOOR_RUNS);

/** The cursor of imghost's page `n`, found the way a client finds it. */
async function cursorOfPage(server, n) {
  let cursor = '';
  for (let page = 1; page < n; page++) {
    const response = await fetch(`${server.url}/query?pageSize=${PAGE_SIZE}${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth(server) });
    cursor = encodeURIComponent((await response.json()).next_cursor);
  }
  return cursor;
}

/** A valid PNG of about `size` bytes whose pixel data is random (distinct). */
function pngOfSize(size) {
  return pngFile(1024, 768, randomBytes(Math.max(0, size - 57)));
}


/** Upload times of `files`, UPLOAD_CONCURRENCY at a time. */
async function uploadAll(server, files) {
  const times = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++];
      const form = new FormData();
      form.append('file', new Blob([file], { type: 'image/png' }), 'bench.png');
      const { ms, result } = await timed(() => fetch(`${server.url}/upload`, { method: 'POST', body: form, headers: auth(server) }));
      const body = await result.json();
      if (!body.success) throw new Error(`upload to ${server.url}: ${JSON.stringify(body)}`);
      times.push(ms);
    }
  };
  await Promise.all(Array.from({ length: UPLOAD_CONCURRENCY }, worker));
  return times;
}

/** UPLOADS_PER_SIZE distinct images of `size` to each server, in turns of ten. */
async function uploads(servers, size) {
  const times = servers.map(() => []);
  for (let sent = 0; sent < UPLOADS_PER_SIZE; sent += UPLOAD_TURN) {
    for (const [i, server] of servers.entries()) {
      const files = Array.from({ length: Math.min(UPLOAD_TURN, UPLOADS_PER_SIZE - sent) }, () => pngOfSize(size));
      times[i].push(...(await uploadAll(server, files)));
    }
  }
  return times.map(summary);
}

/** Uploads the test image; its public URL. */
async function uploadedImage(server) {
  const form = new FormData();
  form.append('file', new Blob([await readFile(join(ROOT, 'tests/fixtures/coffee.png'))], { type: 'image/png' }), 'coffee.png');
  const body = await (await fetch(`${server.url}/upload`, { method: 'POST', body: form, headers: auth(server) })).json();
  return `${server.url}${new URL(body.url).pathname}`;
}

async function oha(url) {
  const { stdout } = await run('oha', ['-n', String(SERVE_REQUESTS), '-c', String(SERVE_CONCURRENCY), '--no-tui',
    '--output-format', 'json', url], { maxBuffer: 64 << 20 });
  const report = JSON.parse(stdout);
  const ok = report.statusCodeDistribution?.['200'] ?? 0;
  if (ok !== SERVE_REQUESTS) throw new Error(`serving ${url}: ${JSON.stringify(report.statusCodeDistribution)}`);
  return { median: report.latencyPercentiles.p50 * 1000, p95: report.latencyPercentiles.p95 * 1000 };
}

/**
 * Serving each server's image, in SERVE_ROUNDS interleaved rounds (a load
 * run on two cores swings by a fifth from one run to the next); the median
 * of the rounds' medians and of their p95s, per server.
 */
async function serving(servers) {
  const urls = await Promise.all(servers.map(uploadedImage));
  const runs = servers.map(() => []);
  for (let round = 0; round < SERVE_ROUNDS; round++) {
    for (const [i, url] of urls.entries()) runs[i].push(await oha(url));
  }
  return runs.map((results) => ({
    median: quantile(results.map((r) => r.median), 0.5),
    p95: quantile(results.map((r) => r.p95), 0.5),
  }));
}

// -------------------------------------------------------------------- main
const lastPage = Math.ceil(ROWS / PAGE_SIZE);
const deepPage = Math.min(1000, lastPage - 1);
const deepLabel = deepPage.toLocaleString('en');
const rows = [];
const add = (label, imghost, reference, unit = 'ms') => rows.push({ label, imghost, reference, unit });

let floors;
let referenceDeepPage;

const refCopy = await mkdtemp(join(tmpdir(), 'imghost-reference-'));
await cp(resolve(referenceSource), refCopy, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes('.wrangler') });
const refState = await mkdtemp(join(tmpdir(), 'imghost-reference-state-'));

console.log(`Seeding ${ROWS} rows into each and starting them...`);
const configDir = await mkdtemp(join(tmpdir(), 'imghost-api-only-'));
const seedImghost = (stateDir) => seed(ROOT, stateDir, 'DB', 'imghost');
const [imghost, apiOnly] = await Promise.all([
  startStack({ seed: seedImghost }),
  // The Worker as it runs with the UI on Pages: no [assets] table.
  startStack({ seed: seedImghost, config: await writeConfig(configDir, withoutAssets) }),
  prepareReference(refState, refCopy),
]);
let reference;
try {
  reference = await startReference(refState, refCopy);
} catch (error) {
  await Promise.all([imghost.stop(), apiOnly.stop()]);
  throw error;
}
try {
  // Warm both up.
  const pageOne = `pageSize=${PAGE_SIZE}&pageNum=1`;
  await listings([[imghost, pageOne], [reference, pageOne]], 5);

  console.log('Listing...');
  const referenceNoop = await noop(reference);
  add('no-op request (unknown path, 404)', await noop(imghost), referenceNoop);
  const deepCursor = await cursorOfPage(imghost, deepPage);
  const lastCursor = await cursorOfPage(imghost, lastPage);
  const byCursor = (cursor) => `pageSize=${PAGE_SIZE}&cursor=${cursor}`;
  const byNumber = (n) => `pageSize=${PAGE_SIZE}&pageNum=${n}`;
  const [first, firstReference] = await listings([[imghost, pageOne], [reference, pageOne]]);
  const [deep, deepByNumber, deepWithoutAssets, deepReference] = await listings([
    [imghost, byCursor(deepCursor)], [imghost, byNumber(deepPage)], [apiOnly, byCursor(deepCursor)], [reference, byNumber(deepPage)],
  ]);
  const [last, lastByNumber, lastWithoutAssets, lastReference] = await listings([
    [imghost, byCursor(lastCursor)], [imghost, byNumber(lastPage)], [apiOnly, byCursor(lastCursor)], [reference, byNumber(lastPage)],
  ]);
  referenceDeepPage = deepReference.median;
  add('listing page 1', first, firstReference);
  add(`listing page ${deepLabel} (imghost: cursor)`, deep, deepReference);
  add(`listing page ${deepLabel} (imghost: pageNum)`, deepByNumber, deepReference);
  add(`listing last page ${lastPage} (imghost: cursor)`, last, lastReference);
  add(`listing last page ${lastPage} (imghost: pageNum)`, lastByNumber, lastReference);

  // Rows read, on the tables the listings just read: before any upload adds
  // rows, so that both hold ROWS rows and "last page" is the last page.
  console.log('Rows read by the reference (probe on its D1)...');
  await reference.stop();
  const counts = {
    'imghost (its listings)': [first, deep, deepByNumber, deepWithoutAssets, last, lastByNumber, lastWithoutAssets].map((r) => r.total),
    'reference (its listings)': [firstReference, deepReference, lastReference].map((r) => r.total),
    'reference (its D1, now)': [await referenceRowCount(refState, refCopy)],
  };
  if (Object.values(counts).flat().some((total) => total !== ROWS)) {
    throw new Error(`the tables must hold ${ROWS} rows each to compare rows read: ${JSON.stringify(counts)}`);
  }
  const probe = await startProbe(refState, refCopy);
  try {
    floors = await probe.floors();
    const referenceRowsRead = async (pageNum) =>
      (await probe.rowsRead(REFERENCE_LIST_SQL, [PAGE_SIZE, (pageNum - 1) * PAGE_SIZE])) +
      (await probe.rowsRead(REFERENCE_COUNT_SQL));
    rows.push({ label: 'D1 rows read, page 1', imghost: first.rowsRead, reference: await referenceRowsRead(1), unit: 'rows' });
    rows.push({ label: `D1 rows read, page ${deepLabel} (imghost: cursor)`, imghost: deep.rowsRead, reference: await referenceRowsRead(deepPage), unit: 'rows' });
    rows.push({ label: `D1 rows read, page ${deepLabel} (imghost: pageNum)`, imghost: deepByNumber.rowsRead, reference: await referenceRowsRead(deepPage), unit: 'rows' });
    rows.push({ label: `D1 rows read, last page ${lastPage} (imghost: cursor)`, imghost: last.rowsRead, reference: await referenceRowsRead(lastPage), unit: 'rows' });
  } finally {
    await probe.stop();
  }
  reference = await startReference(refState, refCopy);

  console.log('Uploads...');
  const uploadsWithoutAssets = [];
  for (const [label, size] of [['100 KB', 100_000], ['1 MB', 1_000_000], ['5 MB', 5_000_000]]) {
    const [byImghost, byReference, byApiOnly] = await uploads([imghost, reference, apiOnly], size);
    const uploadLabel = `upload ${label} (${UPLOADS_PER_SIZE}, ${UPLOAD_CONCURRENCY} at a time)`;
    add(uploadLabel, byImghost, byReference);
    uploadsWithoutAssets.push([uploadLabel, byApiOnly, byReference]);
  }

  console.log('Serving...');
  const [byImghost, byReference, byApiOnly] = await serving([imghost, reference, apiOnly]);
  const serveLabel = `serve one image ${SERVE_REQUESTS}× (${SERVE_CONCURRENCY} clients, median of ${SERVE_ROUNDS} runs)`;
  add(serveLabel, byImghost, byReference);

  const noAssets = 'imghost without UI assets';
  add(`listing page ${deepLabel} (cursor), ${noAssets}`, deepWithoutAssets, deepReference);
  add(`listing last page ${lastPage} (cursor), ${noAssets}`, lastWithoutAssets, lastReference);
  add(`${serveLabel}, ${noAssets}`, byApiOnly, byReference);
  add(`no-op request, ${noAssets}`, await noop(apiOnly), referenceNoop);
  for (const [label, byApiOnly, byReference] of uploadsWithoutAssets) add(`${label}, ${noAssets}`, byApiOnly, byReference);
} finally {
  await imghost.stop();
  await apiOnly.stop();
  await reference?.stop().catch(() => {});
  await rm(configDir, { recursive: true, force: true });
  await rm(refCopy, { recursive: true, force: true });
  await rm(refState, { recursive: true, force: true });
}

// ------------------------------------------------------------------- report
const fmt = (value) => (value === undefined || value === null ? '–' : Number.isInteger(value) ? String(value) : value.toFixed(1));
const lines = [
  '| measurement | imghost median | imghost p95 | reference median | reference p95 | imghost / reference (median) |',
  '|---|---:|---:|---:|---:|---:|',
];
for (const { label, imghost, reference, unit } of rows) {
  if (unit === 'rows') {
    lines.push(`| ${label} | ${fmt(imghost)} rows | | ${fmt(reference)} rows | | ${(imghost / reference).toPrecision(2)} |`);
  } else {
    lines.push(`| ${label} | ${fmt(imghost.median)} ms | ${fmt(imghost.p95)} ms | ${fmt(reference.median)} ms | ${fmt(reference.p95)} ms | ${(imghost.median / reference.median).toFixed(2)} |`);
  }
}
const machine = `${cpus().length} × ${cpus()[0].model.trim()}, Node ${process.version}, wrangler ${JSON.parse(await readFile(join(ROOT, 'node_modules/wrangler/package.json'), 'utf8')).version}`;
const table = lines.join('\n');
console.log(`\n${table}\n\n${machine}`);
const doc = `# Benchmarks

imghost and the original image-storage Worker side by side under
\`wrangler dev\` (workerd with local D1 and R2) on one machine, each seeded
with the same ${ROWS.toLocaleString('en')} rows by SQL. Produced by
\`REFERENCE_WORKER=<checkout of the original Worker> make bench\`
(scripts/bench/bench.mjs).

- Listings: ${LISTING_RUNS} sequential requests each, pageSize ${PAGE_SIZE}, one to each
  Worker in turn.
- Uploads: ${UPLOADS_PER_SIZE} distinct PNGs per size, ${UPLOAD_CONCURRENCY} at a time, in turns
  of ${UPLOAD_TURN} to each Worker.
- Serving: \`oha -n ${SERVE_REQUESTS} -c ${SERVE_CONCURRENCY}\` on one image, ${SERVE_ROUNDS} runs per
  Worker taken in turns; the median of the runs' medians (and of their p95s).
- No-op: ${FLOOR_RUNS} sequential requests to a path neither Worker knows (404).
- "imghost without UI assets": the same Worker with the \`[assets]\` table
  taken out of wrangler.toml, as when the UI is hosted on Cloudflare Pages.
- Rows read come from D1's result metadata: imghost reports them in its
  \`X-D1-Rows-Read\` header; the original Worker's two listing queries
  (tests/support/reference-sql.mjs, checked against its source) were run
  through a probe Worker on its D1 file right after the listings, before
  any upload, with both tables holding the same ${ROWS.toLocaleString('en')} rows.

Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${machine}.

${table}

Local latencies include workerd's local emulation of D1 and R2, whose
fixed cost per request and per D1 call (a few milliseconds) dominates at
this scale; rows read are what D1 bills, and do not depend on the
machine.

imghost's Worker also carries the UI as static assets. Under \`wrangler
dev\` each of its requests first passes the asset router, another Worker
in workerd: the no-op and serving rows with and without the assets show
what that costs. The original Worker has no assets.

Floors on this machine, from a minimal JS Worker on the same D1
(scripts/bench/probe-worker.js, ${FLOOR_RUNS} sequential requests each): an empty
answer takes ${fmt(floors.empty.median)} ms (median), one D1 query (\`SELECT 1\`) ${fmt(floors.oneQuery.median)} ms. A listing
needs at least one D1 round trip, so no Worker's listing can be faster
than about ${fmt(floors.oneQuery.median)} ms here; a fifth of the original Worker's page ${deepLabel}
is ${fmt(referenceDeepPage / 5)} ms.
`;
await writeSection('side-by-side', doc.replace(/^# Benchmarks\n/, ''));
