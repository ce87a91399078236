// Thumbnails made by the `imghost` binary against a real stack (wrangler
// dev): sent with `imghost upload` and through the PicGo bridge, printed by
// `--format linked-thumbnail`, and made afterwards for images uploaded
// without one by `imghost thumbnails`, which a second run finds done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { jpegPhoto, pngPhoto } from '../support/photos.mjs';
import { rawUpload } from '../support/raw-upload.mjs';
import { freePort } from '../support/stack.mjs';
import { apiQuery, download, spawnCli, useStack, writePng } from './helpers.mjs';

const cli = useStack();

const MAX_SIDE = 480;
const MAX_BYTES = 96 * 1024;

/** Width and height from a JPEG's frame header. */
function jpegSize(bytes) {
  assert.equal(bytes.readUInt16BE(0), 0xffd8, 'a JPEG');
  for (let at = 2; at + 9 < bytes.length; ) {
    const marker = bytes[at + 1];
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { width: bytes.readUInt16BE(at + 7), height: bytes.readUInt16BE(at + 5) };
    }
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  throw new Error('no frame header');
}

/** Downloads a thumbnail and checks what the Worker accepts and the gallery shows. */
async function checkThumbnail(url) {
  const { status, bytes } = await download(url);
  assert.equal(status, 200, url);
  const size = jpegSize(bytes);
  assert.ok(Math.max(size.width, size.height) <= MAX_SIDE, `${size.width} × ${size.height}`);
  assert.ok(bytes.length <= MAX_BYTES, `${bytes.length} bytes`);
  return size;
}

/** The stored image whose URL `url` is, as listed. */
async function listed(url) {
  const key = new URL(url).pathname.replace(/^\/i\//, '');
  for (let cursor; ; ) {
    const page = await apiQuery(cli.stack, `pageSize=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const image = page.results.find((image) => image.object_key === key);
    if (image) return image;
    if (!page.next_cursor || page.results.length === 0) throw new Error(`${key} is not listed`);
    cursor = page.next_cursor;
  }
}

const lines = (text) => text.split('\n').filter(Boolean);

test('upload sends an upright JPEG thumbnail of a large photo, at most 480 px and 96 KiB', async () => {
  // Stored 1600 × 1200, to be shown turned a quarter clockwise: 1200 × 1600.
  const path = join(cli.dir, 'phone photo.jpg');
  await writeFile(path, jpegPhoto(1600, 1200, 'upload photo', { orientation: 6 }));
  const { code, stdout, stderr } = await cli.run(['upload', path]);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
  const image = await listed(stdout.trim());
  assert.equal(image.width, 1600);
  assert.equal(image.height, 1200);
  assert.equal(image.thumbnail_key, `${image.object_key}.thumb.jpg`);
  assert.equal(image.thumbnail_url, `${image.image_url}.thumb.jpg`);
  assert.deepEqual(await checkThumbnail(image.thumbnail_url), { width: 360, height: 480 });
});

test('a small image gets no thumbnail', async () => {
  const small = await writePng(cli.dir, 'small.png', 'thumbnails small', { width: 40, height: 30 });
  const { code, stdout, stderr } = await cli.run(['upload', small.path]);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
  const image = await listed(stdout.trim());
  assert.equal(image.thumbnail_url, null);
  assert.equal(image.thumbnail_key, null);
});

test('--format linked-thumbnail links the thumbnail to the image, and is Markdown without one', async () => {
  const big = join(cli.dir, 'big [1].png');
  await writeFile(big, pngPhoto(1000, 700, 'linked big'));
  const small = await writePng(cli.dir, 'tiny.png', 'linked small', { width: 20, height: 20 });
  const { code, stdout, stderr } = await cli.run(['upload', '--format', 'linked-thumbnail', big, small.path]);
  assert.equal(code, 0, stderr);
  const [first, second] = lines(stdout);
  const linked = first.match(/^\[!\[big \\\[1\\\]\.png\]\((\S+)\)\]\((\S+)\)$/);
  assert.ok(linked, first);
  const [, thumbnailUrl, url] = linked;
  assert.equal(thumbnailUrl, `${url}.thumb.jpg`);
  assert.equal((await listed(url)).thumbnail_url, thumbnailUrl);
  assert.deepEqual(await checkThumbnail(thumbnailUrl), { width: 480, height: 336 });
  const plain = second.match(/^!\[tiny\.png\]\((\S+)\)$/);
  assert.ok(plain, second);
  assert.equal((await listed(plain[1])).thumbnail_url, null);
});

test('the PicGo bridge sends thumbnails too', async () => {
  const path = join(cli.dir, 'typora.jpg');
  await writeFile(path, jpegPhoto(1200, 900, 'picgo photo'));
  const port = await freePort();
  const bridge = spawnCli(['picgo', '--port', String(port)], { home: cli.home, url: cli.stack.url, token: cli.stack.token });
  bridge.stdin.end();
  try {
    let log = '';
    await new Promise((ready, fail) => {
      bridge.stderr.on('data', (chunk) => {
        log += chunk;
        if (log.includes('listening on')) ready();
      });
      bridge.on('exit', (code) => fail(new Error(`imghost picgo exited with ${code}:\n${log}`)));
    });
    const answer = await new Promise((done, fail) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/upload', method: 'POST', headers: { 'Content-Type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => done(JSON.parse(text)));
        },
      );
      req.on('error', fail);
      req.end(JSON.stringify({ list: [path] }));
    });
    assert.equal(answer.success, true, answer.message);
    const image = await listed(answer.result[0]);
    assert.notEqual(image.thumbnail_url, null);
    assert.deepEqual(await checkThumbnail(image.thumbnail_url), { width: 480, height: 360 });
  } finally {
    bridge.kill('SIGKILL');
  }
});

/** Uploads through the bare API, as clients that make no thumbnail do; the answer. */
async function uploadWithoutThumbnail(bytes, filename) {
  const { status, body } = await rawUpload(cli.stack, bytes, { filename });
  assert.equal(status, 200, body);
  const answer = JSON.parse(body);
  assert.equal(answer.thumbnail_url, null);
  return answer;
}

test('imghost thumbnails makes the missing ones; run again, it finds them done', async () => {
  const needing = [
    await uploadWithoutThumbnail(jpegPhoto(1200, 900, 'backfill jpeg', { orientation: 8 }), 'old.jpg'),
    await uploadWithoutThumbnail(pngPhoto(900, 600, 'backfill png'), 'old.png'),
  ];
  await uploadWithoutThumbnail(pngPhoto(300, 200, 'backfill small'), 'small-old.png');

  const first = await cli.run(['thumbnails']);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(lines(first.stdout).sort(), needing.map((image) => `made ${image.id} ${image.object_key}`).sort());
  assert.match(first.stderr, /: 2 thumbnail\(s\) made, \d+ already had one, \d+ skipped \(\d+ need none\), 0 failed\n$/);
  const [jpeg, png] = await Promise.all(needing.map((image) => listed(image.url)));
  assert.equal(jpeg.thumbnail_url, `${jpeg.image_url}.thumb.jpg`);
  // Orientation 8 turns it a quarter anticlockwise: portrait.
  assert.deepEqual(await checkThumbnail(jpeg.thumbnail_url), { width: 360, height: 480 });
  assert.deepEqual(await checkThumbnail(png.thumbnail_url), { width: 480, height: 320 });

  const second = await cli.run(['thumbnails']);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, '');
  assert.match(second.stderr, / 0 thumbnail\(s\) made, .* 0 failed; every image that needs a thumbnail has one\n$/);
});

test('two runs at once make each thumbnail once, and both succeed', async () => {
  const images = [];
  for (const n of [1, 2, 3, 4]) images.push(await uploadWithoutThumbnail(jpegPhoto(1000, 800, `twice ${n}`), `twice-${n}.jpg`));
  const runs = await Promise.all([cli.run(['thumbnails']), cli.run(['thumbnails'])]);
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  const made = runs.flatMap((run) => lines(run.stdout));
  assert.deepEqual(made.sort(), images.map((image) => `made ${image.id} ${image.object_key}`).sort());
  for (const image of images) assert.notEqual((await listed(image.url)).thumbnail_url, null);
});
