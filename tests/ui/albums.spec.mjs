// Albums and tags in the page: the filters over the gallery, the bulk
// actions on a selection, the album and tags chosen for uploads, and a
// shared album's page (with JavaScript off). Everything this file makes is
// removed at its end, so the other files see the stack as it was.
import { test, expect } from '@playwright/test';
import { BASE_URL, api, card, dropFiles, expectFinished, openApp, uniqueName, uploadRow, uploadViaApi } from './helpers.mjs';
import { uniquePng } from './images.mjs';

const made = { albums: [], tags: new Set() };

async function album(name, parent_id = null) {
  const { status, body } = await api('/albums', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, parent_id }),
  });
  expect(status).toBe(200);
  made.albums.unshift(body.album.id);
  return body.album;
}

async function post(path, json) {
  const { status, body } = await api(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(json),
  });
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

const names = (page) => page.getByTestId('image-card').getByTestId('card-name');

test.afterAll(async () => {
  for (const id of made.albums) await api(`/albums?id=${id}`, { method: 'DELETE' });
  for (const tag of made.tags) await api(`/tags?name=${encodeURIComponent(tag)}`, { method: 'DELETE' });
});

test('filters by album and tag, and the selection adds tags and moves images between albums', async ({ page }) => {
  const stamp = Date.now() % 1_000_000;
  const trips = await album(`Trips ${stamp}`);
  const alps = await album(`Alps ${stamp}`, trips.id);
  const other = await album(`Other ${stamp}`);
  const images = [];
  for (const n of [1, 2, 3]) {
    images.push(await uploadViaApi(uniqueName(`album-${stamp}-${n}`, 'png'), uniquePng()));
  }
  await post(`/albums/images?id=${alps.id}`, { add: [images[0].id, images[1].id] });
  const tag = `peak${stamp}`;
  made.tags.add(tag);
  await post('/tags/images', { image_ids: [images[0].id], add: [tag] });

  await openApp(page);
  const filter = page.getByTestId('album-filter');
  await expect(filter.locator('option')).toContainText([`Trips ${stamp}`, `Trips ${stamp} / Alps ${stamp}`]);
  await filter.selectOption(String(alps.id));
  await expect(names(page)).toHaveText([images[1].original_name, images[0].original_name]);
  await expect(page.getByTestId('image-count')).toHaveText('2 images');

  const chip = page.locator(`[data-testid="tag-chip"][data-tag="${tag}"]`);
  await expect(chip).toHaveAttribute('aria-pressed', 'false');
  await chip.click();
  await expect(chip).toHaveAttribute('aria-pressed', 'true');
  await expect(names(page)).toHaveText([images[0].original_name]);
  await chip.click();
  await expect(names(page)).toHaveCount(2);

  // Select both, tag them, and move them to another album.
  for (const image of images.slice(0, 2)) await card(page, image.original_name).getByTestId('select').check();
  const bulk = `snow${stamp}`;
  made.tags.add(bulk);
  await page.getByTestId('bulk-tags').fill(bulk);
  await page.getByTestId('add-tags').click();
  await expect(page.locator(`[data-testid="tag-chip"][data-tag="${bulk}"] .chip-count`)).toHaveText('2');
  for (const image of images.slice(0, 2)) await card(page, image.original_name).getByTestId('select').check();
  await page.getByTestId('bulk-album').selectOption(String(other.id));
  await page.getByTestId('move-to-album').click();
  await expect(names(page)).toHaveCount(0);
  await filter.selectOption(String(other.id));
  await expect(names(page)).toHaveText([images[1].original_name, images[0].original_name]);
  const listed = (await api(`/query?album=${other.id}`)).body.results;
  expect(listed.map((image) => image.image_url).sort()).toEqual([images[0].url, images[1].url].sort());

  // Back to everything.
  await filter.selectOption('');
  await expect(page.getByTestId('image-count')).not.toHaveText('2 images');
});

test('a cover is picked from one selected image in the album, shown on the manage page and removed there', async ({ page }) => {
  const stamp = Date.now() % 1_000_000;
  const covered = await album(`Covered ${stamp}`);
  const images = [];
  for (const n of [1, 2]) images.push(await uploadViaApi(uniqueName(`cover-${stamp}-${n}`, 'png'), uniquePng()));
  await post(`/albums/images?id=${covered.id}`, { add: images.map((image) => image.id) });
  const coverOf = async () => (await api('/albums')).body.albums.find((a) => a.id === covered.id);

  await openApp(page);
  await page.getByTestId('album-filter').selectOption(String(covered.id));
  await expect(names(page)).toHaveCount(2);
  // The page makes the thumbnails the uploads lacked; the cover is seen as one.
  const thumbnails = async () => (await api(`/query?album=${covered.id}`)).body.results.map((image) => image.thumbnail_url);
  await expect.poll(async () => (await thumbnails()).every(Boolean), { timeout: 15_000 }).toBe(true);
  const select = (image) => card(page, image.original_name).getByTestId('select');
  await select(images[0]).check();
  await select(images[1]).check();
  // One image makes a cover: with two selected the action waits.
  await expect(page.getByTestId('set-cover')).toBeDisabled();
  await expect(page.getByTestId('set-cover')).toHaveAttribute('title', 'Select one image of this album to make it the cover');
  await select(images[1]).uncheck();
  await expect(page.getByTestId('set-cover')).toBeEnabled();
  await page.getByTestId('set-cover').click();
  await expect(page.getByTestId('toast')).toContainText('Saved');
  await expect.poll(async () => (await coverOf()).cover_image_id).toBe(images[0].id);
  // A cover changes no image: the gallery is not listed again, the selection stays.
  await expect(select(images[0])).toBeChecked();
  const listed = (await api(`/query?album=${covered.id}`)).body.results.find((image) => image.id === images[0].id);
  const seenAs = (await coverOf()).cover_url;
  expect(seenAs).toBe(listed.thumbnail_url);

  await page.getByTestId('nav-albums').click();
  const row = page.getByTestId('album-row').filter({ has: page.locator(`input[value="Covered ${stamp}"]`) });
  const cover = row.getByTestId('album-cover');
  await expect(cover).toHaveAttribute('src', seenAs);
  await expect(cover).toHaveAttribute('alt', `Cover: Covered ${stamp}`);
  await expect.poll(() => cover.evaluate((img) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  await row.getByTestId('remove-cover').click();
  await expect(cover).toHaveCount(0);
  await expect(row.getByTestId('remove-cover')).toHaveCount(0);
  expect((await coverOf()).cover_image_id ?? null).toBe(null);
});

test('new uploads go into the chosen album with the chosen tags', async ({ page }) => {
  const stamp = Date.now() % 1_000_000;
  const inbox = await album(`Inbox ${stamp}`);
  await openApp(page);
  await page.getByTestId('upload-album').selectOption(String(inbox.id));
  const tag = `fresh${stamp}`;
  made.tags.add(tag);
  await page.getByTestId('upload-tags').fill(`${tag}, Draft${stamp}`);
  await page.getByTestId('upload-tags').blur();
  made.tags.add(`draft${stamp}`);
  // Selecting a card redraws the selection's controls, not these.
  await page.getByTestId('image-card').first().getByTestId('select').check();
  await expect(page.getByTestId('upload-tags')).toHaveValue(`${tag}, Draft${stamp}`);
  await page.getByTestId('image-card').first().getByTestId('select').uncheck();
  const name = uniqueName(`inbox-${stamp}`, 'png');
  await dropFiles(page, [{ name, bytes: uniquePng(), type: 'image/png' }]);
  await expectFinished(uploadRow(page, name));
  const [stored] = (await api(`/query?album=${inbox.id}&labels=1`)).body.results;
  expect(stored.original_name).toBe(name);
  expect(stored.tags.sort()).toEqual([`draft${stamp}`, tag]);
  // A bad tag is marked, and the tags typed before it are not used either.
  await page.getByTestId('upload-tags').fill('x'.repeat(51));
  await page.getByTestId('upload-tags').blur();
  await expect(page.getByTestId('upload-tags')).toHaveAttribute('aria-invalid', 'true');
  const plain = uniqueName(`untagged-${stamp}`, 'png');
  await dropFiles(page, [{ name: plain, bytes: uniquePng(), type: 'image/png' }]);
  await expectFinished(uploadRow(page, plain));
  const untagged = (await api(`/query?album=${inbox.id}&labels=1`)).body.results.find((image) => image.original_name === plain);
  expect(untagged.tags ?? []).toEqual([]);
});

test('a shared album\'s page works without JavaScript and shows nothing outside the album', async ({ browser, page }) => {
  const stamp = Date.now() % 1_000_000;
  const shared = await album(`Shared ${stamp}`);
  const inside = await uploadViaApi(uniqueName(`shared-in-${stamp}`, 'png'), uniquePng());
  const outside = await uploadViaApi(uniqueName(`shared-out-${stamp}`, 'png'), uniquePng());
  await post(`/albums/images?id=${shared.id}`, { add: [inside.id] });
  const { body } = await api(`/albums?id=${shared.id}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ share: { expires_at: null } }),
  });
  const link = body.album.share.url;
  expect(link.startsWith(BASE_URL())).toBe(true);

  const context = await browser.newContext({ javaScriptEnabled: false });
  const visitor = await context.newPage();
  await visitor.goto(link);
  await expect(visitor.getByRole('heading', { level: 1 })).toHaveText(`Shared ${stamp}`);
  const pictures = visitor.getByRole('img');
  await expect(pictures).toHaveCount(1);
  await expect(pictures.first()).toHaveAttribute('alt', inside.original_name);
  expect(await pictures.first().evaluate((img) => img.complete && img.naturalWidth > 0)).toBe(true);
  await expect(visitor.getByRole('link').first()).toHaveAttribute('href', inside.url);
  const html = await visitor.content();
  expect(html).not.toContain(outside.original_name);
  expect(html).not.toContain('token');
  // Keyboard: the image link takes focus, visibly.
  await visitor.keyboard.press('Tab');
  expect(await visitor.evaluate(() => document.activeElement?.tagName)).toBe('A');
  await context.close();

  await api(`/albums?id=${shared.id}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ share: null }),
  });
  const gone = await fetch(link);
  expect(gone.status).toBe(404);
});
