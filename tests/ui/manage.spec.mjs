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
  await expect(page.getByTestId('nav-albums')).toBeVisible();
  await page.getByTestId('settings-toggle').click();
  await page.waitForLoadState('networkidle');
  const wasm = fetched.filter((path) => path.endsWith('.wasm'));
  expect(wasm.length, fetched.join('\n')).toBe(1);
  expect(fetched.filter((path) => /manage/.test(path))).toEqual([]);
});

/** The navigation's links as [test id, text, path and fragment, current?]. */
function navLinks(page) {
  return page.locator('.views nav a').evaluateAll((links) =>
    links.map((a) => [
      a.dataset.testid,
      a.textContent,
      new URL(a.href).pathname + new URL(a.href).hash,
      a.getAttribute('aria-current') === 'page',
    ]),
  );
}

const VIEWS = [
  ['nav-images', 'Images', '/'],
  ['nav-albums', 'Albums', '/manage#albums'],
  ['nav-tokens', 'API tokens', '/manage#tokens'],
  ['nav-trash', 'Trash', '/manage#trash'],
  ['nav-audit', 'Audit log', '/manage#audit'],
];
const expected = (current) => VIEWS.map(([id, text, href]) => [id, text, href, id === current]);

test('both pages show one navigation, the current view marked, in both languages', async ({ page }) => {
  await openApp(page);
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
  await expect(page.getByRole('navigation')).toHaveCount(1);
  expect(await navLinks(page)).toEqual(expected('nav-images'));
  // The main page's wasm does not carry the manage views.
  await expect(page.getByTestId('tokens')).toHaveCount(0);

  // By keyboard: the links are reached with Tab and followed with Enter.
  await page.getByTestId('nav-images').focus();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('nav-albums')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/manage#albums$/);
  await expect(page.getByTestId('albums')).toBeVisible();
  expect(await navLinks(page)).toEqual(expected('nav-albums'));
  // Between sections the page stays loaded: only the fragment changes.
  await page.evaluate(() => (window.stayed = true));
  for (const [id, , href] of VIEWS.slice(2)) {
    await page.getByTestId(id).click();
    await expect(page).toHaveURL(new RegExp(`${href}$`));
    expect(await navLinks(page)).toEqual(expected(id));
  }
  expect(await page.evaluate(() => window.stayed)).toBe(true);
  // From the keyboard too, and the focus stays on the link followed.
  await page.getByTestId('nav-albums').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#albums$/);
  await expect(page.getByTestId('nav-albums')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('nav-tokens')).toBeFocused();
  await expect(page.getByRole('navigation')).toHaveCount(1);

  // The language switch relabels the navigation on both pages.
  await page.getByTestId('language').click();
  await expect(page.getByRole('navigation', { name: '栏目' })).toBeVisible();
  await expect(page.getByTestId('nav-albums')).toHaveText('相册');
  await page.getByTestId('nav-images').click();
  await expect(page.getByTestId('image-count')).toBeVisible();
  await expect(page.getByTestId('nav-images')).toHaveText('图片');
  await expect(page.getByTestId('nav-images')).toHaveAttribute('aria-current', 'page');
});

test('on a phone, light or dark, the navigation fits the screen and marks the current view', async ({ browser }) => {
  for (const colorScheme of ['light', 'dark']) {
    const context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      colorScheme,
      baseURL: process.env.IMGHOST_URL,
      locale: 'en-US',
    });
    const page = await context.newPage();
    await openApp(page);
    for (const path of ['/', '/manage.html#audit']) {
      if (path !== '/') await page.goto(path);
      const links = page.locator('.views nav a');
      await expect(links).toHaveCount(VIEWS.length);
      const look = await page.evaluate(() => {
        const current = document.querySelector('.views [aria-current="page"]');
        const other = document.querySelector('.views a:not([aria-current])');
        const nav = document.querySelector('.views nav').getBoundingClientRect();
        return {
          pageWidth: document.documentElement.scrollWidth,
          navRight: nav.right,
          currentBackground: getComputedStyle(current).backgroundColor,
          otherBackground: getComputedStyle(other).backgroundColor,
          text: getComputedStyle(current).color,
          pageBackground: getComputedStyle(document.documentElement).backgroundColor,
        };
      });
      expect(look.pageWidth, `${colorScheme} ${path}`).toBeLessThanOrEqual(360);
      expect(look.navRight).toBeLessThanOrEqual(360);
      expect(look.currentBackground).not.toBe(look.otherBackground);
      // Dark mode: light text on the dark page, and the other way round.
      const lightness = (rgb) => rgb.match(/\d+/g).slice(0, 3).reduce((sum, n) => sum + Number(n), 0);
      expect(lightness(look.text) > lightness(look.pageBackground)).toBe(colorScheme === 'dark');
    }
    await context.close();
  }
});

test('the manage page uses the connection the main page saved', async ({ page }) => {
  // Something for the audit log to list.
  await uploadViaApi(uniqueName('managed', 'png'), uniquePng('text.png'));
  await openApp(page);
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.getByTestId('nav-tokens').click();
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
