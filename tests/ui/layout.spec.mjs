import { test, expect } from '@playwright/test';
import { BASE_URL, TOKEN, api, expectFinished, dropFiles, openApp, statsLine, uniqueName, uploadRow, uploadViaApi } from './helpers.mjs';
import { startProxy } from '../support/proxy.mjs';
import { uniquePng } from './images.mjs';

test('the language switches to Chinese and stays switched', async ({ page }) => {
  await openApp(page);
  await expect(page.getByTestId('language')).toHaveText('中文');
  await page.getByTestId('language').click();
  await expect(page.locator('#gallery-title')).toHaveText('我的图片');
  await expect(page.locator('#upload-title')).toHaveText('把图片拖到这里');
  await expect(page.getByTestId('image-count')).toHaveText(/^\d+ 张图片$/);
  await expect(page.getByTestId('language')).toHaveText('English');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await page.reload();
  await expect(page.locator('#gallery-title')).toHaveText('我的图片');
  await page.getByTestId('language').click();
  await expect(page.locator('#gallery-title')).toHaveText('Your images');
});

test.describe('with a Chinese browser', () => {
  test.use({ locale: 'zh-CN' });
  test('the page starts in Chinese', async ({ page }) => {
    await openApp(page);
    await expect(page.locator('#gallery-title')).toHaveText('我的图片');
    await dropFiles(page, [{ name: 'notes.txt', bytes: Buffer.from('just words\n'), type: 'text/plain' }]);
    await expect(uploadRow(page, 'notes.txt').getByTestId('upload-status')).toHaveText('未上传');
  });
});

test('a phone-width screen never scrolls sideways', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await uploadViaApi(uniqueName('a-rather-long-file-name-for-a-small-screen', 'png'), uniquePng('logo.png'));
  await openApp(page);
  const name = uniqueName('phone-upload-with-a-long-name', 'png');
  await dropFiles(page, [{ name, bytes: uniquePng('text.png'), type: 'image/png' }]);
  await expectFinished(uploadRow(page, name));
  await page.getByTestId('settings-toggle').click();
  await expect(page.getByTestId('image-card').first()).toBeVisible();
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    widest: Math.max(...[...document.querySelectorAll('body *')].map((el) => el.getBoundingClientRect().right)),
  }));
  expect(widths.page).toBe(390);
  expect(widths.viewport).toBe(390);
  expect(widths.widest).toBeLessThanOrEqual(390);
  const columns = await page.evaluate(
    () => getComputedStyle(document.querySelector('[data-testid="grid"]')).gridTemplateColumns.split(' ').length,
  );
  expect(columns).toBe(2);
});

test('the page follows the system dark mode', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await openApp(page);
  const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  expect(await background()).toBe('rgb(246, 247, 249)');
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await background()).toBe('rgb(18, 20, 24)');
});

test('the copy buttons work from the keyboard, with a visible focus ring', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const stored = await uploadViaApi(uniqueName('keyboard', 'png'), uniquePng('text.png'));
  await openApp(page);
  const urlButton = page.getByTestId('image-card').first().getByTestId('copy-url');
  await urlButton.focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Shift+Tab');
  await expect(urlButton).toBeFocused();
  expect(await urlButton.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('toast')).toHaveText('Copied URL');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(stored.url);
});

test('the stats line shows the counts of the real /stats, and follows uploads', async ({ page }) => {
  // Real images, so that the counts are the server's own.
  await uploadViaApi(uniqueName('stats-a', 'png'), uniquePng('logo.png'));
  await uploadViaApi(uniqueName('stats-b', 'png'), uniquePng('text.png'));
  const before = (await api('/stats')).body;
  expect(before.image_count).toBe((await api('/query?pageSize=1')).body.total);
  expect(before.image_count).toBeGreaterThanOrEqual(2);
  expect(before.bytes_stored).toBeGreaterThan(0);
  await openApp(page);
  await expect(page.getByTestId('stats')).toHaveText(statsLine(before));

  // An upload from the page: the line reloads with the server's new counts.
  const name = uniqueName('stats-dropped', 'png');
  const bytes = uniquePng('coffee.png');
  await dropFiles(page, [{ name, bytes, type: 'image/png' }]);
  await expectFinished(uploadRow(page, name));
  const [stored] = (await api(`/query?search=${encodeURIComponent(name)}`)).body.results;
  const after = (await api('/stats')).body;
  expect(after.image_count).toBe(before.image_count + 1);
  expect(after.bytes_stored).toBe(before.bytes_stored + stored.size);
  expect(after.bytes_saved).toBe(before.bytes_saved + (stored.original_size - stored.size));
  await expect(page.getByTestId('stats')).toHaveText(statsLine(after));
});

test.describe('an older server, without GET /stats', () => {
  let oldHost;
  test.beforeAll(async () => {
    oldHost = await startProxy({ url: BASE_URL() }, { missing: ['/stats'] });
  });
  test.afterAll(() => oldHost?.stop());

  test('shows no stats line, and the gallery as usual', async ({ page }) => {
    const stats = await fetch(`${oldHost.url}/stats`, { headers: { Authorization: `Bearer ${TOKEN()}` } });
    expect(stats.status).toBe(404);
    expect((await stats.json()).code).toBe('not_found');

    await openApp(page, { apiUrl: oldHost.url });
    const { total } = (await api('/query?pageSize=1')).body;
    await expect(page.getByTestId('image-count')).toHaveText(`${total} images`);
    await expect(page.getByTestId('image-card').first()).toBeVisible();
    await expect(page.getByTestId('stats')).toHaveCount(0);
    await expect(page.getByTestId('gallery-error')).toHaveCount(0);
    // The page did ask this host, both routes.
    const asked = oldHost.requests.filter((r) => r.method === 'GET').map((r) => r.path);
    expect(asked).toContain('/stats');
    expect(asked).toContain('/query');
  });
});
