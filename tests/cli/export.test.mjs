// `imghost export DIR` against a real stack (wrangler dev): every image as
// stored, a manifest whose hashes match the files, a second run that
// fetches only what is missing or damaged, and a per-item failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { QUIET_ENV, ROOT, WRANGLER } from '../support/stack.mjs';
import { IMAGE_URL, useStack, writePng } from './helpers.mjs';

const cli = useStack();

const imghost = (args) => cli.run(args);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const lines = (text) => text.split('\n').filter(Boolean);
const readManifest = async (out) => lines(await readFile(join(out, 'manifest.jsonl'), 'utf8')).map((line) => JSON.parse(line));

test('exports originals and a manifest; a rerun fetches only what is missing or damaged', async () => {
  const files = await Promise.all(['a', 'b', 'c', 'd'].map((name, i) => writePng(cli.dir, `${name}.png`, `export ${name}`, { width: i + 1, height: 2 })));
  const upload = await imghost(['upload', ...files.map((f) => f.path)]);
  assert.equal(upload.code, 0, upload.stderr);
  const out = join(cli.dir, 'export');

  const first = await imghost(['export', out]);
  assert.equal(first.code, 0, first.stderr);
  const manifest = await readManifest(out);
  assert.equal(manifest.length, 4);
  assert.deepEqual(manifest.map((e) => e.id), [...manifest.map((e) => e.id)].sort((x, y) => y - x), 'newest first');
  assert.deepEqual(lines(first.stdout).sort(), manifest.map((e) => `fetched ${e.key}`).sort());
  for (const entry of manifest) {
    assert.deepEqual(Object.keys(entry), [
      'id', 'key', 'original_name', 'content_type', 'size', 'width', 'height', 'sha256', 'upload_sha256', 'created_at', 'url',
    ]);
    const bytes = await readFile(join(out, entry.key));
    assert.equal(sha256(bytes), entry.sha256, `${entry.key} matches the manifest`);
    assert.equal(bytes.length, entry.size);
    assert.match(entry.url, IMAGE_URL(cli.stack));
    assert.equal(entry.content_type, 'image/png');
    const source = files.find((f) => `${f.path.split('/').pop()}` === entry.original_name);
    assert.ok(source, entry.original_name);
    // These PNGs carry no metadata, so they are stored as uploaded.
    assert.ok(bytes.equals(source.bytes));
    assert.equal(entry.upload_sha256, sha256(source.bytes));
    assert.equal(entry.width, source.bytes.readUInt32BE(16));
  }

  // Damage one file, delete another; the other two must not be touched.
  const [damaged, deleted, ...kept] = manifest;
  const damagedPath = join(out, damaged.key);
  const bytes = await readFile(damagedPath);
  bytes[bytes.length - 1] ^= 0xff;
  await writeFile(damagedPath, bytes);
  await rm(join(out, deleted.key));
  const keptBefore = await Promise.all(kept.map((e) => stat(join(out, e.key))));

  const second = await imghost(['export', out]);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(lines(second.stdout).sort(), [`fetched ${damaged.key}`, `fetched ${deleted.key}`].sort());
  assert.match(second.stderr, /4 image\(s\): 2 fetched, 2 already here, 0 failed/);
  const keptAfter = await Promise.all(kept.map((e) => stat(join(out, e.key))));
  for (const [i, entry] of kept.entries()) {
    assert.equal(keptAfter[i].ino, keptBefore[i].ino, `${entry.key} was not written again`);
    assert.equal(keptAfter[i].mtimeMs, keptBefore[i].mtimeMs);
  }
  assert.deepEqual(await readManifest(out), manifest);
  for (const entry of [damaged, deleted]) assert.equal(sha256(await readFile(join(out, entry.key))), entry.sha256);

  const third = await imghost(['export', out]);
  assert.equal(third.code, 0, third.stderr);
  assert.equal(third.stdout, '');
});

test('an image whose object is gone is reported, and the rest still exported', async () => {
  const lost = await writePng(cli.dir, 'lost.png', 'export lost');
  const upload = await imghost(['upload', lost.path]);
  assert.equal(upload.code, 0, upload.stderr);
  const key = new URL(upload.stdout.trim()).pathname.replace(/^\/i\//, '');
  await promisify(execFile)(
    WRANGLER,
    ['r2', 'object', 'delete', `imghost-images/${key}`, '--local', '--persist-to', cli.stack.stateDir],
    { cwd: ROOT, env: QUIET_ENV },
  );
  const out = join(cli.dir, 'export-with-a-gap');
  const run = await imghost(['export', out]);
  assert.equal(run.code, 1);
  const errors = lines(run.stderr).filter((line) => line.startsWith('error: '));
  assert.equal(errors.length, 1, run.stderr);
  assert.match(errors[0], new RegExp(`^error: ${key}: cannot download .*/i/${key}: HTTP 404$`));
  assert.match(run.stderr, /5 image\(s\): 4 fetched, 0 already here, 1 failed/);
  const manifest = await readManifest(out);
  assert.equal(manifest.length, 4);
  assert.ok(!manifest.some((e) => e.key === key), 'no line for an image not exported');
  await assert.rejects(stat(join(out, key)));
  await assert.rejects(stat(join(out, `${key}.partial`)));
});
