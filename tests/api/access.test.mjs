// Scoped tokens against wrangler dev: every route of the README's scope
// table called by a token of each scope, by ADMIN_TOKEN, without a token and
// with wrong ones; then expiry, revocation, escalation and what listing
// tokens shows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startStack } from '../support/stack.mjs';
import { fixture, uniquePng, webpOfSize, widePng } from './helpers.mjs';
import { caller, freshIp, said, scopeTable, uploadForm } from './calls.mjs';

const SCOPES = ['upload', 'read', 'delete', 'organize', 'admin'];
const TOKEN_SHAPE = /^ih_[0-9a-f]{64}$/;

let stack;
let call;
let table;
/** name → secret of every token this file created */
const secrets = new Map();

before(async () => {
  [stack, table] = await Promise.all([startStack({ vars: { ORPHAN_GRACE_SECONDS: '0' } }), scopeTable()]);
  call = caller(stack);
});
after(() => stack?.stop());

let sequence = 0;
const next = () => ++sequence;

/** POST /tokens; the secret is remembered when one is made. */
async function createToken(body, { token = stack.token, ip } = {}) {
  const answer = await call('POST', '/tokens', { json: body, token, ip: ip ?? freshIp() });
  if (answer.status === 200 && typeof answer.body.token === 'string') secrets.set(answer.body.info.name, answer.body.token);
  return answer;
}

async function mustCreate(name, scopes, expiresAt = null, creator = stack.token) {
  const answer = await createToken({ name, scopes, expires_at: expiresAt }, { token: creator });
  assert.equal(answer.status, 200, said(answer));
  return answer.body.token;
}

async function newImage() {
  const answer = await call('POST', '/upload', { body: uploadForm(await uniquePng(`access-${next()}`)) });
  assert.equal(answer.status, 200, said(answer));
  return answer.body;
}

/** A new album, made by ADMIN_TOKEN; its id. */
async function newAlbum() {
  const answer = await call('POST', '/albums', { json: { name: `album-${next()}` } });
  assert.equal(answer.status, 200, said(answer));
  return answer.body.album.id;
}

async function trashedImage() {
  const image = await newImage();
  const answer = await call('DELETE', `/delete?id=${image.id}`);
  assert.equal(answer.status, 200, said(answer));
  return image;
}

/**
 * For each route of the table, a request its holders can carry out: fresh
 * input for each call, since holders use it up (an image gets one
 * thumbnail, a trashed image is restored once, ...).
 */
const REQUESTS = {
  'POST /upload': async () => ({ query: '', body: uploadForm(await uniquePng(`matrix-upload-${next()}`)) }),
  // Storing under a chosen key (an import): a fresh key each time.
  'POST /upload?key=': async () => ({
    query: `${encodeURIComponent(`2026-01-01/matrix-${next()}.png`)}&created_at=1`,
    body: uploadForm(await uniquePng(`matrix-keyed-${next()}`)),
  }),
  'PUT /thumbnail': async () => ({
    query: `?id=${(await newImage()).id}`,
    body: await fixture('small.webp'),
    headers: { 'Content-Type': 'image/webp' },
  }),
  'PUT /widths': async () => {
    const wide = await call('POST', '/upload', { body: uploadForm(widePng(`access-wide-${next()}`, 1000, 750)) });
    assert.equal(wide.status, 200, said(wide));
    const body = new FormData();
    body.append('width_640', new Blob([webpOfSize(640, 480)], { type: 'image/webp' }), '640w.webp');
    return { query: `?id=${wide.body.id}`, body };
  },
  'GET /query': async () => ({ query: '?pageSize=1' }),
  'GET /stats': async () => ({ query: '' }),
  'GET /trash': async () => ({ query: '?pageSize=1' }),
  'DELETE /delete': async () => ({ query: `?id=${(await newImage()).id}` }),
  'POST /trash/restore': async () => ({ query: `?id=${(await trashedImage()).id}` }),
  'DELETE /trash': async () => ({ query: `?id=${(await trashedImage()).id}` }),
  'GET /reconcile': async () => ({ query: '' }),
  'POST /reconcile': async () => ({ query: '' }),
  'GET /audit': async () => ({ query: '?limit=1' }),
  'GET /tokens': async () => ({ query: '' }),
  'GET /albums': async () => ({ query: '' }),
  'GET /tags': async () => ({ query: '' }),
  'POST /albums': async () => ({ query: '', json: { name: `made-${next()}` } }),
  'PATCH /albums': async () => ({ query: `?id=${await newAlbum()}`, json: { name: `renamed-${next()}` } }),
  'DELETE /albums': async () => ({ query: `?id=${await newAlbum()}` }),
  'POST /albums/images': async () => ({ query: `?id=${await newAlbum()}`, json: { add: [(await newImage()).id] } }),
  'POST /tags/images': async () => ({ query: '', json: { image_ids: [(await newImage()).id], add: [`tag-${next()}`] } }),
  'DELETE /tags': async () => {
    const tag = `doomed-${next()}`;
    const made = await call('POST', '/tags/images', { json: { image_ids: [(await newImage()).id], add: [tag] } });
    assert.equal(made.status, 200, said(made));
    return { query: `?name=${tag}` };
  },
  // Scopes every caller holding `admin` holds too.
  'POST /tokens': async () => ({ query: '', json: { name: `made-${next()}`, scopes: ['admin'] } }),
  'DELETE /tokens': async () => {
    const name = `doomed-${next()}`;
    await mustCreate(name, ['read']);
    return { query: `?name=${name}` };
  },
};

/** What a request could change, read back through the API: the counters
 * (images, trash, bytes, thumbnails, today's uploads), the live tokens and
 * the newest audit row. */
async function state() {
  const [stats, tokens, audit] = await Promise.all([
    call('GET', '/stats'),
    call('GET', '/tokens'),
    call('GET', '/audit?limit=1'),
  ]);
  const { wasm_memory_bytes: _, warnings: __, ...counters } = stats.body;
  return { counters, tokens: tokens.body.tokens.map((info) => info.name).sort(), audit: audit.body.results[0]?.id };
}

describe('every route × every token', () => {
  /** label → {token, scopes}; scopes null: not a valid token at all. */
  const callers = {};
  before(async () => {
    callers.ADMIN_TOKEN = { token: stack.token, scopes: SCOPES };
    for (const scope of SCOPES) callers[`only-${scope}`] = { token: await mustCreate(`only-${scope}`, [scope]), scopes: [scope] };
    callers['no token'] = { token: null, scopes: null };
    callers['wrong token'] = { token: randomBytes(32).toString('hex'), scopes: null };
    callers['unknown ih_ token'] = { token: `ih_${randomBytes(32).toString('hex')}`, scopes: null };
    callers['ih_ token, not hex'] = { token: 'ih_' + 'z'.repeat(64), scopes: null };
  });

  test('the README names a request for every route this test knows, and no other', async () => {
    assert.deepEqual(table.map(({ method, path }) => `${method} ${path}`).sort(), Object.keys(REQUESTS).sort());
    for (const { scope } of table) assert.ok(SCOPES.includes(scope), scope);
  });

  // One test per route of the table (read at load time from REQUESTS,
  // checked against the README above).
  for (const route of Object.keys(REQUESTS)) {
    test(route, async () => {
      const { method, path, scope } = table.find((row) => `${row.method} ${row.path}` === route) ?? {};
      assert.ok(scope, `${route} is not in the README's table`);
      const expected = {};
      const actual = {};
      for (const [label, { token, scopes }] of Object.entries(callers)) {
        const { query, ...request } = await REQUESTS[route]();
        const refused = scopes === null || !scopes.includes(scope);
        const before = refused && (await state());
        const answer = await call(method, `${path}${query}`, { ...request, token, ip: freshIp() });
        if (refused) {
          // A refused request changed nothing and recorded nothing.
          assert.deepEqual(await state(), before, `${route} by ${label}: ${said(answer)}`);
        }
        if (scopes === null) {
          expected[label] = '401 unauthorized';
          actual[label] = `${answer.status} ${answer.body?.code}`;
        } else if (scopes.includes(scope)) {
          expected[label] = '2xx';
          actual[label] = answer.status >= 200 && answer.status < 300 ? '2xx' : said(answer);
        } else {
          expected[label] = `403 forbidden, names \`${scope}\``;
          const names = typeof answer.body?.message === 'string' && answer.body.message.includes(`\`${scope}\``);
          actual[label] = `${answer.status} ${answer.body?.code}${names ? `, names \`${scope}\`` : `: ${answer.body?.message}`}`;
        }
      }
      assert.deepEqual(actual, expected);
    });
  }

  test('image URLs need no token; unknown paths are 404 without one', async () => {
    const image = await newImage();
    const served = await fetch(`${stack.url}/i/${image.object_key}`);
    assert.equal(served.status, 200);
    const unknown = await call('GET', '/nowhere', { token: null, ip: freshIp() });
    assert.equal(unknown.status, 404, said(unknown));
  });
});

describe('named tokens', () => {
  test('are made once: ih_ and 64 hex digits, with the info that lists them', async () => {
    const before = Date.now();
    const answer = await createToken({ name: 'typora', scopes: ['upload', 'read', 'upload'], expires_at: null });
    assert.equal(answer.status, 200, said(answer));
    assert.equal(answer.body.success, true);
    assert.match(answer.body.token, TOKEN_SHAPE);
    assert.equal(answer.body.info.name, 'typora');
    assert.deepEqual(answer.body.info.scopes, ['upload', 'read']);
    assert.ok(answer.body.info.created_at >= before - 1000 && answer.body.info.created_at <= Date.now() + 1000);
    assert.equal(answer.body.info.expires_at, null);
    assert.equal(answer.body.info.last_used_at ?? null, null);
    // It works at once, for what it may do.
    const upload = await call('POST', '/upload', { token: answer.body.token, body: uploadForm(await uniquePng('typora')) });
    assert.equal(upload.status, 200, said(upload));
  });

  test('an expired token is refused with 401 saying so', async () => {
    const expiresAt = Date.now() + 2000;
    const token = await mustCreate('short-lived', ['read'], expiresAt);
    const fresh = await call('GET', '/query', { token });
    assert.equal(fresh.status, 200, said(fresh));
    await new Promise((done) => setTimeout(done, Math.max(0, expiresAt - Date.now()) + 300));
    const late = await call('GET', '/query', { token, ip: freshIp() });
    assert.equal(late.status, 401, said(late));
    assert.equal(late.body.code, 'unauthorized');
    assert.match(late.body.message, /expired/i);
    // Still listed (not revoked), with its expiry for clients to mark.
    const listed = (await call('GET', '/tokens')).body.tokens.find((info) => info.name === 'short-lived');
    assert.equal(listed?.expires_at, expiresAt);
  });

  test('a revoked token is refused with 401 at once, and is no longer listed', async () => {
    const token = await mustCreate('revoke-me', ['read']);
    assert.equal((await call('GET', '/stats', { token })).status, 200);
    const revoked = await call('DELETE', '/tokens?name=revoke-me');
    assert.equal(revoked.status, 200, said(revoked));
    assert.deepEqual(revoked.body, { success: true, name: 'revoke-me', also_revoked: [] });
    const refused = await call('GET', '/stats', { token, ip: freshIp() });
    assert.equal(refused.status, 401, said(refused));
    assert.equal(refused.body.code, 'unauthorized');
    assert.match(refused.body.message, /revoked/i);
    const names = (await call('GET', '/tokens')).body.tokens.map((info) => info.name);
    assert.ok(!names.includes('revoke-me'), names.join(', '));
    // Its name is free again; the old secret stays dead.
    const again = await mustCreate('revoke-me', ['read']);
    assert.notEqual(again, token);
    assert.equal((await call('GET', '/stats', { token: again })).status, 200);
    assert.equal((await call('GET', '/stats', { token, ip: freshIp() })).status, 401);
  });

  test('revoking a name no live token has is 404; no name is 400', async () => {
    const unknown = await call('DELETE', '/tokens?name=never-made');
    assert.equal(unknown.status, 404, said(unknown));
    assert.equal(unknown.body.code, 'not_found');
    assert.equal((await call('DELETE', '/tokens')).status, 400);
    assert.equal((await call('DELETE', '/tokens?name=a%20b')).status, 400);
  });

  test('no token can make one with a scope it lacks', async () => {
    const adminOnly = await mustCreate('admin-only', ['admin']);
    for (const scopes of [['upload'], ['admin', 'read'], ['delete', 'admin']]) {
      const missing = scopes.find((scope) => scope !== 'admin');
      const answer = await createToken({ name: `escalated-${next()}`, scopes }, { token: adminOnly });
      assert.equal(answer.status, 403, said(answer));
      assert.equal(answer.body.code, 'forbidden');
      assert.ok(answer.body.message.includes(`\`${missing}\``), answer.body.message);
    }
    const peer = await createToken({ name: 'admin-peer', scopes: ['admin'] }, { token: adminOnly });
    assert.equal(peer.status, 200, said(peer));
    // A token without `admin` cannot make any.
    const reader = await mustCreate('reader-maker', ['read']);
    const refused = await createToken({ name: 'from-reader', scopes: ['read'] }, { token: reader });
    assert.equal(refused.status, 403, said(refused));
    assert.ok(refused.body.message.includes('`admin`'), refused.body.message);
    const names = (await call('GET', '/tokens')).body.tokens.map((info) => info.name);
    assert.ok(!names.some((name) => name.startsWith('escalated-') || name === 'from-reader'), names.join(', '));
  });

  test('no token can make one that outlives it', async () => {
    const expiresAt = Date.now() + 3_600_000;
    const creator = await mustCreate('expiring-admin', ['admin'], expiresAt);
    for (const [label, later] of [['an hour later', expiresAt + 3_600_000], ['never', null]]) {
      const answer = await createToken({ name: `outliving-${next()}`, scopes: ['admin'], expires_at: later }, { token: creator });
      assert.equal(answer.status, 403, `${label}: ${said(answer)}`);
      assert.equal(answer.body.code, 'forbidden');
    }
    const within = await createToken({ name: 'within', scopes: ['admin'], expires_at: expiresAt - 60_000 }, { token: creator });
    assert.equal(within.status, 200, said(within));
    assert.equal(within.body.info.expires_at, expiresAt - 60_000);
  });

  test('a live name is taken: 409', async () => {
    await mustCreate('taken', ['read']);
    const answer = await createToken({ name: 'taken', scopes: ['upload'] });
    assert.equal(answer.status, 409, said(answer));
    assert.equal(answer.body.code, 'conflict');
  });

  test('bad requests to make one are 400 and make nothing', async () => {
    const before = (await call('GET', '/tokens')).body.tokens.length;
    const expected = {};
    const actual = {};
    for (const [label, json] of [
      ['not JSON', '{"name": "x", '],
      ['no name', { scopes: ['read'] }],
      ['a name with a space', { name: 'a b', scopes: ['read'] }],
      ['a name of 65 characters', { name: 'x'.repeat(65), scopes: ['read'] }],
      ['no scopes', { name: 'no-scopes', scopes: [] }],
      ['an unknown scope', { name: 'rooted', scopes: ['root'] }],
      ['an expiry in the past', { name: 'past', scopes: ['read'], expires_at: Date.now() - 60_000 }],
    ]) {
      const answer = await createToken(json);
      expected[label] = '400 bad_request';
      actual[label] = answer.status === 400 ? `400 ${answer.body.code}` : said(answer);
    }
    assert.deepEqual(actual, expected);
    assert.equal((await call('GET', '/tokens')).body.tokens.length, before);
  });

  test('last_used_at is written at most once an hour', async () => {
    const token = await mustCreate('hourly', ['read']);
    const lastUsed = async () => (await stack.sql("SELECT last_used_at AS at FROM tokens WHERE name = 'hourly'"))[0].at;
    assert.equal(await lastUsed(), null);
    const use = async () => assert.equal((await call('GET', '/stats', { token })).status, 200);
    const before = Date.now();
    await use();
    const first = await lastUsed();
    assert.ok(first >= before - 1000 && first <= Date.now() + 1000, `last_used_at ${first}`);
    await use();
    assert.equal(await lastUsed(), first, 'a second use within the hour writes nothing');
    const minute = 60_000;
    await stack.sql(`UPDATE tokens SET last_used_at = ${Date.now() - 59 * minute} WHERE name = 'hourly'`);
    const within = await lastUsed();
    await use();
    assert.equal(await lastUsed(), within, '59 minutes ago is within the hour');
    await stack.sql(`UPDATE tokens SET last_used_at = ${Date.now() - 61 * minute} WHERE name = 'hourly'`);
    const stale = Date.now();
    await use();
    assert.ok((await lastUsed()) >= stale - 1000, '61 minutes ago is written anew');
  });

  test("the audit log's own names are not given to a token: 400, nothing made", async () => {
    for (const name of ['admin', 'cron', 'Anonymous']) {
      const answer = await createToken({ name, scopes: ['read'] });
      assert.equal(answer.status, 400, `${name}: ${said(answer)}`);
      assert.match(answer.body.message, /audit log/);
    }
    const names = (await call('GET', '/tokens')).body.tokens.map((info) => info.name.toLowerCase());
    assert.ok(!names.some((name) => ['admin', 'cron', 'anonymous'].includes(name)), names.join(', '));
  });

  test('revoking a token revokes the tokens it made, and theirs; no other', async () => {
    const parent = await mustCreate('parent', ['admin', 'read']);
    const child = await mustCreate('child', ['admin', 'read'], null, parent);
    const grandchild = await mustCreate('grandchild', ['read'], null, child);
    const stranger = await mustCreate('stranger', ['read']);
    const revoked = await call('DELETE', '/tokens?name=parent');
    assert.equal(revoked.status, 200, said(revoked));
    assert.deepEqual(revoked.body.also_revoked.sort(), ['child', 'grandchild']);
    for (const token of [parent, child, grandchild]) {
      const refused = await call('GET', '/stats', { token, ip: freshIp() });
      assert.equal(refused.status, 401, said(refused));
    }
    assert.equal((await call('GET', '/stats', { token: stranger })).status, 200);
    const audit = await stack.sql(
      "SELECT target, detail FROM audit_log WHERE action = 'token_revoke' AND target IN ('parent', 'child', 'grandchild') ORDER BY id",
    );
    assert.deepEqual(
      audit.map((row) => row.target).sort(),
      ['child', 'grandchild', 'parent'],
      'each revocation is recorded',
    );
  });

  test("a revoked token's audit rows stay apart from a new token's of the same name", async () => {
    const first = await mustCreate('reused', ['upload']);
    await call('POST', '/upload', { body: uploadForm(await uniquePng(`reused-${next()}`)), token: first });
    assert.equal((await call('DELETE', '/tokens?name=reused')).status, 200);
    const second = await mustCreate('reused', ['upload']);
    await call('POST', '/upload', { body: uploadForm(await uniquePng(`reused-${next()}`)), token: second });
    const { body } = await call('GET', '/audit?limit=50');
    const uploads = body.results.filter((entry) => entry.token === 'reused' && entry.action === 'upload');
    assert.equal(uploads.length, 2);
    const ids = uploads.map((entry) => entry.token_id);
    assert.ok(ids.every(Number.isInteger), JSON.stringify(uploads));
    assert.notEqual(ids[0], ids[1]);
  });

  test('listing shows names, scopes and times: never a secret or a hash', async () => {
    const reader = secrets.get('only-read');
    assert.ok(reader, 'the matrix made only-read');
    assert.equal((await call('GET', '/query', { token: reader })).status, 200);
    const answer = await call('GET', '/tokens');
    assert.equal(answer.status, 200, said(answer));
    assert.equal(answer.body.success, true);
    const { tokens } = answer.body;
    assert.ok(tokens.length >= 10, `${tokens.length} tokens listed`);
    for (const info of tokens) {
      assert.deepEqual(
        Object.keys(info).filter((key) => !['name', 'scopes', 'created_at', 'expires_at', 'last_used_at'].includes(key)),
        [],
        info.name,
      );
    }
    const created = tokens.map((info) => info.created_at);
    assert.deepEqual(created, [...created].sort((a, b) => b - a), 'newest first');
    const text = JSON.stringify(answer.body);
    for (const [name, secret] of secrets) {
      const hash = createHash('sha256').update(secret).digest();
      for (const form of [secret, secret.slice(3), hash.toString('hex'), hash.toString('base64')]) {
        assert.ok(!text.includes(form), `GET /tokens shows the secret or hash of ${name}`);
      }
    }
    const used = tokens.find((info) => info.name === 'only-read');
    assert.equal(typeof used.last_used_at, 'number', 'last_used_at after use');
    assert.ok(used.last_used_at <= Date.now() && used.last_used_at > Date.now() - 3_600_000 - 60_000);
  });

  test('the database holds hashes only', async () => {
    const rows = await stack.sql('SELECT * FROM tokens');
    const text = JSON.stringify(rows);
    for (const [name, secret] of secrets) {
      assert.ok(!text.includes(secret.slice(3)), `the secret of ${name} is in D1`);
      const row = rows.find((r) => r.name === name && r.revoked_at === null);
      if (!row) continue;
      const hashes = [secret, secret.slice(3)].flatMap((text) => {
        const hash = createHash('sha256').update(text).digest();
        return [hash.toString('hex'), hash.toString('base64')];
      });
      assert.ok(hashes.includes(row.token_hash), `${name}: token_hash is not its SHA-256`);
    }
  });
});
