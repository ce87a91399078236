// HEIC photos for the tests, made here with libheif's heif-enc (installed by
// `scripts/setup.sh --test`) from tests/fixtures/rocket.jpg, with the camera
// EXIF an iPhone writes (GPS, make, orientation) added by exiftool first.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './stack.mjs';

const run = promisify(execFile);

export const CAMERA_EXIF = {
  GPSLatitude: '48.8584',
  GPSLatitudeRef: 'N',
  GPSLongitude: '2.2945',
  GPSLongitudeRef: 'E',
  Make: 'Apple',
  Model: 'iPhone 15',
  'Orientation#': '6',
};

/** The bytes of a HEIC photo of rocket.jpg (640 × 427) carrying `exif`. */
export async function heicPhoto(exif = CAMERA_EXIF) {
  const dir = await mkdtemp(join(tmpdir(), 'imghost-heic-'));
  try {
    const jpeg = join(dir, 'photo.jpg');
    await copyFile(join(ROOT, 'tests/fixtures/rocket.jpg'), jpeg);
    const tags = Object.entries(exif).map(([tag, value]) => `-${tag}=${value}`);
    if (tags.length) await run('exiftool', ['-q', '-overwrite_original', ...tags, jpeg]);
    await run('heif-enc', ['-q', '50', '-o', join(dir, 'photo.heic'), jpeg]);
    return await readFile(join(dir, 'photo.heic'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A HEIC file holding two top-level images (rocket.jpg and text.png). */
export async function heicOfTwoImages() {
  const dir = await mkdtemp(join(tmpdir(), 'imghost-heic-'));
  try {
    const output = join(dir, 'two.heic');
    await run('heif-enc', ['-q', '50', '-o', output, ...['rocket.jpg', 'text.png'].map((name) => join(ROOT, 'tests/fixtures', name))]);
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What exiftool reads in `bytes`: {Tag: value}, groups and file tags left out. */
export async function exifOf(bytes) {
  const dir = await mkdtemp(join(tmpdir(), 'imghost-exif-'));
  try {
    const path = join(dir, 'image');
    await writeFile(path, bytes);
    const { stdout } = await run('exiftool', ['-json', '-EXIF:all', '-XMP:all', '-IPTC:all', '-ImageSize', '-FileType', path]);
    const [tags] = JSON.parse(stdout);
    delete tags.SourceFile;
    return tags;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
