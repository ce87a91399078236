// Responsive widths made in the page at upload, from the pixels decoded for
// the thumbnail: real WebP copies the Worker stores beside the image, and
// the responsive snippets (HTML with srcset, Hugo shortcode) on the upload
// row and the card, with the `sizes` the user sets. None where a srcset
// would be wrong: a narrow image, or a photo its EXIF turns a quarter.
import { test, expect } from '@playwright/test';
import { jpegPhoto } from '../support/photos.mjs';
import { api, card, dropFiles, expectFinished, openApp, uniqueName, uploadRow } from './helpers.mjs';
import { makePhoto, uniquePng } from './images.mjs';

/** The stored record of the image uploaded as `name`. */
async function stored(name) {
  const [image] = (await api(`/query?search=${encodeURIComponent(name)}`)).body.results;
  expect(image, name).toBeTruthy();
  return image;
}

/** Type, width and height of what `url` serves, decoded by the browser. */
function served(page, url) {
  return page.evaluate(async (url) => {
    const blob = await (await fetch(url)).blob();
    const bitmap = await createImageBitmap(blob);
    return { type: blob.type, width: bitmap.width, height: bitmap.height };
  }, url);
}

test('a phone photo is uploaded with its widths, and the row and card offer the srcset', async ({ page }) => {
  await openApp(page);
  const name = uniqueName('wide-photo', 'jpg');
  await dropFiles(page, [{ name, bytes: await makePhoto(page, Date.now() % 100_000), type: 'image/jpeg' }]);
  const row = uploadRow(page, name);
  await expectFinished(row, 'Uploaded', { timeout: 30_000 });

  const image = await stored(name);
  expect(image.widths).toEqual([640, 960, 1280, 1920]);
  for (const width of image.widths) {
    expect(await served(page, `${image.image_url}@${width}w.webp`)).toEqual({ type: 'image/webp', width, height: (width * 3) / 4 });
  }

  const srcset = [640, 960, 1280, 1920].map((w) => `${image.image_url}@${w}w.webp ${w}w`).join(', ') + `, ${image.image_url} 4032w`;
  const html = `<img src="${image.image_url}" srcset="${srcset}" sizes="(min-width: 760px) 720px, 100vw" width="4032" height="3024" alt="${name}" loading="lazy" decoding="async">`;
  await expect(row.getByTestId('snippet-responsive')).toHaveValue(html);
  await expect(row.getByTestId('snippet-hugo')).toHaveValue(new RegExp(`^\\{\\{< img src="${image.image_url.replace(/[.?]/g, '\\$&')}" srcset=`));
  await expect(card(page, name).getByTestId('copy-responsive')).toBeVisible();
  await expect(card(page, name).getByTestId('copy-hugo')).toBeVisible();
});

test('the sizes the user sets go into the snippet and are kept', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('sizes').fill('(min-width: 1000px) 50vw, 100vw');
  await page.getByTestId('sizes').blur();
  const name = uniqueName('sized-photo', 'jpg');
  await dropFiles(page, [{ name, bytes: jpegPhoto(1200, 900, name), type: 'image/jpeg' }]);
  const row = uploadRow(page, name);
  await expectFinished(row, 'Uploaded', { timeout: 30_000 });
  expect((await stored(name)).widths).toEqual([640]);
  await expect(row.getByTestId('snippet-responsive')).toHaveValue(/ sizes="\(min-width: 1000px\) 50vw, 100vw" /);
  await page.reload();
  await expect(page.getByTestId('sizes')).toHaveValue('(min-width: 1000px) 50vw, 100vw');
  // Emptied, it says the default again.
  await page.getByTestId('sizes').fill('');
  await page.getByTestId('sizes').blur();
  await expect(page.getByTestId('sizes')).toHaveValue('(min-width: 760px) 720px, 100vw');
});

/** `jpeg` with an EXIF block saying to turn it a quarter clockwise (orientation 6). */
function turnedAQuarter(jpeg) {
  const tiff = Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
  const exif = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(exif.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, exif, jpeg.subarray(2)]);
}

test('no widths for a narrow image, or a photo sent as it is that its EXIF turns a quarter', async ({ page }) => {
  await openApp(page);
  const narrow = uniqueName('narrow', 'png');
  const turned = uniqueName('turned', 'jpg');
  await dropFiles(page, [
    { name: narrow, bytes: uniquePng(), type: 'image/png' },
    { name: turned, bytes: turnedAQuarter(await makePhoto(page, Date.now() % 100_000)), type: 'image/jpeg' },
  ]);
  for (const name of [narrow, turned]) {
    const row = uploadRow(page, name);
    await expectFinished(row, 'Uploaded', { timeout: 30_000 });
    expect((await stored(name)).widths, name).toEqual([]);
    await expect(row.getByTestId('snippet-responsive')).toHaveCount(0);
  }
  expect((await stored(turned)).thumbnail_url, 'it still gets its thumbnail').toBeTruthy();
});

test('shrunk, a turned photo is re-encoded upright and its widths fit it', async ({ page }) => {
  await openApp(page, { shrink: true });
  const name = uniqueName('upright', 'jpg');
  await dropFiles(page, [{ name, bytes: turnedAQuarter(await makePhoto(page, Date.now() % 100_000)), type: 'image/jpeg' }]);
  const webpName = name.replace(/\.jpg$/, '.webp');
  await expectFinished(uploadRow(page, webpName), 'Uploaded', { timeout: 30_000 });
  const image = await stored(webpName);
  expect(image.height).toBeGreaterThan(image.width);
  expect(image.widths).toEqual([640, 960, 1280, 1920]);
  expect(await served(page, `${image.image_url}@640w.webp`)).toEqual({
    type: 'image/webp',
    width: 640,
    height: Math.round((image.height * 640) / image.width),
  });
});
