import { test, expect } from '@playwright/test';
import { BASE_URL, TOKEN, openApp } from './helpers.mjs';

const WRONG_TOKEN = 'Wrong token: the server refused the admin token. Check it in Settings.';

test('the token in the link is kept and taken out of the address bar', async ({ page }) => {
  await openApp(page);
  expect(page.url()).toBe(`${BASE_URL()}/`);
  expect(await page.evaluate(() => localStorage.getItem('imghost.token'))).toBe(TOKEN());
  await expect(page.getByTestId('gallery-error')).toHaveCount(0);
  await expect(page.getByTestId('settings')).toHaveCount(0);

  await page.goto('/');
  await expect(page.getByTestId('image-count')).toHaveText(/^\d+ images?$/);
  await expect(page.getByTestId('gallery-error')).toHaveCount(0);
});

test('without a token the settings open, and a wrong one is named clearly', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('settings')).toBeVisible();
  await expect(page.getByTestId('api-url')).toHaveValue(BASE_URL());
  await expect(page.getByTestId('token')).toHaveAttribute('type', 'password');
  await expect(page.getByTestId('gallery-error')).toHaveText(
    'Enter the admin token in Settings to see your images.',
  );

  await page.getByTestId('token').fill('wrong-token');
  await page.getByTestId('test-connection').click();
  await expect(page.getByTestId('connection-result')).toHaveText(WRONG_TOKEN);

  await page.getByTestId('token').fill(TOKEN());
  await page.getByTestId('test-connection').click();
  await expect(page.getByTestId('connection-result')).toHaveText(/^OK: connected, \d+ images? stored$/);
  await page.getByTestId('save-settings').click();
  await expect(page.getByTestId('settings')).toHaveCount(0);
  await expect(page.getByTestId('gallery-error')).toHaveCount(0);
  expect(await page.evaluate(() => localStorage.getItem('imghost.token'))).toBe(TOKEN());
});

test('an unreachable API address is named as such', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('settings-toggle').click();
  await page.getByTestId('api-url').fill('http://127.0.0.1:9');
  await page.getByTestId('test-connection').click();
  await expect(page.getByTestId('connection-result')).toHaveText(
    'Cannot reach the server. Check the API address and that the server is running.',
  );
  await page.getByTestId('save-settings').click();
  await expect(page.getByTestId('gallery-error')).toContainText('Cannot reach the server.');
  expect(await page.evaluate(() => localStorage.getItem('imghost.apiUrl'))).toBe('http://127.0.0.1:9');

  // Emptying the field goes back to the page's own origin.
  await page.getByTestId('gallery-error').getByRole('button', { name: 'Open settings' }).click();
  await page.getByTestId('api-url').fill('');
  await page.getByTestId('save-settings').click();
  await expect(page.getByTestId('gallery-error')).toHaveCount(0);
  expect(await page.evaluate(() => localStorage.getItem('imghost.apiUrl'))).toBeNull();
});

test('a saved wrong token empties the gallery and says why', async ({ page }) => {
  await openApp(page);
  await expect(page.getByTestId('image-count')).toHaveText(/^\d+ images?$/);
  await page.getByTestId('settings-toggle').click();
  await page.getByTestId('token').fill('wrong-token');
  await page.getByTestId('save-settings').click();
  const error = page.getByTestId('gallery-error');
  await expect(error.locator('p')).toHaveText(WRONG_TOKEN);
  await expect(page.getByTestId('image-card')).toHaveCount(0);
  await expect(page.getByTestId('stats')).toHaveCount(0);
  await error.getByRole('button', { name: 'Open settings' }).click();
  await expect(page.getByTestId('token')).toHaveValue('wrong-token');
  await page.getByTestId('token').fill(TOKEN());
  await page.getByTestId('save-settings').click();
  await expect(error).toHaveCount(0);
});
