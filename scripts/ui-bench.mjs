#!/usr/bin/env node
// Figures for the web UI: the size of its wasm (raw and gzipped), and the
// time from navigation until a gallery of 50 images is rendered, on a
// throwaway local stack in headless Chromium. Prints figures, asserts nothing.
//   node scripts/ui-bench.mjs [runs]      (after `make worker web`)
import { chromium } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LAUNCH_OPTIONS } from '../playwright.config.mjs';
import { ROOT, startStack } from '../tests/support/stack.mjs';
import { uniquePng } from '../tests/ui/images.mjs';

const RUNS = Number(process.argv[2] ?? 7);
const IMAGES = 50;

function wasmSize() {
  const dist = join(ROOT, 'web/dist');
  const file = readdirSync(dist).find((name) => name.startsWith('imghost-web-') && name.endsWith('_bg.wasm'));
  if (!file) throw new Error('web/dist has no wasm: run `make web` first');
  const bytes = readFileSync(join(dist, file));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

async function seed(stack) {
  const sources = ['astronaut.png', 'coffee.png', 'logo.png', 'text.png'];
  for (let n = 0; n < IMAGES; n++) {
    const form = new FormData();
    form.append('file', new Blob([uniquePng(sources[n % sources.length])]), `bench-${n}.png`);
    const response = await fetch(`${stack.url}/upload`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.token}` },
      body: form,
    });
    if (!response.ok) throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
  }
}

/**
 * Milliseconds from navigation start until the grid holds IMAGES cards, as
 * recorded in the page by `recordGalleryRendered`.
 */
async function timeToGallery(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.galleryRenderedAt !== undefined, null, { polling: 50 });
  return page.evaluate(() => window.galleryRenderedAt);
}

/** Runs in the page before its own scripts. */
function recordGalleryRendered(count) {
  new MutationObserver((_, observer) => {
    if (document.querySelectorAll('[data-testid="image-card"]').length >= count) {
      window.galleryRenderedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const describe = (values) =>
  `median ${median(values).toFixed(0)} ms (min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)}, ${values.length} runs)`;

const size = wasmSize();
console.log(
  `UI wasm: ${size.raw} bytes (${(size.raw / 1024).toFixed(1)} KB), gzip -9 ${size.gzip} bytes (${(size.gzip / 1024).toFixed(1)} KB)`,
);

const stack = await startStack();
const browser = await chromium.launch(LAUNCH_OPTIONS);
try {
  await seed(stack);
  const url = `${stack.url}/#token=${stack.token}`;
  const cold = [];
  const warm = [];
  for (let run = 0; run < RUNS; run++) {
    // A new context has an empty cache: a first visit.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(recordGalleryRendered, IMAGES);
    const page = await context.newPage();
    cold.push(await timeToGallery(page, url));
    // Again, with the token remembered and wasm and scripts cached.
    warm.push(await timeToGallery(page, `${stack.url}/`));
    await context.close();
  }
  console.log(`Navigation to a rendered gallery of ${IMAGES} images, first visit: ${describe(cold)}`);
  console.log(`Navigation to a rendered gallery of ${IMAGES} images, cached:      ${describe(warm)}`);
} finally {
  await browser.close();
  await stack.stop();
}
