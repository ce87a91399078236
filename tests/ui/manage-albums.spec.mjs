// The manage page's albums and tags: make, nest, rename, share, stop
// sharing and delete albums; delete a tag. Images and their URLs stay.
import { test, expect } from '@playwright/test';
import { api, openApp, uniqueName, uploadViaApi } from './helpers.mjs';
import { uniquePng } from './images.mjs';

test('albums are made, nested, renamed, shared and deleted; tags deleted; no URL changes', async ({ page }) => {
  const stamp = Date.now() % 1_000_000;
  const image = await uploadViaApi(uniqueName(`managed-album-${stamp}`, 'png'), uniquePng());
  await openApp(page);
  await page.goto('/manage.html#albums');
  // The lists have come (a redraw empties the form).
  await page.waitForLoadState('networkidle');
  const section = page.getByTestId('albums');
  await expect(section.getByRole('heading', { name: 'Albums' })).toBeVisible();
  await expect(page.getByTestId('nav-albums')).toHaveAttribute('aria-current', 'page');

  // A top album, then one inside it.
  await page.getByTestId('new-album-name').fill(`Blog ${stamp}`);
  await page.getByTestId('create-album').click();
  const row = (name) => section.getByTestId('album-row').filter({ has: page.locator(`input[value="${name}"]`) });
  await expect(row(`Blog ${stamp}`)).toHaveCount(1);
  await page.waitForLoadState('networkidle');
  await page.getByTestId('new-album-name').fill(`Drafts ${stamp}`);
  await section.locator('form').first().getByTestId('album-parent').selectOption({ label: `Blog ${stamp}` });
  await page.getByTestId('create-album').click();
  await expect(row(`Drafts ${stamp}`)).toHaveCount(1);
  const albums = (await api('/albums')).body.albums;
  const blog = albums.find((a) => a.name === `Blog ${stamp}`);
  const drafts = albums.find((a) => a.name === `Drafts ${stamp}`);
  expect(drafts.parent_id).toBe(blog.id);

  // Put the image in, rename the album: the image keeps its URL.
  expect((await api(`/albums/images?id=${drafts.id}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ add: [image.id] }),
  })).status).toBe(200);
  await row(`Drafts ${stamp}`).getByTestId('album-name').fill(`Posts ${stamp}`);
  await row(`Drafts ${stamp}`).getByTestId('save-album').click();
  await expect(row(`Posts ${stamp}`)).toHaveCount(1);
  await expect(row(`Posts ${stamp}`)).toContainText('1 image');
  const [listed] = (await api(`/query?album=${drafts.id}`)).body.results;
  expect(listed.image_url).toBe(image.url);

  // Share, open the link, stop sharing.
  await row(`Posts ${stamp}`).getByTestId('share-album').click();
  const link = row(`Posts ${stamp}`).getByTestId('share-link');
  await expect(link).toBeVisible();
  const url = await link.getAttribute('href');
  expect((await fetch(url)).status).toBe(200);
  await row(`Posts ${stamp}`).getByTestId('unshare-album').click();
  await expect(row(`Posts ${stamp}`).getByTestId('share-album')).toBeVisible();
  expect((await fetch(url)).status).toBe(404);

  // A tag, deleted from every image.
  const tag = `gone${stamp}`;
  await api('/tags/images', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ image_ids: [image.id], add: [tag] }),
  });
  await page.reload();
  const tagRow = section.getByTestId('tag-row').filter({ hasText: tag });
  await expect(tagRow).toContainText('1 image');
  await tagRow.getByTestId('delete-tag').click();
  await page.getByTestId('confirm-yes').click();
  await expect(tagRow).toHaveCount(0);

  // The parent cannot go while it holds a sub-album; the child can, and
  // then the parent; the image stays.
  await row(`Blog ${stamp}`).getByTestId('delete-album').click();
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByText('has sub-albums')).toBeVisible();
  await row(`Posts ${stamp}`).getByTestId('delete-album').click();
  await page.getByTestId('confirm-yes').click();
  await expect(row(`Posts ${stamp}`)).toHaveCount(0);
  await row(`Blog ${stamp}`).getByTestId('delete-album').click();
  await page.getByTestId('confirm-yes').click();
  await expect(row(`Blog ${stamp}`)).toHaveCount(0);
  expect((await fetch(image.url)).status).toBe(200);
});
