import { test, expect } from '@playwright/test';
import { dropFiles, expectFinished, formatBytes, openApp, uniqueName, uploadRow } from './helpers.mjs';
import { uniquePng } from './images.mjs';
import { startStack } from '../support/stack.mjs';

// A stack whose storage quota one uniquePng('text.png') (about 53 KB) fills
// past 80 %, and a second one overflows.
const LIMIT = 62_000;

test.describe('a server with a small MAX_STORAGE_BYTES', () => {
  let small;
  test.beforeAll(async ({}, testInfo) => {
    testInfo.setTimeout(120_000);
    small = await startStack({ vars: { MAX_STORAGE_BYTES: String(LIMIT), MAX_UPLOADS_PER_DAY: '10' } });
  });
  test.afterAll(() => small?.stop());

  const asSmall = () => ({ Authorization: `Bearer ${small.token}` });
  const stats = async () => (await fetch(`${small.url}/stats`, { headers: asSmall() })).json();

  test('the header shows use against each quota, warns from 80 %, and a 507 shows the server’s words', async ({ page }) => {
    await openApp(page, { url: small.url, token: small.token });
    await expect(page.getByTestId('stats')).toContainText(`Storage: 0 B of ${formatBytes(LIMIT)} (0%)`);
    await expect(page.getByTestId('stats')).toContainText('Uploads today: 0 of 10 (0%)');
    await expect(page.getByTestId('stats')).not.toContainText('nearly used up');

    const first = uniqueName('fills', 'png');
    await dropFiles(page, [{ name: first, bytes: uniquePng('text.png'), type: 'image/png' }]);
    await expectFinished(uploadRow(page, first));
    const { storage } = await stats();
    const percent = Math.floor((storage.used * 100) / LIMIT);
    expect(percent).toBeGreaterThanOrEqual(80);
    await expect(page.getByTestId('stats')).toContainText(
      `Storage: ${formatBytes(storage.used)} of ${formatBytes(LIMIT)} (${percent}%) — nearly used up`,
    );
    await expect(page.getByTestId('stats')).toContainText('Uploads today: 1 of 10 (10%)');
    // The server's own warning too.
    await expect(page.getByTestId('server-warnings')).toBeVisible();

    const second = uniqueName('overflows', 'png');
    const sent = [];
    page.on('response', (response) => {
      if (response.url() === `${small.url}/upload`) sent.push(response);
    });
    await dropFiles(page, [{ name: second, bytes: uniquePng('text.png'), type: 'image/png' }]);
    const row = uploadRow(page, second);
    await expectFinished(row, 'Upload failed');
    expect(sent.map((response) => response.status())).toEqual([507]);
    const { message, code } = await sent[0].json();
    expect(code).toBe('storage_quota_exceeded');
    await expect(row.getByTestId('upload-error')).toHaveText(message);
    expect((await stats()).image_count).toBe(1);
  });
});
