// Load test: 200 uploads from 16 concurrent clients (some of them the same
// bytes at once), while other clients list and delete. Afterwards R2 and D1
// must agree exactly: reconcile (which compares every object key with every
// row) must find no object without a row and no row without an object.
//
//   node scripts/bench/load.mjs
import { startStack } from '../../tests/support/stack.mjs';
import { uniquePng } from '../../tests/api/helpers.mjs';

const UPLOADS = Number(process.env.LOAD_UPLOADS ?? 200);
const CLIENTS = 16;
const DUPLICATE_EVERY = 10; // every 10th upload repeats an earlier file

const stack = await startStack({ vars: { ORPHAN_GRACE_SECONDS: '0' } });
const auth = { Authorization: `Bearer ${stack.token}` };
const counts = { uploads: 0, duplicates: 0, listings: 0, deletes: 0, errors: 0, requests: 0 };
const uploadedIds = [];
const errors = [];

async function call(path, init = {}) {
  counts.requests++;
  try {
    const response = await fetch(`${stack.url}${path}`, { ...init, headers: { ...auth, ...init.headers } });
    const body = await response.json();
    if (!response.ok || !body.success) {
      counts.errors++;
      errors.push(`${init.method ?? 'GET'} ${path}: ${response.status} ${body.message}`);
    }
    return { response, body };
  } catch (error) {
    counts.errors++;
    errors.push(`${init.method ?? 'GET'} ${path}: ${error.message}`);
    return { body: {} };
  }
}

try {
  const file = (n) => uniquePng(`load-${n}`, n % 3 ? 'text.png' : 'logo.png');
  const files = await Promise.all(Array.from({ length: UPLOADS }, (_, i) =>
    file(i % DUPLICATE_EVERY === DUPLICATE_EVERY - 1 ? i - 1 : i)));
  let next = 0;
  let uploading = true;
  const started = performance.now();

  const uploader = async () => {
    while (next < files.length) {
      const file = files[next++];
      const form = new FormData();
      form.append('file', new Blob([file], { type: 'image/png' }), `load-${next}.png`);
      const { body } = await call('/upload', { method: 'POST', body: form });
      if (body.success) {
        counts.uploads++;
        if (body.duplicate) counts.duplicates++;
        else uploadedIds.push(body.id);
      }
    }
  };
  const lister = async () => {
    while (uploading) {
      const { body } = await call('/query?pageSize=50');
      if (body.success) counts.listings++;
    }
  };
  const deleter = async () => {
    while (uploading) {
      const id = uploadedIds.splice(Math.floor(Math.random() * uploadedIds.length), 1)[0];
      if (id === undefined) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const { body } = await call(`/delete?id=${id}`, { method: 'DELETE' });
      if (body.success) counts.deletes++;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const background = [lister(), lister(), deleter()];
  await Promise.all(Array.from({ length: CLIENTS }, uploader));
  uploading = false;
  await Promise.all(background);
  const seconds = (performance.now() - started) / 1000;

  // Compare every object with every row, window by window.
  let cursor = '';
  let objects = 0;
  let rows = 0;
  const orphans = [];
  const missing = [];
  do {
    const { body } = await call(`/reconcile${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
    objects += body.objects_checked;
    rows += body.rows_checked;
    orphans.push(...body.orphan_objects);
    missing.push(...body.missing_objects);
    cursor = body.next_cursor;
  } while (cursor);
  const { body: stats } = await call('/stats');

  console.log(`uploads answered:        ${counts.uploads} of ${UPLOADS} (${counts.duplicates} as duplicates)`);
  console.log(`listings / deletes:      ${counts.listings} / ${counts.deletes}`);
  console.log(`requests / errors:       ${counts.requests} / ${counts.errors} (error rate ${((counts.errors / counts.requests) * 100).toFixed(2)}%)`);
  console.log(`time:                    ${seconds.toFixed(1)} s (${(counts.requests / seconds).toFixed(0)} requests/s)`);
  console.log(`R2 objects / D1 rows:    ${objects} / ${rows} (stats counter: ${stats.image_count})`);
  console.log(`objects without a row:   ${orphans.length}`);
  console.log(`rows without an object:  ${missing.length}`);
  const consistent = orphans.length === 0 && missing.length === 0 && objects === rows && rows === stats.image_count;
  console.log(consistent ? 'consistent: every object has exactly one row and every row its object' : 'INCONSISTENT');
  if (errors.length) console.log(`first errors:\n  ${errors.slice(0, 5).join('\n  ')}`);
  process.exitCode = consistent && counts.errors === 0 ? 0 : 1;
} finally {
  await stack.stop();
}
