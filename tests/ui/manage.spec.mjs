// The manage page (/manage.html, its own wasm): tokens, the trash and the
// audit log, with the connection the main page saved.
import { test, expect } from '@playwright/test';
import { openApp, uniqueName, uploadViaApi } from './helpers.mjs';
import { uniquePng } from './images.mjs';

test('the main page never fetches the manage page\'s code', async ({ page }) => {
  const fetched = [];
  page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
  await uploadViaApi(uniqueName('main-only', 'png'), uniquePng('text.png'));
  await openApp(page);
  await expect(page.getByTestId('manage-link')).toBeVisible();
  await page.getByTestId('settings-toggle').click();
  await page.waitForLoadState('networkidle');
  const wasm = fetched.filter((path) => path.endsWith('.wasm'));
  expect(wasm.length, fetched.join('\n')).toBe(1);
  expect(fetched.filter((path) => /manage/.test(path))).toEqual([]);
});

test('the main page links to the manage page, which uses the saved connection', async ({ page }) => {
  // Something for the audit log to list.
  await uploadViaApi(uniqueName('managed', 'png'), uniquePng('text.png'));
  await openApp(page);
  const link = page.getByTestId('manage-link');
  await expect(link).toHaveText('Manage: albums, tokens, trash, audit log');
  expect(await link.evaluate((a) => new URL(a.href).pathname)).toBe('/manage.html');
  await page.getByTestId('settings-toggle').click();
  expect(await page.getByTestId('manage-tokens').evaluate((a) => new URL(a.href).pathname + new URL(a.href).hash)).toBe(
    '/manage.html#tokens',
  );
  // The main page's wasm does not carry the manage views.
  await expect(page.getByTestId('tokens')).toHaveCount(0);
  await expect(page.getByTestId('nav-trash')).toHaveCount(0);

  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await link.click();
  // The saved token lists the tokens; the address picks the section.
  const tokens = page.getByTestId('tokens');
  await expect(tokens.getByTestId('token-table').or(tokens.getByText('No tokens yet.'))).toBeVisible();
  await expect(page.getByTestId('tokens-error')).toHaveCount(0);
  await page.getByTestId('nav-audit').click();
  await expect(page).toHaveURL(/#audit$/);
  await expect(page.getByTestId('audit-row').first()).toBeVisible();
  await expect(page.getByTestId('tokens')).toBeHidden();
  await page.goBack();
  await expect(page.getByTestId('tokens')).toBeVisible();
  await page.goto('/manage.html#trash');
  await expect(page.getByTestId('trash-count')).toBeVisible();
  expect(errors).toEqual([]);
});

test('without a saved token the manage page sends to the main page', async ({ page }) => {
  await page.goto('/manage.html#trash');
  await expect(page.getByTestId('manage-needs-connection')).toContainText('save the API address and token on the main page');
  await expect(page.getByTestId('trash')).toHaveCount(0);
  await page.getByTestId('manage-needs-connection').getByRole('link').click();
  await expect(page.getByTestId('settings')).toBeVisible();
});
