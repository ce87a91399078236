import { test, expect } from '@playwright/test';
import { api, card, openApp, uniqueName, uploadViaApi } from './helpers.mjs';
import { uniquePng } from './images.mjs';

const count = async (page) =>
  Number((await page.getByTestId('image-count').textContent()).match(/^(\d+) images?$/)[1]);
const images = (n) => (n === 1 ? '1 image' : `${n} images`);

/** What the image URL serves: status and bytes. */
async function served(url) {
  const response = await fetch(url);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The row of the trash view for `name`. */
const trashRow = (page, name) =>
  page.getByTestId('trash-item').filter({ has: page.getByTestId('trash-name').getByText(name, { exact: true }) });

async function deleteCard(page, name) {
  await card(page, name).getByTestId('delete').click();
  await page.getByTestId('confirm-yes').click();
}

test('a deleted image comes back with the toast’s Undo, at the same URL', async ({ page }) => {
  const name = uniqueName('undone', 'png');
  const stored = await uploadViaApi(name, uniquePng('text.png'));
  await openApp(page);
  const before = await count(page);

  await deleteCard(page, name);
  await expect(card(page, name)).toHaveCount(0);
  await expect(page.getByTestId('toast-text')).toHaveText('Moved 1 image to the trash');
  expect((await served(stored.url)).status).toBe(404);

  await page.getByTestId('toast-action').click();
  await expect(page.getByTestId('toast')).toHaveText('Restored 1 image');
  await expect(card(page, name)).toHaveCount(1);
  await expect(page.getByTestId('image-count')).toHaveText(images(before));
  // Back in its place in the newest-first grid, and served again.
  const ids = await page.getByTestId('image-card').evaluateAll((cards) => cards.map((c) => Number(c.dataset.id)));
  expect(ids).toEqual([...ids].sort((a, b) => b - a));
  expect((await served(stored.url)).status).toBe(200);
});

test('a deleted image is in the Trash view, and restoring it serves the same bytes', async ({ page }) => {
  const name = uniqueName('restored', 'png');
  const bytes = uniquePng('text.png');
  const stored = await uploadViaApi(name, bytes);
  const original = await served(stored.url);
  expect(original.status).toBe(200);
  await openApp(page);
  await deleteCard(page, name);
  await expect(card(page, name)).toHaveCount(0);
  expect((await served(stored.url)).status).toBe(404);

  // The trash is on the manage page, linked from the main page's header.
  await page.getByTestId('nav-trash').click();
  await expect(page.getByTestId('nav-trash')).toHaveAttribute('aria-current', 'page');
  const { total } = (await api('/trash?pageSize=1')).body;
  await expect(page.getByTestId('trash-count')).toHaveText(total === 1 ? '1 image' : `${total} images`);
  const row = trashRow(page, name);
  await expect(row).toContainText('just now');
  await row.getByTestId('restore').click();
  await expect(page.getByTestId('toast')).toHaveText('Restored 1 image');
  await expect(row).toHaveCount(0);

  const back = await served(stored.url);
  expect(back.status).toBe(200);
  expect(back.bytes.equals(original.bytes)).toBe(true);
  // The gallery lists it again.
  await page.getByTestId('nav-images').click();
  await expect(page.getByTestId('image-count')).toBeVisible();
  await expect(card(page, name)).toHaveCount(1);
});

test('a bulk delete is undone as a whole', async ({ page }) => {
  const tag = uniqueName('bulk', 'x').replace('.x', '');
  const stored = [];
  for (const n of [1, 2, 3]) stored.push(await uploadViaApi(`${tag}-${n}.png`, uniquePng('text.png')));
  await openApp(page);
  await page.getByTestId('search').fill(tag);
  await expect(page.getByTestId('image-card')).toHaveCount(3);

  await card(page, `${tag}-1.png`).getByTestId('select').check();
  await card(page, `${tag}-3.png`).getByTestId('select').check();
  await page.getByTestId('delete-selected').click();
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('card-name')).toHaveText([`${tag}-2.png`]);
  await expect(page.getByTestId('toast-text')).toHaveText('Moved 2 images to the trash');
  expect((await served(stored[0].url)).status).toBe(404);

  await page.getByTestId('toast-action').click();
  await expect(page.getByTestId('toast')).toHaveText('Restored 2 images');
  await expect(page.getByTestId('card-name')).toHaveText([`${tag}-3.png`, `${tag}-2.png`, `${tag}-1.png`]);
  await expect(page.getByTestId('image-count')).toHaveText('3 images');
  for (const image of stored) expect((await served(image.url)).status).toBe(200);
});

test('emptying the trash deletes what is in it for good', async ({ page }) => {
  const names = [uniqueName('purged', 'png'), uniqueName('purged', 'png')];
  const stored = [];
  for (const name of names) stored.push(await uploadViaApi(name, uniquePng('text.png')));
  for (const image of stored) expect((await api(`/delete?id=${image.id}`, { method: 'DELETE' })).status).toBe(200);
  await openApp(page);
  await page.goto('/manage.html#trash');
  for (const name of names) await expect(trashRow(page, name)).toHaveCount(1);

  await page.getByTestId('empty-trash').click();
  await expect(page.getByTestId('confirm')).toContainText('Delete everything in the trash for good?');
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('toast')).toHaveText('The trash is empty now.');
  await expect(page.getByTestId('trash-item')).toHaveCount(0);
  await expect(page.getByTestId('trash-count')).toHaveText('0 images');
  await expect(page.getByTestId('empty-trash')).toBeDisabled();
  await expect(page.getByTestId('trash')).toContainText('The trash is empty.');
  expect((await api('/trash')).body.total).toBe(0);
  for (const image of stored) {
    expect((await served(image.url)).status).toBe(404);
    expect((await api(`/trash/restore?id=${image.id}`, { method: 'POST' })).status).toBe(404);
  }
});

test('the audit log lists the changes, newest first', async ({ page }) => {
  const name = uniqueName('audited', 'png');
  const stored = await uploadViaApi(name, uniquePng('text.png'));
  const from = { 'CF-Connecting-IP': '203.0.113.9', 'User-Agent': 'imghost-ui-test/1.0 (audit view)' };
  await api(`/delete?id=${stored.id}`, { method: 'DELETE', headers: from });
  await openApp(page);
  await page.goto('/manage.html#audit');
  const rows = page.getByTestId('audit-row');
  await expect(rows.first()).toContainText('delete');
  await expect(rows.first()).toContainText(String(stored.id));
  await expect(rows.first()).toContainText('admin');
  // When, token, action, target, then where from: the client's IP and user agent.
  const cells = rows.first().locator('td');
  await expect(cells).toHaveCount(6);
  await expect(cells.nth(4)).toHaveText(from['CF-Connecting-IP']);
  await expect(cells.nth(5)).toHaveText(from['User-Agent']);
  await expect(rows.nth(1)).toContainText('upload');
  await api(`/trash/restore?id=${stored.id}`, { method: 'POST' });
});
