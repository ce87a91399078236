#!/usr/bin/env node
// What the gallery's first screen costs with 50 phone-sized photos
// (4032 × 3024 JPEG, over 1 MB each): image bytes fetched, the largest
// image, and the time until the network is quiet, in headless Chromium at
// 1280 × 800 with an empty cache. Three ways in:
//   - uploaded with `imghost upload` (thumbnails made by the CLI);
//   - uploaded through the bare API, then `imghost thumbnails`;
//   - uploaded through the bare API, then one visit of the UI (backfill).
// Then the time the browser spends making a thumbnail, median of 10
// uploads through the UI. Prints figures and writes its section of
// docs/benchmarks.md.
//   node scripts/bench/first-screen.mjs   (after `make worker web` and
//   `cargo build --release -p imghost-cli`)
import { chromium } from '@playwright/test';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LAUNCH_OPTIONS } from '../../playwright.config.mjs';
import { ROOT, startStack } from '../../tests/support/stack.mjs';
import { makePhotos } from './photos.mjs';
import { writeSection } from './report.mjs';

const PHOTOS = 50;
const BROWSER_UPLOADS = 10;
const VIEWPORT = { width: 1280, height: 800 };
const BIN = process.env.IMGHOST_BIN ?? join(ROOT, 'target/release/imghost');
/** The measure the UI records around making each thumbnail. */
const THUMBNAIL_MEASURE = 'imghost-thumbnail';

const run = promisify(execFile);
const mb = (bytes) => (bytes / 1e6).toFixed(2);
const kb = (bytes) => (bytes / 1e3).toFixed(1);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function uploadBare(stack, photos) {
  for (const [n, photo] of photos.entries()) {
    const form = new FormData();
    form.append('file', new Blob([photo], { type: 'image/jpeg' }), `IMG_${1000 + n}.jpg`);
    const response = await fetch(`${stack.url}/upload`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.token}` },
      body: form,
    });
    if (!response.ok) throw new Error(`upload ${n}: ${response.status} ${await response.text()}`);
  }
}

async function cli(stack, args) {
  const env = { ...process.env, IMGHOST_URL: stack.url, IMGHOST_TOKEN: stack.token };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const started = performance.now();
  await run(BIN, args, { env, maxBuffer: 1 << 24 });
  return (performance.now() - started) / 1000;
}

async function uploadWithCli(stack, photos) {
  const dir = await mkdtemp(join(tmpdir(), 'imghost-photos-'));
  const paths = [];
  for (const [n, photo] of photos.entries()) {
    const path = join(dir, `IMG_${2000 + n}.jpg`);
    await writeFile(path, photo);
    paths.push(path);
  }
  const seconds = await cli(stack, ['upload', '--format', 'url', ...paths]);
  await rm(dir, { recursive: true, force: true });
  return seconds;
}

/** One visit with an empty cache: the image bytes the page fetched until
 * the network was quiet, and when that was. */
async function visit(browser, stack) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(() => localStorage.setItem('imghost.shrink', '0'));
  const page = await context.newPage();
  const images = [];
  page.on('response', async (response) => {
    const path = new URL(response.url()).pathname;
    if (!path.startsWith('/i/') || response.request().method() !== 'GET') return;
    const body = await response.body().catch(() => Buffer.alloc(0));
    images.push({ path, bytes: body.length });
  });
  await page.goto(`${stack.url}/#token=${encodeURIComponent(stack.token)}`, { waitUntil: 'networkidle' });
  const quietAtMs = await page.evaluate(() =>
    Math.max(...performance.getEntriesByType('resource').map((entry) => entry.responseEnd)),
  );
  await context.close();
  const thumbnails = images.filter((image) => image.path.includes('.thumb.'));
  return {
    count: images.length,
    originals: images.length - thumbnails.length,
    bytes: images.reduce((sum, image) => sum + image.bytes, 0),
    largest: Math.max(0, ...images.map((image) => image.bytes)),
    quietAtMs,
  };
}

async function withoutThumbnails(stack) {
  const response = await fetch(`${stack.url}/query?pageSize=100`, {
    headers: { Authorization: `Bearer ${stack.token}` },
  });
  const { results } = await response.json();
  return results.filter((image) => image.thumbnail_url === null).length;
}

async function waitForBackfill(stack, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await withoutThumbnails(stack)) > 0) {
    if (Date.now() > deadline) return false;
    await new Promise((done) => setTimeout(done, 500));
  }
  return true;
}

/** A visit that stays until the UI's backfill has made every thumbnail. */
async function backfillingVisit(browser, stack) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(() => localStorage.setItem('imghost.shrink', '0'));
  const page = await context.newPage();
  let puts = 0;
  page.on('request', (request) => {
    if (request.method() === 'PUT' && new URL(request.url()).pathname === '/thumbnail') puts += 1;
  });
  const started = performance.now();
  await page.goto(`${stack.url}/#token=${encodeURIComponent(stack.token)}`, { waitUntil: 'networkidle' });
  // Scrolled through once, as a visit that looks at the library would.
  for (let step = 0; step < 20; step++) {
    await page.mouse.wheel(0, 800);
    await page.waitForTimeout(150);
  }
  const done = await waitForBackfill(stack);
  const seconds = (performance.now() - started) / 1000;
  await context.close();
  return { done, puts, seconds, left: await withoutThumbnails(stack) };
}

/** Milliseconds the UI spent making each thumbnail of `count` uploads. */
async function browserThumbnailTimes(browser, stack, photos) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(() => localStorage.setItem('imghost.shrink', '0'));
  const page = await context.newPage();
  await page.goto(`${stack.url}/#token=${encodeURIComponent(stack.token)}`);
  await page.getByTestId('image-count').waitFor();
  const dir = await mkdtemp(join(tmpdir(), 'imghost-browser-photos-'));
  const times = [];
  for (const [n, photo] of photos.entries()) {
    const path = join(dir, `IMG_${3000 + n}.jpg`);
    await writeFile(path, photo);
    // One at a time, so each thumbnail is timed alone.
    await page.locator('input[type=file]').first().setInputFiles(path);
    await page.waitForFunction(
      ({ name, count }) => performance.getEntriesByName(name).length >= count,
      { name: THUMBNAIL_MEASURE, count: n + 1 },
      { timeout: 30_000 },
    );
  }
  times.push(
    ...(await page.evaluate((name) => performance.getEntriesByName(name).map((entry) => entry.duration), THUMBNAIL_MEASURE)),
  );
  await context.close();
  await rm(dir, { recursive: true, force: true });
  return times;
}

const row = (label, figures) =>
  `| ${label} | ${figures.count} (${figures.originals} originals) | ${mb(figures.bytes)} MB | ${kb(figures.largest)} KB | ${Math.round(figures.quietAtMs)} ms |`;

const browser = await chromium.launch(LAUNCH_OPTIONS);
const stacks = [];
try {
  console.log(`Drawing ${PHOTOS} photo-sized JPEGs...`);
  const photos = await makePhotos(browser, PHOTOS);
  const sizes = photos.map((photo) => photo.length);
  console.log(`  ${mb(Math.min(...sizes))}–${mb(Math.max(...sizes))} MB each`);

  const [viaCli, viaBackfillCommand, viaUi] = await Promise.all([startStack(), startStack(), startStack()]);
  stacks.push(viaCli, viaBackfillCommand, viaUi);

  const cliSeconds = await uploadWithCli(viaCli, photos);
  const cliVisit = await visit(browser, viaCli);
  console.log(row('imghost upload', cliVisit), `(upload ${cliSeconds.toFixed(1)} s)`);

  await uploadBare(viaBackfillCommand, photos);
  const bareVisit = await visit(browser, viaBackfillCommand);
  console.log(row('bare API, no thumbnails', bareVisit));
  const backfillSeconds = await cli(viaBackfillCommand, ['thumbnails']);
  const afterCommand = await visit(browser, viaBackfillCommand);
  console.log(row('after imghost thumbnails', afterCommand), `(backfill ${backfillSeconds.toFixed(1)} s)`);

  await uploadBare(viaUi, photos);
  const backfill = await backfillingVisit(browser, viaUi);
  console.log(`UI backfill: ${backfill.puts} PUT /thumbnail in ${backfill.seconds.toFixed(1)} s, ${backfill.left} left`);
  const afterUi = await visit(browser, viaUi);
  console.log(row('after one UI visit', afterUi));

  const times = await browserThumbnailTimes(browser, viaUi, photos.slice(0, BROWSER_UPLOADS));
  const thumbnailMs = median(times);
  console.log(`Browser thumbnail of a 4032 × 3024 JPEG: median ${thumbnailMs.toFixed(0)} ms of ${times.length} (${times.map((t) => t.toFixed(0)).join(', ')})`);

  await writeSection(
    'first-screen',
    `## The gallery's first screen with ${PHOTOS} phone photos (\`make bench-gallery\`)

${PHOTOS} photo-like 4032 × 3024 JPEGs, ${mb(Math.min(...sizes))}–${mb(Math.max(...sizes))} MB each. Each visit opens the UI in headless Chromium at ${VIEWPORT.width} × ${VIEWPORT.height} with an empty cache and counts the image bytes fetched until the network is quiet. Targets: at most 1.5 MB of images, each thumbnail at most 60 KB, quiet within 1 s.

| uploaded | images fetched | image bytes | largest | network quiet at |
|---|---|---|---|---|
${row('with `imghost upload`', cliVisit)}
${row('through the bare API (no thumbnails)', bareVisit)}
${row('bare API, after `imghost thumbnails`', afterCommand)}
${row('bare API, after one visit of the UI', afterUi)}

- \`imghost upload\` of the ${PHOTOS} photos took ${cliSeconds.toFixed(1)} s, thumbnails included; \`imghost thumbnails\` backfilled ${PHOTOS} in ${backfillSeconds.toFixed(1)} s.
- The UI's backfill: ${backfill.puts} \`PUT /thumbnail\` during one visit that scrolled through the gallery, ${backfill.done ? 'all made' : `${backfill.left} left`} after ${backfill.seconds.toFixed(1)} s.
- The browser makes a thumbnail of one such photo in a median ${thumbnailMs.toFixed(0)} ms (${times.length} uploads through the UI; target ≤ 150 ms).`,
  );
} finally {
  await browser.close();
  await Promise.all(stacks.map((stack) => stack.stop()));
}
