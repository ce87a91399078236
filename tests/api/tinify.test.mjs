// Tinify compression against a fake Tinify speaking its protocol: every
// failure still stores the (metadata-stripped) original and succeeds.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../support/stack.mjs';
import { FAKE_TINIFY_KEY, startFakeTinify } from '../support/fake-tinify.mjs';
import { client, fixture, uniquePng } from './helpers.mjs';

const TIMEOUT_MS = 1500;
/**
 * An upload that meets the timeout answers within it plus the upload's own
 * work (a few hundred ms here), but not twice the timeout (a retry).
 */
const UPPER_BOUND_MS = TIMEOUT_MS + 1500;
let tinify;
let stack;
let converting;
let api;

before(async () => {
  tinify = await startFakeTinify({ output: await fixture('text.png'), converted: await fixture('small.webp') });
  const vars = { TINIFY_API_KEY: FAKE_TINIFY_KEY, TINIFY_API_URL: tinify.url, TINIFY_TIMEOUT_MS: String(TIMEOUT_MS) };
  [stack, converting] = await Promise.all([
    startStack({ vars }),
    startStack({ vars: { ...vars, TINIFY_CONVERT: 'webp' } }),
  ]);
  api = client(stack);
});
after(() => Promise.all([stack?.stop(), converting?.stop(), tinify?.stop()]));
beforeEach(() => tinify.reset('ok'));

let seed = 0;
/** A large PNG never uploaded before. */
const freshPng = () => uniquePng(`tinify-${seed++}`, 'astronaut.png');

async function stats() {
  const response = await fetch(`${stack.url}/stats`, { headers: { Authorization: `Bearer ${stack.token}` } });
  return response.json();
}

describe('Tinify succeeds', () => {
  test('keeps the smaller result and records how and how much', async () => {
    const png = await freshPng();
    const { status, body } = await api.upload(png, { name: 'big.png' });
    assert.equal(status, 200);
    const output = tinify.state.output;
    assert.deepEqual(body.compression, {
      by: 'tinify',
      status: 'compressed',
      original_size: png.length,
      stored_size: output.length,
    });
    assert.equal(body.compressed_by, 'tinify');
    assert.equal(body.original_size, png.length);
    assert.equal(body.size, output.length);
    const served = await api.get(new URL(body.url).pathname);
    assert.deepEqual(served.bytes, output);

    const [shrink, download] = tinify.state.requests;
    assert.equal(shrink.method, 'POST');
    assert.equal(shrink.url, '/shrink');
    assert.equal(shrink.headers.authorization, `Basic ${Buffer.from(`api:${FAKE_TINIFY_KEY}`).toString('base64')}`);
    // Metadata is stripped before the image leaves the Worker.
    assert.ok(!shrink.body.includes('tinify-'), 'the text chunk was sent to Tinify');
    assert.equal(download.method, 'GET');
    assert.match(download.url, /^\/output\//);

    const current = await stats();
    assert.equal(current.compression_count, tinify.state.compressionCount);
    assert.ok(current.bytes_saved >= png.length - output.length);
  });

  test('keeps the original when the result is not smaller', async () => {
    const png = await uniquePng(`small-${seed++}`, 'text.png');
    tinify.state.output = await fixture('astronaut.png');
    const { body } = await api.upload(png, { name: 'small.png' });
    assert.equal(body.compression.by, 'none');
    assert.equal(body.compression.status, 'not_smaller');
    assert.equal(body.compressed_by, 'none');
    assert.ok(body.size < png.length, 'the stripped original is stored');
  });

  test('converts to WebP when TINIFY_CONVERT says so; key and type follow', async () => {
    const { status, body } = await client(converting).upload(await freshPng(), { name: 'photo.png' });
    assert.equal(status, 200);
    assert.equal(body.compression.status, 'compressed');
    assert.equal(body.content_type, 'image/webp');
    assert.match(body.object_key, /\.webp$/);
    const served = await client(converting).get(new URL(body.url).pathname);
    assert.equal(served.headers.get('content-type'), 'image/webp');
    assert.deepEqual(served.bytes, tinify.state.converted);
    const convert = tinify.state.requests.find((r) => r.url.startsWith('/output/'));
    assert.equal(convert.method, 'POST');
    assert.deepEqual(JSON.parse(convert.body), { convert: { type: 'image/webp' } });
  });
});

describe('Tinify fails, the upload does not', () => {
  const cases = [
    ['401', /rejected the API key \(401\): Credentials are invalid/],
    ['429', /limit is used up \(429\)/],
    ['415', /does not accept this image \(415\)/],
    ['500', /Tinify failed \(500\)/],
    ['no-location', /without a Location header/],
    ['garbage', /result is not a PNG image/],
  ];
  for (const [mode, reason] of cases) {
    test(`${mode}: stores the stripped original and says why`, async () => {
      tinify.reset(mode);
      const png = await freshPng();
      const { status, body } = await api.upload(png, { name: `${mode}.png` });
      assert.equal(status, 200);
      assert.equal(body.success, true);
      assert.equal(body.compression.by, 'none');
      assert.equal(body.compression.status, 'failed');
      assert.match(body.compression.reason, reason);
      assert.equal(body.compressed_by, 'none');
      assert.equal(body.original_size, png.length);
      const served = await api.get(new URL(body.url).pathname);
      assert.equal(served.status, 200);
      assert.equal(served.bytes.length, body.size);
      assert.ok(!served.bytes.includes('tinify-'), 'metadata was stripped');
    });
  }

  test('429 still records the Compression-Count', async () => {
    tinify.reset('429');
    tinify.state.compressionCount = 500;
    await api.upload(await freshPng(), { name: 'quota.png' });
    assert.equal((await stats()).compression_count, 500);
  });

  test('a Tinify that never answers is abandoned after TINIFY_TIMEOUT_MS', async () => {
    tinify.reset('hang');
    const png = await freshPng();
    const started = Date.now();
    // Without the timeout the upload would wait as long as Tinify does: forever.
    let timer;
    const upload = await Promise.race([
      api.upload(png, { name: 'slow.png' }),
      new Promise((_, fail) => {
        timer = setTimeout(() => fail(new Error(`no answer within ${UPPER_BOUND_MS} ms: TINIFY_TIMEOUT_MS was not applied`)), UPPER_BOUND_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    const elapsed = Date.now() - started;
    const { status, body } = upload;
    assert.equal(status, 200);
    assert.equal(body.compression.status, 'failed');
    assert.match(body.compression.reason, new RegExp(`did not answer within ${TIMEOUT_MS} ms`));
    assert.ok(elapsed >= TIMEOUT_MS, `answered after ${elapsed} ms, before the timeout`);
    assert.ok(elapsed <= UPPER_BOUND_MS, `answered after ${elapsed} ms, more than ${UPPER_BOUND_MS - TIMEOUT_MS} ms past the timeout`);
    assert.equal(tinify.state.requests.length, 1, 'Tinify was asked once, and not again after the timeout');
    const served = await api.get(new URL(body.url).pathname);
    assert.equal(served.status, 200);
    assert.equal(served.bytes.length, body.size);
  });
});

describe('Tinify is not asked', () => {
  test('for GIFs', async () => {
    const { body } = await api.upload(await fixture('no_time_for_that_tiny.gif'), { name: 'a.gif' });
    assert.equal(body.compression.status, 'skipped');
    assert.match(body.compression.reason, /GIF/);
    assert.equal(tinify.state.requests.length, 0);
  });

  test('below COMPRESS_MIN_BYTES', async () => {
    const { body } = await api.upload(await fixture('small.webp'), { name: 'tiny.webp' });
    assert.equal(body.compression.status, 'skipped');
    assert.match(body.compression.reason, /COMPRESS_MIN_BYTES/);
    assert.equal(tinify.state.requests.length, 0);
  });

  test('for duplicates', async () => {
    const png = await freshPng();
    await api.upload(png, { name: 'once.png' });
    tinify.reset('ok');
    const { body } = await api.upload(png, { name: 'twice.png' });
    assert.equal(body.duplicate, true);
    assert.equal(body.compression.status, 'duplicate');
    assert.equal(tinify.state.requests.length, 0);
  });
});
