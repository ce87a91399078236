// `imghost migrate` against a real stack (wrangler dev) and a stand-in for
// the old image host: every reference form, code left alone, one upload per
// image, broken links reported and kept, dry runs, and a second run that
// changes nothing. Files are compared whole, so any byte changed besides
// the URLs fails a test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, startStack } from '../support/stack.mjs';
import { startOldImageHost } from '../support/old-image-host.mjs';
import { IMAGE_URL, apiQuery, checkBinary, download, runCli, tempDir } from './helpers.mjs';

const FIXTURE = join(ROOT, 'tests/fixtures/blog');
const TEXT_FILES = ['posts/2019-cats.md', 'posts/components.mdx', 'page.html', 'broken.md'];
const MARKED = /⟦(.*?)⟧/g;

let stack;
let home;
const cleanup = [];
before(async () => {
  await checkBinary();
  [stack, home] = await Promise.all([startStack(), tempDir()]);
});
after(async () => {
  await stack?.stop();
  await Promise.all([home, ...cleanup].filter(Boolean).map((path) => rm(path, { recursive: true, force: true })));
});

/**
 * A fresh old host and a copy of the blog pointing at it. `original(file)`
 * is the text written there; `expected(file, map)` what migrate must make
 * of it, given the old → new URLs of its map file.
 */
async function blog() {
  const old = await startOldImageHost();
  const dir = await tempDir();
  cleanup.push(dir);
  await cp(FIXTURE, dir, { recursive: true });
  const templates = {};
  for (const file of TEXT_FILES) {
    templates[file] = (await readFile(join(FIXTURE, file), 'utf8')).replaceAll('{{OLD}}', old.url);
    await writeFile(join(dir, file), templates[file].replace(MARKED, '$1'));
  }
  const original = (file) => templates[file].replace(MARKED, '$1');
  const expected = (file, map) =>
    templates[file].replace(MARKED, (_, written) => {
      const key = written.replaceAll('&amp;', '&');
      assert.ok(map.has(key), `the map has ${key}`);
      return map.get(key);
    });
  return { old, dir, original, expected, read: (file) => readFile(join(dir, file), 'utf8') };
}

const imghost = (args, options = {}) => runCli(args, { home, url: stack.url, token: stack.token, ...options });
const total = async () => (await apiQuery(stack, 'limit=1')).total;

/** The map file: old URL → new URL (and the file of each line). */
async function readMap(path) {
  const map = new Map();
  for (const line of (await readFile(path, 'utf8')).split('\n').filter(Boolean)) {
    const [oldUrl, newUrl, file] = line.split('\t');
    assert.ok(file, `three columns: ${line}`);
    if (map.has(oldUrl)) assert.equal(map.get(oldUrl), newUrl, `${oldUrl} got one URL`);
    map.set(oldUrl, newUrl);
  }
  return map;
}

/** Every file under `dir` with its SHA-256, size and modification time. */
async function snapshot(dir) {
  const out = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const { size, mtimeMs } = await stat(path);
    out[relative(dir, path)] = { sha256: createHash('sha256').update(await readFile(path)).digest('hex'), size, mtimeMs };
  }
  return out;
}

async function filesUnder(dir) {
  const out = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

describe('migrate', () => {
  test('rewrites every reference form and only the URL bytes; one upload per image', async () => {
    const b = await blog();
    try {
      const files = ['posts/2019-cats.md', 'posts/components.mdx', 'page.html'];
      const mapFile = join(b.dir, 'map.tsv');
      const before = await total();
      const run = await imghost(['migrate', '--map', mapFile, ...files.map((f) => join(b.dir, f))]);
      assert.equal(run.code, 0, run.stderr);
      const map = await readMap(mapFile);
      for (const file of files) {
        assert.equal(await b.read(file), b.expected(file, map), `${file} is the template with new URLs only`);
        assert.equal(await readFile(join(b.dir, `${file}.orig`), 'utf8'), b.original(file), `${file}.orig is the original`);
      }
      // Each image fetched once, however often it is referenced.
      assert.equal(b.old.hits('/shared.png'), 1);
      assert.equal(b.old.hits('/fish.png'), 1);
      for (const asked of ['/missing.png', '/fenced-fish.png', '/front-matter.png', '/about.html']) {
        assert.equal(b.old.hits(asked), 0, `${asked} is not an image reference`);
      }
      const newUrls = new Set(map.values());
      // cat, dog, bird (redirected), shared, badge, fish, query, local
      assert.equal(newUrls.size, 8);
      assert.equal((await total()) - before, 8);
      for (const url of newUrls) assert.match(url, IMAGE_URL(stack));
      // The bytes behind each new URL are the old host's.
      const cat = await download(map.get(`${b.old.url}/photos/2019/cat.png?size=large&v=2`));
      assert.ok(cat.bytes.equals(b.old.images['/photos/2019/cat.png?size=large&v=2']));
      const bird = await download(map.get(`${b.old.url}/redirect/bird`));
      assert.ok(bird.bytes.equals(b.old.images['/store/bird.gif?x=1']), 'the redirect was followed');
      const local = await download(map.get('img/local.png'));
      assert.ok(local.bytes.equals(await readFile(join(FIXTURE, 'posts/img/local.png'))));
      assert.match(run.stdout, /2019-cats\.md: \d+ reference\(s\) rewritten\n/);

      // A second run finds nothing to move and changes nothing.
      const requestsBefore = b.old.requests.length;
      const again = await imghost(['migrate', '--map', mapFile, b.dir.concat('/posts'), join(b.dir, 'page.html')]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, '');
      for (const file of files) assert.equal(await b.read(file), b.expected(file, map));
      assert.equal(b.old.requests.length, requestsBefore, 'nothing downloaded again');
      assert.equal(await total(), before + 8);
      assert.equal((await readMap(mapFile)).size, map.size);
    } finally {
      await b.old.stop();
    }
  });

  test('code spans and fenced blocks are byte-identical afterwards', async () => {
    const b = await blog();
    try {
      const file = 'posts/2019-cats.md';
      const run = await imghost(['migrate', '--map', join(b.dir, 'map.tsv'), join(b.dir, file)]);
      assert.equal(run.code, 0, run.stderr);
      const after = await b.read(file);
      const code = (text) => [
        ...text.matchAll(/```markdown\n[\s\S]*?```\n|~~~\n[\s\S]*?~~~\n|`[^`\n]+`|``[^\n]+?``|\\!\[escaped\]\([^)]*\)/g),
      ].map((m) => m[0]);
      const blocks = code(b.original(file));
      assert.equal(blocks.length, code(after).length);
      assert.ok(blocks.length >= 4);
      assert.deepEqual(code(after), blocks);
      assert.ok(after.includes(`[full size](${b.old.url}/photos/2019/cat.png?size=large&v=2)`), 'the plain link stays');
      assert.ok(after.includes(`[about]: ${b.old.url}/about.html`), 'a definition only links use stays');
    } finally {
      await b.old.stop();
    }
  });

  test('a dry run prints a unified diff, uploads nothing and writes nothing', async () => {
    const b = await blog();
    try {
      const before = await total();
      // The default map file would go to the working directory: watch it too.
      const workdir = await mkdtemp(join(tmpdir(), 'imghost-migrate-cwd-'));
      await writeFile(join(workdir, 'notes.txt'), 'already here\n');
      const [blogBefore, workdirBefore] = [await snapshot(b.dir), await snapshot(workdir)];
      const run = await imghost(['migrate', '--dry-run', '--download-timeout', '1', b.dir], { cwd: workdir });
      assert.equal(run.code, 1, 'broken.md has broken links');
      assert.equal(await total(), before, 'nothing uploaded');
      assert.deepEqual(await snapshot(b.dir), blogBefore, 'no backup, no map, no temporary file, nothing touched');
      assert.deepEqual(await snapshot(workdir), workdirBefore, 'no map in the working directory');
      await rm(workdir, { recursive: true, force: true });
      for (const file of TEXT_FILES) assert.equal(await b.read(file), b.original(file));
      const cats = join(b.dir, 'posts/2019-cats.md');
      assert.ok(run.stdout.includes(`--- ${cats}\n+++ ${cats}\n@@ -5,`), run.stdout);
      const diffLines = run.stdout.split('\n');
      const removed = `-Inline with a title: ![A "cat" \\[big\\]](${b.old.url}/photos/2019/cat.png?size=large&v=2 "The cat").`;
      const added = diffLines.find((line) => line.startsWith('+Inline with a title'));
      assert.ok(diffLines.includes(removed), run.stdout);
      assert.match(added, /^\+Inline with a title: !\[A "cat" \\\[big\\\]\]\(imghost:dry-run\/\d+ "The cat"\)\.$/);
      assert.ok(diffLines.indexOf(removed) < diffLines.indexOf(added), 'removed lines come first');
      assert.ok(run.stdout.includes(`+![fine](imghost:dry-run/`), 'the good link of broken.md is in the diff');
      assert.ok(!run.stdout.includes('missing.png'), 'broken links are not in the diff');
      assert.match(run.stderr, /dry run: imghost:dry-run\/\d+ is http:\/\/127\.0\.0\.1:\d+\/shared\.png\n/);
    } finally {
      await b.old.stop();
    }
  });

  test('broken links are reported with file:line and left as they were', async () => {
    const b = await blog();
    try {
      const file = join(b.dir, 'broken.md');
      const mapFile = join(b.dir, 'map.tsv');
      const started = Date.now();
      const run = await imghost(['migrate', '--download-timeout', '1', '--map', mapFile, file]);
      assert.ok(Date.now() - started < 3500, 'the slow download was given up after 1 s');
      assert.equal(run.code, 1);
      const errors = run.stderr.split('\n').filter((line) => line.startsWith('error: '));
      assert.equal(errors.length, 4, run.stderr);
      assert.equal(errors[0], `error: ${file}:3: ${b.old.url}/missing.png: cannot download ${b.old.url}/missing.png: HTTP 404`);
      // Served as image/png, but the bytes are a web page.
      assert.ok(errors[1].startsWith(`error: ${file}:4: ${b.old.url}/fake.png: Only images can be uploaded`), errors[1]);
      assert.equal(errors[2], `error: ${file}:5: ${b.old.url}/slow.png: cannot download ${b.old.url}/slow.png: no answer within 1 s`);
      assert.equal(errors[3], `error: ${file}:6: img/nowhere.png: no such file`);
      const map = await readMap(mapFile);
      assert.deepEqual([...map.keys()], [`${b.old.url}/fine.png`]);
      assert.equal(await b.read('broken.md'), b.expected('broken.md', map), 'only the good link changed');
    } finally {
      await b.old.stop();
    }
  });

  test('a backup already there is never overwritten', async () => {
    const b = await blog();
    try {
      const file = join(b.dir, 'page.html');
      await writeFile(`${file}.orig`, 'an older backup\n');
      const run = await imghost(['migrate', '--map', join(b.dir, 'map.tsv'), file]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(await readFile(`${file}.orig`, 'utf8'), 'an older backup\n');
      assert.notEqual(await b.read('page.html'), b.original('page.html'));
      assert.equal((await stat(join(b.dir, 'map.tsv'))).isFile(), true);
    } finally {
      await b.old.stop();
    }
  });
});
