// Runs the `imghost` binary (built beforehand: `cargo build -p imghost-cli`,
// or IMGHOST_BIN) as an editor or a person would, with its own throwaway
// home so a developer's stored login never leaks into a test.
import { spawn } from 'node:child_process';
import { after, before } from 'node:test';
import { createHash } from 'node:crypto';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { pngFile } from '../support/png.mjs';
import { ROOT, startStack } from '../support/stack.mjs';

export const BIN = process.env.IMGHOST_BIN ? resolve(process.env.IMGHOST_BIN) : join(ROOT, 'target/debug/imghost');

export async function checkBinary() {
  try {
    await access(BIN, constants.X_OK);
  } catch {
    throw new Error(`${BIN} not found: build it with \`cargo build -p imghost-cli\` or set IMGHOST_BIN`);
  }
}

export const tempDir = () => mkdtemp(join(tmpdir(), 'imghost-cli-test-'));

/** The environment of the binary: a clean home, no display, no imghost settings. */
export function cliEnv({ home, url, token, env = {} }) {
  const base = { ...process.env };
  // No terminal settings either: the tests read its output as text.
  for (const name of ['IMGHOST_URL', 'IMGHOST_TOKEN', 'IMGHOST_PICGO_ALLOW_ORIGIN', 'DISPLAY', 'WAYLAND_DISPLAY', 'FORCE_COLOR', 'CLICOLOR_FORCE']) {
    delete base[name];
  }
  return {
    ...base,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    ...(url === undefined ? {} : { IMGHOST_URL: url }),
    ...(token === undefined ? {} : { IMGHOST_TOKEN: token }),
    ...env,
  };
}

/** Starts the binary; the caller owns the child. */
export function spawnCli(args, options) {
  return spawn(BIN, args, { env: cliEnv(options), cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs the binary to the end: `{code, stdout, stderr}`. */
export function runCli(args, { input, ...options }) {
  return new Promise((done, fail) => {
    const child = spawnCli(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`imghost ${args.join(' ')} did not finish within 60 s\n${stderr}`));
    }, 60_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    // The binary may exit without reading its input (a usage error does):
    // writing to it then fails with EPIPE, which is no test failure.
    child.stdin.on('error', (error) => {
      if (error.code !== 'EPIPE') fail(error);
    });
    child.stdin.end(input);
  });
}

/**
 * A small PNG whose pixels come from `seed`: different seeds, different
 * bytes (so never a duplicate of another test's image), and no metadata
 * chunks for the server to strip, so it is served byte for byte.
 */
export function pngBytes(seed, { width = 2, height = 2 } = {}) {
  const pixels = Buffer.alloc(height * (1 + width * 3));
  let digest = createHash('sha256').update(String(seed)).digest();
  for (let y = 0, i = 0; y < height; y++) {
    pixels[i++] = 0; // filter: none
    for (let x = 0; x < width * 3; x++, i++) {
      if (i % 32 === 0) digest = createHash('sha256').update(digest).digest();
      pixels[i] = digest[i % 32];
    }
  }
  return pngFile(width, height, deflateSync(pixels));
}

/**
 * Another web host on 127.0.0.1 serving `files` ({path: {bytes, type}});
 * `requests` records what it was asked ({method, url, headers}).
 */
export async function startWebHost(files) {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    const file = files[req.url];
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found\n');
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.bytes.length });
    res.end(file.bytes);
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    stop: () => new Promise((done) => {
      server.closeAllConnections();
      server.close(done);
    }),
  };
}

/** Writes `pngBytes(seed)` to `dir/name` and returns the path and bytes. */
export async function writePng(dir, name, seed = name, size) {
  const bytes = pngBytes(seed, size);
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, bytes };
}

/** GET a URL: status and body bytes. */
export async function download(url) {
  const response = await fetch(url);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The stack's API directly, to check what the binary did. */
export async function apiQuery(stack, params) {
  const response = await fetch(`${stack.url}/query?${params}`, { headers: { Authorization: `Bearer ${stack.token}` } });
  return response.json();
}

export const IMAGE_URL = (stack) => new RegExp(`^${stack.url.replace(/[.]/g, '\\.')}/i/\\d{4}-\\d{2}-\\d{2}/[0-9a-f-]{36}\\.png$`);

/**
 * A test file's own stack, throwaway home and work folder, started before
 * its tests and removed after them. The returned object is filled in then;
 * `run(args, options)` runs the binary against the stack.
 */
export function useStack(stackOptions = {}) {
  const ctx = {};
  before(async () => {
    await checkBinary();
    [ctx.stack, ctx.home, ctx.dir] = await Promise.all([startStack(stackOptions), tempDir(), tempDir()]);
  });
  after(async () => {
    await ctx.stack?.stop();
    await Promise.all([ctx.home, ctx.dir].filter(Boolean).map((path) => rm(path, { recursive: true, force: true })));
  });
  ctx.run = (args, options = {}) => runCli(args, { home: ctx.home, url: ctx.stack.url, token: ctx.stack.token, ...options });
  return ctx;
}
