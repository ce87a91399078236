#!/usr/bin/env node
// Screenshots of the web UI with a populated gallery, for the docs:
// docs/screenshots/desktop.png (1280×800) and docs/screenshots/phone.png
// (390×844), taken on a throwaway local stack in headless Chromium.
//   node scripts/ui-screenshots.mjs      (after `make worker web`)
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LAUNCH_OPTIONS } from '../playwright.config.mjs';
import { ROOT, startStack } from '../tests/support/stack.mjs';
import { fixture, uniquePng } from '../tests/ui/images.mjs';

const OUT = join(ROOT, 'docs/screenshots');
const GALLERY = [
  ['handwriting-scan.png', () => uniquePng('text.png')],
  ['project-logo.png', () => uniquePng('logo.png')],
  ['launch-day.jpg', () => fixture('rocket.jpg')],
  ['espresso.png', () => uniquePng('coffee.png')],
  ['astronaut-portrait.png', () => uniquePng('astronaut.png')],
  ['logo-draft-2.png', () => uniquePng('logo.png')],
  ['morning-coffee.png', () => uniquePng('coffee.png')],
  ['portrait-crop.png', () => uniquePng('astronaut.png')],
  ['launch-pad.jpg', () => uniqueJpeg()],
  ['notes-page-2.png', () => uniquePng('text.png')],
];

/** rocket.jpg with different bytes (a comment segment after the header). */
let jpegs = 0;
function uniqueJpeg() {
  const jpeg = fixture('rocket.jpg');
  const text = Buffer.from(`imghost screenshot ${++jpegs}`);
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe);
  segment.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, text, jpeg.subarray(2)]);
}

async function upload(stack, name, bytes) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const response = await fetch(`${stack.url}/upload`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${stack.token}` },
    body: form,
  });
  if (!response.ok) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
}

async function shoot(browser, stack, { file, width, height, uploadName, keepUploadRow }) {
  const context = await browser.newContext({
    viewport: { width, height },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    locale: 'en-US',
  });
  const page = await context.newPage();
  await page.goto(`${stack.url}/#token=${stack.token}`);
  await page.getByTestId('image-card').nth(GALLERY.length - 1).waitFor();
  // One fresh upload, converted to WebP in the page, to show its row.
  await page.getByTestId('file-input').setInputFiles([
    { name: uploadName, mimeType: 'image/png', buffer: uniquePng('coffee.png') },
  ]);
  await page.getByTestId('upload-status').getByText('Uploaded', { exact: true }).waitFor();
  // On a phone the row would push the gallery off the screen.
  if (!keepUploadRow) await page.getByTestId('clear-finished').click();
  await page.evaluate(() => document.activeElement?.blur());
  await page.mouse.move(0, 0);
  await page.waitForFunction(() =>
    [...document.querySelectorAll('img')]
      .filter((img) => img.getBoundingClientRect().top < innerHeight)
      .every((img) => img.complete),
  );
  await page.screenshot({ path: join(OUT, file) });
  await context.close();
  console.log(`wrote docs/screenshots/${file}`);
}

mkdirSync(OUT, { recursive: true });
const stack = await startStack();
const browser = await chromium.launch(LAUNCH_OPTIONS);
try {
  for (const [name, bytes] of GALLERY) await upload(stack, name, bytes());
  await shoot(browser, stack, { file: 'desktop.png', width: 1280, height: 800, uploadName: 'cover-photo.png', keepUploadRow: true });
  await shoot(browser, stack, { file: 'phone.png', width: 390, height: 844, uploadName: 'header-image.png' });
} finally {
  await browser.close();
  await stack.stop();
}
