// Switching from the original image-storage Worker: its database (its one
// migration applied, rows written the way it writes them) is migrated in
// place, and every route works on the old rows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { QUIET_ENV, ROOT, startStack, TRASH_BUCKET, WRANGLER, withoutAssets } from '../support/stack.mjs';
import { client, fixture } from './helpers.mjs';
import { caller, said } from './calls.mjs';

const run = promisify(execFile);
const LEGACY = [
  ['2025-01-02/a1.png', 'Holiday at the beach.png', 'image/png', 1000],
  ['2025-01-03/b2.jpg', '猫咪照片.jpg', 'image/jpeg', 2000],
  ['2025-01-04/c3.gif', 'dancing.gif', 'image/gif', 3000],
];

/** A database as the original Worker leaves it: only its own migration
 * (the same file as imghost's first) and rows with its seven columns. */
async function originalWorkersDatabase(stateDir) {
  const dir = join(stateDir, 'original');
  await mkdir(join(dir, 'migrations'), { recursive: true });
  await copyFile(join(ROOT, 'migrations/0001_init.sql'), join(dir, 'migrations/0001_init.sql'));
  const config = withoutAssets(await readFile(join(ROOT, 'wrangler.toml'), 'utf8')).replace(/^main = .*$/m, '');
  await writeFile(join(dir, 'wrangler.toml'), config);
  const wrangler = (...args) => run(WRANGLER, [...args, '--local', '--persist-to', stateDir], { cwd: dir, env: QUIET_ENV });
  await wrangler('d1', 'migrations', 'apply', 'DB');
  const values = LEGACY.map(([key, name, type, size], i) =>
    `('${key}', '${name}', 'https://img.example.com/${key}', '${type}', ${size}, ${1735776000000 + i})`);
  await wrangler('d1', 'execute', 'DB', '--command',
    `INSERT INTO images (object_key, original_name, image_url, content_type, size, created_at) VALUES ${values.join(', ')}`);
}

let stack;
let api;
before(async () => {
  // The original Worker's own PUBLIC_IMAGE_BASE_URL, kept as the README says.
  stack = await startStack({
    vars: { ORPHAN_GRACE_SECONDS: '0', PUBLIC_IMAGE_BASE_URL: 'https://img.example.com' },
    prepare: originalWorkersDatabase,
  });
  api = client(stack);
});
after(() => stack?.stop());

test('old rows are listed with their fields, newest first, and counted', async () => {
  const { status, body } = await api.query('pageSize=50');
  assert.equal(status, 200);
  assert.equal(body.total, 3);
  assert.deepEqual(body.results.map((image) => image.object_key), LEGACY.map(([key]) => key).reverse());
  const [newest] = body.results;
  assert.equal(newest.original_name, 'dancing.gif');
  assert.equal(newest.image_url, 'https://img.example.com/2025-01-04/c3.gif');
  assert.equal(newest.width, null);
  assert.equal(newest.sha256, null);
  const stats = await (await fetch(`${stack.url}/stats`, { headers: { Authorization: `Bearer ${stack.token}` } })).json();
  assert.equal(stats.image_count, 3);
  assert.equal(stats.bytes_stored, 6000);
});

test('old names are searchable', async () => {
  const names = async (text) =>
    (await api.query(`search=${encodeURIComponent(text)}`)).body.results.map((image) => image.original_name);
  assert.deepEqual(await names('beach'), ['Holiday at the beach.png']);
  assert.deepEqual(await names('照片'), ['猫咪照片.jpg']);
});

test('new uploads sit beside them, and old rows can be deleted', async () => {
  const { body: uploaded } = await api.upload(await fixture('rocket.jpg'), { name: 'new.jpg' });
  assert.equal(uploaded.success, true);
  assert.equal((await api.query()).body.total, 4);
  const { body: listed } = await api.query('search=dancing');
  assert.equal((await api.remove(listed.results[0].id)).status, 200);
  assert.equal((await api.query()).body.total, 3);
});

test('reconcile names the old rows whose objects are not in this bucket', async () => {
  const response = await fetch(`${stack.url}/reconcile`, { headers: { Authorization: `Bearer ${stack.token}` } });
  const report = await response.json();
  assert.deepEqual(report.missing_objects.map((row) => row.object_key).sort(), ['2025-01-02/a1.png', '2025-01-03/b2.jpg']);
  assert.deepEqual(report.orphan_objects, []);
});

// From a version that kept the trash under `.trash/` in the image bucket,
// where a custom domain served it: migration 0007 gives the rows their keys
// back and the daily trigger moves the bytes into the private bucket.
describe('a trash kept under .trash/ before the private bucket', () => {
  const KEY = '2026-01-05/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png';
  let old;
  let oldApi;
  let image;
  let thumbnail;

  /** A database at migration 0006 with one image trashed the old way. */
  async function trashedTheOldWay(stateDir) {
    const dir = join(stateDir, 'before-0007');
    await mkdir(join(dir, 'migrations'), { recursive: true });
    for (const file of await readdir(join(ROOT, 'migrations'))) {
      if (file < '0007') await copyFile(join(ROOT, 'migrations', file), join(dir, 'migrations', file));
    }
    const config = withoutAssets(await readFile(join(ROOT, 'wrangler.toml'), 'utf8')).replace(/^main = .*$/m, '');
    await writeFile(join(dir, 'wrangler.toml'), config);
    const wrangler = (...args) => run(WRANGLER, [...args, '--local', '--persist-to', stateDir], { cwd: dir, env: QUIET_ENV });
    await wrangler('d1', 'migrations', 'apply', 'DB');
    await wrangler('d1', 'execute', 'DB', '--command',
      `INSERT INTO images (object_key, original_name, image_url, content_type, size, created_at, thumbnail_key, deleted_at)
       VALUES ('.trash/${KEY}', 'old.png', '/i/${KEY}', 'image/png', ${image.length}, 1, '.trash/${KEY}.thumb.webp', ${Date.now()})`);
    for (const [key, bytes] of [[KEY, image], [`${KEY}.thumb.webp`, thumbnail]]) {
      const file = join(dir, 'object');
      await writeFile(file, bytes);
      await wrangler('r2', 'object', 'put', `imghost-images/.trash/${key}`, '--file', file);
    }
  }

  before(async () => {
    [image, thumbnail] = await Promise.all([fixture('text.png'), fixture('small.webp')]);
    old = await startStack({ vars: { ORPHAN_GRACE_SECONDS: '0' }, prepare: trashedTheOldWay, testScheduled: true });
    oldApi = caller(old);
  });
  after(() => old?.stop());

  test('the row gets its key back, stats count it as half-way, the trigger makes it private, and it restores', async () => {
    const listed = (await oldApi('GET', '/trash')).body.results;
    assert.deepEqual(listed.map((row) => row.object_key), [KEY]);
    const warnings = (await oldApi('GET', '/stats')).body.warnings;
    assert.ok(warnings.some((w) => /^1 images are half-way/.test(w)), warnings.join(' | '));

    const ran = await fetch(`${old.url}/__scheduled?cron=${encodeURIComponent('17 3 * * *')}`);
    assert.equal(ran.status, 200);
    const deadline = Date.now() + 10_000;
    while ((await old.getObject(`.trash/${KEY}`)) !== null && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 200));
    }
    for (const [key, bytes] of [[KEY, image], [`${KEY}.thumb.webp`, thumbnail]]) {
      assert.equal(await old.getObject(`.trash/${key}`), null, `.trash/${key} is no longer public`);
      assert.equal(await old.getObject(key), null, `${key} is not public`);
      assert.deepEqual(await old.getObject(key, { bucket: TRASH_BUCKET }), bytes, `${key} is in the private trash`);
    }
    assert.deepEqual((await oldApi('GET', '/stats')).body.warnings, []);

    const back = await oldApi('POST', `/trash/restore?id=${listed[0].id}`);
    assert.equal(back.status, 200, said(back));
    const served = await fetch(`${old.url}/i/${KEY}`);
    assert.equal(served.status, 200);
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), image);
  });
});
