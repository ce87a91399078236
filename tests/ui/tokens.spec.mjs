import { test, expect } from '@playwright/test';
import { BASE_URL, api, expectFinished, dropFiles, openApp, uniqueName, uploadRow } from './helpers.mjs';
import { uniquePng } from './images.mjs';

/** A token name no other test uses (letters, digits, `.`, `_`, `-`). */
const tokenName = (stem) => uniqueName(stem, 'x').replace(/\.x$/, '');

/** The row of the token list for `name`. */
const tokenRow = (page, name) =>
  page.getByTestId('token-row').filter({ has: page.getByTestId('token-name').getByText(name, { exact: true }) });

/** Uploads a fresh PNG with `token`; the answer's status. */
async function uploadWith(token) {
  const form = new FormData();
  form.append('file', new Blob([uniquePng('text.png')]), 'with-token.png');
  const answer = await fetch(`${BASE_URL()}/upload`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body: form,
  });
  return answer.status;
}

/** The manage page's token list, reached from the main page's navigation. */
async function openTokens(page) {
  await openApp(page);
  await page.getByTestId('nav-tokens').click();
  await expect(page.getByTestId('tokens')).toBeVisible();
  await expect(page.getByTestId('nav-tokens')).toHaveAttribute('aria-current', 'page');
}

test('a new token is shown once with a copy button, works, is listed and can be revoked', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openTokens(page);
  const name = tokenName('typora');
  await page.getByTestId('token-name-input').fill(name);
  // Upload alone is what an editor needs, and what the form starts with.
  await expect(page.getByTestId('scope-upload')).toBeChecked();
  for (const scope of ['read', 'delete', 'admin']) await expect(page.getByTestId(`scope-${scope}`)).not.toBeChecked();
  await page.getByTestId('token-days').fill('30');
  await page.getByTestId('create-token').click();

  const shown = page.getByTestId('new-token');
  await expect(shown).toHaveValue(/^ih_[0-9a-f]{64}$/);
  const secret = await shown.inputValue();
  await page.getByTestId('copy-token').click();
  await expect(page.getByTestId('toast')).toHaveText('Copied the token');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  // The form is cleared for the next one.
  await expect(page.getByTestId('token-name-input')).toHaveValue('');

  const row = tokenRow(page, name);
  await expect(row.getByTestId('token-scopes')).toHaveText('upload');
  await expect(row.getByTestId('token-last-used')).toHaveText('never');
  const listed = (await api('/tokens')).body.tokens.find((token) => token.name === name);
  const days = (listed.expires_at - listed.created_at) / 86_400_000;
  expect(Math.round(days)).toBe(30);
  await expect(row.getByTestId('token-expires')).toHaveText(new Date(listed.expires_at).toLocaleString('en'));

  // It uploads, and does nothing else.
  expect(await uploadWith(secret)).toBe(200);
  const listing = await fetch(`${BASE_URL()}/query`, { headers: { Authorization: `Bearer ${secret}` } });
  expect(listing.status).toBe(403);

  // The secret is not shown again: the server does not keep it.
  await page.reload();
  await expect(tokenRow(page, name)).toHaveCount(1);
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  expect(await page.getByTestId('tokens').textContent()).not.toContain(secret);

  await tokenRow(page, name).getByTestId('revoke').click();
  await expect(page.getByTestId('confirm')).toContainText(`Revoke “${name}”?`);
  await page.getByTestId('confirm-yes').click();
  await expect(tokenRow(page, name)).toHaveCount(0);
  expect(await uploadWith(secret)).toBe(401);
});

test('the form explains what it refuses; the server refuses a name in use', async ({ page }) => {
  await openTokens(page);
  await page.getByTestId('token-name-input').fill('a b');
  await page.getByTestId('create-token').click();
  await expect(page.getByTestId('token-problem')).toContainText('A token name is 1 to 64 letters');

  const name = tokenName('twice');
  await page.getByTestId('token-name-input').fill(name);
  await page.getByTestId('scope-upload').uncheck();
  await page.getByTestId('create-token').click();
  await expect(page.getByTestId('token-problem')).toHaveText('Tick at least one scope.');
  // What was typed stays for the next try.
  await expect(page.getByTestId('token-name-input')).toHaveValue(name);

  await page.getByTestId('scope-read').check();
  await page.getByTestId('create-token').click();
  await expect(page.getByTestId('new-token')).toBeVisible();
  await expect(tokenRow(page, name).getByTestId('token-scopes')).toHaveText('read');
  await page.getByTestId('token-name-input').fill(name);
  await page.getByTestId('create-token').click();
  await expect(page.getByTestId('token-problem')).toContainText(name);
  await expect(tokenRow(page, name)).toHaveCount(1);
});

test('an expired token is marked in the list', async ({ page }) => {
  const now = Date.now();
  await page.route('**/tokens', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({
        success: true,
        tokens: [
          { name: 'old-ci', scopes: ['upload', 'read'], created_at: now - 9e8, expires_at: now - 3_600_000, last_used_at: now - 7_200_000 },
          { name: 'picgo', scopes: ['upload'], created_at: now - 9e8, expires_at: null, last_used_at: null },
        ],
      }),
    }),
  );
  await openTokens(page);
  const expired = tokenRow(page, 'old-ci');
  await expect(expired).toHaveClass(/expired/);
  await expect(expired.getByTestId('token-expires')).toContainText('expired');
  await expect(expired.getByTestId('token-scopes')).toHaveText('upload, read');
  await expect(expired.getByTestId('token-last-used')).toHaveText('2 hours ago');
  const live = tokenRow(page, 'picgo');
  await expect(live).not.toHaveClass(/expired/);
  await expect(live.getByTestId('token-expires')).toHaveText('never');
});

test('with an upload-only token the page uploads, and says what it may not do', async ({ page }) => {
  const name = tokenName('editor');
  const created = await api('/tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, scopes: ['upload'], expires_at: null }),
  });
  expect(created.status).toBe(200);
  const token = created.body.token;

  await page.addInitScript(() => localStorage.setItem('imghost.shrink', '0'));
  await page.goto(`/#token=${encodeURIComponent(token)}`);
  // The listing needs `read`: the server's words, not "wrong token".
  await expect(page.getByTestId('gallery-error')).toContainText('This token lacks the `read` scope');
  await expect(page.getByTestId('stats')).toHaveCount(0);

  const file = uniqueName('by-editor', 'png');
  await dropFiles(page, [{ name: file, bytes: uniquePng('text.png'), type: 'image/png' }]);
  await expectFinished(uploadRow(page, file));

  // The manage page uses the token the main page saved.
  await page.goto('/manage.html#tokens');
  await expect(page.getByTestId('tokens-error')).toContainText('`admin` scope');
  await page.getByTestId('nav-trash').click();
  await expect(page.getByTestId('trash')).toContainText('This token lacks the `read` scope');
  await page.getByTestId('nav-audit').click();
  await expect(page.getByTestId('audit')).toContainText('This token lacks the `admin` scope');
  await api(`/tokens?name=${name}`, { method: 'DELETE' });
});
