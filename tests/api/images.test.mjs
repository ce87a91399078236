// The image routes over real HTTP against `wrangler dev` (workerd, local R2
// and D1): upload → query → fetch → delete, with real multipart bodies.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startStack } from '../support/stack.mjs';
import { heicPhoto } from '../support/heic.mjs';
import { client, fixture, uniquePng } from './helpers.mjs';

let stack;
let api;
before(async () => {
  stack = await startStack();
  api = client(stack);
});
after(() => stack?.stop());

const REFERENCE_FIELDS = ['id', 'object_key', 'original_name', 'image_url', 'content_type', 'size', 'created_at'];

describe('upload', () => {
  test('stores a JPEG and answers with URL, Markdown, HTML and the row', async () => {
    const bytes = await fixture('rocket.jpg');
    const { status, body } = await api.upload(bytes, { name: 'rocket [launch].jpg', type: 'image/jpeg' });
    assert.equal(status, 200);
    assert.equal(body.success, true);
    assert.equal(body.duplicate, false);
    assert.match(body.object_key, /^\d{4}-\d{2}-\d{2}\/[0-9a-f-]{36}\.jpg$/);
    assert.equal(body.url, `${stack.url}/i/${body.object_key}`);
    assert.equal(body.image_url, body.url);
    assert.equal(body.markdown, `![rocket \\[launch\\].jpg](${body.url})`);
    assert.equal(body.html, `<img src="${body.url}" alt="rocket [launch].jpg" width="640" height="427">`);
    assert.equal(body.original_name, 'rocket [launch].jpg');
    assert.equal(body.content_type, 'image/jpeg');
    assert.deepEqual([body.width, body.height], [640, 427]);
    assert.equal(body.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(typeof body.id, 'number');
    for (const field of REFERENCE_FIELDS) assert.ok(field in body, field);

    const served = await api.get(new URL(body.url).pathname);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'image/jpeg');
    assert.equal(served.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
    assert.match(served.headers.get('content-security-policy'), /sandbox/);
    assert.ok(served.headers.get('etag'));
    assert.equal(served.bytes.length, body.size);
  });

  test('takes the type from the bytes, not the name or Content-Type', async () => {
    const png = await fixture('text.png');
    const { status, body } = await api.upload(png, { name: 'scan.jpg', type: 'application/octet-stream' });
    assert.equal(status, 200);
    assert.equal(body.content_type, 'image/png');
    assert.match(body.object_key, /\.png$/);
    assert.equal(body.original_name, 'scan.jpg');
  });

  test('the same bytes again return the existing image and store nothing new', async () => {
    const gif = await fixture('no_time_for_that_tiny.gif');
    const first = await api.upload(gif, { name: 'a.gif', type: 'image/gif' });
    const before = await api.query();
    const again = await api.upload(gif, { name: 'b.gif', type: 'image/gif' });
    assert.equal(again.status, 200);
    assert.equal(again.body.duplicate, true);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.url, first.body.url);
    assert.equal((await api.query()).body.total, before.body.total);
  });

  test('refuses what is not an image with 415 and says what it was', async () => {
    const { status, body } = await api.upload(Buffer.from('just some text\n'), { name: 'notes.png', type: 'image/png' });
    assert.equal(status, 415);
    assert.equal(body.success, false);
    assert.match(body.message, /text\/plain/);
  });

  test('refuses a HEIC photo with 415, saying the command line tool converts it', async () => {
    const before = await api.query();
    const { status, body } = await api.upload(await heicPhoto(), { name: 'IMG_0001.HEIC', type: 'image/heic' });
    assert.equal(status, 415);
    assert.equal(body.code, 'unsupported_media_type');
    assert.match(body.message, /looks like a HEIC\/HEIF photo, .*imghost command line tool, which converts it to JPEG/);
    assert.equal((await api.query()).body.total, before.body.total);
  });

  test('refuses SVG by default', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const { status, body } = await api.upload(svg, { name: 'x.svg', type: 'image/svg+xml' });
    assert.equal(status, 415);
    assert.match(body.message, /SVG/);
  });

  test('empty file, missing field and non-multipart bodies are 400', async () => {
    assert.equal((await api.upload(Buffer.alloc(0), { name: 'empty.png' })).status, 400);
    const wrongField = await api.upload(await fixture('rocket.jpg'), { field: 'image' });
    assert.equal(wrongField.status, 400);
    assert.match(wrongField.body.message, /`file`/);
    const raw = await fetch(`${stack.url}/upload`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' },
      body: '{"file": "x"}',
    });
    assert.equal(raw.status, 400);
    assert.equal((await raw.json()).success, false);
  });

  test('file names lose paths and control characters', async () => {
    const png = await fixture('logo.png');
    const { body } = await api.upload(png, { name: '../../evil\u0007\u202e name.png', type: 'image/png' });
    assert.equal(body.original_name, 'evil name.png');
  });
});

describe('query', () => {
  test('lists newest first with the reference fields and the total', async () => {
    const { status, body } = await api.query('pageNum=1&pageSize=50');
    assert.equal(status, 200);
    assert.equal(body.success, true);
    assert.ok(body.total >= 3);
    assert.equal(body.results.length, body.total);
    const ids = body.results.map((image) => image.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    for (const image of body.results) for (const field of REFERENCE_FIELDS) assert.ok(field in image, field);
  });

  test('pageSize and pageNum page through everything, and cursors agree', async () => {
    const all = (await api.query('pageSize=50')).body.results.map((image) => image.id);
    const byNumber = [];
    for (let page = 1; page <= all.length; page++) {
      const { body } = await api.query(`pageNum=${page}&pageSize=1`);
      byNumber.push(...body.results.map((image) => image.id));
    }
    assert.deepEqual(byNumber, all);

    const byCursor = [];
    let cursor = '';
    do {
      const { body } = await api.query(`pageSize=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.ok(body.results.length <= 2);
      byCursor.push(...body.results.map((image) => image.id));
      cursor = body.next_cursor;
    } while (cursor);
    assert.deepEqual(byCursor, all);
  });

  test('junk and out-of-range paging falls back to defaults, never a 500', async () => {
    for (const params of ['pageNum=abc&pageSize=xyz', 'pageNum=-1&pageSize=0', 'pageNum=0', 'pageSize=1000',
      'pageNum=99999999999999999999&pageSize=-5', 'pageNum=1.5', 'pageSize=%00', 'pageNum=%F0%9F%90%88']) {
      const { status, body } = await api.query(params);
      assert.equal(status, 200, params);
      assert.equal(body.success, true, params);
      assert.ok(body.results.length <= 50, params);
    }
    assert.equal((await api.query('pageSize=1000')).body.results.length, Math.min(50, (await api.query('pageSize=50')).body.total));
    assert.equal((await api.query('pageNum=99999')).body.results.length, 0);
  });

  test('a cursor the server never issued is a 400', async () => {
    const { status, body } = await api.query('cursor=garbage');
    assert.equal(status, 400);
    assert.match(body.message, /cursor/);
  });
});

describe('serving /i/', () => {
  test('supports conditional and range requests', async () => {
    const { body } = await api.upload(await fixture('coffee.png'), { name: 'coffee.png', type: 'image/png' });
    const path = new URL(body.url).pathname;
    const full = await api.get(path);
    const etag = full.headers.get('etag');

    const notModified = await api.get(path, { 'If-None-Match': etag });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.bytes.length, 0);
    assert.equal((await api.get(path, { 'If-None-Match': '"other"' })).status, 200);

    const part = await api.get(path, { Range: 'bytes=10-19' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 10-19/${full.bytes.length}`);
    assert.deepEqual(part.bytes, full.bytes.subarray(10, 20));

    const tail = await api.get(path, { Range: 'bytes=-5' });
    assert.deepEqual(tail.bytes, full.bytes.subarray(full.bytes.length - 5));

    const beyond = await api.get(path, { Range: `bytes=${full.bytes.length}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${full.bytes.length}`);

    const head = await fetch(`${stack.url}${path}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(full.bytes.length));
  });

  test('unknown keys are 404 JSON', async () => {
    const missing = await api.get('/i/2026-01-01/nope.png');
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.bytes).success, false);
  });
});

describe('delete', () => {
  test('removes the object and the row; then 404', async () => {
    const { body: uploaded } = await api.upload(await fixture('astronaut.png'), { name: 'astronaut.png', type: 'image/png' });
    const total = (await api.query()).body.total;
    const deleted = await api.remove(uploaded.id);
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body.success, true);
    assert.equal(deleted.body.object_key, uploaded.object_key);
    assert.equal((await api.get(new URL(uploaded.url).pathname)).status, 404);
    assert.equal((await api.query()).body.total, total - 1);
    const again = await api.remove(uploaded.id);
    assert.equal(again.status, 404);
    assert.equal(again.body.success, false);
  });

  test('ids that are not positive integers are 400', async () => {
    for (const id of ['abc', '0', '-1', '1.5', '', '1e3', '%20']) {
      const { status, body } = await api.remove(id);
      assert.equal(status, 400, id);
      assert.equal(body.success, false);
    }
  });
});

describe('auth', () => {
  test('upload, query and delete need the token: 401 without or with a wrong one', async () => {
    const png = await fixture('text.png');
    for (const token of [null, 'x'.repeat(64)]) {
      const upload = await api.upload(png, { token, name: 'x.png' });
      assert.equal(upload.status, 401, `upload ${token}`);
      assert.equal(upload.body.success, false);
      assert.equal((await api.query('', { token })).status, 401, `query ${token}`);
      assert.equal((await api.remove(1, { token })).status, 401, `delete ${token}`);
    }
  });

  test('image URLs are public', async () => {
    const { body } = await api.query();
    const image = await api.get(new URL(body.results[0].image_url).pathname);
    assert.equal(image.status, 200);
  });
});

describe('HTTP surface', () => {
  test('CORS preflight and headers on every response', async () => {
    const preflight = await fetch(`${stack.url}/upload`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://blog.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
    assert.match(preflight.headers.get('access-control-allow-headers'), /Authorization/);
    const error = await fetch(`${stack.url}/query`, { headers: { Origin: 'https://blog.example' } });
    assert.equal(error.headers.get('access-control-allow-origin'), '*');
  });

  test('unknown routes are 404 and wrong methods 405, both JSON', async () => {
    const unknown = await fetch(`${stack.url}/nope`);
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).success, false);
    const wrongMethod = await fetch(`${stack.url}/query`, { method: 'POST' });
    assert.equal(wrongMethod.status, 405);
    assert.equal((await wrongMethod.json()).success, false);
  });
});

describe('search', () => {
  const names = ['Holiday Beach 2026.png', 'beach-sunset.png', '猫咪照片.png', 'say "hi" OR *.png', 'IMG_0001.png'];
  let uploaded;
  before(async () => {
    uploaded = {};
    for (const [i, name] of names.entries()) {
      const { body } = await api.upload(await uniquePng(`search-${i}`), { name });
      uploaded[name] = body.id;
    }
  });

  const search = async (text, extra = '') => {
    const { status, body } = await api.query(`pageSize=50&search=${encodeURIComponent(text)}${extra}`);
    assert.equal(status, 200, text);
    return body;
  };
  const namesOf = (body) => body.results.map((image) => image.original_name).sort();

  test('matches any part of the name, in any case', async () => {
    const body = await search('BEACH');
    assert.deepEqual(namesOf(body), ['Holiday Beach 2026.png', 'beach-sunset.png']);
    assert.equal(body.total, 2);
    assert.deepEqual(namesOf(await search('unset')), ['beach-sunset.png']);
    assert.deepEqual(namesOf(await search('day be')), ['Holiday Beach 2026.png']);
  });

  test('one or two characters are enough, Chinese included', async () => {
    assert.deepEqual(namesOf(await search('照片')), ['猫咪照片.png']);
    assert.deepEqual(namesOf(await search('咪')), ['猫咪照片.png']);
    assert.deepEqual(namesOf(await search('g_0')), ['IMG_0001.png']);
    assert.deepEqual(namesOf(await search('be')), ['Holiday Beach 2026.png', 'beach-sunset.png']);
  });

  test('search operators are plain words; punctuation and symbols are ignored', async () => {
    assert.deepEqual(namesOf(await search('"hi" OR *')), ['say "hi" OR *.png']);
    assert.deepEqual(namesOf(await search('beach.sunset')), ['beach-sunset.png']);
    // Nothing searchable at all: the whole listing, not an error.
    const all = (await api.query('pageSize=50')).body.total;
    assert.equal((await search('*')).total, all);
    assert.equal((await search('\u0000')).total, all);
    assert.deepEqual(namesOf(await search('hi" OR')), ['say "hi" OR *.png']);
    assert.deepEqual(namesOf(await search('NEAR')), []);
    assert.equal((await search('nothing-like-this')).total, 0);
  });

  test('search results page with cursors', async () => {
    const first = await search('beach', '&pageSize=1');
    assert.equal(first.results.length, 1);
    assert.ok(first.next_cursor);
    const second = await search('beach', `&pageSize=1&cursor=${encodeURIComponent(first.next_cursor)}`);
    assert.equal(second.results.length, 1);
    assert.notEqual(first.results[0].id, second.results[0].id);
    assert.ok(first.results[0].id > second.results[0].id);
    // A full page always offers a next one; past the end it is empty.
    const third = await search('beach', `&pageSize=1&cursor=${encodeURIComponent(second.next_cursor)}`);
    assert.deepEqual(third.results, []);
    assert.equal(third.next_cursor, null);
  });
});

describe('what a listing costs', () => {
  test('a cursor page of 50 reads 51 rows however deep, and says so in X-D1-Rows-Read', async () => {
    // 300 rows written straight into D1: the listing reads rows, not bytes.
    const values = Array.from({ length: 300 }, (_, i) => {
      const key = `2025-06-01/00000000-0000-4000-8000-${String(i).padStart(12, '0')}.png`;
      return `('${key}', 'listed-${i}.png', '/i/${key}', 'image/png', 10, ${i})`;
    });
    await stack.sql(`INSERT INTO images (object_key, original_name, image_url, content_type, size, created_at) VALUES ${values.join(', ')}`);
    const auth = { Authorization: `Bearer ${stack.token}` };
    let cursor = '';
    for (let page = 1; page <= 5; page++) {
      const response = await fetch(`${stack.url}/query?pageSize=50${cursor && `&cursor=${encodeURIComponent(cursor)}`}`, { headers: auth });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('X-D1-Rows-Read'), '51', `page ${page}`);
      const body = await response.json();
      assert.equal(body.results.length, 50);
      cursor = body.next_cursor;
    }
  });
});
