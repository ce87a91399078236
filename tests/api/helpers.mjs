import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  const data = Buffer.from(`Comment\0${seed}`);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write('tEXt', 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
}

function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}
