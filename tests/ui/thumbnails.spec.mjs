// The gallery shows thumbnails, never the originals: made in the browser at
// upload and sent with the image, or made once from a card's loaded image
// for an image stored without one; a thumbnail that does not load falls
// back to the image. Animated images carry a badge, and images with a
// thumbnail offer its Markdown linked to the image.
import { test, expect } from '@playwright/test';
import { BASE_URL, api, card, dropFiles, expectFinished, openApp, uniqueName, uploadRow, uploadViaApi } from './helpers.mjs';
import { fixture, makePhoto, uniquePng } from './images.mjs';

/** The longest side the browser makes thumbnails at. */
const TARGET_SIDE = 480;
/** The `performance` measure the page records for each thumbnail. */
const MEASURE = 'imghost-thumbnail';

/** Every request the page makes that `test` picks, from now on. */
function watchRequests(page, test) {
  const seen = [];
  page.on('request', (request) => {
    if (test(request)) seen.push(`${request.method()} ${request.url()}`);
  });
  return seen;
}

/** The image a card shows, once loaded: its address and natural size. */
async function shown(listed) {
  const img = listed.locator('img');
  // Loaded with pixels: a thumbnail that failed is `complete` too, for the
  // moment before the card falls back to the image.
  await expect.poll(() => img.evaluate((img) => img.complete && img.naturalWidth > 0)).toBe(true);
  return img.evaluate((img) => ({ src: img.currentSrc || img.src, width: img.naturalWidth, height: img.naturalHeight }));
}

/** The background backfill's decision for image `id` (`{id, queued}`),
 * once it has taken one: the positive signal to wait for. */
async function decision(page, id) {
  const handle = await page.waitForFunction(
    ([name, id]) => performance.getEntriesByName(name).map(({ detail }) => detail).find((detail) => detail?.id === id),
    ['imghost-thumbnail-decision', id],
  );
  return handle.jsonValue();
}

/** The `PUT /thumbnail` requests for image `id`. */
const putsFor = (id) => (request) => {
  const url = new URL(request.url());
  return request.method() === 'PUT' && url.pathname === '/thumbnail' && url.searchParams.get('id') === String(id);
};

test('a photo uploaded in the page is shown by its thumbnail; the grid never loads the original', async ({ page }) => {
  await openApp(page);
  const name = uniqueName('phone-photo', 'jpg');
  const photo = await makePhoto(page, Date.now() % 100_000);
  expect(photo.length).toBeGreaterThan(500_000);

  const images = watchRequests(page, (request) => new URL(request.url()).pathname.startsWith('/i/'));
  await dropFiles(page, [{ name, bytes: photo, type: 'image/jpeg' }]);
  const row = uploadRow(page, name);
  await expectFinished(row, 'Uploaded', { timeout: 20_000 });

  const [stored] = (await api(`/query?search=${encodeURIComponent(name)}`)).body.results;
  expect(stored.thumbnail_url).toMatch(/\.thumb\.webp$/);
  expect([stored.width, stored.height]).toEqual([4032, 3024]);
  const thumbnail = await fetch(stored.thumbnail_url);
  expect(thumbnail.headers.get('content-type')).toBe('image/webp');
  const thumbnailBytes = (await thumbnail.arrayBuffer()).byteLength;
  expect(thumbnailBytes).toBeLessThanOrEqual(96 * 1024);

  // The time the page spent on it, for benchmarks.
  const measures = await page.evaluate(
    (name) => performance.getEntriesByName(name).map(({ duration, detail }) => ({ duration, ...detail })),
    MEASURE,
  );
  expect(measures).toHaveLength(1);
  expect(measures[0]).toMatchObject({ source: 'upload', decode: true, type: 'image/webp', width: 480, height: 360, bytes: thumbnailBytes });
  test.info().annotations.push({
    type: 'thumbnail',
    description: `${measures[0].width} × ${measures[0].height} ${measures[0].type}, ${thumbnailBytes} bytes, made in ${measures[0].duration.toFixed(0)} ms from a ${photo.length}-byte JPEG`,
  });

  // The row shows the thumbnail too, not the whole photo.
  const preview = await row.locator('img').evaluate((img) => [img.src, img.naturalWidth, img.naturalHeight]);
  expect(preview).toEqual([expect.stringMatching(/^blob:/), 480, 360]);

  // Right after the upload, and from the listing on the next visit.
  for (const visit of ['upload', 'reload']) {
    if (visit === 'reload') await page.reload();
    const listed = card(page, name);
    await expect(listed.locator('img')).toHaveAttribute('src', stored.thumbnail_url);
    await expect(listed.locator('img')).toHaveAttribute('width', '4032');
    await expect(listed.locator('img')).toHaveAttribute('height', '3024');
    const image = await shown(listed);
    expect(Math.max(image.width, image.height), visit).toBeLessThanOrEqual(TARGET_SIDE);
    // Open and copy still give the image itself.
    await expect(listed.getByTestId('open')).toHaveAttribute('href', stored.image_url);
  }
  // By path, whatever the host, query or method: no request ever reads the
  // original, only its thumbnail.
  const paths = images.map((request) => new URL(request.split(' ')[1]).pathname);
  expect(paths).toContain(new URL(stored.thumbnail_url).pathname);
  expect(paths.filter((path) => path === new URL(stored.image_url).pathname)).toEqual([]);
  await expect(card(page, name).getByTestId('animated-badge')).toHaveCount(0);
});

test('with shrinking on, the thumbnail comes from the same decoded pixels, if what is sent needs one', async ({ page }) => {
  await openApp(page, { shrink: true });
  const stem = uniqueName('shrunk', 'png').replace(/\.png$/, '');
  await dropFiles(page, [{ name: `${stem}.png`, bytes: uniquePng('coffee.png'), type: 'image/png' }]);
  await expectFinished(uploadRow(page, `${stem}.webp`));
  const [stored] = (await api(`/query?search=${encodeURIComponent(stem)}`)).body.results;
  expect(stored.content_type).toBe('image/webp');
  expect(stored.thumbnail_url).toMatch(/\.thumb\.webp$/);
  const measures = () =>
    page.evaluate((name) => performance.getEntriesByName(name).map(({ detail }) => detail), MEASURE);
  expect(await measures()).toEqual([expect.objectContaining({ source: 'upload', decode: false, width: 480, height: 320 })]);

  // Scaled to 400 pixels wide, the WebP version is small enough as it is.
  await page.getByTestId('max-width').fill('400');
  await page.getByTestId('max-width').press('Tab');
  const narrow = uniqueName('shrunk-narrow', 'png').replace(/\.png$/, '');
  await dropFiles(page, [{ name: `${narrow}.png`, bytes: uniquePng('coffee.png'), type: 'image/png' }]);
  await expectFinished(uploadRow(page, `${narrow}.webp`));
  const [small] = (await api(`/query?search=${encodeURIComponent(narrow)}`)).body.results;
  expect([small.width, small.height, small.thumbnail_url]).toEqual([400, 267, null]);
  expect(await measures()).toHaveLength(1);
});

test('an image stored without a thumbnail gets one made on a visit, once', async ({ page }) => {
  const name = uniqueName('bare-api', 'png');
  // 600 × 400: larger than a thumbnail, uploaded the way the original
  // clients do, with the file alone.
  const stored = await uploadViaApi(name, uniquePng('coffee.png'));
  expect(stored.thumbnail_url).toBeNull();
  const puts = watchRequests(page, putsFor(stored.id));

  const answered = page.waitForResponse((response) => putsFor(stored.id)(response.request()));
  await openApp(page);
  const response = await answered;
  expect(response.status()).toBe(200);
  expect(response.request().headers()['content-type']).toBe('image/webp');
  const answer = await response.json();
  expect(answer.thumbnail_url).toMatch(/\.thumb\.webp$/);
  const made = await page.evaluate(
    (name) => performance.getEntriesByName(name).map(({ detail }) => detail).filter((detail) => detail.source === 'backfill'),
    MEASURE,
  );
  expect(made.length).toBeGreaterThanOrEqual(1);

  const [listed] = (await api(`/query?search=${encodeURIComponent(name)}`)).body.results;
  expect(listed.thumbnail_url).toBe(answer.thumbnail_url);
  const thumbnail = await fetch(listed.thumbnail_url);
  expect(thumbnail.status).toBe(200);
  expect(thumbnail.headers.get('content-type')).toBe('image/webp');

  // The next visit shows the thumbnail and makes none.
  await page.reload();
  const image = await shown(card(page, name));
  expect(image.src).toBe(listed.thumbnail_url);
  expect([image.width, image.height]).toEqual([480, 320]);
  // The backfill has looked at it on this visit, and queued nothing.
  expect(await decision(page, stored.id)).toEqual({ id: stored.id, queued: false });
  expect(puts).toHaveLength(1);
});

test('with the images on another origin than the page, the thumbnail is made from the image fetched with CORS', async ({ page }) => {
  // The same Worker under another host name: another origin for the page,
  // whose <img> pixels a canvas then cannot read back.
  const elsewhere = BASE_URL().replace('127.0.0.1', 'localhost');
  const stored = await uploadViaApi(uniqueName('cross-origin', 'png'), uniquePng('coffee.png'));
  const fetched = watchRequests(page, (request) => request.resourceType() === 'fetch' && new URL(request.url()).pathname === new URL(stored.url).pathname);
  const answered = page.waitForResponse((response) => putsFor(stored.id)(response.request()));
  await openApp(page, { apiUrl: elsewhere });
  const response = await answered;
  expect(response.status()).toBe(200);
  expect(response.url().startsWith(elsewhere)).toBe(true);
  expect(fetched).toEqual([`GET ${elsewhere}${new URL(stored.url).pathname}`]);
  const made = await page.evaluate(
    (name) => performance.getEntriesByName(name).map(({ detail }) => detail).filter((detail) => detail.source === 'backfill' && detail.decode),
    MEASURE,
  );
  expect(made.length).toBeGreaterThanOrEqual(1);
  expect((await response.json()).thumbnail_url).toMatch(/\.thumb\.webp$/);
});

test('small images in formats every browser shows need no thumbnail', async ({ page }) => {
  // 448 × 172 PNG: shown as it is.
  const stored = await uploadViaApi(uniqueName('small', 'png'), uniquePng('text.png'));
  const puts = watchRequests(page, putsFor(stored.id));
  await openApp(page);
  const image = await shown(card(page, stored.original_name));
  expect(image.src).toBe(stored.url);
  expect(await decision(page, stored.id)).toEqual({ id: stored.id, queued: false });
  expect(puts).toEqual([]);
  // Nor a linked thumbnail to copy.
  await expect(card(page, stored.original_name).getByTestId('copy-linked-thumbnail')).toHaveCount(0);
});

test('a thumbnail that does not load falls back to the image', async ({ page }) => {
  await openApp(page);
  const name = uniqueName('broken-thumb', 'png');
  await dropFiles(page, [{ name, bytes: uniquePng('coffee.png'), type: 'image/png' }]);
  await expectFinished(uploadRow(page, name));
  const [stored] = (await api(`/query?search=${encodeURIComponent(name)}`)).body.results;
  expect(stored.thumbnail_url).not.toBeNull();

  await page.route(stored.thumbnail_url, (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.reload();
  const image = await shown(card(page, name));
  expect(image.src).toBe(stored.image_url);
  expect([image.width, image.height]).toEqual([600, 400]);
});

test('copy the linked thumbnail: the thumbnail, linking to the image', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openApp(page);
  const name = uniqueName('linked [thumb]', 'png');
  await dropFiles(page, [{ name, bytes: uniquePng('astronaut.png'), type: 'image/png' }]);
  const row = uploadRow(page, name);
  await expectFinished(row);
  const [stored] = (await api(`/query?search=${encodeURIComponent(name)}`)).body.results;
  const escaped = name.replace('[', '\\[').replace(']', '\\]');
  const markdown = `[![${escaped}](${stored.thumbnail_url})](${stored.image_url})`;
  await expect(row.getByTestId('snippet-linked-thumbnail')).toHaveValue(markdown);

  const listed = card(page, name);
  await listed.getByTestId('copy-linked-thumbnail').click();
  await expect(page.getByTestId('toast')).toHaveText('Copied Markdown (linked thumbnail)');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(markdown);
  // The other buttons are as they were.
  await listed.getByTestId('copy-markdown').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`![${escaped}](${stored.image_url})`);
});

test('an animated GIF is shown by its first frame, with a badge', async ({ page }) => {
  const stored = await uploadViaApi(uniqueName('animated', 'gif'), fixture('no_time_for_that_tiny.gif'));
  await openApp(page);
  const listed = page.locator(`[data-testid="image-card"][data-id="${stored.id}"]`);
  await expect(listed.getByTestId('animated-badge')).toHaveText('Animated');
  // Not in a format every browser shows: a thumbnail of its first frame,
  // made on this visit if it had none.
  await expect
    .poll(async () => (await api(`/query?search=${encodeURIComponent(stored.original_name)}`)).body.results[0]?.thumbnail_url)
    .toMatch(/\.thumb\.webp$/);
  await page.reload();
  const image = await shown(listed);
  expect(image.src).toMatch(/\.thumb\.webp$/);
  expect([image.width, image.height]).toEqual([14, 25]);
  await page.getByTestId('language').click();
  await expect(listed.getByTestId('animated-badge')).toHaveText('动图');
  await page.getByTestId('language').click();
});
