import { test, expect } from '@playwright/test';
import { expectFinished, api, dropFiles, formatBytes, openApp, pasteFiles, uniqueName, uploadRow, uploadViaApi } from './helpers.mjs';
import { fixture, uniquePng } from './images.mjs';
import { startStack } from '../support/stack.mjs';

/** Records every value the page's upload progress bars take. */
async function recordProgress(page) {
  await page.evaluate(() => {
    window.progressSeen = [];
    new MutationObserver(() => {
      for (const bar of document.querySelectorAll('[data-testid="upload-progress"]')) {
        window.progressSeen.push(bar.value);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
}

/** Sets the page's upload speed in bytes per second (-1: unlimited). */
async function uploadThrottle(page, context) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  return (uploadThroughput) =>
    cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput });
}

test('a dropped image uploads with a progress bar, then shows its links', async ({ page, context }) => {
  await openApp(page);
  // Slow the upload down (≈ 3 s for this file) so the progress is really seen.
  const throttle = await uploadThrottle(page, context);
  await throttle(200 * 1024);
  await recordProgress(page);
  const name = uniqueName('dropped', 'png');
  const bytes = uniquePng('astronaut.png');
  await dropFiles(page, [{ name, bytes, type: 'image/png' }]);

  const row = uploadRow(page, name);
  await expect(row.getByTestId('upload-progress')).toBeVisible();
  await expect(row.getByTestId('upload-status')).toHaveText(/^Uploading \d+%$/);
  await expectFinished(row, 'Uploaded', { timeout: 20_000 });
  await throttle(-1);

  const seen = await page.evaluate(() => window.progressSeen);
  const between = seen.filter((value) => value > 0 && value < 100);
  expect(new Set(between).size, `progress values seen: ${seen.join(',')}`).toBeGreaterThanOrEqual(3);

  const listed = (await api(`/query?search=${encodeURIComponent(name)}`)).body.results;
  expect(listed).toHaveLength(1);
  const image = listed[0];
  // The server may strip metadata before storing; what was sent is recorded.
  expect(image.original_size).toBe(bytes.length);
  await expect(row.getByTestId('snippet-url')).toHaveValue(image.image_url);
  await expect(row.getByTestId('snippet-markdown')).toHaveValue(`![${name}](${image.image_url})`);
  await expect(row.getByTestId('snippet-html')).toHaveValue(
    `<img src="${image.image_url}" alt="${name}" width="512" height="512">`,
  );
  await expect(row.getByTestId('upload-size')).toHaveText(formatBytes(bytes.length));
});

test('a pasted screenshot uploads', async ({ page }) => {
  await openApp(page);
  const name = uniqueName('screenshot', 'png');
  await pasteFiles(page, [{ name, bytes: uniquePng('text.png'), type: 'image/png' }]);
  const row = uploadRow(page, name);
  await expectFinished(row);
  const listed = (await api(`/query?search=${encodeURIComponent(name)}`)).body.results;
  expect(listed.map((image) => image.original_name)).toEqual([name]);
  await expect(row.getByTestId('snippet-url')).toHaveValue(listed[0].image_url);
});

test('several files upload together, at most three at a time', async ({ page, context }) => {
  await openApp(page);
  await (await uploadThrottle(page, context))(400 * 1024);
  await page.evaluate(() => {
    window.mostAtOnce = 0;
    new MutationObserver(() => {
      const uploading = document.querySelectorAll('[data-testid="upload-progress"]').length;
      window.mostAtOnce = Math.max(window.mostAtOnce, uploading);
    }).observe(document.body, { subtree: true, childList: true });
  });
  const files = ['logo.png', 'text.png', 'coffee.png', 'astronaut.png', 'text.png'].map((source) => ({
    name: uniqueName(source.replace('.png', ''), 'png'),
    bytes: uniquePng(source),
    type: 'image/png',
  }));
  await dropFiles(page, files);
  await expect(page.getByTestId('upload-row')).toHaveCount(files.length);
  await expect(page.getByTestId('upload-status').filter({ hasText: 'Waiting…' })).toHaveCount(2);
  for (const { name } of files) {
    await expectFinished(uploadRow(page, name), 'Uploaded', { timeout: 20_000 });
  }
  expect(await page.evaluate(() => window.mostAtOnce)).toBe(3);
});

test('a text file is refused in the page, before any upload', async ({ page }) => {
  const uploads = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/upload')) uploads.push(request.url());
  });
  await openApp(page);
  await dropFiles(page, [{ name: 'notes.txt', bytes: Buffer.from('hello, I am plain text\n'), type: 'text/plain' }]);
  const row = uploadRow(page, 'notes.txt');
  await expect(row.getByTestId('upload-status')).toHaveText('Not uploaded');
  await expect(row.getByTestId('upload-error')).toHaveText(
    'Only images can be uploaded (PNG, JPEG, GIF, WebP, AVIF, BMP, ICO); this file looks like plain text (text/plain)',
  );
  await expect(row.getByTestId('retry')).toHaveCount(0);
  expect(uploads).toEqual([]);
});

test('bytes already stored show as already uploaded, with the existing links', async ({ page }) => {
  const bytes = uniquePng('logo.png');
  const first = await uploadViaApi(uniqueName('original', 'png'), bytes);
  await openApp(page);
  await dropFiles(page, [{ name: 'again.png', bytes, type: 'image/png' }]);
  const row = uploadRow(page, 'again.png');
  await expectFinished(row, 'Already uploaded');
  await expect(row.getByTestId('snippet-url')).toHaveValue(first.url);
  await expect(row.getByTestId('snippet-markdown')).toHaveValue(first.markdown);
});

test('a server that cannot be reached is said so, and retry then uploads', async ({ page }) => {
  await openApp(page);
  await page.route('**/upload', (route) => route.abort('connectionrefused'));
  const name = uniqueName('offline', 'png');
  await dropFiles(page, [{ name, bytes: uniquePng('text.png'), type: 'image/png' }]);
  const row = uploadRow(page, name);
  await expect(row.getByTestId('upload-status')).toHaveText('Upload failed');
  await expect(row.getByTestId('upload-error')).toHaveText(
    'Cannot reach the server. Check the API address and that the server is running.',
  );
  await page.unroute('**/upload');
  await row.getByTestId('retry').click();
  await expectFinished(row);
});

test.describe('a server with a small MAX_UPLOAD_BYTES', () => {
  const LIMIT = 20_000;
  let small;
  test.beforeAll(async ({}, testInfo) => {
    testInfo.setTimeout(120_000);
    small = await startStack({ vars: { MAX_UPLOAD_BYTES: String(LIMIT) } });
  });
  test.afterAll(() => small?.stop());

  test("a larger file is refused, and the row shows the server's words", async ({ page }) => {
    const asSmall = { Authorization: `Bearer ${small.token}` };
    // Shrinking off: the page sends the file as it is.
    await openApp(page, { url: small.url, token: small.token });
    await expect(page.getByTestId('shrink')).not.toBeChecked();
    const name = uniqueName('too-large', 'png');
    const bytes = uniquePng('text.png');
    expect(bytes.length).toBeGreaterThan(LIMIT);
    const sent = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url() === `${small.url}/upload`) sent.push(request);
    });
    await dropFiles(page, [{ name, bytes, type: 'image/png' }]);
    const row = uploadRow(page, name);
    await expectFinished(row, 'Upload failed');
    expect(sent).toHaveLength(1);
    expect((await sent[0].response()).status()).toBe(413);

    // What the server itself answers for these bytes.
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'image/png' }), name);
    const answer = await fetch(`${small.url}/upload`, { method: 'POST', body: form, headers: asSmall });
    expect(answer.status).toBe(413);
    const { message } = await answer.json();
    expect(message).toBe(`The file is too large: the limit is ${formatBytes(LIMIT)}`);
    await expect(row.getByTestId('upload-error')).toHaveText(message);
    const listed = await (await fetch(`${small.url}/query`, { headers: asSmall })).json();
    expect(listed.total).toBe(0);
  });
});

test('a wrong token is explained in words', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('settings-toggle').click();
  await page.getByTestId('token').fill('not-the-token');
  await page.getByTestId('save-settings').click();
  await dropFiles(page, [{ name: 'denied.png', bytes: uniquePng('text.png'), type: 'image/png' }]);
  await expect(uploadRow(page, 'denied.png').getByTestId('upload-error')).toHaveText(
    'Wrong token: the server refused the admin token. Check it in Settings.',
  );
});

test('the file picker uploads the chosen files', async ({ page }) => {
  await openApp(page);
  const name = uniqueName('picked', 'jpg');
  await page.getByTestId('file-input').setInputFiles([
    { name, mimeType: 'image/jpeg', buffer: fixture('rocket.jpg') },
  ]);
  const row = uploadRow(page, name);
  await expect(row.getByTestId('upload-status')).toHaveText(/^(Uploaded|Already uploaded)$/);
  await expect(row.getByTestId('snippet-html')).toHaveValue(/ width="640" height="427">$/);
});
