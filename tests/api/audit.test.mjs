// The audit log against wrangler dev: one row per change (who by token
// name, what, client address and user agent), none for a refused change,
// read newest first with cursors, by admins only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack } from '../support/stack.mjs';
import { fixture, uniquePng } from './helpers.mjs';
import { caller, freshIp, said, uploadForm } from './calls.mjs';

let stack;
let call;
before(async () => {
  stack = await startStack({ vars: { ORPHAN_GRACE_SECONDS: '0' } });
  call = caller(stack);
});
after(() => stack?.stop());

const AGENT = 'imghost-audit-test/1.0 (+https://example.com)';

/** Every audit row, newest first (fewer than a page here). */
async function auditRows() {
  const answer = await call('GET', '/audit?limit=100');
  assert.equal(answer.status, 200, said(answer));
  assert.equal(answer.body.success, true);
  return answer.body.results;
}

const newestId = async () => (await auditRows())[0]?.id ?? 0;

/** The rows written since `mark` (an id), oldest first. */
async function rowsSince(mark) {
  return (await auditRows()).filter((row) => row.id > mark).reverse();
}

async function makeToken(name, scopes) {
  const answer = await call('POST', '/tokens', { json: { name, scopes } });
  assert.equal(answer.status, 200, said(answer));
  return answer.body.token;
}

describe('every kind of change', () => {
  test('leaves one row: when, which token, what, on what, from where', async () => {
    const start = Date.now();
    const mark = await newestId();
    const admin = { ip: '203.0.113.7', userAgent: AGENT };
    const created = await call('POST', '/tokens', { json: { name: 'editor', scopes: ['upload', 'read', 'delete'] }, ...admin });
    assert.equal(created.status, 200, said(created));
    const editor = { token: created.body.token, ip: '2001:db8::42', userAgent: `${AGENT} editor` };

    const uploaded = await call('POST', '/upload', { body: uploadForm(await uniquePng('audited')), ...editor });
    assert.equal(uploaded.status, 200, said(uploaded));
    const id = uploaded.body.id;
    assert.equal((await call('DELETE', `/delete?id=${id}`, editor)).status, 200);
    assert.equal((await call('POST', `/trash/restore?id=${id}`, editor)).status, 200);
    assert.equal((await call('DELETE', `/delete?id=${id}`, editor)).status, 200);
    const purged = await call('DELETE', `/trash?id=${id}`, admin);
    assert.equal(purged.status, 200, said(purged));
    assert.equal((await call('DELETE', '/tokens?name=editor', admin)).status, 200);

    // An object of imghost's own shape without a row: reconcile removes it.
    const file = join(stack.stateDir, 'orphan.png');
    await writeFile(file, await fixture('text.png'));
    const orphan = '2020-01-01/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png';
    await stack.putObject(orphan, file);
    const report = await call('GET', '/reconcile', admin);
    assert.deepEqual(report.body.orphan_objects, [orphan]);
    const repaired = await call('POST', '/reconcile', admin);
    assert.equal(repaired.status, 200, said(repaired));
    assert.deepEqual(repaired.body.orphan_objects, [orphan]);

    const rows = await rowsSince(mark);
    assert.deepEqual(
      rows.map((row) => [row.action, row.token, row.target]),
      [
        ['token_create', 'admin', 'editor'],
        ['upload', 'editor', String(id)],
        ['delete', 'editor', String(id)],
        ['restore', 'editor', String(id)],
        ['delete', 'editor', String(id)],
        ['purge', 'admin', String(id)],
        ['token_revoke', 'admin', 'editor'],
        ['reconcile_repair', 'admin', rows.at(-1)?.target],
      ],
    );
    const repair = rows.at(-1);
    assert.ok([repair.target, repair.detail].some((text) => text?.includes(orphan)), JSON.stringify(repair));
    for (const row of rows) {
      const by = row.token === 'editor' ? editor : admin;
      assert.equal(row.ip, by.ip, `${row.action}: ip`);
      assert.equal(row.user_agent, by.userAgent, `${row.action}: user_agent`);
      assert.ok(row.at >= start - 1000 && row.at <= Date.now() + 1000, `${row.action}: at ${row.at}`);
    }
    const ids = rows.map((row) => row.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  });
});

describe('changes made in bulk or on the side', () => {
  test('emptying the trash records each purge; a restore by upload records a restore', async () => {
    const images = [];
    for (let i = 0; i < 3; i++) {
      const answer = await call('POST', '/upload', { body: uploadForm(await uniquePng(`audit-bulk-${i}`)) });
      assert.equal(answer.status, 200, said(answer));
      images.push(answer.body);
    }
    for (const image of images) assert.equal((await call('DELETE', `/delete?id=${image.id}`)).status, 200);
    const bytes = await uniquePng('audit-bulk-0');
    let mark = await newestId();
    const back = await call('POST', '/upload', { body: uploadForm(bytes) });
    assert.equal(back.body.duplicate, true);
    assert.deepEqual(
      (await rowsSince(mark)).map((row) => [row.action, row.target]),
      [['restore', String(images[0].id)]],
      'bringing trashed bytes back by uploading them is a restore',
    );

    const inTrash = (await call('GET', '/trash?pageSize=50')).body.results.map((row) => String(row.id));
    mark = await newestId();
    const emptied = await call('DELETE', '/trash');
    assert.equal(emptied.status, 200, said(emptied));
    const purges = (await rowsSince(mark)).map((row) => `${row.action} ${row.target}`);
    assert.deepEqual(purges.sort(), inTrash.map((id) => `purge ${id}`).sort());
  });
});

describe('a refused or failed change', () => {
  test('leaves no row', async () => {
    const reader = await makeToken('audit-reader', ['read']);
    const adminOnly = await makeToken('audit-admin-only', ['admin']);
    const live = await call('POST', '/upload', { body: uploadForm(await uniquePng('audit-live')) });
    assert.equal(live.status, 200);
    const mark = await newestId();
    // The 409 thumbnail needs an image of its own first, uploaded (and
    // recorded) inside the list: rows are counted from after that upload.
    const mark2 = { value: null };

    const refusals = [
      ['415 upload of text', 415, () => call('POST', '/upload', { body: uploadForm(Buffer.from('plain text, not a PNG\n')) })],
      ['401 upload without a token', 401, () => call('POST', '/upload', { token: null, ip: freshIp(), body: uploadForm(Buffer.from('x')) })],
      ['403 upload by a read token', 403, async () =>
        call('POST', '/upload', { token: reader, body: uploadForm(await uniquePng('audit-refused')) })],
      ['404 delete of an unknown id', 404, () => call('DELETE', '/delete?id=999999')],
      ['403 delete by a read token', 403, () => call('DELETE', `/delete?id=${live.body.id}`, { token: reader })],
      ['404 restore of an image not in the trash', 404, () => call('POST', `/trash/restore?id=${live.body.id}`)],
      ['404 purge of an image not in the trash', 404, () => call('DELETE', `/trash?id=${live.body.id}`)],
      ['403 token create by a read token', 403, () =>
        call('POST', '/tokens', { token: reader, json: { name: 'nope-1', scopes: ['read'] } })],
      ['403 token create with a scope the creator lacks', 403, () =>
        call('POST', '/tokens', { token: adminOnly, json: { name: 'nope-2', scopes: ['upload'] } })],
      ['400 token create with a bad name', 400, () => call('POST', '/tokens', { json: { name: 'a b', scopes: ['read'] } })],
      ['409 token create with a live name', 409, () =>
        call('POST', '/tokens', { json: { name: 'audit-reader', scopes: ['read'] } })],
      ['404 token revoke of an unknown name', 404, () => call('DELETE', '/tokens?name=never-made')],
      ['409 import under a key another image has', 409, async () =>
        call('POST', `/upload?key=${encodeURIComponent(live.body.object_key)}&created_at=1`, { body: uploadForm(await fixture('logo.png')) })],
      ['409 thumbnail for an image that has one', 409, async () => {
        const withOne = await call('POST', '/upload', {
          body: uploadForm(await uniquePng('audit-has-one'), { thumbnail: await fixture('small.webp') }),
        });
        mark2.value = await newestId();
        return call('PUT', `/thumbnail?id=${withOne.body.id}`, { body: await fixture('small.webp'), headers: { 'Content-Type': 'image/webp' } });
      }],
      ['422 an image whose metadata cannot be removed with certainty', 422, async () =>
        call('POST', '/upload', { body: uploadForm(await fixture('leaks/stray-byte.jpg')) })],
      ['GET /reconcile reports, repairs nothing', 200, () => call('GET', '/reconcile')],
    ];
    const expected = {};
    const actual = {};
    for (const [label, status, request] of refusals) {
      const answer = await request();
      expected[label] = status;
      actual[label] = answer.status === status ? status : said(answer);
    }
    const rows = (await rowsSince(mark))
      .filter((row) => !(row.action === 'upload' && row.id <= mark2.value))
      .map((row) => `${row.action} by ${row.token}: ${row.target}`);
    assert.deepEqual({ statuses: actual, rows }, { statuses: expected, rows: [] });
    // The image refused a delete is still there.
    assert.equal((await fetch(live.body.url)).status, 200);
  });
});

describe('GET /audit', () => {
  test('pages newest first with cursors, each row once', async () => {
    const all = await auditRows();
    assert.ok(all.length >= 6, `${all.length} rows`);
    const ids = all.map((row) => row.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');

    const paged = [];
    let cursor = null;
    let pages = 0;
    do {
      const answer = await call('GET', `/audit?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(answer.status, 200, said(answer));
      assert.ok(answer.body.results.length <= 2);
      paged.push(...answer.body.results.map((row) => row.id));
      cursor = answer.body.next_cursor ?? null;
      assert.ok(++pages <= all.length + 1, 'paging does not end');
    } while (cursor);
    assert.deepEqual(paged, ids);

    const first = await call('GET', '/audit?limit=1');
    assert.deepEqual(first.body.results.map((row) => row.id), [ids[0]]);
    assert.ok(first.body.next_cursor);
    for (const junk of ['x', '-1', '0']) {
      const answer = await call('GET', `/audit?cursor=${junk}`);
      assert.equal(answer.status, 400, `cursor=${junk}: ${said(answer)}`);
    }
    assert.equal((await call('GET', '/audit?limit=100000')).status, 200);
  });

  test('is for admins only', async () => {
    const admin = await makeToken('audit-admin', ['admin']);
    assert.equal((await call('GET', '/audit', { token: admin })).status, 200);
    for (const scopes of [['upload', 'read', 'delete'], ['read']]) {
      const token = await makeToken(`not-admin-${scopes.length}`, scopes);
      const answer = await call('GET', '/audit', { token });
      assert.equal(answer.status, 403, said(answer));
      assert.ok(answer.body.message.includes('`admin`'), answer.body.message);
    }
    assert.equal((await call('GET', '/audit', { token: null, ip: freshIp() })).status, 401);
  });
});
