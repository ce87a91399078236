// iPhone photos (HEIC) through the command line tool: converted to JPEG
// with libheif's tool before upload, served without the camera's metadata
// and turned only once; without the tool, a sentence saying what to install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CAMERA_EXIF, exifOf, heicOfTwoImages, heicPhoto } from '../support/heic.mjs';
import { apiQuery, download, pngBytes, useStack } from './helpers.mjs';

const cli = useStack();
let photo;
let heic;
/** Makes the photo once, in the stack's folder (made by its `before`). */
let made;
const ready = () =>
  (made ??= (async () => {
    heic = await heicPhoto();
    photo = join(cli.dir, 'IMG_0042.HEIC');
    await writeFile(photo, heic);
  })());

const total = async () => (await apiQuery(cli.stack, 'pageSize=1')).total;

test('a HEIC photo is uploaded as JPEG, its name and size kept, its GPS and camera gone', async () => {
  await ready();
  // What exiftool reads in the photo as the camera wrote it.
  const taken = await exifOf(heic);
  assert.equal(taken.FileType, 'HEIC');
  assert.equal(taken.Make, CAMERA_EXIF.Make);
  assert.ok(taken.GPSLatitude, 'the test photo carries a location');

  const result = await cli.run(['upload', '--format', 'html', photo]);
  assert.equal(result.code, 0, result.stderr);
  const src = /src="([^"]*)"/.exec(result.stdout)?.[1];
  assert.match(src, /\/i\/\d{4}-\d{2}-\d{2}\/[0-9a-f-]{36}\.jpg$/);
  assert.equal(result.stdout, `<img src="${src}" alt="IMG_0042.jpg" width="640" height="427">\n`);

  const served = await download(src);
  assert.equal(served.status, 200);
  const tags = await exifOf(served.bytes);
  assert.equal(tags.FileType, 'JPEG');
  assert.equal(tags.ImageSize, '640x427');
  // HEIF shows its pixels as stored and rotated by its own `irot` box,
  // never by EXIF; libheif applies that box while decoding, so an EXIF
  // orientation kept in the JPEG would turn the photo a second time.
  assert.deepEqual(
    Object.keys(tags).filter((tag) => !['FileType', 'ImageSize'].includes(tag)),
    [],
    `left in the served JPEG: ${JSON.stringify(tags)}`,
  );
});

test('the same photo again is a duplicate of the first, with its URL', async () => {
  await ready();
  const first = await cli.run(['upload', photo]);
  const again = await cli.run(['upload', photo]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, first.stdout);
  assert.match(again.stderr, /duplicate of image \d+/);
});

test('without heif-dec or heif-convert: the sentence says what to install, nothing is sent', async () => {
  await ready();
  const before = await total();
  const result = await cli.run(['upload', photo, join(cli.dir, 'missing.png')], { env: { PATH: '/nonexistent' } });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '\n\n');
  assert.equal(
    result.stderr.split('\n')[0],
    `error: ${photo}: HEIC/HEIF photos are converted to JPEG before upload with libheif's heif-dec ` +
      '(or heif-convert), which is not installed: install libheif-examples (Debian, Ubuntu), ' +
      'libheif-tools (Fedora) or libheif (Homebrew)',
  );
  assert.equal(await total(), before);
});

test('a damaged HEIC file gets the converter’s own words, and nothing is sent', async () => {
  await ready();
  const before = await total();
  const damaged = join(cli.dir, 'cut.heic');
  await writeFile(damaged, heic.subarray(0, 200));
  const result = await cli.run(['upload', damaged]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: .*cut\.heic: heif-(dec|convert) cannot convert this HEIC\/HEIF photo to JPEG: \S/);
  assert.equal(await total(), before);
});

test('a HEIC file of several images is refused, not one of them guessed at', async () => {
  await ready();
  const before = await total();
  const several = join(cli.dir, 'burst.heic');
  await writeFile(several, await heicOfTwoImages());
  const result = await cli.run(['upload', several]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^error: .*burst\.heic: heif-(dec|convert) cannot convert this HEIC\/HEIF photo to JPEG: it holds several images; convert the one you want to JPEG first\n/,
  );
  assert.equal(await total(), before);
});

test('import takes a HEIC photo in a folder as an image, not as a file to skip', async () => {
  await ready();
  const folder = join(cli.dir, 'camera-roll');
  await mkdir(folder);
  await writeFile(join(folder, 'IMG_0043.heic'), await heicPhoto({ Make: 'Apple', Model: 'another' }));
  await writeFile(join(folder, 'IMG_0044.png'), pngBytes('camera roll'));
  const result = await cli.run(['import', folder]);
  assert.equal(result.code, 0, result.stderr);
  // The first photo's pixels: already stored by the tests before.
  assert.equal(result.stdout, 'imported 1, already there 1, skipped 0, failed 0\n');
});
