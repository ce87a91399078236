// `imghost import DIR` against a real stack: an export folder comes back
// under its keys and times (old URLs work again), a damaged file is never
// restored, a second run changes nothing, and any other folder of images
// is uploaded recursively with non-images skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startProxy } from '../support/proxy.mjs';
import { startStack } from '../support/stack.mjs';
import { pngBytes, runCli, useStack } from './helpers.mjs';
import { pngChunk } from '../support/png.mjs';

const cli = useStack();

const imghost = (args) => cli.run(args);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const listed = async () =>
  (await (await fetch(`${cli.stack.url}/query?pageSize=50`, { headers: { Authorization: `Bearer ${cli.stack.token}` } })).json())
    .results;

/** An export folder as `imghost export` writes it: files by key and manifest.jsonl. */
async function exportFolder(name, images) {
  const folder = join(cli.dir, name);
  const lines = [];
  for (const [i, image] of images.entries()) {
    await mkdir(join(folder, image.key.split('/')[0]), { recursive: true });
    await writeFile(join(folder, image.key), image.bytes);
    lines.push(JSON.stringify({
      id: i + 1,
      key: image.key,
      original_name: image.name,
      content_type: 'image/png',
      size: image.bytes.length,
      width: 2,
      height: 2,
      sha256: sha256(image.bytes),
      created_at: image.createdAt,
      url: `https://old.example/i/${image.key}`,
    }));
  }
  await writeFile(join(folder, 'manifest.jsonl'), `${lines.join('\n')}\n`);
  return folder;
}

test('an export comes back under the same keys and times; a second run changes nothing', async () => {
  const images = [
    { key: '2024-03-01/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a51.png', name: 'first.png', bytes: pngBytes('import-1'), createdAt: 1709251200000 },
    { key: '2024-03-02/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a52.png', name: 'second.png', bytes: pngBytes('import-2'), createdAt: 1709337600000 },
    { key: '2024-03-03/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a53.png', name: 'third.png', bytes: pngBytes('import-3'), createdAt: 1709424000000 },
  ];
  const folder = await exportFolder('export', images);
  const first = await imghost(['import', folder]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, 'imported 3, already there 0, skipped 0, failed 0\n');
  for (const image of images) {
    const served = await fetch(`${cli.stack.url}/i/${image.key}`);
    assert.equal(served.status, 200, image.key);
    assert.equal(sha256(Buffer.from(await served.arrayBuffer())), sha256(image.bytes));
    const row = (await listed()).find((record) => record.object_key === image.key);
    assert.equal(row.created_at, image.createdAt);
    assert.equal(row.original_name, image.name);
  }

  const again = await imghost(['import', folder]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, 'imported 0, already there 3, skipped 0, failed 0\n');
  assert.equal((await listed()).length, 3);
});

test('four uploads run at once, never more', async () => {
  const images = Array.from({ length: 10 }, (_, i) => ({
    key: `2024-05-01/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4b${String(i).padStart(2, '0')}.png`,
    name: `parallel-${i}.png`,
    bytes: pngBytes(`import-parallel-${i}`),
    createdAt: 1714521600000 + i,
  }));
  const folder = await exportFolder('parallel', images);
  // Each upload is held long enough that the next ones are surely sent
  // meanwhile: the most in flight is the tool's own limit.
  const seen = { inFlight: 0, most: 0, uploads: 0 };
  const proxy = await startProxy(cli.stack, {
    before: async (req, res) => {
      if (req.method !== 'POST' || !req.url.startsWith('/upload')) return;
      seen.uploads++;
      seen.most = Math.max(seen.most, ++seen.inFlight);
      res.on('finish', () => seen.inFlight--);
      await new Promise((done) => setTimeout(done, 400));
    },
  });
  try {
    const result = await cli.run(['import', folder], { url: proxy.url });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'imported 10, already there 0, skipped 0, failed 0\n');
    assert.equal(seen.uploads, 10);
    assert.equal(seen.most, 4);
  } finally {
    await proxy.stop();
  }
});

test('a file that does not match its manifest line is not restored, and the exit code says so', async () => {
  const image = { key: '2024-04-01/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a54.png', name: 'damaged.png', bytes: pngBytes('import-4'), createdAt: 1711929600000 };
  const folder = await exportFolder('damaged', [image]);
  await writeFile(join(folder, image.key), pngBytes('something else'));
  const result = await imghost(['import', folder]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, 'imported 0, already there 0, skipped 0, failed 1\n');
  assert.match(result.stderr, new RegExp(`error: ${image.key}: .*does not match the manifest`));
  assert.equal((await fetch(`${cli.stack.url}/i/${image.key}`)).status, 404);
});

test('any folder of images is uploaded recursively, other files skipped with a note', async () => {
  const folder = join(cli.dir, 'photos');
  await mkdir(join(folder, '2023/trip'), { recursive: true });
  await writeFile(join(folder, 'a.png'), pngBytes('folder-a'));
  await writeFile(join(folder, '2023/trip/b.png'), pngBytes('folder-b'));
  await writeFile(join(folder, '2023/notes.txt'), 'not an image');
  const result = await imghost(['import', folder]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'imported 2, already there 0, skipped 1, failed 0\n');
  assert.match(result.stderr, /note: .*2023\/notes\.txt: skipped, not an image/);
  const names = (await listed()).map((record) => record.original_name);
  assert.ok(names.includes('a.png') && names.includes('b.png'), names.join(', '));
  const again = await imghost(['import', folder]);
  assert.equal(again.stdout, 'imported 0, already there 2, skipped 1, failed 0\n');
});

test('round trip: export from one instance, import into a fresh one, every key and SHA-256 the same', async () => {
  const fresh = await startStack();
  try {
    for (const seed of ['trip-1', 'trip-2', 'trip-3']) {
      const upload = await cli.run(['upload', '-'], { input: pngBytes(seed) });
      assert.equal(upload.code, 0, upload.stderr);
    }
    const folder = join(cli.dir, 'round-trip');
    const exported = await imghost(['export', folder]);
    assert.equal(exported.code, 0, exported.stderr);
    const source = await listed();

    const restored = await runCli(['import', folder], { home: cli.home, url: fresh.url, token: fresh.token });
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(restored.stdout, `imported ${source.length}, already there 0, skipped 0, failed 0\n`);
    const target = (
      await (await fetch(`${fresh.url}/query?pageSize=50`, { headers: { Authorization: `Bearer ${fresh.token}` } })).json()
    ).results;
    const summary = async (url, records) =>
      Promise.all(
        records.map(async (record) => {
          const bytes = Buffer.from(await (await fetch(`${url}/i/${record.object_key}`)).arrayBuffer());
          return [record.object_key, record.created_at, record.original_name, sha256(bytes)].join(' ');
        }),
      );
    assert.deepEqual((await summary(fresh.url, target)).sort(), (await summary(cli.stack.url, source)).sort());
  } finally {
    await fresh.stop();
  }
});

test('round trip: uploads that differed only in their metadata all come back under their own keys', async () => {
  const source = await startStack();
  const fresh = await startStack();
  try {
    const on = (stack) => ({ home: cli.home, url: stack.url, token: stack.token });
    // The same picture with a different text chunk each time: nine uploads
    // whose stored bytes are equal once the chunk is stripped, and one other.
    const picture = pngBytes('twins');
    for (let i = 0; i < 9; i++) {
      const text = pngChunk('tEXt', Buffer.from(`Comment\0copy ${i}`));
      const bytes = Buffer.concat([picture.subarray(0, 33), text, picture.subarray(33)]);
      const upload = await runCli(['upload', '-'], { ...on(source), input: bytes });
      assert.equal(upload.code, 0, upload.stderr);
    }
    assert.equal((await runCli(['upload', '-'], { ...on(source), input: pngBytes('other') })).code, 0);
    const folder = join(cli.dir, 'twins');
    const exported = await runCli(['export', folder], on(source));
    assert.equal(exported.code, 0, exported.stderr);

    const restored = await runCli(['import', folder], on(fresh));
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(restored.stdout, 'imported 10, already there 0, skipped 0, failed 0\n');
    const keys = async (stack) =>
      (await (await fetch(`${stack.url}/query?pageSize=50`, { headers: { Authorization: `Bearer ${stack.token}` } })).json())
        .results.map((image) => image.object_key).sort();
    const sourceKeys = await keys(source);
    assert.equal(sourceKeys.length, 10);
    assert.deepEqual(await keys(fresh), sourceKeys);
    for (const key of sourceKeys) assert.equal((await fetch(`${fresh.url}/i/${key}`)).status, 200, key);
    // Run again: every one is already there.
    const again = await runCli(['import', folder], on(fresh));
    assert.equal(again.stdout, 'imported 0, already there 10, skipped 0, failed 0\n');
  } finally {
    await Promise.all([source.stop(), fresh.stop()]);
  }
});

test('a manifest key that would climb out of the export is never read', async () => {
  const folder = join(cli.dir, 'climbing');
  await mkdir(folder, { recursive: true });
  await writeFile(join(cli.dir, 'secret.png'), pngBytes('outside the export'));
  const line = { key: '../secret.png', original_name: 'secret.png', sha256: sha256(pngBytes('outside the export')), created_at: 1 };
  await writeFile(join(folder, 'manifest.jsonl'), `${JSON.stringify(line)}\n`);
  const result = await imghost(['import', folder]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, 'imported 0, already there 0, skipped 0, failed 1\n');
  assert.match(result.stderr, /error: \.\.\/secret\.png: the manifest names "\.\.\/secret\.png", which is not a safe key; nothing read/);
});
