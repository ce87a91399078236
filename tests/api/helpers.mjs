import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { pngChunk, pngFile } from '../support/png.mjs';
import { ROOT } from '../support/stack.mjs';

export const fixture = (name) => readFile(join(ROOT, 'tests/fixtures', name));

/** A client for one running stack: multipart uploads and JSON calls. */
export function client(stack) {
  const auth = (token = stack.token) => (token === null ? {} : { Authorization: `Bearer ${token}` });
  return {
    async upload(bytes, { name = 'image.bin', type = 'application/octet-stream', token, field = 'file' } = {}) {
      const form = new FormData();
      form.append(field, new Blob([bytes], { type }), name);
      const response = await fetch(`${stack.url}/upload`, { method: 'POST', body: form, headers: auth(token) });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    async query(params = '', { token } = {}) {
      const response = await fetch(`${stack.url}/query?${params}`, { headers: auth(token) });
      return { status: response.status, body: await response.json() };
    },
    async remove(id, { token } = {}) {
      const response = await fetch(`${stack.url}/delete?id=${id}`, { method: 'DELETE', headers: auth(token) });
      return { status: response.status, body: await response.json() };
    },
    async get(path, headers = {}) {
      const response = await fetch(`${stack.url}${path}`, { headers });
      return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
    },
  };
}

/** A copy of a PNG fixture with a text chunk naming `seed` after its header:
 * new bytes (so a new SHA-256, not a duplicate), still a valid image. The
 * text chunk is personal metadata the server strips. */
export async function uniquePng(seed, name = 'text.png') {
  const png = await fixture(name);
  const text = pngChunk('tEXt', Buffer.from(`Comment\0${seed}`));
  return Buffer.concat([png.subarray(0, 33), text, png.subarray(33)]);
}

/** A new grey PNG of `width` × `height`, its bytes made unique by `seed`. */
export function widePng(seed, width, height) {
  const row = Buffer.alloc(1 + width * 3, 0x80);
  row[0] = 0;
  const png = pngFile(width, height, deflateSync(Buffer.concat(Array(height).fill(row))));
  const text = pngChunk('tEXt', Buffer.from(`Comment\0${seed}`));
  return Buffer.concat([png.subarray(0, 33), text, png.subarray(33)]);
}

/**
 * A WebP whose lossless (VP8L) header declares `width` × `height`,
 * followed by `padding` bytes; with `metadata`, in the extended format with
 * EXIF and XMP chunks that name a place (and, given, an EXIF orientation). The Worker reads a width's header
 * and walks its chunks but never decodes it, so this stands for a width a
 * client made.
 */
export function webpOfSize(width, height, padding = 64, { metadata = false, orientation } = {}) {
  const chunk = (kind, payload) => {
    const head = Buffer.concat([Buffer.from(kind), Buffer.alloc(4)]);
    head.writeUInt32LE(payload.length, 4);
    return Buffer.concat([head, payload, Buffer.alloc(payload.length % 2)]);
  };
  const bits = (width - 1) | ((height - 1) << 14);
  const vp8l = Buffer.alloc(5 + padding);
  vp8l[0] = 0x2f;
  vp8l.writeUInt32LE(bits >>> 0, 1);
  const chunks = [chunk('VP8L', vp8l)];
  if (metadata) {
    const vp8x = Buffer.alloc(10);
    vp8x[0] = 0x08 | 0x04; // EXIF and XMP present
    vp8x.writeUIntLE(width - 1, 4, 3);
    vp8x.writeUIntLE(height - 1, 7, 3);
    chunks.unshift(chunk('VP8X', vp8x));
    // A TIFF with no entries, or one: the orientation (tag 0x0112).
    const entries = orientation
      ? Buffer.from([0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0])
      : Buffer.from([0, 0]);
    const tiff = Buffer.concat([Buffer.from('MM\0*\0\0\0\x08', 'latin1'), entries, Buffer.from('GPS Longyearbyen')]);
    chunks.push(chunk('EXIF', Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])));
    chunks.push(chunk('XMP ', Buffer.from('<x:xmpmeta><exif:GPSLatitude>78,13N</exif:GPSLatitude></x:xmpmeta>')));
  }
  const riff = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBP'), ...chunks]);
  riff.writeUInt32LE(riff.length - 8, 4);
  return riff;
}
