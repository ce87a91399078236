// `imghost album ...`, `imghost tag ...`, `upload --album --tag` and
// `list --album --tag` against a real stack (wrangler dev).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack } from '../support/stack.mjs';
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

test('export carries albums (empty ones too) and tags, and import brings them back on another imghost', async () => {
  const { path: alps } = await writePng(ctx.dir, 'alps.png');
  const { path: lake } = await writePng(ctx.dir, 'lake.png');
  await ok(['upload', '--album', 'Trips/Alps', '--tag', 'snow', alps, lake]);
  await ok(['album', 'create', 'Empty']);
  const alpsId = JSON.parse((await ok(['list', '--json', '--search', 'alps'])).stdout)[0].id;
  await ok(['album', 'create', 'Best']);
  await ok(['album', 'add', 'Best', String(alpsId)]);

  const out = join(ctx.dir, 'export');
  await ok(['export', out]);
  const lines = (await readFile(join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
  const exported = lines.find((entry) => entry.original_name === 'alps.png');
  assert.deepEqual(exported.albums.sort(), ['Best', 'Trips/Alps']);
  assert.deepEqual(exported.tags, ['snow']);
  const albumList = (await readFile(join(out, 'albums.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
  for (const path of ['Trips', 'Trips/Alps', 'Best', 'Empty']) assert.ok(albumList.includes(path), path);

  const other = await startStack();
  try {
    const there = (args) => runCli(args, { home: ctx.home, url: other.url, token: other.token });
    const imported = await there(['import', out]);
    assert.equal(imported.code, 0, imported.stderr);
    const albums = JSON.parse((await there(['album', 'list', '--json'])).stdout);
    const names = albums.map((album) => album.name).sort();
    for (const name of ['Alps', 'Best', 'Empty', 'Trips']) assert.ok(names.includes(name), name);
    const inAlps = JSON.parse((await there(['list', '--json', '--album', 'Trips/Alps'])).stdout);
    assert.deepEqual(inAlps.map((image) => image.original_name).sort(), ['alps.png', 'lake.png']);
    const best = JSON.parse((await there(['list', '--json', '--album', 'Best', '--tag', 'snow'])).stdout);
    assert.deepEqual(best.map((image) => image.object_key), [exported.key]);
    // Run again: nothing doubles.
    const again = await there(['import', out]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse((await there(['list', '--json', '--album', 'Trips/Alps'])).stdout).length, 2);
    assert.match((await there(['tag', 'list'])).stdout, /^snow\t\d+$/m);
  } finally {
    await other.stop();
  }
});

test('migrate puts each post\'s images in an album named after it, under --album', async () => {
  const blog = join(ctx.dir, 'blog');
  await mkdir(blog, { recursive: true });
  await writePng(blog, 'cover.png', 'migrate-album-cover');
  await writeFile(join(blog, 'first-post.md'), '# First\n\n![cover](cover.png)\n');
  const moved = await ctx.run(['migrate', '--map', join(ctx.dir, 'map.tsv'), '--album', 'Blog', '--album-per-post', blog]);
  assert.equal(moved.code, 0, moved.stderr);
  const inPost = JSON.parse((await ok(['list', '--json', '--album', 'Blog/first-post'])).stdout);
  assert.equal(inPost.length, 1);
  assert.equal(inPost[0].original_name, 'cover.png');
  assert.deepEqual(JSON.parse((await ok(['list', '--json', '--album', 'Blog'])).stdout).map((i) => i.id), [inPost[0].id]);
  assert.ok((await readFile(join(blog, 'first-post.md'), 'utf8')).includes(inPost[0].url ?? inPost[0].image_url));
});
