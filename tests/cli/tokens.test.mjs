// `imghost token create|list|revoke` against a real stack (wrangler dev),
// and what a token with fewer scopes than the admin's can and cannot do
// from the command line: upload (also through the PicGo bridge and after
// `imghost login`), but not list, purge or mint a stronger token.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../support/stack.mjs';
import { IMAGE_URL, download, runCli, spawnCli, tempDir, useStack, writePng } from './helpers.mjs';

const ctx = useStack();
const TOKEN = /^ih_[0-9a-f]{64}\n$/;

/** Creates a token with the admin token; returns it (without the newline). */
async function created(name, scope, ...more) {
  const { code, stdout, stderr } = await ctx.run(['token', 'create', '--name', name, '--scope', scope, ...more]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, TOKEN);
  return stdout.trim();
}

const utcMinute = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

describe('token create', () => {
  test('prints only the token on stdout and a note on stderr', async () => {
    const { code, stdout, stderr } = await ctx.run(['token', 'create', '--name', 'typora', '--scope', 'upload']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, TOKEN);
    assert.equal(stderr, 'note: token `typora` (upload; never expires) is shown this once: store it now\n');
  });

  test('--expires-in-days and several scopes', async () => {
    const before = Date.now();
    const { code, stdout, stderr } = await ctx.run([
      'token', 'create', '--name', 'ci.laptop_2-b', '--scope', 'read, upload', '--scope', 'read', '--expires-in-days', '30',
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, TOKEN);
    const [info] = JSON.parse((await ctx.run(['token', 'list', '--json'])).stdout).filter((t) => t.name === 'ci.laptop_2-b');
    assert.deepEqual(info.scopes, ['upload', 'read']);
    const day = 86_400_000;
    assert.ok(info.expires_at >= before + 30 * day && info.expires_at <= Date.now() + 30 * day, String(info.expires_at));
    assert.equal(
      stderr,
      `note: token \`ci.laptop_2-b\` (upload,read; expires ${utcMinute(info.expires_at)} UTC) is shown this once: store it now\n`,
    );
  });

  test('bad names and scopes are refused before anything is sent', async () => {
    const badScope = await ctx.run(['token', 'create', '--name', 'x', '--scope', 'upload,root']);
    assert.equal(badScope.code, 2);
    assert.equal(badScope.stdout, '');
    assert.match(badScope.stderr, /Unknown scope `root`: use upload, read, delete, organize, admin/);
    const badName = await ctx.run(['token', 'create', '--name', 'my token', '--scope', 'upload']);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /A token name is 1 to 64 letters, digits, `\.`, `_` or `-`/);
    const noScope = await ctx.run(['token', 'create', '--name', 'x']);
    assert.equal(noScope.code, 2);
    assert.match(noScope.stderr, /--scope/);
  });

  test('a live name cannot be taken twice', async () => {
    await created('twice', 'read');
    const again = await ctx.run(['token', 'create', '--name', 'twice', '--scope', 'read']);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, '');
    assert.match(again.stderr, /^error: .*twice.*\n$/);
  });

  test('a token cannot make one with a scope it does not hold', async () => {
    const admin = await created('tokens-only', 'admin');
    const stronger = await ctx.run(['token', 'create', '--name', 'stronger', '--scope', 'admin,upload'], { token: admin });
    assert.equal(stronger.code, 1);
    assert.equal(stronger.stdout, '');
    assert.match(stronger.stderr, /^error: .*`upload`.*\n$/);
    // Within its own scopes it may.
    const weaker = await ctx.run(['token', 'create', '--name', 'made-by-a-token', '--scope', 'admin'], { token: admin });
    assert.equal(weaker.code, 0, weaker.stderr);
    assert.match(weaker.stdout, TOKEN);
  });
});

describe('an upload-only token', () => {
  test('uploads with `imghost upload`, and is refused reading, deleting and purging with the scope named', async () => {
    const token = await created('editor', 'upload');
    const file = await writePng(ctx.dir, 'editor.png');
    const upload = await ctx.run(['upload', file.path], { token });
    assert.equal(upload.stderr, '');
    assert.equal(upload.code, 0);
    assert.match(upload.stdout.trim(), IMAGE_URL(ctx.stack));
    assert.ok((await download(upload.stdout.trim())).bytes.equals(file.bytes));

    const refused = [
      [['trash', 'empty', '--yes'], 'admin'],
      [['token', 'list'], 'admin'],
      [['list'], 'read'],
      [['stats'], 'read'],
      [['trash', 'list'], 'read'],
    ];
    for (const [args, scope] of refused) {
      const { code, stdout, stderr } = await ctx.run(args, { token });
      assert.equal(code, 1, args.join(' '));
      assert.equal(stdout, '', args.join(' '));
      assert.match(stderr, new RegExp(`^error: .*\`${scope}\`.*\\n$`), args.join(' '));
      assert.doesNotMatch(stderr, /check the token/, 'a 403 is not a bad token');
    }
    const id = (await ctx.stack.sql("SELECT id FROM images WHERE original_name = 'editor.png'"))[0].id;
    const remove = await ctx.run(['delete', String(id)], { token });
    assert.equal(remove.code, 1);
    assert.match(remove.stderr, new RegExp(`^error: ${id}: .*\`delete\`.*\\n$`));
    assert.equal((await download(upload.stdout.trim())).status, 200, 'still there');
  });

  test('logs in with a note that it may not list, and then uploads', async () => {
    const token = await created('login-upload', 'upload');
    const own = await tempDir();
    try {
      const login = await runCli(['login'], { home: own, input: `${ctx.stack.url}\n${token}\n` });
      assert.equal(login.code, 0, login.stderr);
      assert.equal(login.stdout, '');
      const file = join(own, '.config/imghost/config.json');
      assert.match(
        login.stderr,
        new RegExp(
          '^imghost API URL \\(e\\.g\\. https://imghost\\.you\\.workers\\.dev\\): Token \\(input hidden\\): ' +
            `Logged in to ${ctx.stack.url.replaceAll('.', '\\.')} with a limited token: it may not list images \\(.*\`read\`.*\\), ` +
            'so `imghost list` and `imghost stats` will be refused\\. ' +
            `Saved to ${file.replaceAll('.', '\\.')}\\n$`,
        ),
      );
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { url: ctx.stack.url, token });

      const image = await writePng(ctx.dir, 'after-login.png');
      const upload = await runCli(['upload', image.path], { home: own });
      assert.equal(upload.code, 0, upload.stderr);
      assert.match(upload.stdout.trim(), IMAGE_URL(ctx.stack));

      // A token the server does not know is still refused, nothing saved.
      const wrong = await runCli(['login'], { home: own, input: `\nih_${'0'.repeat(64)}\n` });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /error: login failed, nothing saved: /);
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { url: ctx.stack.url, token });
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  test('serves the PicGo bridge', async () => {
    const token = await created('picgo', 'upload');
    const port = await freePort();
    const bridge = spawnCli(['picgo', '--port', String(port)], { home: ctx.home, url: ctx.stack.url, token });
    bridge.stdin.end();
    try {
      let log = '';
      await new Promise((ready, fail) => {
        const timer = setTimeout(() => fail(new Error(`imghost picgo did not start:\n${log}`)), 30_000);
        bridge.stderr.on('data', (chunk) => {
          log += chunk;
          if (log.includes('listening on')) {
            clearTimeout(timer);
            ready();
          }
        });
        bridge.on('exit', (code) => fail(new Error(`imghost picgo exited with ${code}:\n${log}`)));
      });
      const file = await writePng(ctx.dir, 'bridge.png');
      const answer = await new Promise((done, fail) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/upload', method: 'POST', headers: { 'Content-Type': 'application/json' } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => done({ status: res.statusCode, text }));
          },
        );
        req.on('error', fail);
        req.end(JSON.stringify({ list: [file.path] }));
      });
      assert.equal(answer.status, 200);
      const body = JSON.parse(answer.text);
      assert.equal(body.success, true, answer.text);
      assert.match(body.result[0], IMAGE_URL(ctx.stack));
      assert.ok((await download(body.result[0])).bytes.equals(file.bytes));
    } finally {
      bridge.kill('SIGKILL');
    }
  });
});

describe('token list', () => {
  test('a table of the live tokens, newest first, expired ones marked', async () => {
    await created('soon-gone', 'read', '--expires-in-days', '1');
    // Made old behind the Worker's back: the API never creates an expired token.
    const past = Date.now() - 3_600_000;
    await ctx.stack.sql(`UPDATE tokens SET expires_at = ${past} WHERE name = 'soon-gone' AND revoked_at IS NULL`);

    const json = await ctx.run(['token', 'list', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, '');
    const tokens = JSON.parse(json.stdout);
    assert.ok(tokens.every((t) => !('token' in t) && !('token_hash' in t)), 'no secrets listed');
    const createdAt = tokens.map((t) => t.created_at);
    assert.deepEqual(createdAt, [...createdAt].sort((a, b) => b - a));
    const typora = tokens.find((t) => t.name === 'typora');
    assert.deepEqual(typora.scopes, ['upload']);
    assert.equal(typora.expires_at, null);

    const table = await ctx.run(['token', 'list']);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stderr, '');
    const rows = table.stdout.split('\n').slice(0, -1);
    assert.match(rows[0], /^NAME +SCOPES +CREATED \(UTC\) +EXPIRES \(UTC\) +LAST USED \(UTC\)$/);
    assert.equal(rows.length, tokens.length + 1);
    const row = (name) => rows.find((line) => line.startsWith(`${name} `));
    const minute = '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}';
    assert.match(row('typora'), new RegExp(`^typora +upload +${minute} +never +never$`));
    assert.match(row('soon-gone'), new RegExp(`^soon-gone +read +${minute} +${utcMinute(past)} expired +never$`));
    // Used once: the Worker notes when (to the hour).
    assert.match(row('editor'), new RegExp(`^editor +upload +${minute} +never +${minute}$`));
  });

  test('an expired token is refused with 401 and says so', async () => {
    const token = await created('short-lived', 'read', '--expires-in-days', '1');
    await ctx.stack.sql(`UPDATE tokens SET expires_at = ${Date.now() - 1000} WHERE name = 'short-lived' AND revoked_at IS NULL`);
    const { code, stdout, stderr } = await ctx.run(['list'], { token });
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^error: This token .*expired.*\(check the token: run `imghost login` or set IMGHOST_TOKEN\)\n$/);
  });
});

describe('token revoke', () => {
  test('the token stops working at once, with a clear 401', async () => {
    const token = await created('revoke-me', 'upload');
    const file = await writePng(ctx.dir, 'before-revoke.png');
    assert.equal((await ctx.run(['upload', file.path], { token })).code, 0);

    const revoked = await ctx.run(['token', 'revoke', 'revoke-me']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout, 'revoked revoke-me\n');
    assert.equal(revoked.stderr, '');

    const after = await writePng(ctx.dir, 'after-revoke.png');
    const refused = await ctx.run(['upload', after.path], { token });
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, '\n');
    assert.ok(refused.stderr.startsWith(`error: ${after.path}: This token `), refused.stderr);
    assert.match(refused.stderr, /was revoked.* \(check the token: run `imghost login` or set IMGHOST_TOKEN\)\n$/);

    const names = JSON.parse((await ctx.run(['token', 'list', '--json'])).stdout).map((t) => t.name);
    assert.ok(!names.includes('revoke-me'), names.join());

    const again = await ctx.run(['token', 'revoke', 'revoke-me']);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, '');
    assert.match(again.stderr, /^error: .*revoke-me.*\n$/);

    // The name is free again.
    const reborn = await created('revoke-me', 'upload');
    assert.notEqual(reborn, token);
  });

  test('an upload-only token cannot revoke', async () => {
    const token = await created('no-revoke', 'upload');
    const { code, stderr } = await ctx.run(['token', 'revoke', 'typora'], { token });
    assert.equal(code, 1);
    assert.match(stderr, /^error: .*`admin`.*\n$/);
    assert.ok(JSON.parse((await ctx.run(['token', 'list', '--json'])).stdout).some((t) => t.name === 'typora'));
  });
});
