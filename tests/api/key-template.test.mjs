// KEY_TEMPLATE against wrangler dev: new keys take the template's shape
// (a plain ASCII slug of the name, the date, random or content-hash
// characters), thumbnails and widths sit beside them, reconcile knows the
// shape as imghost's own, the trash keeps the URL; a template that could
// make two images meet is refused and turns uploads off, saying why.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack } from '../support/stack.mjs';
import { fixture, uniquePng, webpOfSize, widePng } from './helpers.mjs';
import { caller, said } from './calls.mjs';

/** A multipart body: the image as `file` named `name`, then each `[field, bytes]`. */
function form(image, name, parts = []) {
  const body = new FormData();
  body.append('file', new Blob([image], { type: 'image/png' }), name);
  for (const [field, bytes] of parts) body.append(field, new Blob([bytes], { type: 'image/webp' }), field);
  return body;
}

/**
 * A stack of this suite's own with `KEY_TEMPLATE` set to `template`,
 * started before its tests and stopped after them; `stack` and `call` are
 * filled in then.
 */
function templateStack(template, vars = {}) {
  const ctx = {};
  before(async () => {
    ctx.stack = await startStack({ vars: { KEY_TEMPLATE: template, ...vars } });
    ctx.call = caller(ctx.stack);
  });
  after(() => ctx.stack?.stop());
  return ctx;
}

describe('blog/{yyyy}/{mm}/{name}-{rand:10}.{ext}', () => {
  const ctx = templateStack('blog/{yyyy}/{mm}/{name}-{rand:10}.{ext}', { ORPHAN_GRACE_SECONDS: '0' });

  test('a new key has the shape, the name as a plain slug, and serves the image', async () => {
    const answer = await ctx.call('POST', '/upload', {
      body: form(widePng('template-cafe', 1000, 750), 'Café Crème (1).PNG', [
        ['thumbnail', await fixture('small.webp')],
        ['width_640', webpOfSize(640, 480)],
      ]),
    });
    assert.equal(answer.status, 200, said(answer));
    const image = answer.body;
    const now = new Date();
    const month = String(now.getUTCMonth() + 1).padStart(2, '0');
    assert.match(image.object_key, new RegExp(`^blog/${now.getUTCFullYear()}/${month}/cafe-creme-1-[0-9a-f]{10}\\.png$`));
    assert.equal(new URL(image.url).pathname, `/i/${image.object_key}`, 'nothing to percent-encode');
    assert.equal(image.thumbnail_key, `${image.object_key}.thumb.webp`);
    for (const url of [image.url, image.thumbnail_url, `${image.url}@640w.webp`]) {
      assert.equal((await fetch(url)).status, 200, url);
    }
    // Names with nothing Latin in them still make a key.
    const other = await ctx.call('POST', '/upload', { body: form(await uniquePng('template-cat'), '猫.png') });
    assert.equal(other.status, 200, said(other));
    assert.match(other.body.object_key, /^blog\/\d{4}\/\d{2}\/image-[0-9a-f]{10}\.png$/);
  });

  test('reconcile knows the shape: an orphan of it is imghost\'s, other keys are foreign', async () => {
    const file = join(ctx.stack.stateDir, 'stray.png');
    await writeFile(file, await fixture('text.png'));
    const orphan = 'blog/2026/01/lost-0123456789.png';
    const foreign = 'blog/2026/01/notes.png';
    await ctx.stack.putObject(orphan, file);
    await ctx.stack.putObject(foreign, file);
    const report = (await ctx.call('GET', '/reconcile')).body;
    assert.ok(report.orphan_objects.includes(orphan), JSON.stringify(report));
    assert.ok(report.foreign_objects.includes(foreign), JSON.stringify(report));
    assert.ok(!report.orphan_objects.some((key) => key.startsWith('blog/') && key !== orphan), JSON.stringify(report));
  });

  test('the trash keeps the URL, and delete finds the image by its key', async () => {
    const image = (await ctx.call('POST', '/upload', { body: form(await uniquePng('template-trash'), 'trash me.png') })).body;
    const removed = await ctx.call('DELETE', `/delete?key=${encodeURIComponent(image.object_key)}`);
    assert.equal(removed.status, 200, said(removed));
    assert.equal((await fetch(image.url)).status, 404);
    const back = await ctx.call('POST', `/trash/restore?id=${image.id}`);
    assert.equal(back.status, 200, said(back));
    assert.equal(back.body.image.image_url, image.url);
    assert.equal((await fetch(image.url)).status, 200);
  });
});

describe('{sha256:16}.{ext}', () => {
  const ctx = templateStack('{sha256:16}.{ext}');

  test('the key is the stored bytes\' hash; the same bytes are the same image', async () => {
    const png = await uniquePng('template-sha');
    const first = await ctx.call('POST', '/upload', { body: form(png, 'a.png') });
    assert.equal(first.status, 200, said(first));
    assert.equal(first.body.object_key, `${first.body.stored_sha256.slice(0, 16)}.png`);
    const served = Buffer.from(await (await fetch(first.body.url)).arrayBuffer());
    for (const name of ['b.png', 'c.png']) {
      const again = await ctx.call('POST', '/upload', { body: form(png, name) });
      assert.equal(again.body.id, first.body.id);
      assert.equal(again.body.duplicate, true);
      // Nothing was written over the image, nor removed with it.
      const now = await fetch(first.body.url);
      assert.equal(now.status, 200, `after ${name}`);
      assert.deepEqual(Buffer.from(await now.arrayBuffer()), served);
    }
  });
});

describe('a template that could make two images meet', () => {
  const ctx = templateStack('blog/{name}.{ext}');

  test('turns uploads off with 503 saying why, and the rest works', async () => {
    const before = await ctx.call('GET', '/query?pageSize=1');
    const answer = await ctx.call('POST', '/upload', { body: form(await uniquePng('template-refused'), 'a.png') });
    assert.equal(answer.status, 503, said(answer));
    assert.match(answer.body.message, /KEY_TEMPLATE "blog\/\{name\}\.\{ext\}" is refused: it has none of \{sha256:N\}, \{rand:N\} or \{uuid\}/);
    const stats = await ctx.call('GET', '/stats');
    assert.ok(stats.body.warnings.some((warning) => warning.includes('KEY_TEMPLATE')), said(stats));
    const after = await ctx.call('GET', '/query?pageSize=1');
    assert.equal(after.status, 200);
    assert.equal(after.body.total, before.body.total, 'nothing was stored');
  });
});
