// What a token may not do to images that are not its own, against wrangler
// dev: a key an image has, had or is getting never shows other bytes (a
// URL in a published post never shows another picture); storing under a
// chosen key needs `admin`; bringing trashed bytes back by uploading them
// needs `delete`; a thumbnail never lands on a trashed image and is
// recorded; an import restores every key, even two keys with equal bytes;
// images past MAX_IMAGE_PIXELS are refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startStack, TRASH_BUCKET } from '../support/stack.mjs';
import { fixture, uniquePng } from './helpers.mjs';
import { caller, freshIp, said, uploadForm } from './calls.mjs';
import { pngChunk } from '../support/png.mjs';

let stack;
let call;
before(async () => {
  stack = await startStack({ vars: { ORPHAN_GRACE_SECONDS: '0', MAX_IMAGE_PIXELS: '1000000' } });
  call = caller(stack);
});
after(() => stack?.stop());

let sequence = 0;
const next = () => ++sequence;
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const served = async (key) => {
  const response = await fetch(`${stack.url}/i/${key}`);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
};

async function token(scopes) {
  const answer = await call('POST', '/tokens', { json: { name: `keys-${next()}`, scopes }, ip: freshIp() });
  assert.equal(answer.status, 200, said(answer));
  return answer.body.token;
}

async function upload(bytes, { token: as } = {}) {
  const answer = await call('POST', '/upload', { body: uploadForm(bytes), token: as });
  assert.equal(answer.status, 200, said(answer));
  return answer.body;
}

/** POST /upload?key=…: an image restored under a key, as `imghost import` does. */
const importAt = (key, bytes, { token: as, uploadSha256 } = {}) =>
  call(
    'POST',
    `/upload?key=${encodeURIComponent(key)}&created_at=1${uploadSha256 ? `&upload_sha256=${uploadSha256}` : ''}`,
    { body: uploadForm(bytes), token: as },
  );

const auditCount = async () => (await stack.sql('SELECT count(*) AS n FROM audit_log'))[0].n;

describe('a key is never given to other bytes', () => {
  test('live, trashed or purged: a different picture under its key is 409 and nothing is written', async () => {
    const image = await upload(await uniquePng(`squat-${next()}`));
    const own = (await served(image.object_key)).bytes;
    const other = await fixture('logo.png');
    const refused = async (why) => {
      const answer = await importAt(image.object_key, other);
      assert.equal(answer.status, 409, `${why}: ${said(answer)}`);
    };

    await refused('live');
    assert.deepEqual((await served(image.object_key)).bytes, own);

    assert.equal((await call('DELETE', `/delete?id=${image.id}`)).status, 200);
    await refused('trashed');
    assert.equal(await stack.getObject(image.object_key), null, 'nothing public under a trashed key');
    const back = await call('POST', `/trash/restore?id=${image.id}`);
    assert.equal(back.status, 200, said(back));
    assert.deepEqual((await served(image.object_key)).bytes, own, 'its own picture comes back');

    assert.equal((await call('DELETE', `/delete?id=${image.id}`)).status, 200);
    assert.equal((await call('DELETE', `/trash?id=${image.id}`)).status, 200);
    await refused('purged');
    assert.equal(await stack.getObject(image.object_key), null);
    // Its own bytes may come back under it (a backup restored).
    const again = await importAt(image.object_key, own);
    assert.equal(again.status, 200, said(again));
    assert.deepEqual((await served(image.object_key)).bytes, own);
  });

  test('storing under a chosen key needs admin: an upload token gets 403, and nothing is stored or logged', async () => {
    const uploader = await token(['upload', 'read', 'delete']);
    const key = `2026-01-01/chosen-${next()}.png`;
    const audit = await auditCount();
    const answer = await importAt(key, await uniquePng(`chosen-${next()}`), { token: uploader });
    assert.equal(answer.status, 403, said(answer));
    assert.match(answer.body.message, /`admin`/);
    assert.equal(await stack.getObject(key), null);
    assert.deepEqual(await stack.sql(`SELECT id FROM images WHERE object_key = '${key}'`), []);
    assert.equal(await auditCount(), audit, 'a refused change leaves no audit row');
  });
});

describe('uploading bytes that are in the trash', () => {
  test('without `delete` is 403: the image stays in the trash, nothing is public or logged', async () => {
    const bytes = await uniquePng(`trash-bytes-${next()}`);
    const image = await upload(bytes);
    assert.equal((await call('DELETE', `/delete?id=${image.id}`)).status, 200);
    const uploadOnly = await token(['upload']);
    const audit = await auditCount();
    const answer = await call('POST', '/upload', { body: uploadForm(bytes), token: uploadOnly });
    assert.equal(answer.status, 403, said(answer));
    assert.match(answer.body.message, /`delete`/);
    const [row] = await stack.sql(`SELECT deleted_at FROM images WHERE id = ${image.id}`);
    assert.notEqual(row.deleted_at, null, 'still in the trash');
    assert.equal(await stack.getObject(image.object_key), null, 'still private');
    assert.equal(await auditCount(), audit);

    const mayRestore = await token(['upload', 'delete']);
    const restored = await call('POST', '/upload', { body: uploadForm(bytes), token: mayRestore });
    assert.equal(restored.status, 200, said(restored));
    assert.equal(restored.body.duplicate, true);
    assert.equal(restored.body.id, image.id);
    assert.equal((await served(image.object_key)).status, 200);
  });
});

describe('PUT /thumbnail', () => {
  test('for a trashed image is 404 and leaves nothing public; for a live one it is recorded', async () => {
    const uploader = await token(['upload']);
    const thumbnail = await fixture('small.webp');
    const put = (id) =>
      call('PUT', `/thumbnail?id=${id}`, { body: thumbnail, headers: { 'Content-Type': 'image/webp' }, token: uploader });

    const trashed = await upload(await uniquePng(`thumb-trashed-${next()}`));
    assert.equal((await call('DELETE', `/delete?id=${trashed.id}`)).status, 200);
    const audit = await auditCount();
    const refused = await put(trashed.id);
    assert.equal(refused.status, 404, said(refused));
    assert.equal(await stack.getObject(`${trashed.object_key}.thumb.webp`), null, 'no public thumbnail');
    assert.equal(await auditCount(), audit);

    const live = await upload(await uniquePng(`thumb-live-${next()}`));
    const attached = await put(live.id);
    assert.equal(attached.status, 200, said(attached));
    const [row] = await stack.sql(
      `SELECT token, token_id, action, target, detail FROM audit_log ORDER BY id DESC LIMIT 1`,
    );
    assert.equal(row.action, 'thumbnail');
    assert.equal(row.target, String(live.id));
    assert.equal(row.detail, attached.body.thumbnail_key);
    assert.match(row.token, /^keys-/);
    assert.ok(Number.isInteger(row.token_id), 'the token is named by id too');
  });
});

describe('imports', () => {
  test('two keys with equal stored bytes both come back, and the first upload is recognised', async () => {
    // Two uploads that differed only in their metadata: equal stored bytes.
    const originals = [await uniquePng(`twin-a-${next()}`), await uniquePng(`twin-b-${next()}`)];
    const stored = await fixture('text.png');
    const keys = [`2026-02-02/twin-${next()}.png`, `2026-02-02/twin-${next()}.png`];
    for (const [i, key] of keys.entries()) {
      const answer = await importAt(key, stored, { uploadSha256: sha256(originals[i]) });
      assert.equal(answer.status, 200, said(answer));
      assert.equal(answer.body.object_key, key);
      assert.equal(answer.body.duplicate, false, 'a key of its own, not the other');
    }
    for (const key of keys) assert.deepEqual((await served(key)).bytes, stored, key);
    // The second file first uploaded there is recognised as its image here.
    const again = await upload(originals[1]);
    assert.equal(again.duplicate, true);
    assert.equal(again.object_key, keys[1]);
    assert.equal(await stack.getObject(keys[0], { bucket: TRASH_BUCKET }), null);
  });

  test('an upload_sha256 that is not a SHA-256 is 400', async () => {
    const answer = await importAt(`2026-02-02/bad-${next()}.png`, await fixture('text.png'), { uploadSha256: 'xyz' });
    assert.equal(answer.status, 400, said(answer));
  });
});

describe('MAX_IMAGE_PIXELS', () => {
  test('an image of more pixels is 413 saying so, whatever its byte size, and nothing is stored', async () => {
    // 1,000,000 pixels are allowed here; text.png has 77,056. A 1 KB PNG can
    // declare 65,500 × 65,500.
    const header = Buffer.alloc(13);
    header.writeUInt32BE(65_500, 0);
    header.writeUInt32BE(65_500, 4);
    header.set([8, 6, 0, 0, 0], 8);
    const huge = Buffer.concat([
      Buffer.from('\x89PNG\r\n\x1a\n', 'binary'),
      pngChunk('IHDR', header),
      pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0, 0, 0, 0, 1])),
      pngChunk('IEND', Buffer.alloc(0)),
    ]);
    const before = (await call('GET', '/query?pageSize=1')).body.total;
    const answer = await call('POST', '/upload', { body: uploadForm(huge) });
    assert.equal(answer.status, 413, said(answer));
    assert.equal(answer.body.code, 'payload_too_large');
    assert.match(answer.body.message, /65500 × 65500.*MAX_IMAGE_PIXELS/);
    assert.equal((await call('GET', '/query?pageSize=1')).body.total, before);
    assert.equal((await call('POST', '/upload', { body: uploadForm(await uniquePng(`small-${next()}`)) })).status, 200);
  });
});
