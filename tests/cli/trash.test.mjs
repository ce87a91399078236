// `imghost trash list|restore|empty` against a real stack (wrangler dev):
// a deleted image waits in the trash under the URL it comes back to, and is
// gone for good only when purged. Then the quotas, which count the trash,
// as `imghost upload` and `imghost stats` show them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE_URL, apiQuery, download, useStack, writePng } from './helpers.mjs';
import { TRASH_BUCKET } from '../support/stack.mjs';

const lines = (text) => text.split('\n').slice(0, -1);
const utcMinute = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

describe('trash', () => {
  const ctx = useStack();

  /** Uploads `name` with the binary; the image as the API lists it, and its bytes. */
  async function uploaded(name, seed = name) {
    const file = await writePng(ctx.dir, name, seed);
    const { code, stdout, stderr } = await ctx.run(['upload', file.path]);
    assert.equal(code, 0, stderr);
    const [image] = (await apiQuery(ctx.stack, `search=${encodeURIComponent(name)}`)).results;
    assert.equal(image.image_url, stdout.trim());
    return { image, bytes: file.bytes };
  }

  /** `DELETE /delete?id=N` straight to the API. */
  async function apiDelete(id) {
    const response = await fetch(`${ctx.stack.url}/delete?id=${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${ctx.stack.token}` },
    });
    assert.equal(response.status, 200, await response.clone().text());
    return response.json();
  }

  const trashJson = async () => {
    const { code, stdout, stderr } = await ctx.run(['trash', 'list', '--json']);
    assert.equal(code, 0, stderr);
    return JSON.parse(stdout);
  };

  test('list shows a deleted image under the URL it comes back to; restore brings back the same bytes', async () => {
    const kept = await uploaded('trash-kept.png');
    const { image, bytes } = await uploaded('trash-restore.png');
    const deleted = await apiDelete(image.id);
    assert.equal(deleted.object_key, image.object_key);
    assert.equal((await download(image.image_url)).status, 404);

    const listed = await trashJson();
    assert.deepEqual(listed.map((record) => record.id), [image.id]);
    assert.equal(listed[0].image_url, image.image_url);
    assert.equal(listed[0].original_name, 'trash-restore.png');
    assert.equal(typeof listed[0].deleted_at, 'number');
    const live = JSON.parse((await ctx.run(['list', '--all', '--json'])).stdout).map((record) => record.id);
    assert.ok(!live.includes(image.id) && live.includes(kept.image.id), live.join());

    const table = await ctx.run(['trash', 'list']);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stderr, '');
    const rows = [
      ['ID', 'DELETED (UTC)', 'SIZE', 'URL', 'NAME'],
      [String(image.id), utcMinute(listed[0].deleted_at), `${image.size} B`, image.image_url, 'trash-restore.png'],
    ];
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    const expected = rows
      .map((row) => row.map((cell, column) => (column === 0 ? cell.padStart(widths[0]) : column === 4 ? cell : cell.padEnd(widths[column]))).join('  '))
      .join('\n');
    assert.equal(table.stdout, `${expected}\n`);

    const restored = await ctx.run(['trash', 'restore', String(image.id)]);
    assert.equal(restored.stderr, '');
    assert.equal(restored.code, 0);
    assert.equal(restored.stdout, `${image.image_url}\n`);
    const served = await download(image.image_url);
    assert.equal(served.status, 200);
    assert.ok(served.bytes.equals(bytes), 'the same bytes');

    const empty = await ctx.run(['trash', 'list']);
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout, '');
    assert.equal(empty.stderr, 'the trash is empty\n');
    assert.deepEqual(await trashJson(), []);
  });

  test('restore tries every id, keeps a line per id, and exits 1 if any failed', async () => {
    const a = await uploaded('restore-a.png');
    const b = await uploaded('restore-b.png');
    const removed = await ctx.run(['delete', String(a.image.id), b.image.image_url]);
    assert.equal(removed.code, 0, removed.stderr);

    const { code, stdout, stderr } = await ctx.run(['trash', 'restore', '999999', String(a.image.id), String(b.image.id)]);
    assert.equal(code, 1);
    assert.equal(stdout, `\n${a.image.image_url}\n${b.image.image_url}\n`);
    assert.match(stderr, /^error: 999999: .+\n$/);
    for (const { image, bytes } of [a, b]) assert.ok((await download(image.image_url)).bytes.equals(bytes));

    const live = await ctx.run(['trash', 'restore', String(a.image.id)]);
    assert.equal(live.code, 1, 'a live image is not in the trash');
    assert.equal(live.stdout, '\n');
    assert.match(live.stderr, new RegExp(`^error: ${a.image.id}: .+\\n$`));

    const junk = await ctx.run(['trash', 'restore', 'cat.png']);
    assert.equal(junk.code, 2);
    assert.match(junk.stderr, /an image id is a positive whole number/);
  });

  test('uploading bytes that are in the trash brings the image back under its URL', async () => {
    const { image, bytes } = await uploaded('come-back.png');
    assert.equal((await ctx.run(['delete', String(image.id)])).code, 0);
    const copy = join(ctx.dir, 'come-back-copy.png');
    await writeFile(copy, bytes);
    const again = await ctx.run(['upload', copy]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `${image.image_url}\n`);
    assert.match(again.stderr, /duplicate/);
    assert.ok((await download(image.image_url)).bytes.equals(bytes));
    assert.deepEqual(await trashJson(), []);
  });

  test('empty asks first; --yes purges bytes and rows for good', async () => {
    const { image } = await uploaded('purge-me.png');
    assert.equal((await ctx.run(['delete', String(image.id)])).code, 0);
    assert.ok(await ctx.stack.getObject(image.object_key, { bucket: TRASH_BUCKET }), 'the bytes wait in the trash');
    assert.equal(await ctx.stack.getObject(image.object_key), null, 'and nothing is public');

    // Standard input is a pipe here: no terminal to ask at.
    const unasked = await ctx.run(['trash', 'empty']);
    assert.equal(unasked.code, 1);
    assert.equal(unasked.stdout, '');
    assert.equal(unasked.stderr, 'error: nothing purged: pass --yes to empty the trash without being asked\n');
    assert.equal((await trashJson()).length, 1);

    const purged = await ctx.run(['trash', 'empty', '--yes']);
    assert.equal(purged.stderr, '');
    assert.equal(purged.code, 0);
    assert.equal(purged.stdout, 'purged 1 image\n');
    assert.deepEqual(await trashJson(), []);
    assert.equal(await ctx.stack.getObject(image.object_key, { bucket: TRASH_BUCKET }), null);
    assert.equal(await ctx.stack.getObject(image.object_key), null);
    assert.deepEqual(await ctx.stack.sql(`SELECT id FROM images WHERE id = ${image.id}`), []);

    const gone = await ctx.run(['trash', 'restore', String(image.id)]);
    assert.equal(gone.code, 1);
    assert.equal((await download(image.image_url)).status, 404);

    const nothing = await ctx.run(['trash', 'empty', '-y']);
    assert.equal(nothing.code, 0);
    assert.equal(nothing.stdout, 'purged 0 images\n');
  });

  test('more than a page to list and more than a batch to purge', async () => {
    const count = 105;
    const files = await Promise.all(Array.from({ length: count }, (_, i) => writePng(ctx.dir, `bulk-${i}.png`)));
    const upload = await ctx.run(['upload', ...files.map((file) => file.path)]);
    assert.equal(upload.code, 0, upload.stderr);
    const urls = lines(upload.stdout);
    assert.equal(urls.length, count);
    const removed = await ctx.run(['delete', ...urls]);
    assert.equal(removed.code, 0, removed.stderr);

    const listed = await trashJson();
    assert.equal(listed.length, count);
    assert.equal(new Set(listed.map((record) => record.id)).size, count);
    assert.deepEqual(new Set(listed.map((record) => record.image_url)), new Set(urls));
    assert.equal(lines((await ctx.run(['trash', 'list'])).stdout).length, count + 1);

    const purged = await ctx.run(['trash', 'empty', '--yes']);
    assert.equal(purged.code, 0, purged.stderr);
    assert.equal(purged.stdout, `purged ${count} images\n`);
    assert.deepEqual(await trashJson(), []);
    assert.match((await ctx.run(['stats'])).stdout, /^trash {9}0 images, 0 B$/m);
  });
});

describe('quotas', () => {
  // Two 40×40 images of noise (about 4.9 KB each) do not fit in 8000 bytes;
  // three uploads a day.
  const ctx = useStack({ vars: { MAX_STORAGE_BYTES: '8000', MAX_UPLOADS_PER_DAY: '3' } });
  const big = { width: 40, height: 40 };

  /**
   * How often the stack was asked `POST /upload` and answered `status`,
   * from its request log (written a moment after the answer): waits for
   * `expected`, then a little longer for any request after it.
   */
  async function answered(status, expected) {
    const count = () => ctx.stack.logs().split('\n').filter((line) => line.includes(`POST /upload ${status} `)).length;
    const deadline = Date.now() + 5000;
    while (count() < expected && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
    await new Promise((done) => setTimeout(done, 500));
    return count();
  }

  test('storage: 507 with the server\'s words and the command that makes room, counting the trash, asked once', async () => {
    const first = await writePng(ctx.dir, 'first.png', 'first', big);
    const ok = await ctx.run(['upload', first.path]);
    assert.equal(ok.code, 0, ok.stderr);
    const url = ok.stdout.trim();
    assert.match(url, IMAGE_URL(ctx.stack));

    const second = await writePng(ctx.dir, 'second.png', 'second', big);
    const full = await ctx.run(['upload', second.path]);
    assert.equal(full.code, 1);
    assert.equal(full.stdout, '\n');
    assert.match(full.stderr, new RegExp(`^error: ${second.path.replaceAll('.', '\\.')}: .+ \\(\`imghost trash empty\` purges what the trash holds\\)\\n$`));
    assert.equal(await answered(507, 1), 1, 'no retry');

    // In the trash, the first image still counts.
    assert.equal((await ctx.run(['delete', url])).code, 0);
    const stillFull = await ctx.run(['upload', second.path]);
    assert.equal(stillFull.code, 1);
    assert.equal(await answered(507, 2), 2);

    const stats = await ctx.run(['stats']);
    assert.equal(stats.code, 0, stats.stderr);
    assert.match(stats.stdout, /^trash {9}1 image, \d+(\.\d)? KB$/m);
    assert.match(stats.stdout, /^storage {7}\d+(\.\d)? KB of 7\.8 KB \(\d+ %\)$/m);
    assert.match(stats.stdout, /^uploads today 1 of 3 \(33 %\)$/m);

    assert.equal((await ctx.run(['trash', 'empty', '--yes'])).stdout, 'purged 1 image\n');
    const fits = await ctx.run(['upload', second.path]);
    assert.equal(fits.code, 0, fits.stderr);
  });

  test('uploads per day: 429 with the server\'s words, asked once', async () => {
    const small = await writePng(ctx.dir, 'third.png');
    assert.equal((await ctx.run(['upload', small.path])).code, 0);
    const over = await writePng(ctx.dir, 'fourth.png');
    const { code, stdout, stderr } = await ctx.run(['upload', over.path]);
    assert.equal(code, 1);
    assert.equal(stdout, '\n');
    assert.match(stderr, new RegExp(`^error: ${over.path.replaceAll('.', '\\.')}: .+\\n$`));
    assert.doesNotMatch(stderr, /check the token|trash empty/);
    assert.equal(await answered(429, 1), 1, 'no retry');

    const stats = await ctx.run(['stats']);
    assert.match(stats.stdout, /^uploads today 3 of 3 \(100 %\)$/m);
    assert.match(stats.stdout, /^warning +.+$/m);
  });
});
