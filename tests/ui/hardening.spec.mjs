// The page under its own Content-Security-Policy, a `#token=` link that
// differs from the saved token, links only to web addresses, and a delete
// question that mentions caches where they keep deleted images.
import { test, expect } from '@playwright/test';
import { BASE_URL, TOKEN, card, dropFiles, expectFinished, openApp, uniqueName, uploadRow, uploadViaApi } from './helpers.mjs';
import { uniquePng } from './images.mjs';

// A listing the page asks for while the test ends is still in a route
// handler below; its fetch then fails, which is no failure of the test.
test.afterEach(async ({ page }) => {
  await page.unrouteAll({ behavior: 'ignoreErrors' });
});

/** Records every CSP violation the page reports. */
async function watchViolations(page) {
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) =>
      window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  return () => page.evaluate(() => window.__violations);
}

test('the UI runs under its CSP: upload, list, copy and open break no rule', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const violations = await watchViolations(page);
  const response = await page.request.get('/');
  expect(response.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  // Shrinking on: the browser's WebP encoding runs under the policy too.
  await openApp(page, { shrink: true });
  const name = uniqueName('csp', 'png');
  await dropFiles(page, [{ name, bytes: uniquePng('coffee.png'), type: 'image/png' }]);
  const webpName = name.replace(/\.png$/, '.webp');
  await expectFinished(uploadRow(page, webpName));
  const listed = card(page, webpName);
  await expect(listed.locator('img')).toHaveJSProperty('complete', true);
  expect(await listed.locator('img').evaluate((img) => img.naturalWidth)).toBeGreaterThan(0);
  await listed.getByTestId('copy-url').click();
  expect(await violations()).toEqual([]);
});

test('a link with a different token asks before replacing the saved one', async ({ page }) => {
  await openApp(page);
  await page.goto(`/#token=${encodeURIComponent('someone-elses-token')}`);
  await page.reload();
  const question = page.getByTestId('confirm');
  await expect(question).toBeVisible();
  await expect(question).toContainText('different from the one saved in this browser');
  await page.getByTestId('confirm-cancel').click();
  expect(await page.evaluate(() => localStorage.getItem('imghost.token'))).toBe(TOKEN());
  expect(page.url()).toBe(`${BASE_URL()}/`);
  await expect(page.getByTestId('gallery-error')).toHaveCount(0);

  await page.goto(`/#token=${encodeURIComponent('someone-elses-token')}`);
  await page.reload();
  await expect(page.getByTestId('confirm-yes')).toHaveText('Use the new token');
  await page.getByTestId('confirm-yes').click();
  await expect.poll(() => page.evaluate(() => localStorage.getItem('imghost.token'))).toBe('someone-elses-token');
  await page.evaluate((token) => localStorage.setItem('imghost.token', token), TOKEN());
});

test('only http and https addresses become links and images', async ({ page }) => {
  const name = uniqueName('scheme', 'png');
  const hostile = 'javascript:alert(document.domain)//';
  // A listing whose image_url is not a web address (a compromised or
  // foreign server) must not turn into a clickable script.
  await page.route('**/query?**', async (route) => {
    const real = await (await route.fetch()).json();
    real.results = real.results.map((image) => (image.original_name === name ? { ...image, image_url: hostile } : image));
    await route.fulfill({ json: real });
  });
  await uploadViaApi(name, uniquePng('logo.png'));
  await openApp(page);
  const listed = card(page, name);
  await expect(listed).toBeVisible();
  for (const link of await listed.locator('a').all()) expect(await link.getAttribute('href')).not.toContain('javascript:');
  expect(await listed.locator('img').getAttribute('src')).not.toContain('javascript:');
});

test('with images on a custom domain of the bucket, the delete question says its cache keeps them', async ({ page }) => {
  const name = uniqueName('cached', 'png');
  const stored = await uploadViaApi(name, uniquePng('text.png'));
  // As listed by a Worker whose PUBLIC_IMAGE_BASE_URL is a custom domain
  // on the bucket (its images do not pass through the Worker's /i/).
  await page.route('**/query?**', async (route) => {
    const real = await (await route.fetch()).json();
    real.results = real.results.map((image) =>
      image.id === stored.id ? { ...image, image_url: `https://img.example.com/${image.object_key}` } : image,
    );
    await route.fulfill({ json: real });
  });
  await openApp(page);
  await card(page, name).getByTestId('delete').click();
  await expect(page.getByTestId('confirm')).toContainText(
    'Copies cached by Cloudflare at img.example.com can still be served for up to a year, until you purge that cache.',
  );
  await page.getByTestId('confirm-cancel').click();

  // Served by the Worker itself: no such sentence.
  const plain = uniqueName('uncached', 'png');
  await uploadViaApi(plain, uniquePng('logo.png'));
  await page.reload();
  await card(page, plain).getByTestId('delete').click();
  await expect(page.getByTestId('confirm')).toBeVisible();
  await expect(page.getByTestId('confirm')).not.toContainText('cached by Cloudflare');
  await page.getByTestId('confirm-cancel').click();
});
