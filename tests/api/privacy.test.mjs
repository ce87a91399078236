// Location and camera data never reach the bucket: real files tagged by
// exiftool (an independent reader and writer of EXIF/XMP) are uploaded and
// the served bytes are read back with exiftool.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startStack } from '../support/stack.mjs';
import { client, fixture } from './helpers.mjs';

const run = promisify(execFile);
let stack;
let api;
before(async () => {
  stack = await startStack();
  api = client(stack);
});
after(() => stack?.stop());

const PERSONAL_TAGS = [
  '-GPSLatitude=52.3731', '-GPSLatitudeRef=N', '-GPSLongitude=4.8922', '-GPSLongitudeRef=E',
  '-GPSAltitude=12', '-Make=Canon', '-Model=Canon EOS R5', '-SerialNumber=SN-0042-1337',
  '-XMP-photoshop:City=Amsterdam', '-Artist=Jane Doe',
];

/** `name` from the fixtures with camera tags and the given orientation,
 * written by exiftool. This exiftool cannot write WebP, so for WebP it tags a
 * JPEG and its EXIF and XMP blocks are put in the WebP's RIFF chunks. */
async function tagged(name, orientation) {
  const isWebp = name.endsWith('.webp');
  const carrier = isWebp ? 'rocket.jpg' : name;
  const source = join(stack.stateDir, `source-${carrier}`);
  const target = join(stack.stateDir, `tagged-${orientation}-${name}-${carrier}`);
  await writeFile(source, await fixture(carrier));
  await run('exiftool', ['-q', '-overwrite_original', ...PERSONAL_TAGS, `-Orientation#=${orientation}`, '-o', target, source]);
  if (!isWebp) return readFile(target);
  const block = async (tag) =>
    (await run('exiftool', ['-b', `-${tag}`, target], { encoding: 'buffer', maxBuffer: 1 << 20 })).stdout;
  return webpWithMetadata(await fixture(name), await block('EXIF'), await block('XMP'));
}

function riffChunk(fourcc, payload) {
  const header = Buffer.alloc(8);
  header.write(fourcc, 0, 'latin1');
  header.writeUInt32LE(payload.length, 4);
  return Buffer.concat([header, payload, Buffer.alloc(payload.length % 2)]);
}

/** Appends EXIF and XMP chunks to an extended (VP8X) WebP and sets its flags. */
function webpWithMetadata(webp, exif, xmp) {
  assert.equal(webp.toString('latin1', 12, 16), 'VP8X');
  const out = Buffer.concat([webp, riffChunk('EXIF', exif), riffChunk('XMP ', xmp)]);
  out[20] |= 0x08 | 0x04;
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}

async function tags(bytes, name) {
  const file = join(stack.stateDir, `read-${name}`);
  await writeFile(file, bytes);
  const { stdout } = await run('exiftool', ['-j', '-a', '-G1', '-n', file]);
  return JSON.parse(stdout)[0];
}

const personal = (found) =>
  Object.keys(found).filter((key) => /GPS|Serial|:Make$|:Model$|City|Artist/.test(key));

for (const [name, type] of [['rocket.jpg', 'image/jpeg'], ['text.png', 'image/png'], ['small.webp', 'image/webp']]) {
  describe(name, () => {
    test('served without location or camera data, still the right way up', async () => {
      const original = await tagged(name, 6);
      const before = await tags(original, name);
      assert.ok(personal(before).length >= 6, `exiftool wrote the tags: ${personal(before)}`);

      const { status, body } = await api.upload(original, { name, type });
      assert.equal(status, 200);
      assert.equal(body.content_type, type);
      const served = await api.get(new URL(body.url).pathname);
      const after = await tags(served.bytes, name);
      assert.deepEqual(personal(after), []);
      assert.equal(Object.keys(after).filter((key) => key.startsWith('XMP')).length, 0);
      // Orientation 6 = rotate 90° clockwise to display.
      const orientation = Object.entries(after).find(([key]) => key.endsWith(':Orientation'));
      assert.deepEqual(orientation?.[1], 6);
      assert.equal(after['File:ImageWidth'] ?? after['PNG:ImageWidth'] ?? after['RIFF:ImageWidth'] ?? after['VP8X:ImageWidth'],
        before['File:ImageWidth'] ?? before['PNG:ImageWidth'] ?? before['RIFF:ImageWidth'] ?? before['VP8X:ImageWidth']);
      assert.equal(body.original_size, original.length);
      assert.ok(body.size < original.length);
    });
  });
}

/** An ICO holding `png` as its one image (PNG icons are how ICO carries
 * 32-bit images). */
function icoOf(png, width, height) {
  const header = Buffer.alloc(22);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(1, 4);
  header[6] = width >= 256 ? 0 : width;
  header[7] = height >= 256 ? 0 : height;
  header.writeUInt16LE(1, 10);
  header.writeUInt16LE(32, 12);
  header.writeUInt32LE(png.length, 14);
  header.writeUInt32LE(22, 18);
  return Buffer.concat([header, png]);
}

describe('icons and bitmaps', () => {
  test('the PNG inside an ICO is served without its location or camera data', async () => {
    const png = await tagged('logo.png', 1);
    assert.ok(personal(await tags(png, 'icon.png')).length >= 6, 'exiftool wrote the tags');
    const { status, body } = await api.upload(icoOf(png, 500, 500), { name: 'favicon.ico', type: 'image/x-icon' });
    assert.equal(status, 200, JSON.stringify(body));
    const served = (await api.get(new URL(body.url).pathname)).bytes;
    // The icon's image, read back by exiftool as the PNG it is.
    const offset = served.readUInt32LE(18);
    const inner = served.subarray(offset, offset + served.readUInt32LE(14));
    assert.equal(inner.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual(personal(await tags(inner, 'served-icon.png')), []);
    assert.ok(!served.includes(Buffer.from('SN-0042-1337')), 'no serial anywhere in the file');
  });

  test('bytes appended after a BMP\'s pixels are not served', async () => {
    // A 2 × 2, 24-bit bitmap: 54 bytes of headers, 2 rows of 8 bytes.
    const bmp = Buffer.alloc(70);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(70, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(2, 18);
    bmp.writeInt32LE(2, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    bmp.writeUInt32LE(16, 34);
    const payload = Buffer.from('GPSLatitude 52.3731 N, shot at home by Jane Doe');
    const { status, body } = await api.upload(Buffer.concat([bmp, payload]), { name: 'tiny.bmp', type: 'image/bmp' });
    assert.equal(status, 200, JSON.stringify(body));
    const served = (await api.get(new URL(body.url).pathname)).bytes;
    assert.deepEqual(served, bmp, 'the picture, and nothing after it');
    const read = await tags(served, 'served.bmp');
    assert.equal(read['File:ImageWidth'] ?? read['BMP:ImageWidth'], 2);
  });
});

test('the colour profile and the pixels of a JPEG are untouched', async () => {
  const original = await tagged('rocket.jpg', 3);
  const { body } = await api.upload(original, { name: 'profile.jpg', type: 'image/jpeg' });
  const served = (await api.get(new URL(body.url).pathname)).bytes;
  const after = await tags(served, 'profile.jpg');
  assert.equal(after['ICC_Profile:ProfileDescription'], 'Adobe RGB (1998)');
  const startOfScan = (bytes) => bytes.subarray(bytes.indexOf(Buffer.from([0xff, 0xda])));
  assert.ok(startOfScan(served).equals(startOfScan(original)), 'entropy-coded data differs');
});

describe('the files an independent review got location data back from', () => {
  // Made by `cargo run -p imghost-shared --example leak_fixtures`.
  const PERSONAL = ['SN12345678', 'Canon', 'GPSLatitude', 'shot at home', 'Jane Doe', 'xmpmeta'];
  test('stray-byte.jpg: a JPEG that cannot be walked to its end is refused, not stored as it is', async () => {
    const { body: before } = await api.query();
    const { status, body } = await api.upload(await fixture('leaks/stray-byte.jpg'), { name: 'stray-byte.jpg' });
    assert.equal(status, 422);
    assert.equal(body.code, 'unprocessable_image');
    assert.match(body.message, /JPEG's structure could not be fully read \(there are unexpected bytes where a marker should be\)/);
    assert.equal((await api.query()).body.total, before.total);
  });

  for (const name of ['exif-between-scans.jpg', 'exif-in-meta.avif', 'comment-and-xmp.gif']) {
    test(`${name}: nothing personal is served`, async () => {
      const original = await fixture(`leaks/${name}`);
      assert.ok(PERSONAL.some((text) => original.includes(text)), 'the fixture carries metadata');
      const { status, body } = await api.upload(original, { name });
      assert.equal(status, 200, body.message);
      const served = await api.get(new URL(body.url).pathname);
      for (const text of PERSONAL) assert.ok(!served.bytes.includes(text), `${text} was served`);
      const file = join(stack.stateDir, `served-${name}`);
      await writeFile(file, served.bytes);
      const { stdout } = await run('exiftool', ['-j', '-G1', file]);
      const tags = Object.keys(JSON.parse(stdout)[0]);
      const leaked = tags.filter((tag) => /GPS|Make|Serial|Comment|XMP|Creator/i.test(tag));
      assert.deepEqual(leaked, [], `exiftool still reads ${leaked.join(', ')}`);
    });
  }
});
