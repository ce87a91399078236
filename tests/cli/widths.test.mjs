// Responsive widths made by the `imghost` binary against a real stack
// (wrangler dev): real WebP copies sent with `imghost upload`, printed by
// `--format responsive` and `--format hugo`, none for a photo turned a
// quarter by its orientation, and made afterwards for images uploaded
// without them by `imghost widths`, which a second run finds done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jpegPhoto, pngPhoto } from '../support/photos.mjs';
import { rawUpload } from '../support/raw-upload.mjs';
import { startStack } from '../support/stack.mjs';
import { apiQuery, download, runCli, useStack } from './helpers.mjs';

const cli = useStack();

/** Width and height from a WebP's first image chunk (lossy, lossless or extended). */
function webpSize(bytes) {
  assert.equal(bytes.toString('latin1', 0, 4), 'RIFF');
  assert.equal(bytes.toString('latin1', 8, 12), 'WEBP');
  const chunk = bytes.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = bytes.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  assert.equal(chunk, 'VP8X');
  return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
}

/** The stored image whose URL `url` is, as listed. */
async function listed(url) {
  const key = new URL(url).pathname.replace(/^\/i\//, '');
  const page = await apiQuery(cli.stack, 'pageSize=50');
  const image = page.results.find((image) => image.object_key === key);
  assert.ok(image, `${key} is listed`);
  return image;
}

test('upload sends real WebP widths and --format responsive offers them', async () => {
  const path = join(cli.dir, 'beach "sunset".png');
  await writeFile(path, pngPhoto(2000, 1500, 'responsive beach'));
  const { code, stdout, stderr } = await cli.run(['upload', '--format', 'responsive', path]);
  assert.equal(code, 0, stderr);
  const line = stdout.trim();
  const tag = line.match(/^<img src="(\S+)" srcset="([^"]+)" sizes="([^"]+)" width="2000" height="1500" alt="([^"]+)" loading="lazy" decoding="async">$/);
  assert.ok(tag, line);
  const [, src, srcset, sizes, alt] = tag;
  assert.equal(sizes, '(min-width: 760px) 720px, 100vw');
  assert.equal(alt, 'beach &quot;sunset&quot;.png');
  assert.equal(srcset, `${src}@640w.webp 640w, ${src}@960w.webp 960w, ${src}@1280w.webp 1280w, ${src} 2000w`);
  assert.deepEqual((await listed(src)).widths, [640, 960, 1280]);
  for (const width of [640, 960, 1280]) {
    const { status, bytes } = await download(`${src}@${width}w.webp`);
    assert.equal(status, 200, `${width}`);
    assert.deepEqual(webpSize(bytes), { width, height: (width * 3) / 4 });
    // Smaller than the original would be at that width as PNG: a real lossy encoding.
    assert.ok(bytes.length < width * width * 0.75 * 3 * 0.2, `${width}: ${bytes.length} bytes`);
  }
  // exiftool reads what is served as a WebP of that size and nothing more.
  const served = join(cli.dir, 'served-640.webp');
  await writeFile(served, (await download(`${src}@640w.webp`)).bytes);
  const { stdout: json } = await promisify(execFile)('exiftool', ['-j', '-a', '-G', served]);
  const [tags] = JSON.parse(json);
  assert.equal(tags['File:FileType'], 'WEBP');
  assert.equal(tags['RIFF:ImageWidth'] ?? tags['File:ImageWidth'], 640);
  assert.deepEqual(
    Object.keys(tags).filter((tag) => /^(EXIF|XMP|ICC_Profile|GPS)/.test(tag)),
    [],
    'no metadata travels with a width',
  );
});

test('--format hugo and --sizes', async () => {
  const path = join(cli.dir, 'hugo.png');
  await writeFile(path, pngPhoto(1000, 500, 'hugo'));
  const { code, stdout, stderr } = await cli.run(['upload', '--format', 'hugo', '--sizes', '50vw', path]);
  assert.equal(code, 0, stderr);
  const line = stdout.trim();
  const src = line.match(/src="(\S+)"/)?.[1];
  assert.equal(
    line,
    `{{< img src="${src}" srcset="${src}@640w.webp 640w, ${src} 1000w" sizes="50vw" width="1000" height="500" alt="hugo.png" >}}`,
  );
});

test('no widths for a narrow image, or a photo turned a quarter by its orientation', async () => {
  const narrow = join(cli.dir, 'narrow.png');
  await writeFile(narrow, pngPhoto(800, 600, 'narrow'));
  const turned = join(cli.dir, 'turned.jpg');
  await writeFile(turned, jpegPhoto(1600, 1200, 'turned', { orientation: 6 }));
  const { code, stdout, stderr } = await cli.run(['upload', '--format', 'responsive', narrow, turned]);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
  const [first, second] = stdout.trim().split('\n');
  assert.doesNotMatch(first, /srcset/);
  assert.doesNotMatch(second, /srcset/);
  for (const line of [first, second]) {
    const image = await listed(line.match(/src="(\S+)"/)[1]);
    assert.deepEqual(image.widths, []);
    assert.ok(image.thumbnail_url, 'still gets its thumbnail');
  }
});

test('imghost widths backfills images uploaded without them, and a second run finds them done', async () => {
  const answer = await rawUpload(cli.stack, pngPhoto(1400, 700, 'backfill widths'), { filename: 'old.png' });
  assert.equal(answer.status, 200, answer.body);
  const uploaded = JSON.parse(answer.body);
  assert.deepEqual(uploaded.widths, []);
  const first = await cli.run(['widths']);
  assert.equal(first.code, 0, first.stderr);
  assert.ok(first.stdout.includes(`made ${uploaded.id} ${uploaded.object_key}`), first.stdout);
  assert.match(first.stderr, /widths made for [1-9]/);
  const image = await listed(uploaded.url);
  assert.deepEqual(image.widths, [640, 960]);
  assert.deepEqual(webpSize((await download(`${uploaded.url}@960w.webp`)).bytes), { width: 960, height: 480 });
  const second = await cli.run(['variants']);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, '');
  assert.match(second.stderr, /widths made for 0, .*; every image that takes widths has them/);
});

test('export, then import into another imghost: the widths come back under the same URLs', async () => {
  const path = join(cli.dir, 'moving.png');
  await writeFile(path, pngPhoto(1300, 975, 'moving widths'));
  const uploaded = await cli.run(['upload', path]);
  assert.equal(uploaded.code, 0, uploaded.stderr);
  const url = uploaded.stdout.trim();
  const key = new URL(url).pathname.replace(/^\/i\//, '');
  const exported = await cli.run(['export', join(cli.dir, 'export')]);
  assert.equal(exported.code, 0, exported.stderr);
  const other = await startStack();
  try {
    const imported = await runCli(['import', join(cli.dir, 'export')], { home: cli.home, url: other.url, token: other.token });
    assert.equal(imported.code, 0, imported.stderr);
    const page = await apiQuery(other, 'pageSize=50');
    const image = page.results.find((row) => row.object_key === key);
    assert.ok(image, `${key} is back`);
    assert.deepEqual(image.widths, [640, 960]);
    for (const width of [640, 960]) {
      const { status, bytes } = await download(`${other.url}/i/${key}@${width}w.webp`);
      assert.equal(status, 200, `${width}`);
      assert.equal(webpSize(bytes).width, width);
    }
  } finally {
    await other.stop();
  }
});
