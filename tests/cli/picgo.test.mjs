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
import { IMAGE_URL, checkBinary, download, pngBytes, runCli, spawnCli, tempDir, writePng } from './helpers.mjs';

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

  test('an image URL in the list is downloaded and uploaded', async () => {
    const file = await writePng(dir, 'web.png');
    const [url] = JSON.parse((await picgo([file.path])).text).result;
    const body = JSON.parse((await picgo([url])).text);
    assert.deepEqual(body, { success: true, result: [url] });
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

async function waitFor(condition, what) {
  const deadline = Date.now() + 10_000;
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

describe('only local programs', () => {
  test('a web page (Origin) or another host name (DNS rebinding) is refused', async () => {
    const file = await writePng(dir, 'evil.png');
    const body = JSON.stringify({ list: [file.path] });
    const fromPage = await post('/upload', { body, headers: { 'Content-Type': 'text/plain', Origin: 'https://evil.example' } });
    assert.equal(fromPage.status, 403);
    assert.deepEqual(JSON.parse(fromPage.text), { success: false, message: 'refused: request from the web page https://evil.example' });
    const rebound = await post('/upload', { body, headers: { Host: `evil.example:${port}` } });
    assert.equal(rebound.status, 403);
    assert.deepEqual(JSON.parse(rebound.text), { success: false, message: `refused: request for host "evil.example:${port}", not this machine` });
    const obsidian = await post('/upload', { body, headers: { 'Content-Type': 'application/json', Origin: 'app://obsidian.md' } });
    assert.equal(JSON.parse(obsidian.text).success, true);
  });

  test('from an opaque origin (a sandboxed frame, or a local file) only JSON is taken', async () => {
    const file = await writePng(dir, 'sandboxed.png');
    const body = JSON.stringify({ list: [file.path] });
    const form = await post('/upload', { body, headers: { 'Content-Type': 'text/plain', Origin: 'null' } });
    assert.equal(form.status, 403);
    assert.deepEqual(JSON.parse(form.text), { success: false, message: 'refused: a request from an opaque origin (Origin: null) must be JSON' });
    const json = await post('/upload', { body, headers: { 'Content-Type': 'application/json', Origin: 'null' } });
    assert.equal(JSON.parse(json.text).success, true);
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

  test('the bridge logs one line per image on stderr', () => {
    assert.match(bridge.log, new RegExp(`imghost picgo: listening on http://127\\.0\\.0\\.1:${port}/upload, uploading to ${stack.url.replace(/\./g, '\\.')} \\(Ctrl-C to stop\\)\n`));
    assert.match(bridge.log, /imghost picgo: \S+typora-1\.png -> http:\/\/127\.0\.0\.1:\d+\/i\/\S+\.png\n/);
    assert.match(bridge.log, /imghost picgo: \S+again\.png -> \S+ \(uploaded before\)\n/);
  });
});
