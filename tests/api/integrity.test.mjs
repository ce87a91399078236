// Trust nothing, lose nothing: counters, dedupe under races, reconcile,
// failed-auth limits and hotlink protection, against wrangler dev.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack } from '../support/stack.mjs';
import { client, fixture, uniquePng } from './helpers.mjs';
import { inOneLimitWindow } from './calls.mjs';

let stack;
let hotlinked;
let api;
before(async () => {
  [stack, hotlinked] = await Promise.all([
    startStack({ vars: { ORPHAN_GRACE_SECONDS: '0' } }),
    startStack({ vars: { ALLOWED_REFERERS: 'blog.example.com, *.example.org' } }),
  ]);
  api = client(stack);
});
after(() => Promise.all([stack?.stop(), hotlinked?.stop()]));

async function stats(token = stack.token) {
  const response = await fetch(`${stack.url}/stats`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

async function reconcile(method = 'GET') {
  const response = await fetch(`${stack.url}/reconcile`, { method, headers: { Authorization: `Bearer ${stack.token}` } });
  assert.equal(response.status, 200);
  return response.json();
}

describe('stats', () => {
  test('counts images and bytes, kept by the database on every insert and delete', async () => {
    const start = (await stats()).body;
    assert.equal(start.success, true);
    const png = await uniquePng('stats');
    const { body } = await api.upload(png, { name: 'stats.png' });
    const grown = (await stats()).body;
    assert.equal(grown.image_count, start.image_count + 1);
    assert.equal(grown.bytes_stored, start.bytes_stored + body.size);
    await api.remove(body.id);
    // Deleted: out of the count, its bytes kept in the trash.
    const trashed = (await stats()).body;
    assert.equal(trashed.image_count, start.image_count);
    assert.equal(trashed.trash_count, start.trash_count + 1);
    assert.equal(trashed.bytes_stored, start.bytes_stored + body.size);
    const purged = await fetch(`${stack.url}/trash?id=${body.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${stack.token}` } });
    assert.equal(purged.status, 200);
    // Purged: everything as before but the isolate's memory, which only
    // grows, and the day's uploads, which count what was inserted.
    const { wasm_memory_bytes: before, uploads_today: _, ...counts } = start;
    const { wasm_memory_bytes: after, uploads_today: __, ...countsAfter } = (await stats()).body;
    assert.deepEqual(countsAfter, counts);
    assert.ok(after >= before && before > 0, `wasm memory ${before} → ${after}`);
    assert.equal((await stats('wrong')).status, 401);
  });
});

describe('delete by key', () => {
  test('removes the image named by its object key', async () => {
    const { body } = await api.upload(await uniquePng('by-key'), { name: 'k.png' });
    const response = await fetch(`${stack.url}/delete?key=${encodeURIComponent(body.object_key)}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${stack.token}` },
    });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).id, body.id);
    assert.equal((await api.get(new URL(body.url).pathname)).status, 404);
    const again = await fetch(`${stack.url}/delete?key=${encodeURIComponent(body.object_key)}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${stack.token}` },
    });
    assert.equal(again.status, 404);
  });
});

describe('duplicates', () => {
  test('racing uploads of the same bytes end with one row and one object', async () => {
    const png = await uniquePng('race');
    const before = (await stats()).body.image_count;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => api.upload(png, { name: `race-${i}.png` })));
    for (const answer of answers) assert.equal(answer.status, 200);
    assert.equal(new Set(answers.map((answer) => answer.body.id)).size, 1);
    assert.equal(new Set(answers.map((answer) => answer.body.url)).size, 1);
    assert.equal(answers.filter((answer) => !answer.body.duplicate).length, 1);
    assert.equal((await stats()).body.image_count, before + 1);
    const report = await reconcile();
    assert.deepEqual(report.orphan_objects, []);
    assert.deepEqual(report.missing_objects, []);
  });
});

describe('reconcile', () => {
  test('reports objects without rows and rows without objects, then repairs only its own', async () => {
    const { body: kept } = await api.upload(await uniquePng('kept'), { name: 'kept.png' });
    await stack.sql(
      "INSERT INTO images (object_key, original_name, image_url, size, created_at) VALUES ('2020-01-01/ghost.png', 'ghost.png', 'x', 1, 1)",
    );
    const file = join(stack.stateDir, 'orphan.png');
    await writeFile(file, await fixture('text.png'));
    const orphan = '2020-01-01/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png';
    await stack.putObject(orphan, file);
    // Another program's files in the same bucket: never imghost's to delete.
    const foreign = ['2020-01-01/orphan.png', 'backups/notes.png'];
    for (const key of foreign) await stack.putObject(key, file);

    const report = await reconcile('GET');
    assert.equal(report.repaired, false);
    assert.deepEqual(report.orphan_objects, [orphan]);
    assert.deepEqual(report.foreign_objects, foreign);
    assert.deepEqual(report.missing_objects.map((row) => row.object_key), ['2020-01-01/ghost.png']);
    assert.equal(report.next_cursor, null);

    const repaired = await reconcile('POST');
    assert.equal(repaired.repaired, true);
    assert.deepEqual(repaired.orphan_objects, [orphan]);

    const clean = await reconcile('GET');
    assert.deepEqual(clean.orphan_objects, []);
    assert.deepEqual(clean.missing_objects, []);
    assert.deepEqual(clean.foreign_objects, foreign);
    assert.equal((await api.get(`/i/${orphan}`)).status, 404);
    for (const key of foreign) assert.equal((await api.get(`/i/${key}`)).status, 200, key);
    assert.equal((await stack.sql("SELECT count(*) AS n FROM images WHERE object_key = '2020-01-01/ghost.png'"))[0].n, 0);
    assert.equal((await api.get(new URL(kept.url).pathname)).status, 200);
  });

  test('needs the token', async () => {
    const response = await fetch(`${stack.url}/reconcile`, { method: 'POST' });
    assert.equal(response.status, 401);
  });
});

describe('failed authentication', () => {
  test('after ten failures a minute a client gets 429 with Retry-After', async () => {
    const { url, token } = hotlinked;
    const statuses = await inOneLimitWindow(async () => {
      const seen = [];
      for (let i = 0; i < 12; i++) {
        const response = await fetch(`${url}/query`, { headers: { Authorization: `Bearer wrong-${i}` } });
        seen.push(response.status);
        if (response.status === 429) assert.equal(response.headers.get('retry-after'), '60');
      }
      return seen;
    });
    assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
    // The right token is still accepted: the limit slows guessing, it does
    // not lock the owner out.
    const owner = await fetch(`${url}/query`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(owner.status, 200);
  });
});

describe('hotlink protection', () => {
  test('ALLOWED_REFERERS decides which sites may embed images', async () => {
    const { body } = await client(hotlinked).upload(await fixture('rocket.jpg'), { name: 'r.jpg' });
    const path = new URL(body.url).pathname;
    const get = (referer) => fetch(`${hotlinked.url}${path}`, { headers: referer ? { Referer: referer } : {} });
    assert.equal((await get(null)).status, 200);
    assert.equal((await get('https://blog.example.com/post')).status, 200);
    assert.equal((await get('https://www.example.org/')).status, 200);
    assert.equal((await get(`${hotlinked.url}/`)).status, 200);
    const refused = await get('https://elsewhere.example/page');
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).success, false);
  });
});
