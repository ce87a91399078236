// Trunk post-build hook: writes `_headers` next to the built UI, for the
// Worker's static assets and for Cloudflare Pages alike. Its
// Content-Security-Policy allows the one inline module script Trunk writes
// (by its SHA-256), the wasm it loads, and nothing else the page does not
// need; frames, plugins, forms and base URLs are off.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error('ui-headers.mjs runs as a Trunk post_build hook (TRUNK_STAGING_DIR is unset)');
const html = await readFile(join(dir, 'index.html'), 'utf8');
const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
if (inline.length === 0) throw new Error('no inline script in index.html: check what Trunk writes');
const hashes = inline.map((script) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`);

// The API and the images may be on another origin (the UI on Pages, images
// on a custom domain) and, in development, on a local http port.
const local = 'http://127.0.0.1:* http://localhost:*';
const policy = [
  "default-src 'none'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`,
  "style-src 'self'",
  `img-src 'self' blob: https: ${local}`,
  `connect-src 'self' https: ${local}`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

await writeFile(
  join(dir, '_headers'),
  `/*
  Content-Security-Policy: ${policy}
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
  X-Frame-Options: DENY
`,
);
