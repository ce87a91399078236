// Quotas against wrangler dev: past MAX_STORAGE_BYTES an upload is 507,
// past MAX_UPLOADS_PER_DAY 429 with Retry-After, and either way nothing is
// stored or logged; the trash counts against storage until it is purged;
// /stats shows the use of each and warns from 80 %.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../support/stack.mjs';
import { fixture, uniquePng } from './helpers.mjs';
import { caller, said, uploadForm } from './calls.mjs';

// Each upload of `uniquePng` is stored as text.png (42,704 bytes, its text
// chunk stripped), one of them with small.webp as its thumbnail, which
// counts too: 3 are 65 % of this limit, 4 are 86 %, 5 are over it.
const STORAGE_LIMIT = 200_000;
const DAILY_LIMIT = 3;

let storage;
let daily;
let typo;
let racing;
let stored;
let thumbnail;
before(async () => {
  [storage, daily, typo, stored, thumbnail, racing] = await Promise.all([
    startStack({ vars: { MAX_STORAGE_BYTES: String(STORAGE_LIMIT), ORPHAN_GRACE_SECONDS: '0' } }),
    startStack({ vars: { MAX_UPLOADS_PER_DAY: String(DAILY_LIMIT), ORPHAN_GRACE_SECONDS: '0' } }),
    // Limits written wrong: nothing is guessed for them.
    startStack({ vars: { MAX_UPLOADS_PER_DAY: '5OO', MAX_STORAGE_BYTES: '9 GB', TRASH_DAYS: 'seven' } }),
    fixture('text.png'),
    fixture('small.webp'),
    // Room for three stored text.png and a little more.
    startStack({ vars: { MAX_STORAGE_BYTES: String(3 * 42_704 + 1000), ORPHAN_GRACE_SECONDS: '0' } }),
  ]);
});
after(() => Promise.all([storage?.stop(), daily?.stop(), typo?.stop(), racing?.stop()]));

let seeds = 0;
async function upload(stack, { thumbnail = false } = {}) {
  const bytes = await uniquePng(`quota-${++seeds}`);
  return caller(stack)('POST', '/upload', {
    body: uploadForm(bytes, { thumbnail: thumbnail ? await fixture('small.webp') : undefined }),
  });
}

async function mustUpload(stack, options) {
  const answer = await upload(stack, options);
  assert.equal(answer.status, 200, said(answer));
  assert.equal(answer.body.size, stored.length);
  return answer.body;
}

async function stats(stack) {
  const answer = await caller(stack)('GET', '/stats');
  assert.equal(answer.status, 200, said(answer));
  const { wasm_memory_bytes: _, ...counts } = answer.body;
  return counts;
}

/** What the stack holds, as the listing, the counters, R2 and the audit log see it. */
async function holdings(stack) {
  const call = caller(stack);
  const [listing, counts, report, audit] = await Promise.all([
    call('GET', '/query?pageSize=1'),
    stats(stack),
    call('GET', '/reconcile'),
    call('GET', '/audit?limit=1'),
  ]);
  assert.deepEqual(report.body.orphan_objects, []);
  return {
    listed: listing.body.total,
    counts,
    objects: report.body.objects_checked,
    audit: audit.body.results[0]?.id ?? 0,
  };
}

describe('MAX_STORAGE_BYTES', () => {
  test('stats show use against the limit, and warn from 80 %', async () => {
    await mustUpload(storage, { thumbnail: true });
    await mustUpload(storage);
    await mustUpload(storage);
    const at64 = await stats(storage);
    assert.deepEqual(
      at64.storage,
      { used: 3 * stored.length + thumbnail.length, limit: STORAGE_LIMIT },
      'images and thumbnails count',
    );
    assert.deepEqual(at64.uploads_today, { used: 3, limit: null });
    assert.deepEqual(at64.warnings, []);

    await mustUpload(storage);
    const at85 = await stats(storage);
    assert.deepEqual(at85.storage, { used: 4 * stored.length + thumbnail.length, limit: STORAGE_LIMIT });
    assert.equal(at85.warnings.length, 1, at85.warnings.join(' | '));
    assert.match(at85.warnings[0], /storage|MAX_STORAGE_BYTES/i);
  });

  test('an upload past it is 507, says why and what to do, and stores nothing', async () => {
    const before = await holdings(storage);
    const answer = await upload(storage, { thumbnail: true });
    assert.equal(answer.status, 507, said(answer));
    assert.equal(answer.body.success, false);
    assert.equal(answer.body.code, 'storage_quota_exceeded');
    assert.match(answer.body.message, /MAX_STORAGE_BYTES/);
    assert.match(answer.body.message, /trash/i);
    assert.equal(answer.headers.get('retry-after'), null, 'waiting does not help');
    assert.deepEqual(await holdings(storage), before);
  });

  test('the trash counts until it is purged', async () => {
    const call = caller(storage);
    const { body: listing } = await call('GET', '/query?pageSize=1');
    const [victim] = listing.results;
    assert.equal((await call('DELETE', `/delete?id=${victim.id}`)).status, 200);
    const trashed = await stats(storage);
    assert.equal(trashed.storage.used, 4 * stored.length + thumbnail.length, 'deleting frees nothing');
    assert.equal(trashed.trash_bytes, stored.length);
    assert.equal((await upload(storage)).status, 507);

    const purged = await call('DELETE', `/trash?id=${victim.id}`);
    assert.equal(purged.status, 200, said(purged));
    const after = await stats(storage);
    assert.equal(after.storage.used, 3 * stored.length + thumbnail.length);
    assert.deepEqual(after.warnings, []);
    await mustUpload(storage);
  });
});

describe('racing uploads', () => {
  // The check and the row are one conditional statement, so however the
  // requests interleave, no two can both take the last room.
  test('twelve at once near the limit: exactly what fits is stored, the rest is 507 and leaves nothing', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => upload(racing)));
    const statuses = answers.map((answer) => answer.status).sort();
    assert.deepEqual(statuses, [...Array(3).fill(200), ...Array(9).fill(507)], answers.map(said).join('\n'));
    const counts = await stats(racing);
    assert.equal(counts.storage.used, 3 * stored.length);
    assert.ok(counts.storage.used <= counts.storage.limit);
    const report = (await caller(racing)('GET', '/reconcile')).body;
    assert.equal(report.objects_checked, 3, 'the refused uploads left no object');
    assert.deepEqual(report.orphan_objects, []);
    assert.deepEqual(report.missing_objects, []);
  });
});

describe('MAX_UPLOADS_PER_DAY', () => {
  test('stats show the uploads of the day against the limit, and warn from 80 %', async () => {
    await mustUpload(daily);
    await mustUpload(daily);
    const two = await stats(daily);
    assert.deepEqual(two.uploads_today, { used: 2, limit: DAILY_LIMIT });
    assert.deepEqual(two.warnings, []);
    await mustUpload(daily);
    const three = await stats(daily);
    assert.deepEqual(three.uploads_today, { used: 3, limit: DAILY_LIMIT });
    assert.equal(three.warnings.length, 1, three.warnings.join(' | '));
    assert.match(three.warnings[0], /upload|MAX_UPLOADS_PER_DAY/i);
  });

  test('an upload past it is 429 with Retry-After until midnight UTC, and stores nothing', async () => {
    const before = await holdings(daily);
    const answer = await upload(daily);
    assert.equal(answer.status, 429, said(answer));
    assert.equal(answer.body.code, 'too_many_requests');
    assert.match(answer.body.message, /day|daily|MAX_UPLOADS_PER_DAY/i);
    const now = new Date();
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    const retryAfter = Number(answer.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0, `Retry-After: ${answer.headers.get('retry-after')}`);
    assert.ok(Math.abs(retryAfter - (midnight - now.getTime()) / 1000) <= 5, `Retry-After ${retryAfter}`);
    assert.deepEqual(await holdings(daily), before);
  });

  test('an import counts as an upload: past the limit it is 429 too, and nothing is stored', async () => {
    const key = '2026-03-03/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png';
    const answer = await caller(daily)('POST', `/upload?key=${encodeURIComponent(key)}&created_at=1`, {
      body: uploadForm(await uniquePng(`quota-import-${++seeds}`)),
    });
    assert.equal(answer.status, 429, said(answer));
    assert.equal(await daily.getObject(key), null);
  });

  test('deleting or purging does not give uploads back', async () => {
    const call = caller(daily);
    const [victim] = (await call('GET', '/query?pageSize=1')).body.results;
    assert.equal((await call('DELETE', `/delete?id=${victim.id}`)).status, 200);
    assert.equal((await upload(daily)).status, 429);
    assert.equal((await call('DELETE', `/trash?id=${victim.id}`)).status, 200);
    assert.equal((await upload(daily)).status, 429);
    assert.deepEqual((await stats(daily)).uploads_today, { used: 3, limit: DAILY_LIMIT });
  });
});

describe('a limit that is not a whole number', () => {
  test('refuses uploads with 503 naming it, stores nothing, and is named in stats', async () => {
    const answer = await upload(typo);
    assert.equal(answer.status, 503, said(answer));
    assert.equal(answer.body.code, 'not_configured');
    assert.match(answer.body.message, /^MAX_(UPLOADS_PER_DAY|STORAGE_BYTES) is not a whole number/);
    const { warnings, image_count } = await stats(typo);
    assert.equal(image_count, 0);
    assert.ok(warnings.some((w) => /^MAX_UPLOADS_PER_DAY is not a whole number.*uploads are refused/.test(w)), warnings);
    assert.ok(warnings.some((w) => /^MAX_STORAGE_BYTES is not a whole number.*uploads are refused/.test(w)), warnings);
    assert.ok(warnings.some((w) => /^TRASH_DAYS is not a whole number.*leaves what it governs alone/.test(w)), warnings);
  });
});
