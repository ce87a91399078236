// The Worker's peak WebAssembly memory while it takes uploads of 1, 5 and
// 20 MiB, one after another and 4 at once. Wasm memory only grows, so each
// case runs on a fresh stack and reads `wasm_memory_bytes` from /stats
// afterwards. Each upload carries a text chunk, so metadata stripping makes
// its copy too (the worst case). Also checks that a chunked body over the
// limit is refused with 413.
//
//   node scripts/bench/memory.mjs
import { randomBytes } from 'node:crypto';
import { PNG_SIGNATURE, pngChunk } from '../../tests/support/png.mjs';
import { rawUpload } from '../../tests/support/raw-upload.mjs';
import { startStack } from '../../tests/support/stack.mjs';
import { writeSection } from './report.mjs';

const MiB = 1024 * 1024;
const SIZES = [1, 5, 20];
const ROUNDS = 3; // uploads per client
const TARGET = 3; // peak growth per concurrent upload, in upload sizes

/** A valid PNG of about `bytes` bytes: random IDAT plus a metadata chunk. */
function png(bytes) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2000, 0);
  ihdr.writeUInt32BE(1500, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('tEXt', Buffer.from('Comment\0camera serial 12345')),
    pngChunk('IDAT', randomBytes(bytes - 200)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

async function stats(stack) {
  const response = await fetch(`${stack.url}/stats`, { headers: { Authorization: `Bearer ${stack.token}` } });
  return response.json();
}

async function upload(stack, bytes) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'image/png' }), 'big.png');
  const response = await fetch(`${stack.url}/upload`, {
    method: 'POST',
    body: form,
    headers: { Authorization: `Bearer ${stack.token}` },
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`upload: ${response.status} ${text.slice(0, 200)}`);
}

/** The memory growth, or `restarted` when the runtime restarted the
 * isolate mid-request (workerd does so past its memory limit). */
async function measure(sizeMiB, clients) {
  const stack = await startStack();
  try {
    await upload(stack, png(64 * 1024)); // the isolate warmed up
    const before = (await stats(stack)).wasm_memory_bytes;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let round = 0; round < ROUNDS; round++) await upload(stack, png(sizeMiB * MiB));
      }),
    );
    const after = (await stats(stack)).wasm_memory_bytes;
    return { before, after, perUpload: (after - before) / (sizeMiB * MiB * clients) };
  } catch (error) {
    if (/restarted mid-request/.test(String(error)) || /restarted mid-request/.test(stack.logs())) return { restarted: true };
    throw error;
  } finally {
    await stack.stop();
  }
}

const mib = (bytes) => (bytes / MiB).toFixed(1);
console.log('upload   clients  wasm memory before → after   growth per upload (target ≤ 3×)');
const rows = [];
const table = [];
for (const size of SIZES) {
  for (const clients of [1, 2, 4]) {
    const { before, after, perUpload, restarted } = await measure(size, clients);
    if (restarted) {
      const line = 'the isolate restarted mid-request: over the runtime\'s memory limit';
      console.log(`${String(size).padStart(3)} MiB  ${String(clients).padStart(7)}  ${line}`);
      table.push(`| ${size} MiB | ${clients} | ${line} | — |`);
      continue;
    }
    rows.push({ size, clients, before, after, perUpload });
    console.log(
      `${String(size).padStart(3)} MiB  ${String(clients).padStart(7)}  ${mib(before).padStart(8)} → ${mib(after).padStart(6)} MiB  ${perUpload.toFixed(2)}×${perUpload > TARGET ? '  over target' : ''}`,
    );
    table.push(`| ${size} MiB | ${clients} | ${mib(before)} → ${mib(after)} MiB | ${perUpload.toFixed(2)}× |`);
  }
}

const limited = await startStack({ vars: { MAX_UPLOAD_BYTES: String(1 * MiB) } });
try {
  const { status } = await rawUpload(limited, png(3 * MiB), { chunked: true });
  const memory = (await stats(limited)).wasm_memory_bytes;
  const chunked = `chunked 3 MiB body, limit 1 MiB: ${status}; wasm memory afterwards ${mib(memory)} MiB`;
  console.log(chunked);
  await writeSection(
    'memory',
    `## Memory per upload

The Worker's WebAssembly memory (\`wasm_memory_bytes\` of \`/stats\`, which
only grows, so it is the isolate's peak) after ${ROUNDS} uploads per client of
PNGs carrying a text chunk (so metadata stripping makes its copy too), each
case on a fresh stack. Produced by \`make bench-memory\`
(scripts/bench/memory.mjs). Target: growth ≤ ${TARGET}× the upload size per
concurrent upload. Date: ${new Date().toISOString().slice(0, 10)}.

| upload | at once | wasm memory before → after | growth per concurrent upload |
|---|---:|---|---:|
${table.join('\n')}

A body without a declared length is kept only up to \`MAX_UPLOAD_BYTES\`:
${chunked.replace('chunked 3 MiB body, limit 1 MiB: ', 'a chunked 3 MiB body with a 1 MiB limit answered ')}.
The runtime also holds each request body and the copy handed to R2 outside
wasm memory, and workerd restarts an isolate that passes its 128 MB limit:
a row saying so above is that limit reached, not a fault of the script.`,
  );
} finally {
  await limited.stop();
}
