import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pngChunk } from '../support/png.mjs';
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
