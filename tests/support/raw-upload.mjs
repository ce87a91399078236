// A multipart upload sent with node:http, for what fetch will not send: a
// forged Host header, or a chunked body without Content-Length.
import { request } from 'node:http';

/**
 * POSTs `bytes` as the multipart `file` field to `stack`'s /upload.
 * @param {{url: string, token: string}} stack
 * @param {Buffer} bytes
 * @param {{host?: string, chunked?: boolean, filename?: string}} [options]
 * @returns {Promise<{status: number|'reset', body: string}>} 'reset' when the
 *   server closed the connection before answering.
 */
export function rawUpload(stack, bytes, { host, chunked = false, filename = 'image.png' } = {}) {
  const boundary = 'imghost-raw-upload';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      'Content-Type: image/png\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL(`${stack.url}/upload`);
  const headers = {
    Authorization: `Bearer ${stack.token}`,
    'Content-Type': `multipart/form-data; boundary=${boundary}`,
    ...(host ? { Host: host } : {}),
    ...(chunked
      ? { 'Transfer-Encoding': 'chunked' }
      : { 'Content-Length': head.length + bytes.length + tail.length }),
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', (error) =>
      ['EPIPE', 'ECONNRESET'].includes(error.code) ? resolve({ status: 'reset', body: '' }) : reject(error),
    );
    req.write(head);
    for (let sent = 0; sent < bytes.length; sent += 64 * 1024) req.write(bytes.subarray(sent, sent + 64 * 1024));
    req.end(tail);
  });
}
