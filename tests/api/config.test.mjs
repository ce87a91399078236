// Behaviour that depends on the operator's settings, each in its own stack.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startStack } from '../support/stack.mjs';
import { client, fixture, uniquePng } from './helpers.mjs';

const stacks = {};
before(async () => {
  const [unconfigured, open, strict] = await Promise.all([
    startStack({ vars: { ADMIN_TOKEN: '' } }),
    startStack({ vars: { ADMIN_TOKEN: '', AUTH_DISABLED: 'true', ALLOW_SVG: 'true' } }),
    startStack({
      vars: {
        ALLOWED_ORIGINS: 'https://blog.example, http://localhost:4000',
        MAX_UPLOAD_BYTES: '50000',
        PUBLIC_IMAGE_BASE_URL: 'https://img.example.com/',
      },
    }),
  ]);
  Object.assign(stacks, { unconfigured, open, strict });
});
after(() => Promise.all(Object.values(stacks).map((stack) => stack.stop())));

describe('no ADMIN_TOKEN', () => {
  test('protected routes answer 503 saying how to set the token', async () => {
    const api = client(stacks.unconfigured);
    for (const { status, body } of [
      await api.upload(await fixture('text.png'), { token: 'anything' }),
      await api.query(),
      await api.remove(1),
    ]) {
      assert.equal(status, 503);
      assert.equal(body.success, false);
      assert.match(body.message, /wrangler secret put ADMIN_TOKEN/);
    }
  });

  test('AUTH_DISABLED = "true" opens them explicitly', async () => {
    const api = client(stacks.open);
    const { status, body } = await api.upload(await fixture('text.png'), { token: null, name: 'text.png' });
    assert.equal(status, 200);
    assert.equal((await api.query('', { token: null })).body.total, 1);
    assert.equal((await api.remove(body.id, { token: null })).status, 200);
  });
});

describe('ALLOW_SVG', () => {
  test('SVG is stored, and served so that it cannot run scripts', async () => {
    const api = client(stacks.open);
    const svg = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    const { status, body } = await api.upload(svg, { token: null, name: 'drawing.svg', type: 'text/plain' });
    assert.equal(status, 200);
    assert.equal(body.content_type, 'image/svg+xml');
    const served = await api.get(new URL(body.url).pathname);
    assert.equal(served.headers.get('content-type'), 'image/svg+xml');
    assert.match(served.headers.get('content-security-policy'), /sandbox/);
    assert.match(served.headers.get('content-security-policy'), /default-src 'none'/);
    assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
  });
});

describe('ALLOWED_ORIGINS', () => {
  test('listed origins are echoed, others get no CORS grant', async () => {
    const { url } = stacks.strict;
    const preflight = (origin) =>
      fetch(`${url}/upload`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
    const allowed = await preflight('http://localhost:4000');
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'http://localhost:4000');
    assert.match(allowed.headers.get('vary'), /Origin/);
    const refused = await preflight('https://evil.example');
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
  });
});

describe('MAX_UPLOAD_BYTES', () => {
  test('a body over the limit is 413 and stores nothing', async () => {
    const api = client(stacks.strict);
    const big = await fixture('rocket.jpg'); // 112 KB > 50,000 bytes
    const { status, body } = await api.upload(big, { name: 'big.jpg' });
    assert.equal(status, 413);
    assert.match(body.message, /too large/);
    assert.equal((await api.query()).body.total, 0);
  });

  test('without a Content-Length (chunked), still 413 and nothing stored', async () => {
    const { url, token } = stacks.strict;
    const big = await fixture('coffee.png');
    const boundary = 'imghost-test-boundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const status = await new Promise((resolve, reject) => {
      const req = request(`${url}/upload`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' },
      }, (res) => { res.resume(); resolve(res.statusCode); });
      req.on('error', reject);
      for (const part of [head, big, tail]) req.write(part);
      req.end();
    });
    assert.equal(status, 413);
    assert.equal((await client(stacks.strict).query()).body.total, 0);
  });

  test('an image under the limit is stored', async () => {
    const api = client(stacks.strict);
    // text.png with a text chunk (metadata the server strips): 42,7xx bytes.
    const png = await uniquePng('under the limit');
    assert.ok(png.length < 50_000);
    const { status, body } = await api.upload(png, { name: 'under-the-limit.png' });
    assert.equal(status, 200);
    assert.equal(body.original_size, png.length);
    const listed = (await api.query('search=under-the-limit')).body.results;
    assert.deepEqual(listed.map((image) => [image.id, image.object_key, image.size]), [[body.id, body.object_key, body.size]]);
    // Served by this Worker (image URLs point at PUBLIC_IMAGE_BASE_URL): the
    // upload without its text chunk, i.e. text.png byte for byte.
    const served = await api.get(`/i/${body.object_key}`);
    assert.equal(served.status, 200);
    assert.deepEqual(served.bytes, await fixture('text.png'));
    assert.equal(body.size, served.bytes.length);
  });
});

describe('PUBLIC_IMAGE_BASE_URL', () => {
  test('decides what image URLs look like', async () => {
    const { body } = await client(stacks.strict).upload(await fixture('no_time_for_that_tiny.gif'), { name: 'a.gif' });
    assert.equal(body.url, `https://img.example.com/${body.object_key}`);
    assert.match(body.markdown, /\]\(https:\/\/img\.example\.com\//);
  });
});
