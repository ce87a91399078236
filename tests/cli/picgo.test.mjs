// `imghost picgo`: the PicGo upload protocol on a local port, as Typora
// ("PicGo (app)") and Obsidian ("Image auto upload") speak it, against a
// real stack.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, startStack } from '../support/stack.mjs';
import { IMAGE_URL, apiQuery, checkBinary, download, pngBytes, runCli, spawnCli, startWebHost, tempDir, writePng } from './helpers.mjs';

let stack;
let home;
let dir;
let bridge;
let port;

/** Starts `imghost picgo --port <port>` and waits until it listens; `child.log` is its stderr. */
async function startBridge(options, onPort = port) {
  const child = spawnCli(['picgo', '--port', String(onPort)], options);
  child.stdin.end();
  child.log = '';
  await new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`imghost picgo did not start:\n${child.log}`)), 30_000);
    child.stderr.on('data', (chunk) => {
      child.log += chunk;
      if (child.log.includes('listening on')) {
        clearTimeout(timer);
        ready();
      }
    });
    child.on('exit', (code) => fail(new Error(`imghost picgo exited with ${code}:\n${child.log}`)));
  });
  return child;
}

/** CLI options for the stack, signed in, with this test's home. */
const signedIn = (options = {}) => ({ home, url: stack.url, token: stack.token, ...options });

before(async () => {
  await checkBinary();
  [stack, home, dir, port] = await Promise.all([startStack(), tempDir(), tempDir(), freePort()]);
  bridge = await startBridge(signedIn());
});
after(async () => {
  bridge?.kill('SIGKILL');
  await stack?.stop();
  await Promise.all([home, dir].filter(Boolean).map((path) => rm(path, { recursive: true, force: true })));
});

/** A raw HTTP request, so that any header (Host, Origin) can be sent. */
function post(path, { body = '', headers = {}, to = port } = {}) {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port: to, path, method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode, type: res.headers['content-type'], text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

/** What Typora and Obsidian send: a JSON list of local paths. */
const picgo = (list) =>
  post('/upload', { body: JSON.stringify({ list }), headers: { 'Content-Type': 'application/json' } });

describe('POST /upload with a list of paths', () => {
  test('uploads each file and answers the URLs in order, serving the same bytes', async () => {
    const files = await Promise.all(['typora-1.png', 'typora-2.png', 'typora-3.png', 'typora-4.png'].map((name) => writePng(dir, name)));
    const { status, type, text } = await picgo(files.map((file) => file.path));
    assert.equal(status, 200);
    assert.equal(type, 'application/json');
    const body = JSON.parse(text);
    assert.deepEqual(Object.keys(body), ['success', 'result']);
    assert.equal(body.success, true);
    assert.equal(body.result.length, 4);
    for (const [i, url] of body.result.entries()) {
      assert.match(url, IMAGE_URL(stack));
      const served = await download(url);
      assert.equal(served.status, 200);
      assert.ok(served.bytes.equals(files[i].bytes), `result ${i} is the URL of list entry ${i}`);
    }
  });

  test('the same file again answers the same URL', async () => {
    const file = await writePng(dir, 'again.png');
    const first = JSON.parse((await picgo([file.path])).text);
    const second = JSON.parse((await picgo([file.path])).text);
    assert.deepEqual(second, first);
  });

  test('an image URL in the list is downloaded from its host and uploaded', async () => {
    // Bytes imghost has never seen, on another host (a stand-in on 127.0.0.1).
    const bytes = pngBytes('only on the other host');
    const web = await startWebHost({ '/shots/from-another-host.png?size=large': { bytes, type: 'image/png' } });
    try {
      const source = `${web.url}/shots/from-another-host.png?size=large`;
      const { status, text } = await picgo([source]);
      assert.equal(status, 200);
      const body = JSON.parse(text);
      assert.equal(body.success, true, text);
      assert.equal(body.result.length, 1);
      const [url] = body.result;
      assert.match(url, IMAGE_URL(stack), 'a new imghost URL, not the one sent');
      const served = await download(url);
      assert.equal(served.status, 200);
      assert.ok(served.bytes.equals(bytes), 'imghost serves the bytes the other host served');
      // Fetched once, as a plain download: the imghost token stays home.
      assert.deepEqual(web.requests.map((r) => `${r.method} ${r.url}`), ['GET /shots/from-another-host.png?size=large']);
      assert.equal(web.requests[0].headers.authorization, undefined);
      const stored = (await apiQuery(stack, 'search=from-another-host')).results;
      assert.deepEqual(stored.map((image) => [image.original_name, image.image_url]), [['from-another-host.png', url]]);
    } finally {
      await web.stop();
    }
  });

  test('an image URL whose host answers 404 fails with the status', async () => {
    const web = await startWebHost({});
    try {
      const source = `${web.url}/gone.png`;
      const body = JSON.parse((await picgo([source])).text);
      assert.deepEqual(body, { success: false, message: `${source}: cannot download ${source}: HTTP 404` });
    } finally {
      await web.stop();
    }
  });

  test('any failure: success false and a message naming each failed file', async () => {
    const good = await writePng(dir, 'fine.png');
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'just some text\n');
    const missing = join(dir, 'gone.png');
    const { status, text: answer } = await picgo([good.path, text, missing]);
    assert.equal(status, 200);
    assert.deepEqual(JSON.parse(answer), {
      success: false,
      message:
        `${text}: Only images can be uploaded (PNG, JPEG, GIF, WebP, AVIF, BMP, ICO); this file looks like plain text (text/plain); ` +
        `${missing}: no such file`,
    });
  });

  test('a body that is not PicGo JSON is a 400 with a PicGo-shaped answer', async () => {
    const { status, text } = await post('/upload', { body: 'list=/a.png', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(status, 400);
    const body = JSON.parse(text);
    assert.equal(body.success, false);
    assert.match(body.message, /^expected a JSON body like \{"list": \["\/path\/to\/image\.png"\]\}/);
  });
});

describe('POST /upload without a list: the clipboard', () => {
  for (const [what, body] of [['an empty body', ''], ['an empty list', '{"list":[]}']]) {
    test(`${what} asks for the clipboard, which a headless machine does not have`, async () => {
      const answer = await post('/upload', { body, headers: body ? { 'Content-Type': 'application/json' } : {} });
      assert.equal(answer.status, 200);
      assert.deepEqual(JSON.parse(answer.text), {
        success: false,
        message:
          'clipboard: no clipboard to read: this session has no display (neither WAYLAND_DISPLAY nor DISPLAY is set); send image file paths instead',
      });
    });
  }
});

// Generous: on a loaded machine Xvfb and xclip take seconds to start.
async function waitFor(condition, what) {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

// Needs Xvfb and xclip (scripts/setup.sh --test installs them).
describe('POST /upload without a list on a desktop (X11)', () => {
  test('uploads the image on the clipboard', async () => {
    // Xvfb picks a free display itself and writes its number once it
    // accepts connections (-displayfd), so no guessing and no waiting.
    const xvfb = spawn('Xvfb', ['-displayfd', '1', '-nolisten', 'tcp', '-screen', '0', '320x240x24'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let x11Bridge;
    let clipboardOwner;
    try {
      const display = await new Promise((resolve, reject) => {
        xvfb.stdout.once('data', (chunk) => resolve(chunk.toString().trim()));
        xvfb.once('exit', () => reject(new Error('Xvfb did not start')));
      });
      const env = { DISPLAY: `:${display}` };
      const copied = join(dir, 'copied.png');
      const bytes = pngBytes('on the clipboard');
      await writeFile(copied, bytes);
      // xclip -quiet stays in the foreground and owns the clipboard until killed.
      clipboardOwner = spawn('xclip', ['-quiet', '-selection', 'clipboard', '-target', 'image/png', '-in', copied], {
        env: { ...process.env, ...env },
        stdio: 'ignore',
      });
      const targets = () => {
        try {
          return execFileSync('xclip', ['-selection', 'clipboard', '-target', 'TARGETS', '-out'], {
            env: { ...process.env, ...env },
            stdio: ['ignore', 'pipe', 'ignore'],
          }).toString();
        } catch {
          return '';
        }
      };
      await waitFor(() => targets().includes('image/png'), 'xclip to own the clipboard');
      const x11Port = await freePort();
      x11Bridge = await startBridge(signedIn({ env }), x11Port);
      const answer = await post('/upload', { to: x11Port });
      const body = JSON.parse(answer.text);
      assert.equal(body.success, true, answer.text);
      assert.equal(body.result.length, 1);
      assert.ok((await download(body.result[0])).bytes.equals(bytes));

      // Once its owner is gone the clipboard is empty.
      const gone = new Promise((done) => clipboardOwner.once('exit', done));
      clipboardOwner.kill('SIGKILL');
      await gone;
      const empty = JSON.parse((await post('/upload', { to: x11Port })).text);
      assert.deepEqual(empty, {
        success: false,
        message: 'clipboard: the clipboard holds no image (copy an image or take a screenshot first)',
      });
    } finally {
      x11Bridge?.kill('SIGKILL');
      clipboardOwner?.kill('SIGKILL');
      xvfb.kill('SIGKILL');
    }
  });
});

describe('POST /upload with a form (PicList, Obsidian remote server mode)', () => {
  test('uploads every file of the form, in order', async () => {
    const a = pngBytes('form a');
    const b = pngBytes('form b');
    const form = new FormData();
    form.append('key', 'ignored text field');
    form.append('list', new Blob([a]), 'form-a.png');
    form.append('list', new Blob([b]), 'form-b.png');
    const response = await fetch(`http://127.0.0.1:${port}/upload`, { method: 'POST', body: form });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.success, true);
    assert.equal(body.result.length, 2);
    assert.ok((await download(body.result[0])).bytes.equals(a));
    assert.ok((await download(body.result[1])).bytes.equals(b));
  });
});

/** The answer the bridge gives a caller whose Origin it does not serve. */
const refusal = (origin) => ({
  success: false,
  message:
    `refused: request from the web page ${JSON.stringify(origin)}: only programs that send no Origin header may use this bridge ` +
    `(to allow this origin, start it with IMGHOST_PICGO_ALLOW_ORIGIN=${JSON.stringify(origin)})`,
});

/** What the stack holds under names containing `text`. */
const storedNamed = async (text) => (await apiQuery(stack, `search=${encodeURIComponent(text)}`)).results.map((image) => image.original_name);

describe('only programs that send no Origin, unless allowed', () => {
  test('web pages on any port, local files and sandboxed frames are refused, and nothing is uploaded', async () => {
    const file = await writePng(dir, 'not-for-pages.png');
    const body = JSON.stringify({ list: [file.path] });
    const origins = ['http://localhost:3000', 'http://127.0.0.1:8080', `http://127.0.0.1:${port}`, 'null', 'https://evil.example', 'app://obsidian.md'];
    for (const origin of origins) {
      // A page's simple request (text/plain needs no preflight) and JSON alike.
      for (const type of ['text/plain', 'application/json']) {
        const answer = await post('/upload', { body, headers: { 'Content-Type': type, Origin: origin } });
        assert.equal(answer.status, 403, `${origin} ${type}`);
        assert.equal(answer.type, 'application/json');
        assert.deepEqual(JSON.parse(answer.text), refusal(origin));
      }
      const heartbeat = await post('/heartbeat', { headers: { Origin: origin } });
      assert.equal(heartbeat.status, 403, origin);
    }
    // A form, as a page's <form enctype="multipart/form-data"> posts it.
    const form = new FormData();
    form.append('list', new Blob([pngBytes('posted by a page')]), 'page-form.png');
    const posted = await fetch(`http://127.0.0.1:${port}/upload`, { method: 'POST', body: form, headers: { Origin: 'http://localhost:3000' } });
    assert.equal(posted.status, 403);
    assert.deepEqual(await posted.json(), refusal('http://localhost:3000'));
    assert.deepEqual(await storedNamed('not-for-pages'), []);
    assert.deepEqual(await storedNamed('page-form'), []);
    await waitFor(() => bridge.log.includes('imghost picgo: refused: request from the web page "http://localhost:3000": '), 'the refusal on stderr');

    // The same request from a program (no Origin, as Typora and curl send it) is served.
    const program = JSON.parse((await post('/upload', { body, headers: { 'Content-Type': 'application/json' } })).text);
    assert.equal(program.success, true);
    assert.ok((await download(program.result[0])).bytes.equals(file.bytes));
    assert.deepEqual(await storedNamed('not-for-pages'), ['not-for-pages.png']);
  });

  test('another host name (DNS rebinding) is refused', async () => {
    const file = await writePng(dir, 'rebound.png');
    const body = JSON.stringify({ list: [file.path] });
    const rebound = await post('/upload', { body, headers: { Host: `evil.example:${port}` } });
    assert.equal(rebound.status, 403);
    assert.deepEqual(JSON.parse(rebound.text), { success: false, message: `refused: request for host "evil.example:${port}", not this machine` });
    assert.deepEqual(await storedNamed('rebound'), []);
  });

  describe('with IMGHOST_PICGO_ALLOW_ORIGIN="app://obsidian.md null"', () => {
    let allowing;
    let allowingPort;
    before(async () => {
      allowingPort = await freePort();
      allowing = await startBridge(signedIn({ env: { IMGHOST_PICGO_ALLOW_ORIGIN: 'app://obsidian.md null' } }), allowingPort);
    });
    after(() => allowing?.kill('SIGKILL'));

    test('says whom it serves', async () => {
      const line = '\nimghost picgo: serving programs that send no Origin header, and the origins app://obsidian.md, null\n';
      await waitFor(() => allowing.log.includes(line), 'the line naming the allowed origins');
    });

    test('serves Obsidian as it calls: a JSON list, a form, and an empty body for the clipboard', async () => {
      const file = await writePng(dir, 'obsidian-list.png');
      const obsidian = { 'Content-Type': 'application/json', Origin: 'app://obsidian.md' };
      const listed = await post('/upload', { to: allowingPort, body: JSON.stringify({ list: [file.path] }), headers: obsidian });
      assert.equal(listed.status, 200);
      const [url] = JSON.parse(listed.text).result;
      assert.ok((await download(url)).bytes.equals(file.bytes));

      const bytes = pngBytes('obsidian remote server mode');
      const form = new FormData();
      form.append('list', new Blob([bytes]), '1700000000000.png');
      const formed = await fetch(`http://127.0.0.1:${allowingPort}/upload`, { method: 'POST', body: form, headers: { Origin: 'app://obsidian.md' } });
      assert.equal(formed.status, 200);
      const formBody = await formed.json();
      assert.equal(formBody.success, true, JSON.stringify(formBody));
      assert.ok((await download(formBody.result[0])).bytes.equals(bytes));

      const clipboard = await post('/upload', { to: allowingPort, headers: { Origin: 'app://obsidian.md' } });
      assert.equal(clipboard.status, 200);
      assert.match(JSON.parse(clipboard.text).message, /^clipboard: no clipboard to read/);
    });

    test('other origins are still refused', async () => {
      const file = await writePng(dir, 'still-refused.png');
      const body = JSON.stringify({ list: [file.path] });
      for (const origin of ['http://localhost:3000', 'app://obsidian.md.evil.example', 'https://evil.example']) {
        const answer = await post('/upload', { to: allowingPort, body, headers: { 'Content-Type': 'text/plain', Origin: origin } });
        assert.equal(answer.status, 403, origin);
        assert.deepEqual(JSON.parse(answer.text), refusal(origin));
      }
      assert.deepEqual(await storedNamed('still-refused'), []);
    });

    test('an allowed opaque origin (Origin: null) still only gets JSON taken', async () => {
      const file = await writePng(dir, 'opaque.png');
      const body = JSON.stringify({ list: [file.path] });
      const text = await post('/upload', { to: allowingPort, body, headers: { 'Content-Type': 'text/plain', Origin: 'null' } });
      assert.equal(text.status, 403);
      assert.deepEqual(JSON.parse(text.text), { success: false, message: 'refused: a request from an opaque origin (Origin: null) must be JSON' });
      assert.deepEqual(await storedNamed('opaque'), []);
      const json = await post('/upload', { to: allowingPort, body, headers: { 'Content-Type': 'application/json', Origin: 'null' } });
      assert.equal(JSON.parse(json.text).success, true);
    });
  });

  test('it will not listen on anything but loopback', async () => {
    const { code, stdout, stderr } = await runCli(['picgo', '--host', '0.0.0.0', '--port', String(await freePort())], signedIn());
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      'error: refusing to listen on 0.0.0.0: the PicGo bridge uploads any image path it is sent, so it only listens on loopback (127.0.0.1 or ::1)\n',
    );
  });

  test('a port already taken (PicGo itself running) is a clear error', async () => {
    const { code, stderr } = await runCli(['picgo', '--port', String(port)], signedIn());
    assert.equal(code, 1);
    assert.equal(
      stderr,
      `error: cannot listen on 127.0.0.1:${port}: the port is in use (is PicGo or another \`imghost picgo\` running? quit it or pass --port)\n`,
    );
  });
});

describe('other routes', () => {
  test('POST /heartbeat answers like PicGo; unknown routes are a JSON 404', async () => {
    const heartbeat = await post('/heartbeat');
    assert.equal(heartbeat.status, 200);
    assert.deepEqual(JSON.parse(heartbeat.text), { success: true, result: 'alive' });
    const unknown = await post('/nothing');
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.text).success, false);
  });

  test('the bridge logs one line per image, and one per refused request, on stderr', async () => {
    const ownPort = await freePort();
    const own = await startBridge(signedIn(), ownPort);
    try {
      const [a, b] = await Promise.all([writePng(dir, 'logged-a.png'), writePng(dir, 'logged-b.png')]);
      const missing = join(dir, 'logged-missing.png');
      const send = (list, headers = { 'Content-Type': 'application/json' }) =>
        post('/upload', { to: ownPort, body: JSON.stringify({ list }), headers });
      const first = JSON.parse((await send([a.path, b.path, missing])).text);
      assert.equal(first.success, false);
      const [again] = JSON.parse((await send([a.path])).text).result;
      assert.equal((await send([b.path], { 'Content-Type': 'text/plain', Origin: 'https://evil.example' })).status, 403);

      const lines = () => own.log.split('\n').filter(Boolean);
      await waitFor(() => lines().length >= 7, 'seven lines of log');
      await new Promise((settle) => setTimeout(settle, 200));
      const log = lines();
      assert.equal(log.length, 7, own.log);
      assert.deepEqual(log.slice(0, 2), [
        `imghost picgo: listening on http://127.0.0.1:${ownPort}/upload, uploading to ${stack.url} (Ctrl-C to stop)`,
        'imghost picgo: serving programs that send no Origin header',
      ]);
      // The first request's images upload together, so their lines come in any order.
      const uploaded = log.slice(2, 5).sort();
      assert.equal(uploaded.length, 3);
      assert.match(uploaded[0], new RegExp(`^imghost picgo: ${a.path.replace(/[.]/g, '\\.')} -> (${IMAGE_URL(stack).source.slice(1, -1)})$`));
      assert.equal(uploaded[0].split(' -> ')[1], again);
      assert.match(uploaded[1], new RegExp(`^imghost picgo: ${b.path.replace(/[.]/g, '\\.')} -> ${IMAGE_URL(stack).source.slice(1, -1)}$`));
      assert.equal(uploaded[2], `imghost picgo: ${missing}: no such file`);
      assert.equal(log[5], `imghost picgo: ${a.path} -> ${again} (uploaded before)`);
      assert.equal(log[6], `imghost picgo: ${refusal('https://evil.example').message}`);
    } finally {
      own.kill('SIGKILL');
    }
  });
});
