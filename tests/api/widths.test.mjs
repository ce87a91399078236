// Responsive widths made by clients and checked, stored, served, moved to
// the trash and back, purged, counted and reconciled by the Worker, against
// wrangler dev. The widths here are WebP headers of the declared size (see
// `webpOfSize`); the CLI tests send real ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack, TRASH_BUCKET } from '../support/stack.mjs';
import { fixture, webpOfSize, widePng } from './helpers.mjs';
import { caller, said } from './calls.mjs';

let stack;
let call;
before(async () => {
  stack = await startStack({ vars: { ORPHAN_GRACE_SECONDS: '0' } });
  call = caller(stack);
});
after(() => stack?.stop());

let seeds = 0;
const photo = (width, height) => widePng(`widths-${process.pid}-${++seeds}`, width, height);
const webp = webpOfSize;

/** A multipart body: the image as `file`, then each `[field, bytes, type]`. */
function form(image, parts = []) {
  const body = new FormData();
  body.append('file', new Blob([image], { type: 'image/png' }), 'photo.png');
  for (const [field, bytes, type = 'image/webp'] of parts) body.append(field, new Blob([bytes], { type }), field);
  return body;
}

const upload = (image, parts) => call('POST', '/upload', { body: form(image, parts) });
const path = (url) => new URL(url).pathname;
const get = async (url) => {
  const response = await fetch(`${stack.url}${path(url)}`);
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
};
const reconcile = async () => (await call('GET', '/reconcile')).body;
const stats = async () => (await stack.sql('SELECT image_count, width_bytes FROM image_stats'))[0];
const widthKey = (image, width) => `${image.object_key}@${width}w.webp`;

describe('upload with widths', () => {
  test('are stored beside the image, served, listed and counted', async () => {
    const before = await stats();
    const copies = { 640: webp(640, 480, 300), 960: webp(960, 720, 500), 1280: webp(1280, 960, 700) };
    const answer = await upload(photo(2000, 1500), Object.entries(copies).map(([w, bytes]) => [`width_${w}`, bytes]));
    assert.equal(answer.status, 200, said(answer));
    const image = answer.body;
    assert.deepEqual(image.widths, [640, 960, 1280]);
    for (const [width, bytes] of Object.entries(copies)) {
      const served = await get(`${image.url}@${width}w.webp`);
      assert.equal(served.status, 200, `${width}`);
      assert.equal(served.type, 'image/webp');
      assert.deepEqual(served.bytes, bytes);
    }
    const listed = (await call('GET', '/query?pageSize=50')).body.results.find((row) => row.id === image.id);
    assert.deepEqual(listed.widths, [640, 960, 1280]);
    const after = await stats();
    assert.equal(after.width_bytes - before.width_bytes, copies[640].length + copies[960].length + copies[1280].length);
    const report = await reconcile();
    assert.deepEqual(report.orphan_objects, [], 'widths are part of their image');
  });

  test('a width\'s metadata is stripped as an image\'s is', async () => {
    const copy = webp(640, 480, 64, { metadata: true });
    assert.ok(copy.includes('GPS'), 'the width sent names a place');
    const answer = await upload(photo(1000, 750), [['width_640', copy]]);
    assert.equal(answer.status, 200, said(answer));
    const served = (await get(`${answer.body.url}@640w.webp`)).bytes;
    assert.equal(served.toString('latin1', 8, 12), 'WEBP');
    for (const leak of ['GPS', 'Longyearbyen', 'EXIF', 'XMP ']) {
      assert.ok(!served.includes(leak), `${leak} is served`);
    }
  });

  test('fields of other widths are ignored: nothing of them is stored', async () => {
    const answer = await upload(photo(1000, 750), [['width_700', webp(700, 525)], ['width_640x', webp(640, 480)]]);
    assert.equal(answer.status, 200, said(answer));
    assert.deepEqual(answer.body.widths, []);
    for (const key of [`${answer.body.object_key}@700w.webp`, `${answer.body.object_key}@640w.webp`]) {
      assert.equal(await stack.getObject(key), null, key);
    }
  });

  test('an image without widths lists them as []; old clients work as before', async () => {
    const answer = await upload(photo(2000, 1500));
    assert.equal(answer.status, 200, said(answer));
    assert.deepEqual(answer.body.widths, []);
  });

  test('bad widths are a 400 that says why, and nothing of the upload is stored', async () => {
    const before = await stats();
    const objects = (await reconcile()).objects_checked;
    const image = () => photo(1000, 750); // takes 640 only
    const cases = [
      [[['width_640', webp(640, 400)]], 'must be 640 × 480'],
      [[['width_640', webp(960, 720)]], 'must be 640 × 480'],
      [[['width_640', await fixture('text.png'), 'image/png']], 'send WebP'],
      [[['width_960', webp(960, 720)]], 'takes no 960 px width'],
      [[['width_640', Buffer.from('not an image')]], 'not an image imghost accepts'],
      [[['width_640', webp(640, 480, 2 * 1024 * 1024)]], 'at most 2097152 are accepted'],
      // Turned on screen by its EXIF: the picture would have another shape.
      [[['width_640', webp(640, 480, 64, { metadata: true, orientation: 6 })]], 'carries an EXIF orientation'],
    ];
    for (const [parts, why] of cases) {
      const answer = await upload(image(), parts);
      assert.equal(answer.status, 400, `${why}: ${said(answer)}`);
      assert.ok(answer.body.message.includes(why), answer.body.message);
    }
    // All the widths the image takes, or none.
    const partial = await upload(photo(2000, 1500), [['width_640', webp(640, 480)]]);
    assert.equal(partial.status, 400, said(partial));
    assert.match(partial.body.message, /Send every width this image takes \(640 960 1280\) or none/);
    // Widths of an animated image, or one too narrow, are refused too.
    const gif = await upload(await fixture('no_time_for_that_tiny.gif'), [['width_640', webp(640, 480)]]);
    assert.equal(gif.status, 400, said(gif));
    assert.deepEqual(await stats(), before);
    assert.equal((await reconcile()).objects_checked, objects, 'no object was left behind');
  });

  test('a duplicate keeps its widths, or takes those sent if it had none', async () => {
    const png = photo(1000, 750);
    const first = await upload(png);
    assert.deepEqual(first.body.widths, []);
    const second = await upload(png, [['width_640', webp(640, 480)]]);
    assert.equal(second.body.duplicate, true);
    assert.deepEqual(second.body.widths, [640]);
    const third = await upload(png, [['width_640', webp(640, 480, 999)]]);
    assert.deepEqual(third.body.widths, [640]);
    assert.equal((await get(`${first.body.url}@640w.webp`)).bytes.length, webp(640, 480).length);
  });

  test('widths count against MAX_STORAGE_BYTES: 507 and nothing stored, at upload or later', async () => {
    const image = photo(1000, 750);
    const limited = await startStack({ vars: { MAX_STORAGE_BYTES: String(image.length + 1000) } });
    try {
      const limitedCall = caller(limited);
      const objects = async () => (await limitedCall('GET', '/reconcile')).body.objects_checked;
      const big = await limitedCall('POST', '/upload', { body: form(image, [['width_640', webp(640, 480, 2000)]]) });
      assert.equal(big.status, 507, said(big));
      assert.deepEqual(await limited.sql('SELECT id FROM images'), []);
      assert.equal(await objects(), 0, 'no object of the refused upload is left');

      const bare = await limitedCall('POST', '/upload', { body: form(image) });
      assert.equal(bare.status, 200, said(bare));
      const put = (padding) => {
        const body = new FormData();
        body.append('width_640', new Blob([webp(640, 480, padding)], { type: 'image/webp' }), 'w');
        return limitedCall('PUT', `/widths?id=${bare.body.id}`, { body });
      };
      const over = await put(2000);
      assert.equal(over.status, 507, said(over));
      assert.equal(await objects(), 1, 'only the image: the width is gone again');
      const fits = await put(100);
      assert.equal(fits.status, 200, said(fits));
      assert.deepEqual(fits.body.widths, [640]);
    } finally {
      await limited.stop();
    }
  });
});

describe('PUT /widths', () => {
  const put = (id, parts) => {
    const body = new FormData();
    for (const [field, bytes] of parts) body.append(field, new Blob([bytes], { type: 'image/webp' }), field);
    return call('PUT', `/widths?id=${id}`, { body });
  };

  test('backfills an image that has none, once', async () => {
    const image = (await upload(photo(1000, 750))).body;
    const answer = await put(image.id, [['width_640', webp(640, 480)]]);
    assert.equal(answer.status, 200, said(answer));
    assert.deepEqual(answer.body.widths, [640]);
    assert.equal((await get(`${image.url}@640w.webp`)).status, 200);
    const again = await put(image.id, [['width_640', webp(640, 480)]]);
    assert.equal(again.status, 409, said(again));
    const [audit] = await stack.sql(`SELECT action, detail FROM audit_log WHERE action = 'widths' AND target = '${image.id}'`);
    assert.deepEqual(audit, { action: 'widths', detail: '640' });
  });

  test('refuses what the image does not take, an unknown or trashed image, an empty body', async () => {
    const image = (await upload(photo(1000, 750))).body;
    const wrong = await put(image.id, [['width_640', webp(640, 100)]]);
    assert.equal(wrong.status, 400, said(wrong));
    assert.equal((await get(`${image.url}@640w.webp`)).status, 404, 'nothing stored');
    assert.equal((await put(999999, [['width_640', webp(640, 480)]])).status, 404);
    assert.equal((await put(image.id, [])).status, 400);
    assert.equal((await call('PUT', '/widths?id=x', { body: 'x' })).status, 400);
    assert.equal((await call('DELETE', `/delete?id=${image.id}`)).status, 200);
    const trashed = await put(image.id, [['width_640', webp(640, 480)]]);
    assert.equal(trashed.status, 404, said(trashed));
    assert.equal(await stack.getObject(widthKey(image, 640)), null, 'nothing public of a trashed image');
  });
});

describe('the trash', () => {
  test('moves the widths with the image, brings them back, and purges them', async () => {
    const copy = webp(640, 480, 123);
    const image = (await upload(photo(1000, 750), [['width_640', copy]])).body;
    const key = widthKey(image, 640);
    assert.equal((await call('DELETE', `/delete?id=${image.id}`)).status, 200);
    assert.equal((await get(`${image.url}@640w.webp`)).status, 404, 'not public while trashed');
    assert.equal(await stack.getObject(key), null);
    assert.deepEqual(await stack.getObject(key, { bucket: TRASH_BUCKET }), copy);

    const restored = await call('POST', `/trash/restore?id=${image.id}`);
    assert.equal(restored.status, 200, said(restored));
    assert.deepEqual(restored.body.image.widths, [640]);
    assert.deepEqual((await get(`${image.url}@640w.webp`)).bytes, copy);
    assert.equal(await stack.getObject(key, { bucket: TRASH_BUCKET }), null);

    const before = await stats();
    assert.equal((await call('DELETE', `/delete?id=${image.id}`)).status, 200);
    assert.equal((await call('DELETE', `/trash?id=${image.id}`)).status, 200);
    assert.equal(await stack.getObject(key), null);
    assert.equal(await stack.getObject(key, { bucket: TRASH_BUCKET }), null);
    assert.equal((await stats()).width_bytes, before.width_bytes - copy.length);
  });

  test('a lost width is forgotten by the move, and none of its widths is left', async () => {
    const image = (await upload(photo(2000, 1500), [640, 960, 1280].map((w) => [`width_${w}`, webp(w, (w * 3) / 4)]))).body;
    await stack.deleteObject(widthKey(image, 960));
    assert.equal((await call('DELETE', `/delete?id=${image.id}`)).status, 200);
    const restored = await call('POST', `/trash/restore?id=${image.id}`);
    assert.equal(restored.status, 200, said(restored));
    assert.deepEqual(restored.body.image.widths, [], 'a srcset never names a missing file');
    for (const width of [640, 960, 1280]) {
      assert.equal(await stack.getObject(widthKey(image, width)), null, `${width}`);
      assert.equal(await stack.getObject(widthKey(image, width), { bucket: TRASH_BUCKET }), null, `${width}`);
    }
    assert.deepEqual((await reconcile()).orphan_objects, []);
  });
});

describe('reconcile', () => {
  test('a width without its row is an orphan, never adopted as an image', async () => {
    const image = (await upload(photo(1000, 750), [['width_640', webp(640, 480)]])).body;
    // Shaped like one of imghost's own keys, but no row names it.
    const stray = `${image.object_key.split('/')[0]}/00000000-0000-4000-8000-000000000000.png@640w.webp`;
    const file = join(stack.stateDir, 'stray.webp');
    await writeFile(file, webp(640, 480));
    await stack.putObject(stray, file);
    const named = widthKey(image, 640);
    const report = await reconcile();
    assert.ok(report.orphan_objects.includes(stray), JSON.stringify(report));
    assert.ok(!report.orphan_objects.includes(named));
    const adopted = await call('POST', '/reconcile?adopt=true');
    assert.ok(!(adopted.body.adopted ?? []).some((row) => row.object_key === stray), said(adopted));
    const repaired = await call('POST', '/reconcile');
    assert.equal(repaired.status, 200, said(repaired));
    assert.equal(await stack.getObject(stray), null, 'the orphan is removed');
    assert.notEqual(await stack.getObject(named), null, 'its image keeps its width');
  });

  test('an import may not store an image where a width is kept', async () => {
    const answer = await call('POST', `/upload?key=${encodeURIComponent('2026-01-01/x.png@640w.webp')}&created_at=1`, {
      body: form(webp(640, 480)),
    });
    assert.equal(answer.status, 400, said(answer));
    assert.match(answer.body.message, /thumbnail or width/);
  });
});
