// The `imghost` command line tool against a real stack (wrangler dev):
// upload, list, delete, stats, reconcile and login, with the exact output an
// editor or a script reads.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, startStack } from '../support/stack.mjs';
import { IMAGE_URL, apiQuery, checkBinary, download, pngBytes, runCli, tempDir, writePng } from './helpers.mjs';

let stack;
let home;
let dir;
before(async () => {
  await checkBinary();
  [stack, home, dir] = await Promise.all([startStack({ vars: { ORPHAN_GRACE_SECONDS: '0' } }), tempDir(), tempDir()]);
});
after(async () => {
  await stack?.stop();
  await Promise.all([home, dir].filter(Boolean).map((path) => rm(path, { recursive: true, force: true })));
});

/** Runs imghost against the stack with IMGHOST_URL / IMGHOST_TOKEN. */
const imghost = (args, options = {}) => runCli(args, { home, url: stack.url, token: stack.token, ...options });

const lines = (text) => text.split('\n').slice(0, -1);

describe('upload', () => {
  test('prints one URL per file, in argument order, and nothing else', async () => {
    const files = await Promise.all(['one', 'two', 'three', 'four', 'five'].map((name) => writePng(dir, `${name}.png`)));
    const { code, stdout, stderr } = await imghost(['upload', ...files.map((file) => file.path)]);
    assert.equal(stderr, '');
    assert.equal(code, 0);
    const urls = lines(stdout);
    assert.equal(urls.length, files.length);
    for (const [i, url] of urls.entries()) {
      assert.match(url, IMAGE_URL(stack));
      const served = await download(url);
      assert.equal(served.status, 200);
      assert.ok(served.bytes.equals(files[i].bytes), `line ${i + 1} is the URL of argument ${i + 1}`);
    }
    assert.equal(new Set(urls).size, files.length);
  });

  test('--format markdown and --format html', async () => {
    const shot = await writePng(dir, 'shot [1].png', 'markdown', { width: 3, height: 2 });
    const markdown = await imghost(['upload', '--format', 'markdown', shot.path]);
    assert.equal(markdown.code, 0);
    const url = /\]\((.*)\)\n$/.exec(markdown.stdout)?.[1];
    assert.match(url, IMAGE_URL(stack));
    assert.equal(markdown.stdout, `![shot \\[1\\].png](${url})\n`);

    const page = await writePng(dir, 'a "quoted" <b>.png', 'html', { width: 4, height: 5 });
    const html = await imghost(['upload', '--format', 'html', page.path]);
    assert.equal(html.code, 0);
    const src = /src="([^"]*)"/.exec(html.stdout)?.[1];
    assert.match(src, IMAGE_URL(stack));
    assert.equal(html.stdout, `<img src="${src}" alt="a &quot;quoted&quot; &lt;b&gt;.png" width="4" height="5">\n`);

    const url3 = await imghost(['upload', '--format', 'url', (await writePng(dir, 'plain.png')).path]);
    assert.match(url3.stdout, new RegExp(IMAGE_URL(stack).source.replace('$', '\\n$')));

    const bad = await imghost(['upload', '--format', 'bbcode', shot.path]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /invalid value 'bbcode' for '--format <FORMAT>'/);
  });

  test('`-` reads the image from standard input, in its place among the files', async () => {
    const first = await writePng(dir, 'before-stdin.png');
    const piped = pngBytes('from stdin');
    const last = await writePng(dir, 'after-stdin.png');
    const { code, stdout, stderr } = await imghost(['upload', '--format', 'markdown', first.path, '-', last.path], { input: piped });
    assert.equal(stderr, '');
    assert.equal(code, 0);
    const [a, b, c] = lines(stdout);
    assert.match(a, /^!\[before-stdin\.png\]\(/);
    assert.match(b, /^!\[image\.png\]\(/);
    assert.match(c, /^!\[after-stdin\.png\]\(/);
    const stdinUrl = b.slice('![image.png]('.length, -1);
    assert.ok((await download(stdinUrl)).bytes.equals(piped));

    const twice = await imghost(['upload', '-', '-'], { input: piped });
    assert.equal(twice.code, 1);
    assert.equal(twice.stderr, 'error: `-` (standard input) can be given only once\n');
  });

  test('a duplicate is reported on stderr and still gets its URL on stdout', async () => {
    const original = await writePng(dir, 'original.png', 'duplicate');
    const first = await imghost(['upload', original.path]);
    assert.equal(first.stderr, '');
    const copy = join(dir, 'copy.png');
    await writeFile(copy, original.bytes);
    const again = await imghost(['upload', copy]);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, first.stdout);
    const [image] = (await apiQuery(stack, 'search=original.png')).results;
    assert.equal(image.image_url, first.stdout.trim());
    assert.equal(again.stderr, `note: ${copy}: duplicate of image ${image.id} uploaded before; nothing new stored\n`);
  });

  test('failures: one empty line and one reason each, exit code 1, the rest still uploaded', async () => {
    const good = await writePng(dir, 'good.png');
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'just some text\n');
    const empty = join(dir, 'empty.png');
    await writeFile(empty, '');
    const missing = join(dir, 'missing.png');
    const { code, stdout, stderr } = await imghost(['upload', text, good.path, missing, empty, dir]);
    assert.equal(code, 1);
    const out = lines(stdout);
    assert.equal(out.length, 5);
    assert.equal(out[0], '');
    assert.match(out[1], IMAGE_URL(stack));
    assert.deepEqual(out.slice(2), ['', '', '']);
    assert.equal(
      stderr,
      [
        `error: ${text}: Only images can be uploaded (PNG, JPEG, GIF, WebP, AVIF, BMP, ICO); this file looks like plain text (text/plain)`,
        `error: ${missing}: no such file`,
        `error: ${empty}: The file is empty`,
        `error: ${dir}: is a directory`,
        '',
      ].join('\n'),
    );
  });

  test('the server refusing an image gives its message (SVG is off by default)', async () => {
    const svg = join(dir, 'drawing.svg');
    await writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>');
    const { code, stdout, stderr } = await imghost(['upload', svg]);
    assert.equal(code, 1);
    assert.equal(stdout, '\n');
    assert.equal(
      stderr,
      `error: ${svg}: SVG images are refused by this server because they can carry scripts (the operator can allow them with ALLOW_SVG = "true")\n`,
    );
  });

  test('a wrong token fails with the server\'s message', async () => {
    const file = await writePng(dir, 'token.png');
    const { code, stdout, stderr } = await imghost(['upload', file.path], { token: 'not-the-token' });
    assert.equal(code, 1);
    assert.equal(stdout, '\n');
    assert.equal(
      stderr,
      `error: ${file.path}: Unauthorized: send the admin token or a named token as \`Authorization: Bearer <token>\` (check the token: run \`imghost login\` or set IMGHOST_TOKEN)\n`,
    );
  });

  test('an unreachable server: "cannot reach" and exit code 1', async () => {
    const port = await freePort();
    const file = await writePng(dir, 'nowhere.png');
    const { code, stdout, stderr } = await imghost(['upload', file.path], { url: `http://127.0.0.1:${port}` });
    assert.equal(code, 1);
    assert.equal(stdout, '\n');
    assert.equal(stderr, `error: ${file.path}: cannot reach http://127.0.0.1:${port}: Connection refused (os error 111)\n`);
  });

  test('--clipboard without a display says so', async () => {
    const { code, stdout, stderr } = await imghost(['upload', '--clipboard']);
    assert.equal(code, 1);
    assert.equal(stdout, '\n');
    assert.equal(
      stderr,
      'error: clipboard: no clipboard to read: this session has no display (neither WAYLAND_DISPLAY nor DISPLAY is set); send image file paths instead\n',
    );
  });

  test('without a login or IMGHOST_URL there is nothing to talk to', async () => {
    const file = await writePng(dir, 'anonymous.png');
    const { code, stdout, stderr } = await imghost(['upload', file.path], { url: undefined, token: undefined });
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(stderr, 'error: not logged in: run `imghost login`, or set IMGHOST_URL and IMGHOST_TOKEN\n');
  });
});

describe('list', () => {
  const sizeText = (bytes) => `${bytes} B`;
  const utcMinute = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

  test('--search and --json, newest first', async () => {
    for (const name of ['list-alpha-1.png', 'list-alpha-2.png', 'list-beta.png']) {
      assert.equal((await imghost(['upload', (await writePng(dir, name)).path])).code, 0);
    }
    const { code, stdout, stderr } = await imghost(['list', '--search', 'list-alpha', '--json']);
    assert.equal(code, 0);
    assert.equal(stderr, '');
    const images = JSON.parse(stdout);
    assert.deepEqual(images.map((image) => image.original_name), ['list-alpha-2.png', 'list-alpha-1.png']);
    assert.deepEqual(images, (await apiQuery(stack, 'search=list-alpha')).results);
  });

  test('the table, exactly', async () => {
    const images = (await apiQuery(stack, 'search=list-alpha')).results;
    const rows = [
      ['ID', 'UPLOADED (UTC)', 'SIZE', 'PIXELS', 'URL', 'NAME'],
      ...images.map((image) => [String(image.id), utcMinute(image.created_at), sizeText(image.size), '2x2', image.image_url, image.original_name]),
    ];
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    const expected = rows
      .map((row) => row.map((cell, column) => (column === 0 ? cell.padStart(widths[0]) : column === 5 ? cell : cell.padEnd(widths[column]))).join('  '))
      .join('\n');
    const { code, stdout, stderr } = await imghost(['list', '--search', 'list-alpha']);
    assert.equal(code, 0);
    assert.equal(stdout, `${expected}\n`);
    assert.equal(stderr, '');
  });

  test('--limit pages through the cursor, and says how many more there are', async () => {
    const files = await Promise.all(Array.from({ length: 53 }, (_, i) => writePng(dir, `page-${i}.png`)));
    const upload = await imghost(['upload', ...files.map((file) => file.path)]);
    assert.equal(upload.code, 0, upload.stderr);

    const all = await imghost(['list', '--search', 'page-', '--all', '--json']);
    const everything = JSON.parse(all.stdout);
    assert.equal(everything.length, 53);
    const ids = everything.map((image) => image.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    assert.equal(new Set(ids).size, 53);

    const some = await imghost(['list', '--search', 'page-', '--limit', '51', '--json']);
    assert.deepEqual(JSON.parse(some.stdout), everything.slice(0, 51));

    const two = await imghost(['list', '--search', 'page-', '--limit', '2']);
    assert.equal(lines(two.stdout).length, 3);
    assert.equal(two.stderr, '2 of 53 images; --limit N or --all for more\n');

    const byDefault = await imghost(['list', '--search', 'page-', '--json']);
    assert.equal(JSON.parse(byDefault.stdout).length, 20);
  });

  test('nothing found, and bad limits', async () => {
    const none = await imghost(['list', '--search', 'nothing-is-called-this']);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
    assert.equal(none.stderr, 'no images match "nothing-is-called-this"\n');
    assert.equal((await imghost(['list', '--search', 'nothing-is-called-this', '--json'])).stdout, '[]\n');
    const zero = await imghost(['list', '--limit', '0']);
    assert.equal(zero.code, 2);
  });

  test('a wrong token', async () => {
    const { code, stdout, stderr } = await imghost(['list'], { token: 'wrong' });
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^error: Unauthorized: .* \(check the token: run `imghost login` or set IMGHOST_TOKEN\)\n$/);
  });
});

describe('delete', () => {
  async function uploaded(name) {
    const { stdout } = await imghost(['upload', (await writePng(dir, name)).path]);
    const url = stdout.trim();
    const [image] = (await apiQuery(stack, `search=${encodeURIComponent(name)}`)).results;
    assert.equal(image.image_url, url);
    return image;
  }

  test('by id', async () => {
    const image = await uploaded('delete-by-id.png');
    const { code, stdout, stderr } = await imghost(['delete', String(image.id)]);
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.equal(stdout, `deleted ${image.id} ${image.object_key}\n`);
    assert.equal((await download(image.image_url)).status, 404);

    const again = await imghost(['delete', String(image.id)]);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, '');
    assert.equal(again.stderr, `error: ${image.id}: Image ${image.id} is in the trash already\n`);
  });

  test('by URL, with no listing', async () => {
    const image = await uploaded('delete-by-url.png');
    const { code, stdout, stderr } = await imghost(['delete', image.image_url]);
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.equal(stdout, `deleted ${image.id} ${image.object_key}\n`);
    assert.equal((await download(image.image_url)).status, 404);

    const again = await imghost(['delete', image.image_url]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `error: ${image.image_url}: Image ${image.id} is in the trash already\n`);
  });

  test('several at once; junk is refused, the rest deleted, exit code 1', async () => {
    const a = await uploaded('delete-a.png');
    const b = await uploaded('delete-b.png');
    const { code, stdout, stderr } = await imghost(['delete', String(a.id), 'cat', 'blog/none-of-mine.png', b.image_url]);
    assert.equal(code, 1);
    assert.equal(stdout, `deleted ${a.id} ${a.object_key}\ndeleted ${b.id} ${b.object_key}\n`);
    const [junk, unknown, ...rest] = stderr.split('\n');
    assert.equal(
      junk,
      'error: cat: not an image id or image URL (expected e.g. 42 or https://imghost.you.workers.dev/i/2026-11-28/<uuid>.png)',
    );
    // A key of any shape is the server's to look up: no image has it.
    assert.equal(unknown, "error: blog/none-of-mine.png: No image with key blog/none-of-mine.png");
    assert.deepEqual(rest, ['']);
  });
});

describe('stats', () => {
  test('counts what the server counts', async () => {
    const json = await imghost(['stats', '--json']);
    assert.equal(json.code, 0);
    const stats = JSON.parse(json.stdout);
    assert.equal(stats.success, true);
    assert.equal(stats.image_count, (await apiQuery(stack, 'pageSize=1')).total);

    const text = await imghost(['stats']);
    assert.equal(text.code, 0);
    assert.equal(text.stderr, '');
    const [images, stored, saved, compressions] = lines(text.stdout);
    assert.equal(images, `images        ${stats.image_count}`);
    assert.match(stored, /^stored {8}\d+(\.\d)? (B|KB|MB)$/);
    assert.match(saved, /^saved {9}\d+(\.\d)? (B|KB|MB)$/);
    assert.equal(compressions, 'compressions  none yet');
  });
});

describe('reconcile', () => {
  test('reports, then repairs, an object without a row and a row without an object', async () => {
    const clean = await imghost(['reconcile']);
    assert.equal(clean.code, 0);
    assert.match(clean.stdout, /^checked \d+ objects and \d+ rows\neverything matches\n$/);

    await stack.sql(
      "INSERT INTO images (object_key, original_name, image_url, size, created_at) VALUES ('2020-01-01/ghost.png', 'ghost.png', 'x', 1, 1)",
    );
    const orphan = join(dir, 'orphan.png');
    await writeFile(orphan, pngBytes('orphan'));
    const orphanKey = '2020-01-01/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png';
    await stack.putObject(orphanKey, orphan);
    await stack.putObject('notes/readme.png', orphan);

    const report = await imghost(['reconcile']);
    assert.equal(report.code, 0);
    const ghostId = (await stack.sql("SELECT id FROM images WHERE object_key = '2020-01-01/ghost.png'"))[0].id;
    assert.match(
      report.stdout,
      new RegExp(
        '^checked \\d+ objects and \\d+ rows\n' +
          'left alone 1 object that imghost did not write \\(other files in the bucket\\)\n' +
          '  notes/readme\\.png\n' +
          'found 1 object without a row \\(objects in the bucket that no image refers to\\)\n' +
          `  ${orphanKey.replaceAll('.', '\\.')}\n` +
          'found 1 row without an object \\(images whose file is gone\\)\n' +
          `  ${ghostId} 2020-01-01/ghost\\.png ghost\\.png\n` +
          'run `imghost reconcile --repair` to delete them\n$',
      ),
    );

    // Without a terminal to ask at, nothing is deleted unless --yes says so.
    const refused = await imghost(['reconcile', '--repair']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, '');
    assert.equal(
      refused.stderr,
      `about to delete 1 object and 1 row:\n  object ${orphanKey}\n  row ${ghostId} 2020-01-01/ghost.png\n` +
        'error: nothing deleted: pass --yes to repair without being asked\n',
    );
    assert.match((await imghost(['reconcile'])).stdout, /found 1 object without a row/);

    const repaired = await imghost(['reconcile', '--repair', '--yes', '--json']);
    assert.equal(repaired.code, 0);
    const body = JSON.parse(repaired.stdout);
    assert.equal(body.repaired, true);
    assert.deepEqual(body.orphan_objects, [orphanKey]);
    assert.deepEqual(body.foreign_objects, ['notes/readme.png']);
    assert.deepEqual(body.missing_objects.map((row) => row.object_key), ['2020-01-01/ghost.png']);

    assert.match((await imghost(['reconcile'])).stdout, /everything matches\n$/);
    assert.equal((await fetch(`${stack.url}/i/notes/readme.png`)).status, 200);
  });

  test('--adopt makes objects put straight into the bucket into images, deleting nothing', async () => {
    const adopted = await imghost(['reconcile', '--adopt']);
    assert.equal(adopted.code, 0, adopted.stderr);
    const id = (await stack.sql("SELECT id FROM images WHERE object_key = 'notes/readme.png'"))[0].id;
    assert.match(adopted.stdout, new RegExp(`^adopted 1 object as images\n  ${id} notes/readme\\.png\n`, 'm'));
    assert.match((await imghost(['reconcile'])).stdout, /everything matches\n$/);
    assert.equal((await fetch(`${stack.url}/i/notes/readme.png`)).status, 200);
  });
});

describe('login', () => {
  test('checks the URL and token, then stores them readable by the owner only', async () => {
    const own = await tempDir();
    try {
      const login = await runCli(['login'], { home: own, input: `${stack.url}/\n${stack.token}\n` });
      assert.equal(login.code, 0, login.stderr);
      const file = join(own, '.config/imghost/config.json');
      const total = (await apiQuery(stack, 'pageSize=1')).total;
      assert.equal(
        login.stderr,
        `imghost API URL (e.g. https://imghost.you.workers.dev): Token (input hidden): Logged in to ${stack.url} (${total} images stored). Saved to ${file}\n`,
      );
      assert.equal(login.stdout, '');
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { url: stack.url, token: stack.token });
      assert.equal((await stat(file)).mode & 0o777, 0o600);

      // The stored login is used when the environment says nothing...
      const stats = await runCli(['stats', '--json'], { home: own });
      assert.equal(stats.code, 0, stats.stderr);
      assert.equal(JSON.parse(stats.stdout).image_count, total);
      // ...and the environment wins over it.
      const wrong = await runCli(['stats'], { home: own, token: 'wrong' });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /^error: Unauthorized/);

      // A wrong token is refused and the stored login is kept.
      const refused = await runCli(['login'], { home: own, input: '\nwrong\n' });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^imghost API URL \[http:\/\/127\.0\.0\.1:\d+\]: Token \(input hidden\): error: login failed, nothing saved: Unauthorized/);
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { url: stack.url, token: stack.token });
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  test('refuses what is not an http(s) URL', async () => {
    const { code, stderr } = await runCli(['login', '--url', 'imghost.example.com'], { home, input: 'token\n' });
    assert.equal(code, 1);
    assert.match(stderr, /^error: "imghost\.example\.com" is not a URL/);
  });
});
