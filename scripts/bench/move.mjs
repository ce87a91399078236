// Moving a library with the CLI: `imghost export DIR` from one stack and
// `imghost import DIR` into a fresh one, for 1,000 images of 20-60 KB and
// for 10,000 tiny ones (100-300 bytes, so the count, not the bytes, is what
// grows). Reports each run's throughput (images/s, MB/s) and the CLI's peak
// memory (VmHWM from /proc/<pid>/status, polled while it runs): memory must
// stay flat as the library grows, so the 10,000 / 1,000 ratio is printed.
// Also checks the move: the fresh stack lists as many images as the source,
// and a sample of images is served with the same SHA-256 by both.
//
// About 13 minutes on 2 cores, most of it seeding the 10,000 uploads.
//
//   make bench-move     (or, with the release CLI built: node scripts/bench/move.mjs)
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { pngFile } from '../../tests/support/png.mjs';
import { ROOT, startStack } from '../../tests/support/stack.mjs';
import { writeSection } from './report.mjs';

const BIN = process.env.IMGHOST_BIN ?? join(ROOT, 'target/release/imghost');
const SEED_CONCURRENCY = 8;
const SAMPLE = 50; // images whose bytes are compared after the move
const CASES = [
  { label: '1,000 × 20-60 KB', count: 1_000, side: () => randomInt(80, 140) }, // 80²·3 ≈ 19 KB … 140²·3 ≈ 59 KB
  { label: '10,000 × 100-300 B', count: 10_000, side: () => randomInt(3, 9) },
];

/** A distinct, valid PNG: random pixels (incompressible), no metadata to strip. */
function png(side) {
  const row = 1 + side * 3;
  const pixels = randomBytes(side * row);
  for (let y = 0; y < side; y++) pixels[y * row] = 0; // filter: none
  return pngFile(side, side, deflateSync(pixels));
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Uploads `count` new PNGs, SEED_CONCURRENCY at a time; returns their paths. */
async function seed(stack, count, side) {
  const paths = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const form = new FormData();
      form.append('file', new Blob([png(side())], { type: 'image/png' }), `move-${n}.png`);
      const response = await fetch(`${stack.url}/upload`, {
        method: 'POST',
        body: form,
        headers: { Authorization: `Bearer ${stack.token}` },
      });
      const body = await response.json();
      if (!response.ok || !body.success || body.duplicate) throw new Error(`seed upload ${n}: ${response.status} ${body.message}`);
      paths.push(new URL(body.url).pathname);
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  return paths;
}

async function total(stack) {
  const response = await fetch(`${stack.url}/query?pageSize=1`, { headers: { Authorization: `Bearer ${stack.token}` } });
  return (await response.json()).total;
}

/** Runs the CLI against `stack`; resolves to its wall time (s) and peak RSS (bytes). */
function imghost(args, stack, home) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(BIN, args, {
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), IMGHOST_URL: stack.url, IMGHOST_TOKEN: stack.token },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // VmHWM is the process's own high-water mark, so the last reading is the peak.
    let peak = 0;
    const poll = setInterval(async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
      const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    }, 20);
    child.on('error', fail);
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) fail(new Error(`imghost ${args.join(' ')} exited with ${code}\n${stderr.slice(-2000)}`));
      else done({ seconds, peak });
    });
  });
}

async function measure({ label, count, side }) {
  const work = await mkdtemp(join(tmpdir(), 'imghost-move-'));
  const dir = join(work, 'export');
  const [source, fresh] = await Promise.all([startStack(), startStack()]);
  try {
    let started = performance.now();
    const paths = await seed(source, count, side);
    const seedSeconds = (performance.now() - started) / 1000;
    console.log(`${label}: seeded in ${seedSeconds.toFixed(0)} s`);

    const exported = await imghost(['export', dir], source, work);
    const manifest = (await readFile(join(dir, 'manifest.jsonl'), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line));
    const bytes = manifest.reduce((sum, entry) => sum + entry.size, 0);
    if (manifest.length !== count) throw new Error(`${label}: the manifest has ${manifest.length} lines, not ${count}`);

    const imported = await imghost(['import', dir], fresh, work);

    // The move is right: as many images, and the same bytes under the same URLs.
    const [before, after] = [await total(source), await total(fresh)];
    if (before !== count || after !== before) throw new Error(`${label}: source lists ${before}, fresh stack ${after}`);
    const sample = Array.from({ length: SAMPLE }, (_, i) => paths[Math.floor((i * paths.length) / SAMPLE)]);
    for (const path of sample) {
      const [a, b] = await Promise.all([source, fresh].map(async (stack) => sha256(Buffer.from(await (await fetch(`${stack.url}${path}`)).arrayBuffer()))));
      if (a !== b) throw new Error(`${label}: ${path} differs after the move`);
    }
    return { label, count, bytes, exported, imported };
  } finally {
    await Promise.all([source.stop(), fresh.stop()]);
    await rm(work, { recursive: true, force: true });
  }
}

const MiB = 1024 * 1024;
const mb = (bytes) => (bytes / 1e6).toFixed(1);
// Tiny images move at well under 1 MB/s: one more digit there.
const mbPerSecond = (bytes, seconds) => (bytes / 1e6 / seconds).toFixed(bytes / 1e6 / seconds < 1 ? 2 : 1);
const rate = (run, count, bytes) => `${(count / run.seconds).toFixed(0)} images/s, ${mbPerSecond(bytes, run.seconds)} MB/s`;

const results = [];
for (const c of CASES) {
  const r = await measure(c);
  results.push(r);
  console.log(`${r.label} (${mb(r.bytes)} MB)`);
  console.log(`  export  ${r.exported.seconds.toFixed(1)} s  ${rate(r.exported, r.count, r.bytes)}  peak RSS ${(r.exported.peak / MiB).toFixed(1)} MiB`);
  console.log(`  import  ${r.imported.seconds.toFixed(1)} s  ${rate(r.imported, r.count, r.bytes)}  peak RSS ${(r.imported.peak / MiB).toFixed(1)} MiB`);
  console.log(`  checked: totals equal, ${SAMPLE} sampled images identical`);
}

const [small, large] = results;
const ratio = (step) => (large[step].peak / small[step].peak).toFixed(2);
console.log(`\npeak RSS 10,000 / 1,000 images: export ${ratio('exported')}×, import ${ratio('imported')}×`);

const table = results.flatMap((r) =>
  ['exported', 'imported'].map(
    (step) =>
      `| ${r.label} | ${step === 'exported' ? 'export' : 'import'} | ${mb(r.bytes)} MB | ${r[step].seconds.toFixed(1)} s | ${(r.count / r[step].seconds).toFixed(0)} | ${mbPerSecond(r.bytes, r[step].seconds)} | ${(r[step].peak / MiB).toFixed(1)} MiB |`,
  ),
);
await writeSection(
  'move',
  `## Moving a library: \`imghost export\` and \`imghost import\`

\`make bench-move\` (scripts/bench/move.mjs): the release CLI exports every image from one local stack (\`wrangler dev\`) and imports the export into a fresh one. Peak RSS is the CLI's VmHWM. After each import the fresh stack lists as many images as the source and ${SAMPLE} sampled images are served with the same SHA-256 by both.

| library | step | bytes | time | images/s | MB/s | peak RSS |
| --- | --- | --- | --- | --- | --- | --- |
${table.join('\n')}

Peak RSS with 10,000 images over 1,000: export ${ratio('exported')}×, import ${ratio('imported')}× (flat memory means about 1×).
Measured on ${new Date().toISOString().slice(0, 10)}; both stacks run on the same machine as the CLI, so the figures are bounded by the local Worker, not the network.`,
);
