// The configuration is ready to deploy: wrangler bundles the Worker and its
// assets without an account (`--dry-run`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { QUIET_ENV, ROOT, WRANGLER } from '../support/stack.mjs';

test('wrangler deploy --dry-run succeeds', async () => {
  const outdir = await mkdtemp(join(tmpdir(), 'imghost-deploy-'));
  try {
    const { stdout } = await promisify(execFile)(
      WRANGLER,
      ['deploy', '--dry-run', '--outdir', outdir],
      { cwd: ROOT, env: QUIET_ENV },
    );
    assert.match(stdout, /--dry-run: exiting now/);
    assert.match(stdout, /env\.IMAGE_BUCKET/);
    assert.match(stdout, /env\.DB/);
    const files = await readdir(outdir);
    assert.ok(files.includes('index.js'), files.join(', '));
    assert.ok(files.some((file) => file.endsWith('.wasm')), files.join(', '));
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
});
