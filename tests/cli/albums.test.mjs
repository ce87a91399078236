// `imghost album ...`, `imghost tag ...`, `upload --album --tag` and
// `list --album --tag` against a real stack (wrangler dev).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, useStack, writePng } from './helpers.mjs';

const ctx = useStack();

async function ok(args, options) {
  const result = await ctx.run(args, options);
  assert.equal(result.code, 0, `imghost ${args.join(' ')}: ${result.stderr}`);
  return result;
}

const listedIds = async (...args) => JSON.parse((await ok(['list', '--json', '--all', ...args])).stdout).map((image) => image.id);

test('uploads go into a nested album with tags, and list filters by them', async () => {
  const { path: a } = await writePng(ctx.dir, 'a.png');
  const { path: b } = await writePng(ctx.dir, 'b.png');
  const { path: c } = await writePng(ctx.dir, 'c.png');
  await ok(['upload', '--album', 'Travel/Japan', '--tag', 'Temple,kyoto', a, b]);
  await ok(['upload', '--tag', 'kyoto', c]);
  const albums = JSON.parse((await ok(['album', 'list', '--json'])).stdout);
  const travel = albums.find((album) => album.name === 'Travel' && album.parent_id === null);
  const japan = albums.find((album) => album.name === 'Japan' && album.parent_id === travel.id);
  assert.equal(japan.image_count, 2);
  const table = (await ok(['album', 'list'])).stdout;
  assert.match(table, /^ALBUM +IMAGES +SHARED\n/);
  assert.match(table, /\nTravel\/Japan +2 +-\n/);

  const inJapan = await listedIds('--album', 'travel/japan');
  assert.equal(inJapan.length, 2);
  const kyoto = await listedIds('--tag', 'kyoto');
  assert.equal(kyoto.length, 3);
  assert.deepEqual((await listedIds('--album', 'Travel/Japan', '--tag', 'temple')).sort(), inJapan.sort());
  const missing = await ctx.run(['list', '--album', 'Nowhere']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no album "Nowhere"/);

  // Tags in bulk, and out of an album: the images stay.
  await ok(['tag', 'add', 'best', ...inJapan.map(String)]);
  assert.match((await ok(['tag', 'list'])).stdout, /^best\t2$/m);
  await ok(['tag', 'remove', 'best', String(inJapan[0])]);
  assert.match((await ok(['tag', 'list'])).stdout, /^best\t1$/m);
  await ok(['album', 'remove', 'Travel/Japan', String(inJapan[0])]);
  assert.equal((await listedIds('--album', 'Travel/Japan')).length, 1);
  await ok(['album', 'add', 'Travel', String(inJapan[0])]);
  assert.deepEqual(await listedIds('--album', 'Travel'), [inJapan[0]]);

  // Renamed, shared, unshared, deleted: every image is still listed.
  await ok(['album', 'rename', 'Travel/Japan', 'Nihon']);
  const link = (await ok(['album', 'share', 'Travel/Nihon', '--expires-in-days', '7'])).stdout.trim();
  assert.match(link, /\/a\/[0-9a-f]{32}$/);
  const page = await fetch(link);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<h1>Nihon<\/h1>/);
  await ok(['album', 'unshare', 'Travel/Nihon']);
  assert.equal((await fetch(link)).status, 404);
  const withChild = await ctx.run(['album', 'delete', 'Travel']);
  assert.equal(withChild.code, 1);
  assert.match(withChild.stderr, /sub-albums/);
  await ok(['album', 'delete', 'Travel/Nihon']);
  assert.equal((await listedIds()).length, 3);
});

test('a token that may only upload cannot organise, and stores nothing it was not allowed to label', async () => {
  const token = (await ok(['token', 'create', '--name', 'typora-albums', '--scope', 'upload'])).stdout.trim();
  const before = (await listedIds()).length;
  const { path: png } = await writePng(ctx.dir, 'upload-only.png');
  const refused = await runCli(['upload', '--album', 'Drafts', png], { home: ctx.home, url: ctx.stack.url, token });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /`read` scope|`organize` scope/);
  assert.equal((await listedIds()).length, before);
  const tagged = await runCli(['upload', '--tag', 'draft', png], { home: ctx.home, url: ctx.stack.url, token });
  assert.equal(tagged.code, 0, tagged.stderr);
  assert.equal((await listedIds('--tag', 'draft')).length, 1);
  const create = await runCli(['album', 'create', 'Mine'], { home: ctx.home, url: ctx.stack.url, token });
  assert.equal(create.code, 1);
});
