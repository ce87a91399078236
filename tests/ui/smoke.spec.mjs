import { test, expect } from '@playwright/test';

test('the UI loads from the Worker', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('h1')).toHaveText('imghost');
});
