// The trash against wrangler dev: deleting moves the bytes into the private
// trash bucket, so the URL answers 404 at once on the Worker and nothing is
// left for a custom domain on the image bucket to serve; restoring brings
// back the same URL and bytes; purging (one, all, or by the Cron Trigger
// after TRASH_DAYS) removes bytes and row and retires the key; the same
// bytes uploaded again come back out of the trash.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack, TRASH_BUCKET } from '../support/stack.mjs';
import { fixture, uniquePng } from './helpers.mjs';
import { caller, said, uploadForm } from './calls.mjs';

const DAY = 86_400_000;

let stack;
let call;
before(async () => {
  stack = await startStack({ vars: { ORPHAN_GRACE_SECONDS: '0' }, testScheduled: true });
  call = caller(stack);
});
after(() => stack?.stop());

const path = (url) => new URL(url).pathname;
const get = async (url) => {
  const response = await fetch(`${stack.url}${path(url)}`);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
};

async function upload(seed, { thumbnail = false } = {}) {
  const bytes = await uniquePng(seed);
  const answer = await call('POST', '/upload', {
    body: uploadForm(bytes, { name: `${seed}.png`, thumbnail: thumbnail ? await fixture('small.webp') : undefined }),
  });
  assert.equal(answer.status, 200, said(answer));
  return { ...answer.body, bytes };
}

async function remove(id) {
  const answer = await call('DELETE', `/delete?id=${id}`);
  assert.equal(answer.status, 200, said(answer));
  return answer.body;
}

async function trash() {
  const answer = await call('GET', '/trash?pageSize=100');
  assert.equal(answer.status, 200, said(answer));
  return answer.body;
}
const trashIds = async () => (await trash()).results.map((image) => image.id);

async function listing() {
  const answer = await call('GET', '/query?pageSize=100');
  assert.equal(answer.status, 200, said(answer));
  return answer.body;
}

async function stats() {
  const { body } = await call('GET', '/stats');
  const { wasm_memory_bytes: _, ...counts } = body;
  return counts;
}

async function reconcile() {
  const answer = await call('GET', '/reconcile');
  assert.equal(answer.status, 200, said(answer));
  return answer.body;
}

/** What a custom domain on the image bucket serves under `key` (or under
 * the `.trash/` prefix the trash once had there): nothing, for a deleted image. */
async function assertNotPublic(keys) {
  for (const key of keys) {
    assert.equal(await stack.getObject(key), null, `${key} is public`);
    assert.equal(await stack.getObject(`.trash/${key}`), null, `.trash/${key} is public`);
  }
}
const inTrashBucket = (key) => stack.getObject(key, { bucket: TRASH_BUCKET });

async function assertConsistent() {
  const report = await reconcile();
  assert.deepEqual(report.orphan_objects, [], 'objects without rows');
  assert.deepEqual(report.missing_objects, [], 'rows without objects');
}

describe('delete and restore', () => {
  let image;
  let thumbnailBytes;
  let baseline;

  test('delete: the URL answers 404 at once, nothing is public, the bytes stay private, the trash lists it', async () => {
    image = await upload('trash-roundtrip', { thumbnail: true });
    assert.ok(image.thumbnail_url, 'uploaded with a thumbnail');
    thumbnailBytes = (await get(image.thumbnail_url)).bytes;
    const stored = await get(image.url);
    assert.equal(stored.status, 200);
    image.stored = stored.bytes;
    baseline = { stats: await stats(), total: (await listing()).total };

    const startedAt = Date.now();
    const deleted = await remove(image.id);
    assert.deepEqual(deleted, { success: true, id: image.id, object_key: image.object_key });
    assert.equal((await get(image.url)).status, 404);
    assert.equal((await get(image.thumbnail_url)).status, 404);
    assert.equal((await get(`${stack.url}/i/.trash/${image.object_key}`)).status, 404);
    await assertNotPublic([image.object_key, image.thumbnail_key]);
    const kept = await Promise.all([image.object_key, image.thumbnail_key].map(inTrashBucket));
    assert.deepEqual(kept, [image.stored, thumbnailBytes]);

    const listed = await listing();
    assert.equal(listed.total, baseline.total - 1);
    assert.ok(!listed.results.some((row) => row.id === image.id));
    const inTrash = await trash();
    const row = inTrash.results.find((r) => r.id === image.id);
    assert.ok(row, 'listed in the trash');
    assert.ok(row.deleted_at >= startedAt - 1000 && row.deleted_at <= Date.now() + 1000, `deleted_at ${row.deleted_at}`);
    assert.equal(row.image_url, image.url, 'the URL it comes back under');
    assert.equal(row.thumbnail_url, image.thumbnail_url);
    assert.equal(inTrash.total, inTrash.results.length);

    const now = await stats();
    assert.equal(now.image_count, baseline.stats.image_count - 1);
    assert.equal(now.trash_count, baseline.stats.trash_count + 1);
    assert.equal(now.trash_bytes, baseline.stats.trash_bytes + image.size);
    assert.equal(now.bytes_stored, baseline.stats.bytes_stored, 'the trash is stored');

    const again = await call('DELETE', `/delete?id=${image.id}`);
    assert.equal(again.status, 404, said(again));
    await assertConsistent();
  });

  test('restore: the same URL answers 200 with the same bytes, thumbnail too', async () => {
    const restored = await call('POST', `/trash/restore?id=${image.id}`);
    assert.equal(restored.status, 200, said(restored));
    assert.equal(restored.body.success, true);
    assert.equal(restored.body.image.id, image.id);
    assert.equal(restored.body.image.image_url, image.url);
    assert.equal(restored.body.image.thumbnail_url, image.thumbnail_url);
    assert.equal(restored.body.image.deleted_at ?? null, null);

    const served = await get(image.url);
    assert.equal(served.status, 200);
    assert.deepEqual(served.bytes, image.stored);
    const thumbnail = await get(image.thumbnail_url);
    assert.equal(thumbnail.status, 200);
    assert.deepEqual(thumbnail.bytes, thumbnailBytes);

    assert.ok(!(await trashIds()).includes(image.id));
    const listed = await listing();
    assert.equal(listed.total, baseline.total);
    assert.equal(listed.results.find((row) => row.id === image.id)?.image_url, image.url);
    assert.deepEqual(await stats(), baseline.stats);
    assert.equal(await inTrashBucket(image.object_key), null, 'nothing left in the trash');
    assert.equal(await inTrashBucket(image.thumbnail_key), null, 'nothing left in the trash');
    await assertConsistent();
  });

  test('restore of what is not in the trash is 404; a bad id 400', async () => {
    for (const id of [image.id, 999999]) {
      const answer = await call('POST', `/trash/restore?id=${id}`);
      assert.equal(answer.status, 404, `${id}: ${said(answer)}`);
      assert.equal(answer.body.code, 'not_found');
    }
    for (const id of ['x', '0', '']) {
      assert.equal((await call('POST', `/trash/restore?id=${id}`)).status, 400, id);
    }
  });

  test('a trashed image keeps its URL: nothing can be stored under its key meanwhile', async () => {
    const victim = await upload('trash-taken');
    await remove(victim.id);
    const squatter = await call('POST', `/upload?key=${encodeURIComponent(victim.object_key)}&created_at=1`, {
      body: uploadForm(await fixture('logo.png'), { name: 'squatter.png' }),
    });
    assert.equal(squatter.status, 409, said(squatter));
    assert.equal(await stack.getObject(victim.object_key), null, 'nothing was written under its key');
    const back = await call('POST', `/trash/restore?id=${victim.id}`);
    assert.equal(back.status, 200, said(back));
    assert.deepEqual((await get(victim.url)).bytes, await fixture('text.png'), 'its own bytes come back');
  });
});

describe('purge', () => {
  test('one: its bytes and row are gone for good', async () => {
    const image = await upload('trash-purge-one', { thumbnail: true });
    await remove(image.id);
    const before = await stats();
    const answer = await call('DELETE', `/trash?id=${image.id}`);
    assert.equal(answer.status, 200, said(answer));
    assert.equal(answer.body.success, true);
    assert.equal(answer.body.purged, 1);
    assert.equal(answer.body.remaining, before.trash_count - 1);

    assert.ok(!(await trashIds()).includes(image.id));
    assert.deepEqual(await stack.sql(`SELECT id FROM images WHERE id = ${image.id}`), []);
    await assertNotPublic([image.object_key, image.thumbnail_key]);
    const left = await Promise.all([image.object_key, image.thumbnail_key].map(inTrashBucket));
    assert.deepEqual(left, [null, null]);
    assert.deepEqual(
      await stack.sql(`SELECT key FROM retired_keys WHERE key = '${image.object_key}'`),
      [{ key: image.object_key }],
      'its key is retired',
    );
    const after = await stats();
    assert.equal(after.trash_count, before.trash_count - 1);
    assert.equal(after.trash_bytes, before.trash_bytes - image.size);
    assert.equal(after.bytes_stored, before.bytes_stored - image.size);
    assert.equal(after.image_count, before.image_count);
    await assertConsistent();

    assert.equal((await call('DELETE', `/trash?id=${image.id}`)).status, 404);
  });

  test('of an image not in the trash is 404, and it stays', async () => {
    const live = await upload('trash-purge-live');
    const answer = await call('DELETE', `/trash?id=${live.id}`);
    assert.equal(answer.status, 404, said(answer));
    assert.equal((await get(live.url)).status, 200);
    assert.equal((await call('DELETE', '/trash?id=abc')).status, 400);
  });

  test('empty trash: everything in it, nothing else', async () => {
    const images = [];
    for (let i = 0; i < 3; i++) images.push(await upload(`trash-empty-${i}`, { thumbnail: i === 0 }));
    for (const image of images) await remove(image.id);
    const live = (await listing()).total;
    const inTrash = (await trash()).total;
    assert.ok(inTrash >= 3);

    const answer = await call('DELETE', '/trash');
    assert.equal(answer.status, 200, said(answer));
    assert.deepEqual(answer.body, { success: true, purged: inTrash, remaining: 0 });
    const after = await trash();
    assert.equal(after.total, 0);
    assert.deepEqual(after.results, []);
    assert.equal((await listing()).total, live);
    const counts = await stats();
    assert.equal(counts.trash_count, 0);
    assert.equal(counts.trash_bytes, 0);
    const left = await Promise.all(images.map((image) => inTrashBucket(image.object_key)));
    assert.deepEqual(left, [null, null, null]);
    await assertConsistent();

    const again = await call('DELETE', '/trash');
    assert.deepEqual(again.body, { success: true, purged: 0, remaining: 0 });
  });
});

describe('uploading bytes that are in the trash', () => {
  test('restores that image: duplicate, same id and URL', async () => {
    const image = await upload('trash-reupload', { thumbnail: true });
    await remove(image.id);
    const answer = await call('POST', '/upload', { body: uploadForm(image.bytes, { name: 'again.png' }) });
    assert.equal(answer.status, 200, said(answer));
    assert.equal(answer.body.duplicate, true);
    assert.equal(answer.body.id, image.id);
    assert.equal(answer.body.url, image.url);
    assert.equal(answer.body.thumbnail_url, image.thumbnail_url);
    assert.equal(answer.body.deleted_at ?? null, null);
    assert.equal((await get(image.url)).status, 200);
    assert.equal((await get(image.thumbnail_url)).status, 200);
    assert.ok(!(await trashIds()).includes(image.id));
    assert.ok((await listing()).results.some((row) => row.id === image.id));
    await assertConsistent();
  });

  test('an upload can never be put under the trash: a restore key there is 400', async () => {
    const bytes = await uniquePng('trash-key');
    const key = '.trash/2026-01-01/planted.png';
    const answer = await call('POST', `/upload?key=${encodeURIComponent(key)}&created_at=1`, {
      body: uploadForm(bytes, { name: 'planted.png' }),
    });
    assert.equal(answer.status, 400, said(answer));
    assert.match(answer.body.message, /Invalid key/);
    assert.ok(!(await listing()).results.some((row) => row.object_key === key));
    await assertConsistent();
  });
});

describe('the Cron Trigger', () => {
  test('purges what has been in the trash over TRASH_DAYS, keeps the rest, prunes old audit rows', async () => {
    const old = await upload('trash-cron-old', { thumbnail: true });
    const young = await upload('trash-cron-young');
    const recent = await upload('trash-cron-recent');
    for (const image of [old, young, recent]) await remove(image.id);
    const audit = await stack.sql('SELECT id FROM audit_log ORDER BY id LIMIT 2');
    assert.equal(audit.length, 2, 'the changes above were logged');
    const [stale, kept] = audit.map((row) => row.id);
    // Trashed 8 days ago (past the default 7) and 6 days ago (within);
    // audit rows of 91 days (past the default 90) and 89 days.
    await stack.sql(
      [
        `UPDATE images SET deleted_at = deleted_at - ${8 * DAY} WHERE id = ${old.id}`,
        `UPDATE images SET deleted_at = deleted_at - ${6 * DAY} WHERE id = ${young.id}`,
        `UPDATE audit_log SET at = at - ${91 * DAY} WHERE id = ${stale}`,
        `UPDATE audit_log SET at = at - ${89 * DAY} WHERE id = ${kept}`,
      ].join('; '),
    );

    const run = await fetch(`${stack.url}/__scheduled?cron=${encodeURIComponent('17 3 * * *')}`);
    assert.equal(run.status, 200, await run.text());
    // The handler may finish after its answer: wait for the purge a little.
    const deadline = Date.now() + 10_000;
    while ((await trashIds()).includes(old.id) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 200));

    const ids = await trashIds();
    assert.ok(!ids.includes(old.id), 'trashed 8 days ago: purged');
    assert.ok(ids.includes(young.id), 'trashed 6 days ago: kept');
    assert.ok(ids.includes(recent.id), 'trashed now: kept');
    const [[after], left] = await Promise.all([
      stack.sql(
        `SELECT (SELECT count(*) FROM images WHERE id = ${old.id}) AS rows,
          (SELECT group_concat(id) FROM audit_log WHERE id IN (${stale}, ${kept})) AS audit,
          (SELECT group_concat(token || ' ' || action) FROM audit_log WHERE action = 'purge' AND target = '${old.id}') AS purge`,
      ),
      Promise.all([old.object_key, old.thumbnail_key].map(inTrashBucket)),
    ]);
    assert.equal(after.rows, 0, 'its row is gone');
    assert.deepEqual(left, [null, null], 'its objects are gone');
    assert.equal(after.audit, String(kept), 'the 91-day-old audit row is pruned, the 89-day-old one kept');
    assert.equal(after.purge, 'cron purge', 'the purge is logged as by cron');
    await assertConsistent();
  });
});
