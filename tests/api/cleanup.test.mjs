// The daily clean-up and emptying the trash, at their limits, against
// wrangler dev: the schedule the README names is the one wrangler.toml
// gives; `DELETE /trash` purges at most 100 per call and says how many
// remain; TRASH_DAYS = 0 purges everything at the next run, past 100;
// a number of days that is not a whole number leaves alone what it governs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, startStack } from '../support/stack.mjs';
import { caller, said } from './calls.mjs';

const DAY = 86_400_000;
const CRON = '17 3 * * *';

/** `count` trashed rows written straight into D1 (their objects do not
 * exist, which a purge does not mind), trashed `daysAgo` days ago: inserted,
 * then marked trashed, so the triggers count them as the Worker's would. */
async function trashedRows(stack, count, { daysAgo = 0, from = 0 } = {}) {
  const deletedAt = Date.now() - daysAgo * DAY;
  for (let start = 0; start < count; start += 100) {
    const keys = [];
    for (let i = start; i < Math.min(count, start + 100); i++) {
      keys.push(`2026-01-01/00000000-0000-4000-8000-${String(from + i).padStart(12, '0')}.png`);
    }
    const values = keys.map((key) => `('${key}', 'seeded.png', '/i/${key}', 'image/png', 10, 1)`);
    await stack.sql(
      `INSERT INTO images (object_key, original_name, image_url, content_type, size, created_at) VALUES ${values.join(', ')}; ` +
        `UPDATE images SET deleted_at = ${deletedAt} WHERE object_key IN (${keys.map((key) => `'${key}'`).join(', ')})`,
    );
  }
}

async function runCron(stack) {
  const ran = await fetch(`${stack.url}/__scheduled?cron=${encodeURIComponent(CRON)}`);
  assert.equal(ran.status, 200, await ran.text());
}

/** Waits until `check()` holds (the scheduled handler may finish after its answer). */
async function until(check, what) {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

const count = async (stack, where) => (await stack.sql(`SELECT count(*) AS n FROM images WHERE ${where}`))[0].n;

test('the schedule in wrangler.toml is the one the README names, 03:17 UTC', async () => {
  const [config, readme] = await Promise.all(['wrangler.toml', 'README.md'].map((file) => readFile(join(ROOT, file), 'utf8')));
  const crons = config.match(/^\[triggers\]\ncrons = (\[.*\])$/m)?.[1];
  assert.deepEqual(JSON.parse(crons), [CRON]);
  assert.match(readme, /The trigger runs at 03:17 UTC \(`\[triggers\]` in `wrangler.toml`\)/);
});

describe('with TRASH_DAYS = 0', () => {
  let stack;
  let call;
  before(async () => {
    stack = await startStack({ vars: { TRASH_DAYS: '0' }, testScheduled: true });
    call = caller(stack);
  });
  after(() => stack?.stop());

  test('DELETE /trash purges 100 per call and says how many remain', async () => {
    await trashedRows(stack, 105);
    const first = await call('DELETE', '/trash');
    assert.equal(first.status, 200, said(first));
    assert.deepEqual(first.body, { success: true, purged: 100, remaining: 5 });
    assert.equal(await count(stack, 'deleted_at IS NOT NULL'), 5);
    const second = await call('DELETE', '/trash');
    assert.deepEqual(second.body, { success: true, purged: 5, remaining: 0 });
  });

  test('the next run purges everything in the trash, looping past 100, each purge recorded', async () => {
    await trashedRows(stack, 250, { from: 1000 });
    const audit = (await stack.sql("SELECT count(*) AS n FROM audit_log WHERE action = 'purge' AND token = 'cron'"))[0].n;
    await runCron(stack);
    await until(async () => (await count(stack, 'deleted_at IS NOT NULL')) === 0, 'the trash to be empty');
    const purges = (await stack.sql("SELECT count(*) AS n FROM audit_log WHERE action = 'purge' AND token = 'cron'"))[0].n;
    assert.equal(purges - audit, 250);
    assert.equal((await call('GET', '/stats')).body.trash_count, 0);
  });
});

describe('days that are not whole numbers', () => {
  let stack;
  before(async () => {
    stack = await startStack({ vars: { TRASH_DAYS: 'seven', AUDIT_RETENTION_DAYS: '9O' }, testScheduled: true });
  });
  after(() => stack?.stop());

  test('leave the trash and the audit log alone, and the run says why', async () => {
    await trashedRows(stack, 3, { daysAgo: 400 });
    await stack.sql(
      `INSERT INTO audit_log (at, token, action) VALUES (${Date.now() - 400 * DAY}, 'admin', 'upload'), (${Date.now()}, 'admin', 'upload')`,
    );
    // Yesterday's upload count goes, as the run's other work: the run did happen.
    const today = Math.floor(Date.now() / DAY);
    await stack.sql(`INSERT INTO daily_uploads (day, uploads) VALUES (${today - 3}, 9)`);
    await runCron(stack);
    await until(async () => (await stack.sql(`SELECT count(*) AS n FROM daily_uploads WHERE day = ${today - 3}`))[0].n === 0, 'the run');
    assert.equal(await count(stack, 'deleted_at IS NOT NULL'), 3, 'nothing purged on a guess');
    assert.equal((await stack.sql('SELECT count(*) AS n FROM audit_log'))[0].n, 2, 'nothing pruned on a guess');
    assert.match(stack.logs(), /TRASH_DAYS is not a whole number/);
    assert.match(stack.logs(), /AUDIT_RETENTION_DAYS is not a whole number/);
  });
});
