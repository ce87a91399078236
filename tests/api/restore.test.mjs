// Restoring an exported image under the key and time it had
// (`POST /upload?key=&created_at=`), so its old URL works again: the key's
// shape is checked, nothing is overwritten, and a second restore of the same
// bytes is the same image.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack } from '../support/stack.mjs';
import { client, uniquePng } from './helpers.mjs';

let stack;
let api;
before(async () => {
  stack = await startStack();
  api = client(stack);
});
after(() => stack?.stop());

const KEY = '2025-01-02/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png';
const CREATED_AT = 1735776000000;

async function restore(bytes, key, createdAt = CREATED_AT) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'image/png' }), 'beach.png');
  const query = new URLSearchParams({ key, created_at: String(createdAt) });
  const response = await fetch(`${stack.url}/upload?${query}`, {
    method: 'POST',
    body: form,
    headers: { Authorization: `Bearer ${stack.token}` },
  });
  return { status: response.status, body: await response.json() };
}

test('an exported image comes back under its key and time, and again is the same image', async () => {
  const png = await uniquePng('restored');
  const first = await restore(png, KEY);
  assert.equal(first.status, 200, first.body.message);
  assert.equal(first.body.object_key, KEY);
  assert.equal(first.body.created_at, CREATED_AT);
  assert.equal(first.body.url, `${stack.url}/i/${KEY}`);
  assert.equal(first.body.duplicate, false);
  const served = await api.get(`/i/${KEY}`);
  assert.equal(served.status, 200);

  const again = await restore(png, KEY);
  assert.equal(again.status, 200);
  assert.equal(again.body.duplicate, true);
  assert.equal(again.body.id, first.body.id);
  const { body: listing } = await api.query('search=beach');
  assert.equal(listing.results.filter((image) => image.object_key === KEY).length, 1);
});

test('nothing is overwritten: other bytes under a taken key, or an unknown object there, are 409', async () => {
  const before = await api.get(`/i/${KEY}`);
  const other = await restore(await uniquePng('other bytes'), KEY);
  assert.equal(other.status, 409);
  assert.equal(other.body.code, 'conflict');
  assert.deepEqual((await api.get(`/i/${KEY}`)).bytes, before.bytes);

  const foreign = '2025-01-03/1f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png';
  const file = join(stack.stateDir, 'foreign.png');
  await writeFile(file, 'not imghost');
  await stack.putObject(foreign, file);
  const onTop = await restore(await uniquePng('on top'), foreign);
  assert.equal(onTop.status, 409);
  assert.equal((await api.get(`/i/${foreign}`)).bytes.toString(), 'not imghost');
});

test('unsafe keys, keys naming another type, or times in the future are 400 and store nothing', async () => {
  const { body: start } = await api.query();
  for (const [key, createdAt] of [
    ['../../etc/passwd', CREATED_AT],
    ['/blog/beach.png', CREATED_AT],
    ['blog//beach.png', CREATED_AT],
    ['2025-01-04/2f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.jpg', CREATED_AT],
    ['2025-01-04/2f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png', Date.now() + 7 * 86400000],
    ['2025-01-04/2f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png', 'yesterday'],
  ]) {
    const { status, body } = await restore(await uniquePng(`bad ${key}`), key, createdAt);
    assert.equal(status, 400, `${key}: ${body.message}`);
  }
  assert.equal((await api.query()).body.total, start.total);
});

test("keys the original Worker wrote (the file name's extension) are restored too", async () => {
  const legacy = '2025-01-05/3f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.PNG';
  const { status, body } = await restore(await uniquePng('legacy key'), legacy);
  assert.equal(status, 200, body.message);
  assert.equal(body.object_key, legacy);
  assert.equal((await api.get(`/i/${legacy}`)).status, 200);
});
