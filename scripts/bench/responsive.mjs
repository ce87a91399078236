#!/usr/bin/env node
// What a reader downloads for a blog post with six phone photos (4032 ×
// 3024 JPEG) uploaded with `imghost upload`: the post written with the
// plain snippet (`<img src width height>`) against the same post written
// with `--format responsive` (srcset of the widths the CLI made), read to
// its end in headless Chromium on a phone (390 × 844 at 3×) and a desktop
// (1280 × 800 at 1×). Checks that no picture is shown with fewer pixels
// than its place on screen needs (natural width ≥ CSS width × DPR, up to
// the original's). Prints figures and writes its section of
// docs/benchmarks.md.
//   node scripts/bench/responsive.mjs   (after `make worker web` and
//   `cargo build --release -p imghost-cli`)
import { chromium } from '@playwright/test';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LAUNCH_OPTIONS } from '../../playwright.config.mjs';
import { ROOT, startStack } from '../../tests/support/stack.mjs';
import { makePhotos } from './photos.mjs';
import { writeSection } from './report.mjs';

const PHOTOS = 6;
const BIN = process.env.IMGHOST_BIN ?? join(ROOT, 'target/release/imghost');
const SCREENS = [
  { name: 'phone', viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true, target: 0.25 },
  { name: 'desktop', viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false, target: 0.15 },
];
const mb = (bytes) => (bytes / 1e6).toFixed(2);

/** A blog post: a 720 px column of text with the six snippets in it. */
function post(snippets) {
  const paragraph = '<p>' + 'A day at the coast, written up for the blog. '.repeat(12) + '</p>';
  return `<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>main{max-width:720px;margin:0 auto;padding:0 16px}img{max-width:100%;height:auto;display:block}</style>
</head><body><main><h1>Holiday</h1>${snippets.map((snippet) => paragraph + snippet).join('\n')}${paragraph}</main></body></html>`;
}

/** Serves `pages` (path → HTML) on a local port, as a static blog host would. */
async function serve(pages) {
  const server = createServer((req, res) => {
    const page = pages[req.url];
    res.writeHead(page ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page ?? '');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Reads a page to its end with an empty cache: image bytes, and each picture's pixels against its place. */
async function read(browser, screen, url) {
  const context = await browser.newContext({
    viewport: screen.viewport,
    deviceScaleFactor: screen.deviceScaleFactor,
    isMobile: screen.isMobile,
    hasTouch: screen.hasTouch,
  });
  const page = await context.newPage();
  const bodies = [];
  page.on('response', (response) => {
    if (response.request().resourceType() === 'image') bodies.push(response.body().then((body) => body.length));
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  // Scrolled through like a reader, so lazily loaded pictures load too.
  for (let y = 0; y < (await page.evaluate(() => document.body.scrollHeight)); y += screen.viewport.height / 2) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
    await page.waitForTimeout(100);
  }
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
  // The pixels of the file shown (`naturalWidth` is in CSS pixels for a
  // srcset choice): a width's from its name, else the original's.
  const pictures = await page.evaluate(() =>
    [...document.images].map((img) => {
      const width = img.currentSrc.match(/@(\d+)w\.webp$/);
      const original = Number(img.getAttribute('width'));
      return {
        natural: width ? Number(width[1]) : original,
        needed: Math.round(img.getBoundingClientRect().width * devicePixelRatio),
        original,
        chosen: width ? `${width[1]} px` : 'original',
      };
    }),
  );
  const bytes = (await Promise.all(bodies)).reduce((sum, size) => sum + size, 0);
  await context.close();
  return { bytes, pictures };
}

const browser = await chromium.launch(LAUNCH_OPTIONS);
const stack = await startStack();
const dir = await mkdtemp(join(tmpdir(), 'imghost-responsive-'));
try {
  const photos = await makePhotos(browser, PHOTOS);
  const paths = [];
  for (const [n, photo] of photos.entries()) {
    paths.push(join(dir, `IMG_${3000 + n}.jpg`));
    await writeFile(paths.at(-1), photo);
  }
  const env = { ...process.env, IMGHOST_URL: stack.url, IMGHOST_TOKEN: stack.token };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const upload = async (format) => (await promisify(execFile)(BIN, ['upload', '--format', format, ...paths], { env })).stdout.trim().split('\n');
  const started = performance.now();
  const responsive = await upload('responsive');
  const uploadSeconds = (performance.now() - started) / 1000;
  // The same images again: duplicates, so the plain snippets name the same URLs.
  const plain = await upload('html');
  const blog = await serve({ '/plain.html': post(plain), '/responsive.html': post(responsive) });
  const rows = [];
  let failed = false;
  for (const screen of SCREENS) {
    const before = await read(browser, screen, `${blog.url}/plain.html`);
    const after = await read(browser, screen, `${blog.url}/responsive.html`);
    const share = after.bytes / before.bytes;
    const blurry = after.pictures.filter((p) => p.natural < Math.min(p.needed, p.original));
    const chosen = [...new Set(after.pictures.map((p) => p.chosen))];
    rows.push({ screen, before, after, share, blurry, chosen });
    failed ||= share > screen.target || blurry.length > 0;
    console.log(
      `${screen.name} ${screen.viewport.width} × ${screen.viewport.height} @${screen.deviceScaleFactor}x: ` +
        `plain ${mb(before.bytes)} MB, responsive ${mb(after.bytes)} MB = ${(share * 100).toFixed(1)} % ` +
        `(target ≤ ${screen.target * 100} %), widths chosen ${chosen.join(', ')} for ` +
        `${Math.max(...after.pictures.map((p) => p.needed))} px needed, pictures with fewer pixels than their place: ${blurry.length}`,
    );
  }
  blog.close();
  const sizes = photos.map((photo) => photo.length);
  await writeSection(
    'responsive',
    `## Responsive widths: what a reader downloads

\`make bench-responsive\`: ${PHOTOS} photo-like 4032 × 3024 JPEGs (${mb(Math.min(...sizes))}–${mb(Math.max(...sizes))} MB each) uploaded with \`imghost upload --format responsive\` (${uploadSeconds.toFixed(1)} s for the six, widths made on the way), pasted into a blog post with a 720 px column: once with the plain snippet (\`<img src width height>\`), once with the responsive one. Each post is read to its end in headless Chromium with an empty cache; "sharp" counts the pictures shown with at least as many pixels as their place on screen needs (CSS width × DPR, up to the original's).

| screen | plain snippet | responsive snippet | share | target | widths chosen | sharp |
|---|---:|---:|---:|---:|---|---:|
${rows
  .map(
    ({ screen, before, after, share, blurry, chosen }) =>
      `| ${screen.name} ${screen.viewport.width} × ${screen.viewport.height} @${screen.deviceScaleFactor}x | ${mb(before.bytes)} MB | ${mb(after.bytes)} MB | ${(share * 100).toFixed(1)} % | ≤ ${screen.target * 100} % | ${chosen.join(', ')} | ${after.pictures.length - blurry.length}/${after.pictures.length} |`,
  )
  .join('\n')}`,
  );
  if (failed) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
  await stack.stop();
  await browser.close();
}
