// What happens to image bytes on the way in, per image and in total:
// original size, after imghost's metadata stripping, after the UI's browser
// WebP re-encoding (max width 2560, quality 0.82, in headless Chromium), and
// the Worker's own native CPU time per upload (detect, dimensions, strip,
// hash) — for the test images and for generated 1 MB and 10 MB inputs.
//
//   node scripts/bench/image-processing.mjs
import { chromium } from '@playwright/test';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { LAUNCH_OPTIONS } from '../../playwright.config.mjs';
import { ROOT } from '../../tests/support/stack.mjs';

const run = promisify(execFile);
const MAX_WIDTH = 2560;
const QUALITY = 0.82;
const dir = await mkdtemp(join(tmpdir(), 'imghost-processing-'));
const browser = await chromium.launch(LAUNCH_OPTIONS);
const page = await browser.newPage();

/** A noisy photo-like picture encoded by Chromium close to `target` bytes. */
async function generate(type, target) {
  let side = type === 'image/png' ? Math.sqrt(target / 3) : Math.sqrt(target * 2.5);
  let bytes;
  for (let attempt = 0; attempt < 4; attempt++) {
    const base64 = await page.evaluate(async ({ type, side }) => {
      const canvas = new OffscreenCanvas(Math.round(side * 1.25), Math.round(side));
      const g = canvas.getContext('2d');
      const gradient = g.createLinearGradient(0, 0, canvas.width, canvas.height);
      gradient.addColorStop(0, '#2a6f97');
      gradient.addColorStop(1, '#f4a261');
      g.fillStyle = gradient;
      g.fillRect(0, 0, canvas.width, canvas.height);
      const pixels = g.getImageData(0, 0, canvas.width, canvas.height);
      let seed = 1;
      for (let i = 0; i < pixels.data.length; i += 4) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const noise = (seed >>> 24) - 128;
        for (let c = 0; c < 3; c++) pixels.data[i + c] = Math.max(0, Math.min(255, pixels.data[i + c] + noise));
      }
      g.putImageData(pixels, 0, 0);
      const blob = await canvas.convertToBlob({ type, quality: 0.9 });
      const buffer = new Uint8Array(await blob.arrayBuffer());
      let text = '';
      for (let i = 0; i < buffer.length; i += 0x8000) text += String.fromCharCode(...buffer.subarray(i, i + 0x8000));
      return btoa(text);
    }, { type, side });
    bytes = Buffer.from(base64, 'base64');
    if (Math.abs(bytes.length - target) / target < 0.1) break;
    side *= Math.sqrt(target / bytes.length);
  }
  return bytes;
}

/** Adds camera EXIF with a GPS position, as a phone would (needs exiftool). */
async function withCameraTags(file) {
  await run('exiftool', ['-q', '-overwrite_original', '-GPSLatitude=52.37', '-GPSLatitudeRef=N', '-GPSLongitude=4.89',
    '-GPSLongitudeRef=E', '-Make=Canon', '-Model=EOS R5', '-SerialNumber=0042', '-Orientation#=6', file]);
}

async function browserWebp(bytes, type) {
  return page.evaluate(async ({ base64, type, maxWidth, quality }) => {
    const raw = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([raw], { type }));
    const scale = Math.min(1, maxWidth / bitmap.width);
    const canvas = new OffscreenCanvas(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await canvas.convertToBlob({ type: 'image/webp', quality });
    return blob.size;
  }, { base64: bytes.toString('base64'), type, maxWidth: MAX_WIDTH, quality: QUALITY });
}

try {
  const files = [];
  for (const name of (await readdir(join(ROOT, 'tests/fixtures'))).filter((f) => /\.(png|jpg|gif|webp)$/.test(f)).sort()) {
    const target = join(dir, name);
    await writeFile(target, await readFile(join(ROOT, 'tests/fixtures', name)));
    files.push(target);
  }
  const tagged = join(dir, 'rocket-with-gps.jpg');
  await writeFile(tagged, await readFile(join(ROOT, 'tests/fixtures/rocket.jpg')));
  await withCameraTags(tagged);
  files.push(tagged);
  for (const [name, type, size] of [
    ['generated-1mb.jpg', 'image/jpeg', 1e6], ['generated-10mb.jpg', 'image/jpeg', 1e7],
    ['generated-1mb.png', 'image/png', 1e6], ['generated-10mb.png', 'image/png', 1e7],
  ]) {
    const file = join(dir, name);
    await writeFile(file, await generate(type, size));
    if (type === 'image/jpeg') await withCameraTags(file);
    files.push(file);
  }

  const { stdout } = await run('cargo', ['run', '--quiet', '--release', '-p', 'imghost-shared', '--example', 'processing', '--', ...files],
    { cwd: ROOT, maxBuffer: 16 << 20 });
  const results = stdout.trim().split('\n').map((line) => JSON.parse(line));

  const rows = [];
  for (const result of results) {
    const bytes = await readFile(result.file);
    const type = { PNG: 'image/png', JPEG: 'image/jpeg', GIF: 'image/gif', WebP: 'image/webp' }[result.format];
    const animated = result.format === 'GIF';
    const webp = animated ? null : await browserWebp(bytes, type);
    rows.push({ ...result, name: basename(result.file), webp, kept: webp === null ? result.stripped : Math.min(webp, result.original) });
  }

  const kb = (n) => (n / 1024).toFixed(1);
  const pct = (n, of) => `${((1 - n / of) * 100).toFixed(0)}%`;
  console.log('| image | size | original KB | after strip KB | browser WebP KB | uploaded KB (smaller of WebP / original) | CPU detect+strip+hash ms (detect / strip / hash µs) |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.width}×${r.height} | ${kb(r.original)} | ${kb(r.stripped)} | ${r.webp === null ? 'left alone (animated)' : kb(r.webp)} | ${kb(r.kept)} (−${pct(r.kept, r.original)}) | ${(r.total_us / 1000).toFixed(2)} (${r.detect_us} / ${r.strip_us} / ${r.hash_us}) |`);
  }
  const corpus = rows.filter((r) => !r.name.startsWith('generated'));
  const total = (key) => corpus.reduce((sum, r) => sum + r[key], 0);
  console.log(`| **test images, total** | | ${kb(total('original'))} | ${kb(total('stripped'))} | | ${kb(total('kept'))} (−${pct(total('kept'), total('original'))}) | |`);
  console.log(`\nThe Workers free plan allows 10 ms of CPU per request. Native timings, median of 21 runs, on ${(await run('nproc')).stdout.trim()} cores.`);
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
