// What a named token costs over ADMIN_TOKEN: the same requests (GET /stats
// and GET /query?pageSize=1) made with each, one after the other in turn,
// on one local stack whose tokens table holds SEED_TOKENS other tokens. A
// named token is looked up by its SHA-256 in D1 (ADMIN_TOKEN needs no read),
// so the difference is that lookup. Also reads the D1 rows the lookup reads,
// through a probe Worker on the stack's D1 file, and the listing's own rows
// read (X-D1-Rows-Read), which a token must not change.
//
// Not a test: it prints figures and asserts nothing. About a minute.
//
//   make bench-tokens    (or, with the Worker built: node scripts/bench/tokens.mjs)
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { pngFile } from '../../tests/support/png.mjs';
import { freePort, QUIET_ENV, ROOT, startStack, WRANGLER } from '../../tests/support/stack.mjs';
import { writeSection } from './report.mjs';

const RUNS = Number(process.env.BENCH_TOKEN_RUNS ?? 300);
const WARM_UP = 30;
const SEED_TOKENS = Number(process.env.BENCH_SEED_TOKENS ?? 1000);
const IMAGES = 20;
const ENDPOINTS = ['/stats', '/query?pageSize=1'];
// The lookup as the Worker makes it: one row by the indexed hash.
const LOOKUP_SQL = 'SELECT id, name, scopes, expires_at, last_used_at, revoked_at FROM tokens WHERE token_hash = ?1';

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const ms = (value) => value.toFixed(2);

async function request(stack, path, token) {
  const start = performance.now();
  const response = await fetch(`${stack.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  const elapsed = performance.now() - start;
  if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
  return { elapsed, rowsRead: response.headers.get('x-d1-rows-read') };
}

/** A minimal JS Worker on the stack's D1 file that runs one statement and
 * answers with D1's metadata (rows read). */
async function startProbe(stateDir) {
  const dir = await mkdtemp(join(tmpdir(), 'imghost-probe-'));
  await copyFile(join(ROOT, 'scripts/bench/probe-worker.js'), join(dir, 'probe-worker.js'));
  const config = await readFile(join(ROOT, 'wrangler.toml'), 'utf8');
  const d1 = config.slice(config.indexOf('[[d1_databases]]')).split(/^\[\[(?!d1_databases)/m)[0]
    .replace(/^migrations_dir = .*$/m, '');
  await writeFile(join(dir, 'wrangler.toml'), `name = "probe"\nmain = "probe-worker.js"\ncompatibility_date = "2026-04-01"\n\n${d1}`);
  const port = await freePort();
  const child = spawn(
    WRANGLER,
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
      '--persist-to', stateDir, '--show-interactive-dev-session=false'],
    { cwd: dir, env: QUIET_ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the probe exited:\n${output}`);
    try {
      await (await fetch(url)).arrayBuffer();
      break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the probe did not start:\n${output}`);
    }
    await new Promise((done) => setTimeout(done, 300));
  }
  return {
    async meta(sql, params = []) {
      const response = await fetch(url, { method: 'POST', body: JSON.stringify({ sql, params }) });
      if (!response.ok) throw new Error(`probe: ${response.status} ${await response.text()}`);
      return response.json();
    },
    stop,
  };
}

const stack = await startStack();
try {
  const created = await fetch(`${stack.url}/tokens`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'bench-read', scopes: ['read'], expires_at: null }),
  });
  const { token: named } = await created.json();
  if (created.status !== 200 || !named) throw new Error(`POST /tokens: ${created.status}`);

  // Other tokens in the table, as a library with many clients would have.
  const values = Array.from({ length: SEED_TOKENS }, (_, i) =>
    `('seed-${i}', '${createHash('sha256').update(randomBytes(32)).digest('hex')}', 'upload', ${Date.now()})`);
  for (let i = 0; i < values.length; i += 500) {
    await stack.sql(`INSERT INTO tokens (name, token_hash, scopes, created_at) VALUES ${values.slice(i, i + 500).join(', ')}`);
  }
  for (let i = 0; i < IMAGES; i++) {
    const form = new FormData();
    const side = 8 + i;
    const png = pngFile(side, side, deflateSync(Buffer.alloc(side * (1 + side * 3))));
    form.append('file', new Blob([png], { type: 'image/png' }), `bench-${i}.png`);
    const uploaded = await fetch(`${stack.url}/upload`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${stack.token}` } });
    if (uploaded.status !== 200) throw new Error(`upload: ${uploaded.status} ${await uploaded.text()}`);
  }

  const tokens = { ADMIN_TOKEN: stack.token, 'named (read)': named };
  const results = [];
  for (const path of ENDPOINTS) {
    for (let i = 0; i < WARM_UP; i++) for (const token of Object.values(tokens)) await request(stack, path, token);
    const times = { ADMIN_TOKEN: [], 'named (read)': [] };
    const rowsRead = {};
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? Object.keys(tokens) : Object.keys(tokens).reverse();
      for (const label of order) {
        const { elapsed, rowsRead: rows } = await request(stack, path, tokens[label]);
        times[label].push(elapsed);
        rowsRead[label] = rows;
      }
    }
    for (const [label, values] of Object.entries(times)) {
      results.push({ path, label, median: quantile(values, 0.5), p95: quantile(values, 0.95), mean: mean(values), rowsRead: rowsRead[label] });
    }
  }

  let lookup;
  const probe = await startProbe(stack.stateDir);
  try {
    const hash = createHash('sha256').update(named).digest('hex');
    const found = await probe.meta(LOOKUP_SQL, [hash]);
    const [{ n }] = await stack.sql('SELECT count(*) AS n FROM tokens');
    lookup = { rowsRead: found.rows_read, tokens: n };
  } finally {
    await probe.stop();
  }

  const machine = `${cpus().length} × ${cpus()[0].model.trim()}, Node ${process.version}`;
  const lines = [];
  console.log(`\n${RUNS} requests each, interleaved, after ${WARM_UP} to warm up; ${lookup.tokens} tokens in D1\n`);
  console.log('request               token          median ms   p95 ms   mean ms   X-D1-Rows-Read');
  for (const r of results) {
    console.log(`${r.path.padEnd(22)}${r.label.padEnd(15)}${ms(r.median).padStart(9)}${ms(r.p95).padStart(9)}${ms(r.mean).padStart(10)}   ${r.rowsRead ?? '—'}`);
    lines.push(`| \`GET ${r.path}\` | ${r.label} | ${ms(r.median)} | ${ms(r.p95)} | ${ms(r.mean)} | ${r.rowsRead ?? '—'} |`);
  }
  const differences = [];
  for (const path of ENDPOINTS) {
    const [admin, named] = ['ADMIN_TOKEN', 'named (read)'].map((label) => results.find((r) => r.path === path && r.label === label));
    const line = `GET ${path}: a named token adds ${ms(named.median - admin.median)} ms at the median, ${ms(named.p95 - admin.p95)} ms at p95`;
    console.log(line);
    differences.push(`- ${line}.`);
  }
  const lookupLine = `The lookup by hash reads ${lookup.rowsRead} D1 row(s) with ${lookup.tokens} tokens in the table`;
  console.log(`${lookupLine}\n${machine}`);

  await writeSection(
    'tokens',
    `## What a named token costs (\`make bench-tokens\`)

The same requests made with \`ADMIN_TOKEN\` (compared in constant time, no
database read) and with a named \`read\` token (looked up in D1 by its
SHA-256), ${RUNS} of each in turn after ${WARM_UP} to warm up, on one local
stack (\`wrangler dev\`) with ${lookup.tokens} tokens in the table
(scripts/bench/tokens.mjs). Milliseconds, client-side, sequential.

| request | token | median | p95 | mean | X-D1-Rows-Read |
|---|---|---:|---:|---:|---:|
${lines.join('\n')}

${differences.join('\n')}
- ${lookupLine} (read through a probe Worker on the stack's D1 file:
  \`${LOOKUP_SQL}\`).

X-D1-Rows-Read is what the listing itself read: the same with either
token. \`last_used_at\` is written at most once an hour per token, so after
the first request a named token costs that one read and no write. These
are local figures (workerd's D1 is SQLite on the same machine); on
Cloudflare the lookup is a D1 round trip and may cost more.
Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${machine}.`,
  );
} finally {
  await stack.stop();
}
