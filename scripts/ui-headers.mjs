// Writes `_headers` next to the built UI, for the Worker's static assets
// and for Cloudflare Pages alike. Its Content-Security-Policy allows the
// inline module script Trunk writes into each page (by its SHA-256), the
// wasm they load, and nothing else the pages do not need; frames, plugins,
// forms and base URLs are off.
//
// As a Trunk post_build hook it covers the pages of that build
// (TRUNK_STAGING_DIR); `node scripts/ui-headers.mjs web/dist` covers every
// page in web/dist, as `make web` runs it once both pages are built.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error('usage: node scripts/ui-headers.mjs <dir>, or as a Trunk post_build hook');
const pages = (await readdir(dir)).filter((name) => name.endsWith('.html')).sort();
if (pages.length === 0) throw new Error(`no HTML page in ${dir}`);
const hashes = new Set();
for (const page of pages) {
  const html = await readFile(join(dir, page), 'utf8');
  const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  if (inline.length === 0) throw new Error(`no inline script in ${page}: check what Trunk writes`);
  for (const script of inline) hashes.add(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
}

// The API and the images may be on another origin (the UI on Pages, images
// on a custom domain) and, in development, on a local http port.
const local = 'http://127.0.0.1:* http://localhost:*';
const policy = [
  "default-src 'none'",
  `script-src 'self' 'wasm-unsafe-eval' ${[...hashes].join(' ')}`,
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
