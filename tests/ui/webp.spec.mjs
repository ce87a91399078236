import { test, expect } from '@playwright/test';
import { expectFinished, api, dropFiles, formatBytes, openApp, uniqueName, uploadRow } from './helpers.mjs';
import { fixture, uniquePng } from './images.mjs';

test('a large PNG is converted to WebP in the browser, shown as before → after', async ({ page }) => {
  await openApp(page, { shrink: true });
  await expect(page.getByTestId('shrink')).toBeChecked();
  const stem = uniqueName('coffee', 'png').replace(/\.png$/, '');
  const bytes = uniquePng('coffee.png');
  await dropFiles(page, [{ name: `${stem}.png`, bytes, type: 'image/png' }]);

  const row = uploadRow(page, `${stem}.webp`);
  await expectFinished(row);
  const stored = (await api(`/query?search=${encodeURIComponent(stem)}`)).body.results;
  expect(stored).toHaveLength(1);
  const image = stored[0];
  expect(image.original_name).toBe(`${stem}.webp`);
  expect(image.content_type).toBe('image/webp');
  expect([image.width, image.height]).toEqual([600, 400]);
  expect(image.original_size).toBeLessThan(bytes.length / 4);
  await expect(row.getByTestId('upload-size')).toHaveText(
    `${formatBytes(bytes.length)} → ${formatBytes(image.original_size)} (WebP)`,
  );
  const served = await fetch(image.image_url);
  expect(served.headers.get('content-type')).toBe('image/webp');
  expect(Buffer.from(await served.arrayBuffer()).subarray(8, 12).toString()).toBe('WEBP');
});

test('the maximum width scales the image down, keeping its shape', async ({ page }) => {
  await openApp(page, { shrink: true });
  await page.getByTestId('max-width').fill('300');
  await page.getByTestId('max-width').press('Tab');
  const stem = uniqueName('narrow', 'png').replace(/\.png$/, '');
  await dropFiles(page, [{ name: `${stem}.png`, bytes: uniquePng('coffee.png'), type: 'image/png' }]);
  const row = uploadRow(page, `${stem}.webp`);
  await expectFinished(row);
  await expect(row.getByTestId('snippet-html')).toHaveValue(/ width="300" height="200">$/);
  // Remembered for the next visit.
  await page.reload();
  await expect(page.getByTestId('max-width')).toHaveValue('300');
});

test('an animated GIF is uploaded as it is', async ({ page }) => {
  await openApp(page, { shrink: true });
  const gif = fixture('no_time_for_that_tiny.gif');
  const name = uniqueName('animated', 'gif');
  await dropFiles(page, [{ name, bytes: gif, type: 'image/gif' }]);
  const row = uploadRow(page, name);
  await expect(row.getByTestId('upload-status')).toHaveText(/^(Uploaded|Already uploaded)$/);
  await expect(row.getByTestId('upload-size')).toHaveText('4.3 KB');
  const url = await row.getByTestId('snippet-url').inputValue();
  const response = await fetch(url);
  expect(response.headers.get('content-type')).toBe('image/gif');
  const served = Buffer.from(await response.arrayBuffer());
  // Byte for byte: not re-encoded, not turned into WebP, no frame dropped.
  expect(served.length).toBe(gif.length);
  expect(served.equals(gif), 'the served GIF differs from the fixture').toBe(true);
});

test('with shrinking off, the original bytes are sent', async ({ page }) => {
  await openApp(page, { shrink: true });
  await page.getByTestId('shrink').uncheck();
  await expect(page.getByTestId('max-width')).toBeDisabled();
  const name = uniqueName('kept', 'png');
  const bytes = uniquePng('coffee.png');
  await dropFiles(page, [{ name, bytes, type: 'image/png' }]);
  const row = uploadRow(page, name);
  await expectFinished(row);
  await expect(row.getByTestId('upload-size')).toHaveText(formatBytes(bytes.length));
  const image = (await api(`/query?search=${encodeURIComponent(name)}`)).body.results[0];
  expect(image.original_size).toBe(bytes.length);
  expect(image.content_type).toBe('image/png');
  await page.reload();
  await expect(page.getByTestId('shrink')).not.toBeChecked();
});
