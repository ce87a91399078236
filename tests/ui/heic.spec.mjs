// iPhone photos (HEIC) dropped on the page: Chromium cannot decode HEIC, so
// the page's worker loads libheif (only now), makes a JPEG, and that goes
// the usual way; the served file carries none of the camera's metadata.
import { test, expect } from '@playwright/test';
import { dropFiles, openApp, uniqueName, uploadRow } from './helpers.mjs';
import { CAMERA_EXIF, exifOf, heicOfTwoImages, heicPhoto } from '../support/heic.mjs';

/** Every text the page's upload statuses show, in order. */
async function recordStatuses(page) {
  await page.evaluate(() => {
    window.statusesSeen = [];
    new MutationObserver(() => {
      for (const status of document.querySelectorAll('[data-testid="upload-status"]')) {
        if (window.statusesSeen.at(-1) !== status.textContent) window.statusesSeen.push(status.textContent);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

test('a dropped HEIC photo becomes a JPEG in the browser, with the decoder fetched only then', async ({ page }) => {
  const fetched = [];
  page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
  await openApp(page);
  await page.waitForLoadState('networkidle');
  expect(fetched.filter((path) => path.startsWith('/heic/')), 'nothing of the decoder loads with the page').toEqual([]);

  await recordStatuses(page);
  const name = uniqueName('iphone', 'HEIC');
  await dropFiles(page, [{ name, bytes: await heicPhoto(), type: 'image/heic' }]);
  const row = uploadRow(page, name.replace(/\.HEIC$/, '.jpg'));
  await expect(row.getByTestId('upload-status')).toHaveText(/^(Uploaded|Already uploaded)$/, { timeout: 30_000 });
  expect(await page.evaluate(() => window.statusesSeen)).toContain('Converting the HEIC photo…');
  expect(fetched).toEqual(expect.arrayContaining(['/heic/worker.js', '/heic/libheif.js', '/heic/libheif.wasm']));

  // A JPEG as large as the photo, served without GPS, camera or orientation.
  const html = await row.getByTestId('snippet-html').inputValue();
  expect(html).toMatch(/ width="640" height="427">$/);
  const src = /src="([^"]+)"/.exec(html)[1];
  expect(src).toMatch(/\.jpg$/);
  const served = Buffer.from(await (await fetch(src)).arrayBuffer());
  const tags = await exifOf(served);
  expect(tags.FileType).toBe('JPEG');
  expect(tags.ImageSize).toBe('640x427');
  for (const tag of ['GPSLatitude', 'GPSLongitude', 'Make', 'Model', 'Orientation']) {
    expect(tags[tag], `${tag} (the photo had ${JSON.stringify(CAMERA_EXIF)})`).toBeUndefined();
  }
});

test('a HEIC file the decoder cannot read says so on its row, and nothing is sent', async ({ page }) => {
  const uploads = [];
  page.on('request', (request) => request.method() === 'POST' && uploads.push(request.url()));
  await openApp(page);
  const name = uniqueName('cut', 'heic');
  await dropFiles(page, [{ name, bytes: (await heicPhoto()).subarray(0, 300), type: 'image/heic' }]);
  const row = uploadRow(page, name);
  await expect(row.getByTestId('upload-status')).toHaveText('Not uploaded', { timeout: 30_000 });
  await expect(row.getByTestId('upload-error')).toHaveText(/^This HEIC photo could not be converted: \S/);
  await expect(row.getByTestId('retry')).toHaveCount(0);
  expect(uploads).toEqual([]);
});

test('a HEIC file of several images is refused on its row, not one of them guessed at', async ({ page }) => {
  const uploads = [];
  page.on('request', (request) => request.method() === 'POST' && uploads.push(request.url()));
  await openApp(page);
  const name = uniqueName('burst', 'heic');
  await dropFiles(page, [{ name, bytes: await heicOfTwoImages(), type: 'image/heic' }]);
  const row = uploadRow(page, name);
  await expect(row.getByTestId('upload-status')).toHaveText('Not uploaded', { timeout: 30_000 });
  await expect(row.getByTestId('upload-error')).toHaveText(
    'This HEIC photo could not be converted: it holds several images; convert the one you want to JPEG first',
  );
  expect(uploads).toEqual([]);
});

test('photos dropped together are converted one after another, each by its own decoder', async ({ page }) => {
  const live = { now: 0, most: 0, started: 0 };
  page.on('worker', (worker) => {
    if (!worker.url().endsWith('/heic/worker.js')) return;
    live.started++;
    live.most = Math.max(live.most, ++live.now);
    worker.on('close', () => live.now--);
  });
  await openApp(page);
  const names = [1, 2, 3].map(() => uniqueName('together', 'HEIC'));
  const photo = await heicPhoto();
  await dropFiles(page, names.map((name) => ({ name, bytes: photo, type: 'image/heic' })));
  for (const name of names) {
    await expect(uploadRow(page, name.replace(/\.HEIC$/, '.jpg')).getByTestId('upload-status')).toHaveText(
      /^(Uploaded|Already uploaded)$/,
      { timeout: 60_000 },
    );
  }
  expect(live.started).toBe(3);
  expect(live.most).toBe(1);
});
