// What the browser tests share: opening the page with the stack's token,
// handing files to the page as a drop, a paste or the file picker, and
// talking to the API directly to check what the page did.
import { expect } from '@playwright/test';

export const TOKEN = () => process.env.IMGHOST_TOKEN;
export const BASE_URL = () => process.env.IMGHOST_URL;

/**
 * Opens the UI the way `make dev` links to it (`/#token=...`). Browser-side
 * shrinking is off unless asked for, so uploads keep their exact bytes.
 * `url` opens another stack's UI (its origin); `apiUrl` points the page at
 * another API address than its own.
 */
export async function openApp(page, { shrink = false, token = TOKEN(), language, url = '', apiUrl } = {}) {
  await page.addInitScript(
    ({ shrink, language, apiUrl }) => {
      if (!sessionStorage.getItem('test-init')) {
        sessionStorage.setItem('test-init', '1');
        localStorage.setItem('imghost.shrink', shrink ? '1' : '0');
        if (language) localStorage.setItem('imghost.lang', language);
        if (apiUrl) localStorage.setItem('imghost.apiUrl', apiUrl);
      }
    },
    { shrink, language, apiUrl },
  );
  await page.goto(`${url}/#token=${encodeURIComponent(token)}`);
  await expect(page.getByTestId('image-count')).toBeVisible();
}

/**
 * Makes `files` ({name, bytes, type}) fetchable by the page under
 * `/__test-files/<name>`, and returns a function that builds them as File
 * objects inside the page.
 */
async function serveFiles(page, files) {
  for (const file of files) {
    await page.route(`**/__test-files/${encodeURIComponent(file.name)}`, (route) =>
      route.fulfill({ body: file.bytes, contentType: 'application/octet-stream' }),
    );
  }
  return files.map(({ name, type }) => ({ name, type }));
}

/**
 * Builds the files in the page from their fetched bytes and hands them over
 * in a DataTransfer, as the browser does: a drop on the drop zone
 * (dragenter, dragover, drop) or a paste on the page.
 */
async function deliverFiles(page, files, how) {
  const described = await serveFiles(page, files);
  await page.evaluate(
    async ({ files, how }) => {
      const transfer = new DataTransfer();
      for (const { name, type } of files) {
        const response = await fetch('/__test-files/' + encodeURIComponent(name));
        transfer.items.add(new File([await response.arrayBuffer()], name, { type }));
      }
      const init = { bubbles: true, cancelable: true };
      if (how === 'drop') {
        const zone = document.querySelector('[data-testid="drop-zone"]');
        for (const type of ['dragenter', 'dragover', 'drop']) {
          zone.dispatchEvent(new DragEvent(type, { ...init, dataTransfer: transfer }));
        }
      } else {
        document.body.dispatchEvent(new ClipboardEvent('paste', { ...init, clipboardData: transfer }));
      }
    },
    { files: described, how },
  );
}

export const dropFiles = (page, files) => deliverFiles(page, files, 'drop');
export const pasteFiles = (page, files) => deliverFiles(page, files, 'paste');

/** The API, called directly with the stack's token. */
export async function api(path, init = {}) {
  const response = await fetch(`${BASE_URL()}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${TOKEN()}`, ...(init.headers ?? {}) },
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** Uploads bytes through the API (not the page), returning the stored record. */
export async function uploadViaApi(name, bytes) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const { status, body } = await api('/upload', { method: 'POST', body: form });
  expect(status).toBe(200);
  return body;
}

/** The one upload row for `name` (its current, possibly converted, name). */
export function uploadRow(page, name) {
  return page.getByTestId('upload-row').filter({
    has: page.getByTestId('upload-name').getByText(name, { exact: true }),
  });
}

/** The gallery card showing `name`. */
export function card(page, name) {
  return page.getByTestId('image-card').filter({
    has: page.getByTestId('card-name').getByText(name, { exact: true }),
  });
}

/** A name no other test uses. */
let names = 0;
export function uniqueName(stem, extension) {
  names += 1;
  return `${stem}-${process.pid}-${Date.now().toString(36)}-${names}.${extension}`;
}

/**
 * Waits until the row has finished and expects `status` ("Uploaded" unless
 * told), naming the row's error if it failed instead.
 */
export async function expectFinished(row, status = 'Uploaded', { timeout = 10_000 } = {}) {
  const shown = row.getByTestId('upload-status');
  await expect(shown).toHaveText(/^(Uploaded|Already uploaded|Upload failed|Not uploaded)$/, { timeout });
  const error = (await row.getByTestId('upload-error').allTextContents()).join(' ');
  expect(await shown.textContent(), `upload error: ${error}`).toBe(status);
}

/** The page's stats line for a `GET /stats` answer, in English. */
export function statsLine(stats) {
  const parts = [
    stats.image_count === 1 ? '1 image' : `${stats.image_count} images`,
    `${formatBytes(stats.bytes_stored)} stored`,
    `${formatBytes(stats.bytes_saved)} saved by compression`,
  ];
  if (stats.compression_count !== null && stats.compression_count !== undefined) {
    parts.push(`Tinify compressions this month: ${stats.compression_count}`);
  }
  // Use against each quota that has a limit, marked from 80 %.
  for (const [label, usage, amount] of [
    ['Storage', stats.storage, formatBytes],
    ['Uploads today', stats.uploads_today, String],
  ]) {
    if (usage?.limit === null || usage?.limit === undefined) continue;
    const percent = usage.limit === 0 ? 100 : Math.floor((usage.used * 100) / usage.limit);
    const warning = percent >= 80 ? ' — nearly used up' : '';
    parts.push(`${label}: ${amount(usage.used)} of ${amount(usage.limit)} (${percent}%)${warning}`);
  }
  return parts.join(' · ');
}

/** imghost_shared::units::format_bytes, for the sizes the tests use. */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    unit += 1;
  }
  const units = ['KB', 'MB', 'GB', 'TB'];
  return value >= 100 ? `${value.toFixed(0)} ${units[unit]}` : `${value.toFixed(1).replace(/\.0$/, '')} ${units[unit]}`;
}
