// Requests with any token, client address and user agent, for the tests of
// tokens, the audit log, the trash and quotas.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../support/stack.mjs';

let addresses = 0;
/**
 * A client address never used before in this process. Failed logins are
 * limited per address (10 a minute), so tests that expect many 401s send
 * each from its own address.
 */
export function freshIp() {
  addresses += 1;
  return `198.18.${(addresses >> 8) & 255}.${addresses & 255}`;
}

/**
 * `call(method, path, options)` on one stack: `token` (default ADMIN_TOKEN,
 * `null` for none), `json` or `body`, `headers`, `ip` (CF-Connecting-IP),
 * `userAgent`. Answers `{status, headers, body}`, body parsed when JSON.
 */
export function caller(stack) {
  return async (method, path, { token = stack.token, json, body, headers = {}, ip, userAgent } = {}) => {
    const sent = { ...headers };
    if (token !== null) sent.Authorization = `Bearer ${token}`;
    if (ip) sent['CF-Connecting-IP'] = ip;
    if (userAgent) sent['User-Agent'] = userAgent;
    let payload = body;
    if (json !== undefined) {
      payload = typeof json === 'string' ? json : JSON.stringify(json);
      sent['Content-Type'] = 'application/json';
    }
    const response = await fetch(`${stack.url}${path}`, { method, headers: sent, body: payload });
    const text = await response.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: response.status, headers: response.headers, body: parsed };
  };
}

/** A multipart body for POST /upload: the image and, if given, a thumbnail. */
export function uploadForm(bytes, { name = 'image.png', thumbnail } = {}) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'image/png' }), name);
  if (thumbnail) form.append('thumbnail', new Blob([thumbnail], { type: 'image/webp' }), 'thumbnail');
  return form;
}

/** A `{status, body}` summary for assertion messages. */
export const said = ({ status, body }) => `${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`;

/**
 * The README's "Tokens and scopes" table: `[{method, path, scope}]`, read
 * the way shared/src/api/access.rs checks it, so the matrix test follows the
 * one table the code and the README share.
 */
export async function scopeTable() {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^### Tokens and scopes$/m)[1]?.split(/^#{1,3} /m)[0];
  if (!section) throw new Error('README.md has no "### Tokens and scopes" section');
  const unquote = (cell) => cell.trim().match(/^`(.*)`$/)?.[1];
  const rows = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|');
    if (cells.length !== 5) continue;
    const [method, path, scope] = [cells[1], cells[2], cells[3]].map(unquote);
    if (method && path && scope) rows.push({ method, path, scope });
  }
  if (rows.length === 0) throw new Error('the "Tokens and scopes" table in README.md has no rows');
  return rows;
}

/**
 * Runs `attempts` within one window of the failed-login limit (10 a minute):
 * the limiter counts in fixed windows of the clock's minutes, so when less
 * than `needs` ms of the current one are left, this waits for the next.
 * Then the count is exact: ten 401s, and 429 from the eleventh on.
 */
export async function inOneLimitWindow(attempts, needs = 20_000) {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needs) await new Promise((done) => setTimeout(done, left + 250));
  return attempts();
}
