// POST /reconcile?adopt=true: objects put straight into the bucket become
// images (type, size, dimensions and SHA-256 from their bytes, metadata
// removed); what is not an image is named and left alone; nothing is deleted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack } from '../support/stack.mjs';
import { client, uniquePng } from './helpers.mjs';

let stack;
let api;
before(async () => {
  stack = await startStack({ vars: { ORPHAN_GRACE_SECONDS: '0' } });
  api = client(stack);
});
after(() => stack?.stop());

async function put(key, bytes) {
  const file = join(stack.stateDir, 'object');
  await writeFile(file, bytes);
  await stack.putObject(key, file);
}

async function reconcile(query) {
  const response = await fetch(`${stack.url}/reconcile?${query}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${stack.token}` },
  });
  return response.json();
}

test('objects without rows become images without their metadata; the rest stays', async () => {
  const rcloned = await uniquePng('serial SN-7777 from rclone');
  const own = await uniquePng('an orphan of our own');
  await put('blog/2019/holiday_photo.png', rcloned);
  await put('2020-01-01/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png', own);
  await put('backups/notes.txt', Buffer.from('not an image'));

  const report = await reconcile('adopt=true');
  assert.equal(report.repaired, false);
  assert.deepEqual(report.adopted.map((image) => image.object_key).sort(), [
    '2020-01-01/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png',
    'blog/2019/holiday_photo.png',
  ]);
  assert.equal(report.not_adopted.length, 1);
  assert.match(report.not_adopted[0], /^backups\/notes\.txt: .*text/);
  assert.deepEqual(report.orphan_objects, []);
  assert.deepEqual(report.foreign_objects, ['backups/notes.txt']);

  const holiday = report.adopted.find((image) => image.object_key === 'blog/2019/holiday_photo.png');
  assert.equal(holiday.original_name, 'holiday_photo.png');
  assert.equal(holiday.content_type, 'image/png');
  assert.equal(holiday.original_size, rcloned.length);
  assert.equal(holiday.sha256, createHash('sha256').update(rcloned).digest('hex'));
  const served = await api.get(`/i/${encodeURI(holiday.object_key)}`);
  assert.equal(served.status, 200);
  assert.equal(served.bytes.length, holiday.size);
  assert.ok(!served.bytes.includes('SN-7777'), 'the text chunk was served');
  assert.equal((await api.query('search=holiday')).body.total, 1);

  // Again: nothing left to adopt, and the text file is still there.
  const again = await reconcile('adopt=true');
  assert.deepEqual(again.adopted, []);
  assert.equal((await api.get('/i/backups/notes.txt')).status, 200);
});

test('at most 20 objects are adopted per call; the next call goes on where it stopped', async () => {
  const keys = [];
  for (let i = 0; i < 25; i++) {
    const key = `bulk/${String(i).padStart(2, '0')}.png`;
    await put(key, await uniquePng(`adopt-bulk-${i}`));
    keys.push(key);
  }
  const first = await reconcile('adopt=true');
  const adopted = first.adopted.map((image) => image.object_key).filter((key) => key.startsWith('bulk/'));
  // More than 20 candidates: exactly 20 are read, adopted or said why not.
  assert.equal(first.adopted.length + first.not_adopted.length, 20, JSON.stringify(first.not_adopted));
  assert.ok(first.next_cursor, 'it says where to go on');
  let cursor = first.next_cursor;
  while (cursor) {
    const next = await reconcile(`adopt=true&cursor=${encodeURIComponent(cursor)}`);
    assert.ok(next.adopted.length <= 20);
    adopted.push(...next.adopted.map((image) => image.object_key).filter((key) => key.startsWith('bulk/')));
    cursor = next.next_cursor;
  }
  assert.deepEqual(adopted.sort(), keys);
});
