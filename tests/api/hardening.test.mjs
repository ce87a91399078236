// Holes an independent review found, each closed: image URLs that a forged
// Host header could freeze into the database, Tinify's key sent wherever its
// Location pointed, failed logins counted per address instead of per IPv6
// /64, and weak or unlimited admin access passing unmentioned.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { rawUpload } from '../support/raw-upload.mjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, writeConfig } from '../support/stack.mjs';
import { FAKE_TINIFY_KEY, startFakeTinify } from '../support/fake-tinify.mjs';
import { client, fixture, uniquePng } from './helpers.mjs';
import { inOneLimitWindow } from './calls.mjs';

let stack;
let pinned;
let unlimited;
let configDir;
let tinify;
let thief;
const thiefRequests = [];

before(async () => {
  tinify = await startFakeTinify({ output: await fixture('text.png') });
  // Another host that would love to receive Tinify's API key.
  thief = createServer((req, res) => {
    thiefRequests.push({ url: req.url, authorization: req.headers.authorization });
    res.writeHead(200, { 'Content-Type': 'image/png' });
    res.end();
  });
  await new Promise((resolve) => thief.listen(0, '127.0.0.1', resolve));
  configDir = await mkdtemp(join(tmpdir(), 'imghost-config-'));
  // A deployment whose wrangler.toml lost its rate-limit binding.
  const withoutLimits = await writeConfig(configDir, (config) => config.replace(/^\[\[ratelimits\]\]\n(?:(?!\[).*\n)*/m, ''));
  [stack, pinned, unlimited] = await Promise.all([
    startStack({ vars: { TINIFY_API_KEY: FAKE_TINIFY_KEY, TINIFY_API_URL: tinify.url, ADMIN_TOKEN: 'short' } }),
    startStack({ vars: { PUBLIC_IMAGE_BASE_URL: 'https://img.example.com' } }),
    startStack({ config: withoutLimits }),
  ]);
});
after(async () => {
  await Promise.all([stack?.stop(), pinned?.stop(), unlimited?.stop(), tinify?.stop(), new Promise((r) => thief?.close(r))]);
  await rm(configDir, { recursive: true, force: true });
});

/** An upload sent with a forged Host header, its answer parsed. */
async function uploadWithHost(target, bytes, host) {
  const { status, body } = await rawUpload(target, bytes, { host, filename: 'forged.png' });
  return { status, body: JSON.parse(body) };
}

describe('image URLs', () => {
  test('a forged Host reaches no other answer and nothing stored', async () => {
    const png = await uniquePng('forged-host');
    const forged = await uploadWithHost(stack, png, 'evil.example');
    assert.equal(forged.status, 200);
    const stored = await stack.sql(`SELECT image_url FROM images WHERE id = ${forged.body.id}`);
    assert.equal(stored[0].image_url, `/i/${forged.body.object_key}`);

    // The same bytes again, and the listing: URLs of the address asked.
    const again = await client(stack).upload(png, { name: 'again.png' });
    assert.equal(again.body.duplicate, true);
    assert.equal(again.body.url, `${stack.url}/i/${forged.body.object_key}`);
    assert.equal(again.body.image_url, again.body.url);
    const { body: listing } = await client(stack).query('pageSize=50');
    for (const image of listing.results) assert.ok(image.image_url.startsWith(`${stack.url}/i/`), image.image_url);
  });

  test('with PUBLIC_IMAGE_BASE_URL, Host plays no part at all', async () => {
    const forged = await uploadWithHost(pinned, await uniquePng('pinned'), 'evil.example');
    assert.equal(forged.status, 200);
    assert.equal(forged.body.url, `https://img.example.com/${forged.body.object_key}`);
    assert.equal(forged.body.markdown, `![forged.png](https://img.example.com/${forged.body.object_key})`);
    const stored = await pinned.sql(`SELECT image_url FROM images WHERE id = ${forged.body.id}`);
    assert.equal(stored[0].image_url, forged.body.url);
  });
});

describe('Tinify', () => {
  test("the API key is never sent to a host other than Tinify's", async () => {
    tinify.reset('ok');
    tinify.state.locationBase = `http://127.0.0.1:${thief.address().port}`;
    const png = await uniquePng('tinify-elsewhere', 'astronaut.png');
    const { status, body } = await client(stack).upload(png, { name: 'big.png' });
    assert.equal(status, 200);
    assert.equal(body.compression.status, 'failed');
    assert.match(body.compression.reason, /points away from http:\/\/127\.0\.0\.1:\d+; the API key is only sent there/);
    assert.deepEqual(thiefRequests, []);
    // The stripped original is what was stored.
    assert.equal(body.compressed_by, 'none');
  });
});

describe('failed logins', () => {
  test('are counted per IPv6 /64, so rotating addresses does not escape the limit', async () => {
    const attempt = (ip) =>
      fetch(`${pinned.url}/query`, { headers: { Authorization: 'Bearer wrong', 'CF-Connecting-IP': ip } });
    const statuses = await inOneLimitWindow(async () => {
      const seen = [];
      for (let i = 1; i <= 12; i++) seen.push((await attempt(`2001:db8:aa:bb::${i.toString(16)}`)).status);
      return seen;
    });
    assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429], 'twelve addresses of one /64 are one client');
    // Another /64 is another client.
    assert.equal((await attempt('2001:db8:aa:bc::1')).status, 401);
  });
});

describe('warnings', () => {
  test('a short admin token is named in stats', async () => {
    const response = await fetch(`${stack.url}/stats`, { headers: { Authorization: 'Bearer short' } });
    const stats = await response.json();
    assert.deepEqual(stats.warnings, [
      'ADMIN_TOKEN is short (5 characters): use at least 32 random characters, e.g. `openssl rand -hex 32`',
    ]);
    const strong = await fetch(`${pinned.url}/stats`, { headers: { Authorization: `Bearer ${pinned.token}` } });
    assert.deepEqual((await strong.json()).warnings, []);
  });

  test('a missing rate-limit binding is said in stats and in the log, not silently unlimited', async () => {
    const response = await fetch(`${unlimited.url}/stats`, { headers: { Authorization: `Bearer ${unlimited.token}` } });
    const { warnings } = await response.json();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /AUTH_FAILURES rate-limit binding is missing, so failed logins are not limited/);
    assert.match(unlimited.logs(), /AUTH_FAILURES rate-limit binding is missing/);
  });
});

describe('the UI', () => {
  test('is served with a CSP that allows its own inline script and wasm, and no framing', async () => {
    const response = await fetch(`${stack.url}/`);
    assert.equal(response.status, 200);
    const html = await response.text();
    const csp = response.headers.get('content-security-policy');
    assert.ok(csp, 'no Content-Security-Policy on the UI');
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert.deepEqual(directives['default-src'], ["'none'"]);
    assert.deepEqual(directives['frame-ancestors'], ["'none'"]);
    assert.ok(directives['script-src'].includes("'wasm-unsafe-eval'"));
    assert.ok(!directives['script-src'].includes("'unsafe-inline'"));
    assert.ok(!directives['script-src'].includes("'unsafe-eval'"));
    const { createHash } = await import('node:crypto');
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    assert.ok(inline.length > 0);
    for (const script of inline) {
      const hash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
      assert.ok(directives['script-src'].includes(hash), `the inline script's hash ${hash} is not allowed`);
    }
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
  });
});
