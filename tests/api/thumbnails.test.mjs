// Thumbnails made by clients and checked, stored, served, deduplicated,
// deleted and reconciled by the Worker, against wrangler dev.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startStack } from '../support/stack.mjs';
import { client, fixture, uniquePng } from './helpers.mjs';

let stack;
let api;
before(async () => {
  stack = await startStack({ vars: { ORPHAN_GRACE_SECONDS: '0' } });
  api = client(stack);
});
after(() => stack?.stop());

const auth = () => ({ Authorization: `Bearer ${stack.token}` });

/** POST /upload with the image and, if given, a `thumbnail` part. */
async function upload(bytes, thumbnail, { thumbnailType = 'image/webp' } = {}) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'image/png' }), 'photo.png');
  if (thumbnail !== undefined) {
    form.append('thumbnail', new Blob([thumbnail], { type: thumbnailType }), 'thumbnail');
  }
  const response = await fetch(`${stack.url}/upload`, { method: 'POST', body: form, headers: auth() });
  return { status: response.status, body: await response.json() };
}

async function putThumbnail(id, bytes, headers = auth()) {
  const response = await fetch(`${stack.url}/thumbnail?id=${id}`, { method: 'PUT', body: bytes, headers });
  return { status: response.status, body: await response.json() };
}

const path = (url) => new URL(url).pathname;

async function counts() {
  const [{ image_count }] = await stack.sql('SELECT image_count FROM image_stats');
  const report = await (await fetch(`${stack.url}/reconcile`, { headers: auth() })).json();
  return { image_count, objects: report.objects_checked };
}

describe('upload with a thumbnail', () => {
  test('is stored beside the image, served like it, and listed', async () => {
    const thumbnail = await fixture('small.webp');
    const { status, body } = await upload(await uniquePng('thumb-1'), thumbnail);
    assert.equal(status, 200, body.message);
    assert.equal(body.thumbnail_key, `${body.object_key}.thumb.webp`);
    assert.equal(path(body.thumbnail_url), `/i/${body.thumbnail_key}`);
    assert.equal(body.animated, false);

    const served = await api.get(path(body.thumbnail_url));
    assert.equal(served.status, 200);
    assert.deepEqual(served.bytes, thumbnail);
    assert.equal(served.headers.get('content-type'), 'image/webp');
    const image = await api.get(path(body.url));
    for (const header of ['cache-control', 'content-security-policy', 'x-content-type-options']) {
      assert.equal(served.headers.get(header), image.headers.get(header), header);
    }

    const listed = (await api.query('pageSize=100')).body.results.find((r) => r.id === body.id);
    assert.equal(listed.thumbnail_url, body.thumbnail_url);
  });

  test('without one (the original clients) works as before, thumbnail_url null', async () => {
    const { status, body } = await upload(await uniquePng('thumb-none'));
    assert.equal(status, 200, body.message);
    assert.ok('thumbnail_url' in body);
    assert.equal(body.thumbnail_url, null);
    const listed = (await api.query('pageSize=100')).body.results.find((r) => r.id === body.id);
    assert.equal(listed.thumbnail_url, null);
  });

  test('a bad thumbnail is a 400 that says why, and nothing is stored', async () => {
    const before = await counts();
    const cases = [
      [Buffer.from('not an image at all'), 'not an image'],
      [await fixture('no_time_for_that_tiny.gif'), 'send WebP, JPEG or PNG'],
      [await fixture('logo.png'), 'at most 98304 are accepted'],
      [await fixture('rocket.jpg'), 'at most 98304 are accepted'],
      [await fixture('leaks/stray-byte.jpg'), 'cannot be removed safely'],
    ];
    for (const [thumbnail, why] of cases) {
      const { status, body } = await upload(await uniquePng(`bad-${why}`), thumbnail);
      assert.equal(status, 400, `${why}: ${body.message}`);
      assert.equal(body.code, 'bad_request');
      assert.match(body.message, /^The thumbnail/);
      assert.ok(body.message.includes(why), body.message);
    }
    assert.deepEqual(await counts(), before);
  });

  test('its metadata is stripped as an image\'s is', async () => {
    const { body } = await upload(await uniquePng('thumb-exif'), await fixture('leaks/exif-between-scans.jpg'), {
      thumbnailType: 'image/jpeg',
    });
    assert.ok(body.thumbnail_url, body.message);
    const served = await api.get(path(body.thumbnail_url));
    const file = join(stack.stateDir, 'served-thumbnail.jpg');
    await writeFile(file, served.bytes);
    const { stdout } = await promisify(execFile)('exiftool', ['-j', '-a', '-G', file]);
    const tags = Object.keys(JSON.parse(stdout)[0]);
    const leaked = tags.filter((tag) => /GPS|Serial|Artist|Comment/i.test(tag));
    assert.deepEqual(leaked, []);
  });

  test('a duplicate reuses the thumbnail, or gives its own to an image without one', async () => {
    const png = await uniquePng('thumb-dupe');
    const first = (await upload(png)).body;
    assert.equal(first.thumbnail_url, null);
    const second = (await upload(png, await fixture('small.webp'))).body;
    assert.equal(second.duplicate, true);
    assert.equal(second.id, first.id);
    assert.ok(second.thumbnail_url);
    const third = (await upload(png, await fixture('text.png'), { thumbnailType: 'image/png' })).body;
    assert.equal(third.thumbnail_url, second.thumbnail_url);
    const objects = (await counts()).objects;
    const keys = await stack.sql(`SELECT thumbnail_key FROM images WHERE id = ${first.id}`);
    assert.deepEqual(keys, [{ thumbnail_key: `${first.object_key}.thumb.webp` }]);
    assert.equal((await api.get(path(second.thumbnail_url))).status, 200);
    assert.equal((await counts()).objects, objects);
  });

  test('deleting the image deletes its thumbnail', async () => {
    const { body } = await upload(await uniquePng('thumb-delete'), await fixture('small.webp'));
    assert.equal((await api.remove(body.id)).status, 200);
    assert.equal((await api.get(path(body.url))).status, 404);
    assert.equal((await api.get(path(body.thumbnail_url))).status, 404);
  });
});

describe('PUT /thumbnail', () => {
  test('attaches a thumbnail to an image that has none, once', async () => {
    const { body: image } = await upload(await uniquePng('put-thumb'));
    const webp = await fixture('small.webp');
    const put = await putThumbnail(image.id, webp, { ...auth(), 'Content-Type': 'image/webp' });
    assert.equal(put.status, 200, put.body.message);
    assert.equal(put.body.id, image.id);
    assert.equal(put.body.thumbnail_key, `${image.object_key}.thumb.webp`);
    assert.deepEqual((await api.get(path(put.body.thumbnail_url))).bytes, webp);

    const again = await putThumbnail(image.id, await fixture('text.png'));
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'conflict');
    assert.equal((await api.get(`/i/${image.object_key}.thumb.png`)).status, 404);
  });

  test('refuses what it cannot take, with the right status', async () => {
    const { body: image } = await upload(await uniquePng('put-refused'));
    const webp = await fixture('small.webp');
    assert.equal((await putThumbnail(image.id, webp, {})).status, 401);
    assert.equal((await putThumbnail('abc', webp)).status, 400);
    assert.equal((await putThumbnail(999999, webp)).status, 404);
    assert.equal((await putThumbnail(image.id, Buffer.alloc(0))).status, 400);
    const gif = await putThumbnail(image.id, await fixture('no_time_for_that_tiny.gif'));
    assert.equal(gif.status, 400);
    assert.match(gif.body.message, /send WebP, JPEG or PNG/);
    const big = await putThumbnail(image.id, await fixture('logo.png'));
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 'payload_too_large');
    const [{ thumbnail_key }] = await stack.sql(`SELECT thumbnail_key FROM images WHERE id = ${image.id}`);
    assert.equal(thumbnail_key, null);
  });
});

describe('reconcile', () => {
  test('a thumbnail is part of its image; without its image it is an orphan', async () => {
    const { body } = await upload(await uniquePng('thumb-reconcile'), await fixture('small.webp'));
    let report = await (await fetch(`${stack.url}/reconcile`, { headers: auth() })).json();
    assert.ok(!report.orphan_objects.includes(body.thumbnail_key), JSON.stringify(report));

    // The row goes behind the Worker's back: both objects are orphans, and
    // adopting never makes the thumbnail an image of its own.
    await stack.sql(`DELETE FROM images WHERE id = ${body.id}`);
    report = await (await fetch(`${stack.url}/reconcile`, { headers: auth() })).json();
    assert.ok(report.orphan_objects.includes(body.thumbnail_key), JSON.stringify(report));
    const adopted = await (await fetch(`${stack.url}/reconcile?adopt=true`, { method: 'POST', headers: auth() })).json();
    assert.deepEqual(adopted.adopted.map((image) => image.object_key), [body.object_key]);
    assert.deepEqual(adopted.orphan_objects, [body.thumbnail_key]);
    const repaired = await (await fetch(`${stack.url}/reconcile`, { method: 'POST', headers: auth() })).json();
    assert.deepEqual(repaired.orphan_objects, [body.thumbnail_key]);
    assert.equal((await api.get(path(body.thumbnail_url))).status, 404);
    assert.equal((await api.get(path(body.url))).status, 200);
  });
});
