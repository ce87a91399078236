import { test, expect } from '@playwright/test';
import { expectFinished, api, card, dropFiles, formatBytes, openApp, uniqueName, uploadRow, uploadViaApi } from './helpers.mjs';
import { uniquePng } from './images.mjs';

const images = (n) => (n === 1 ? '1 image' : `${n} images`);
const count = async (page) =>
  Number((await page.getByTestId('image-count').textContent()).match(/^(\d+) images?$/)[1]);

test('an upload appears first in the gallery with its name, size, dimensions and time', async ({ page }) => {
  await openApp(page);
  const before = await count(page);
  const name = uniqueName('listed', 'png');
  const bytes = uniquePng('coffee.png');
  await dropFiles(page, [{ name, bytes, type: 'image/png' }]);
  await expectFinished(uploadRow(page, name));

  const first = page.getByTestId('image-card').first();
  await expect(first.getByTestId('card-name')).toHaveText(name);
  await expect(page.getByTestId('image-count')).toHaveText(images(before + 1));
  const stored = (await api(`/query?search=${encodeURIComponent(name)}`)).body.results[0];

  // The same after a reload, straight from the listing.
  await page.reload();
  const listed = card(page, name);
  await expect(listed.getByTestId('card-size')).toHaveText(formatBytes(stored.size));
  await expect(listed.getByTestId('card-dimensions')).toHaveText('600 × 400');
  await expect(listed.getByTestId('card-time')).toHaveText('just now');
  const exact = await listed.getByTestId('card-time').getAttribute('title');
  expect(exact).toBe(new Date(stored.created_at).toLocaleString('en'));
  // Uploaded through the page, so with a thumbnail, which the card shows;
  // the image itself is what "open" links to.
  expect(stored.thumbnail_url).toMatch(/\.thumb\.(webp|jpg)$/);
  const thumbnail = listed.locator('img');
  await expect(thumbnail).toHaveAttribute('src', stored.thumbnail_url);
  await expect(thumbnail).toHaveAttribute('loading', 'lazy');
  await expect(thumbnail).toHaveAttribute('width', '600');
  await expect(thumbnail).toHaveAttribute('height', '400');
  await expect(listed.getByTestId('open')).toHaveAttribute('href', stored.image_url);
});

test('copy Markdown puts exactly the Markdown on the clipboard', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const name = uniqueName('copy [me]', 'png');
  const stored = await uploadViaApi(name, uniquePng('text.png'));
  await openApp(page);
  const listed = card(page, name);

  await listed.getByTestId('copy-markdown').click();
  await expect(page.getByTestId('toast')).toHaveText('Copied Markdown');
  const escaped = name.replace('[', '\\[').replace(']', '\\]');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
    `![${escaped}](${stored.url})`,
  );

  await listed.getByTestId('copy-html').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
    `<img src="${stored.url}" alt="${name}" width="448" height="172">`,
  );
  await listed.getByTestId('copy-url').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(stored.url);
});

test('search narrows the grid on the server', async ({ page }) => {
  const tag = uniqueName('zebra', 'x').replace('.x', '');
  const names = [`${tag}-one.png`, `${tag}-two.png`, `other-${tag}.png`];
  for (const name of names) await uploadViaApi(name, uniquePng('text.png'));
  await openApp(page);

  const searches = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/query' && url.searchParams.has('search')) searches.push(url.searchParams.get('search'));
  });
  await page.getByTestId('search').pressSequentially(`${tag}-t`, { delay: 20 });
  await expect(page.getByTestId('image-card')).toHaveCount(1);
  await expect(page.getByTestId('card-name')).toHaveText([`${tag}-two.png`]);
  await expect(page.getByTestId('image-count')).toHaveText('1 image');
  // Typing is debounced: one request for the whole word, not one per key.
  expect(searches).toEqual([`${tag}-t`]);

  await page.getByTestId('search').fill(tag);
  await expect(page.getByTestId('image-card')).toHaveCount(3);
  await page.getByTestId('search').fill(`${tag}-nothing`);
  await expect(page.getByTestId('gallery-empty')).toHaveText(`No image names contain “${tag}-nothing”.`);
  await expect(page.getByTestId('image-card')).toHaveCount(0);
});

test('while searching, a new upload joins the grid only if its name matches', async ({ page }) => {
  const tag = uniqueName('heron', 'x').replace('.x', '');
  await uploadViaApi(`${tag}-old.png`, uniquePng('text.png'));
  await openApp(page);
  await page.getByTestId('search').fill(tag.toUpperCase());
  await expect(page.getByTestId('card-name')).toHaveText([`${tag}-old.png`]);

  await dropFiles(page, [
    { name: `${tag}-new.png`, bytes: uniquePng('text.png'), type: 'image/png' },
    { name: uniqueName('unrelated', 'png'), bytes: uniquePng('text.png'), type: 'image/png' },
  ]);
  await expect(page.getByTestId('upload-status')).toHaveText(['Uploaded', 'Uploaded']);
  await expect(page.getByTestId('card-name')).toHaveText([`${tag}-new.png`, `${tag}-old.png`]);
  await expect(page.getByTestId('image-count')).toHaveText('2 images');
});

test('delete asks first, moves the image to the trash: card and count go, and the URL answers 404', async ({ page }) => {
  const name = uniqueName('doomed', 'png');
  const stored = await uploadViaApi(name, uniquePng('text.png'));
  await openApp(page);
  const before = await count(page);
  const listed = card(page, name);

  await listed.getByTestId('delete').click();
  await expect(page.getByTestId('confirm')).toContainText(`Delete “${name}”? Its URL will stop working.`);
  await page.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('confirm')).toBeHidden();
  await expect(listed).toHaveCount(1);

  await listed.getByTestId('delete').click();
  await page.getByTestId('confirm-yes').click();
  await expect(listed).toHaveCount(0);
  await expect(page.getByTestId('image-count')).toHaveText(images(before - 1));
  await expect(page.getByTestId('toast-text')).toHaveText('Moved 1 image to the trash');
  expect((await fetch(stored.url)).status).toBe(404);
  const trashed = (await api('/trash?pageSize=50')).body.results.map((image) => image.id);
  expect(trashed).toContain(stored.id);
});

test('several selected images are deleted together', async ({ page }) => {
  const tag = uniqueName('batch', 'x').replace('.x', '');
  const stored = [];
  for (const n of [1, 2, 3]) stored.push(await uploadViaApi(`${tag}-${n}.png`, uniquePng('text.png')));
  await openApp(page);
  await page.getByTestId('search').fill(tag);
  await expect(page.getByTestId('image-card')).toHaveCount(3);

  await card(page, `${tag}-1.png`).getByTestId('select').check();
  await card(page, `${tag}-3.png`).getByTestId('select').check();
  await expect(page.getByTestId('selected-count')).toHaveText('2 selected');
  await page.getByTestId('delete-selected').click();
  await expect(page.getByTestId('confirm')).toContainText('Delete 2 images? Their URLs will stop working.');
  await page.getByTestId('confirm-yes').click();

  await expect(page.getByTestId('card-name')).toHaveText([`${tag}-2.png`]);
  await expect(page.getByTestId('image-count')).toHaveText('1 image');
  await expect(page.getByTestId('selection-bar')).toBeHidden();
  expect((await fetch(stored[0].url)).status).toBe(404);
  expect((await fetch(stored[1].url)).status).toBe(200);
  expect((await fetch(stored[2].url)).status).toBe(404);
});

test('more pages load as the end of the grid scrolls into view', async ({ page }) => {
  const tag = uniqueName('many', 'x').replace('.x', '');
  for (let n = 1; n <= 53; n++) {
    await uploadViaApi(`${tag}-${String(n).padStart(2, '0')}.png`, uniquePng('text.png'));
  }
  await openApp(page);
  await page.getByTestId('search').fill(tag);
  await expect(page.getByTestId('image-count')).toHaveText('53 images');
  await expect(page.getByTestId('image-card')).toHaveCount(50);
  await page.getByTestId('image-card').last().scrollIntoViewIfNeeded();
  await expect(page.getByTestId('image-card')).toHaveCount(53);
  await expect(page.getByTestId('card-name').last()).toHaveText(`${tag}-01.png`);
  await expect(page.getByTestId('load-more')).toHaveCount(0);
});

test('a new install shows how to start', async ({ page }) => {
  await page.route('**/query?*', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({ success: true, results: [], total: 0 }),
    }),
  );
  await openApp(page);
  await expect(page.getByTestId('gallery-empty')).toHaveText('No images yet. Drop one above to get started.');
  await expect(page.getByTestId('image-count')).toHaveText('0 images');
});
