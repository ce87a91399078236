// The runtime killed (SIGKILL) in the middle of deletes, restores and
// re-uploads of the same bytes, three times, against wrangler dev: no
// request answers 404 or 500 for something it should find, and after each
// restart every image comes back whole — restorable if trashed, served with
// its own bytes, nothing of it left public while trashed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startStack, TRASH_BUCKET } from '../support/stack.mjs';
import { uniquePng } from './helpers.mjs';
import { caller, said, uploadForm } from './calls.mjs';

const IMAGES = 8;
const ROUNDS = 3;

let stack;
let call;
before(async () => {
  stack = await startStack({ vars: { ORPHAN_GRACE_SECONDS: '0' } });
  call = caller(stack);
});
after(() => stack?.stop());

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const pause = (ms) => new Promise((done) => setTimeout(done, ms));

/** Deletes, restores and uploads the same bytes again, over and over,
 * until `stop()`; every answer the runtime gave (not the ones cut off). */
function workload(images) {
  let stopped = false;
  const answers = [];
  const worker = async (image, turn) => {
    for (let step = turn; !stopped; step++) {
      const [kind, request] = [
        ['delete', () => call('DELETE', `/delete?id=${image.id}`)],
        ['restore', () => call('POST', `/trash/restore?id=${image.id}`)],
        ['upload', () => call('POST', '/upload', { body: uploadForm(image.bytes) })],
      ][step % 3];
      try {
        const answer = await request();
        // wrangler dev's own answer for a request the kill cut off (the
        // Worker never answered it): like a dropped connection, no answer.
        if (answer.status === 503 && String(answer.body).includes('Your worker restarted mid-request')) {
          await pause(20);
          continue;
        }
        answers.push({ kind, id: image.id, answer });
      } catch {
        // Cut off by the kill: no answer to judge.
        await pause(20);
      }
    }
  };
  const running = images.flatMap((image, i) => [worker(image, i), worker(image, i + 1)]);
  return {
    answers,
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

test(`killed ${ROUNDS} times mid-move, every image comes back whole`, async () => {
  const images = [];
  for (let i = 0; i < IMAGES; i++) {
    const bytes = await uniquePng(`crash-${i}`);
    const answer = await call('POST', '/upload', { body: uploadForm(bytes) });
    assert.equal(answer.status, 200, said(answer));
    images.push({ ...answer.body, bytes });
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const work = workload(images);
    await pause(300 + 300 * round);
    await stack.crashAndRestart();
    await work.stop();

    const kinds = new Set(work.answers.map(({ kind }) => kind));
    assert.deepEqual([...kinds].sort(), ['delete', 'restore', 'upload'], `round ${round}: the workload ran`);
    for (const { kind, answer } of work.answers) {
      assert.ok(answer.status < 500, `round ${round}, ${kind}: ${said(answer)}`);
      if (kind === 'upload') assert.equal(answer.status, 200, `round ${round}, upload: ${said(answer)}`);
      if (kind === 'upload') assert.equal(answer.body.duplicate, true, 'the same bytes are the same image');
    }

    // Whatever the database calls trashed has nothing in the public bucket.
    const trashed = await stack.sql('SELECT object_key, thumbnail_key FROM images WHERE deleted_at IS NOT NULL');
    for (const row of trashed) {
      for (const key of [row.object_key, row.thumbnail_key].filter(Boolean)) {
        assert.equal(await stack.getObject(key), null, `round ${round}: ${key} is trashed but public`);
      }
    }

    // Every image restorable (a restore of a live one is 404, of one whose
    // move died half-way it is finished), then served with its own bytes.
    const restored = await Promise.all(images.map((image) => call('POST', `/trash/restore?id=${image.id}`)));
    for (const [i, answer] of restored.entries()) {
      assert.ok([200, 404].includes(answer.status), `round ${round}, restore ${images[i].id}: ${said(answer)}`);
      if (answer.status === 404) assert.match(answer.body.message, /not in the trash/);
    }
    for (const image of images) {
      const served = await fetch(`${stack.url}/i/${image.object_key}`);
      assert.equal(served.status, 200, `round ${round}: image ${image.id} is not served`);
      assert.equal(sha256(Buffer.from(await served.arrayBuffer())), image.stored_sha256, `round ${round}: image ${image.id}`);
      assert.equal(await stack.getObject(image.object_key, { bucket: TRASH_BUCKET }), null, 'no copy left in the trash');
    }
    const rows = await stack.sql('SELECT count(*) AS n, sum(move_to IS NOT NULL) AS moving, sum(deleted_at IS NOT NULL) AS trashed FROM images');
    assert.deepEqual(rows[0], { n: IMAGES, moving: 0, trashed: 0 }, `round ${round}`);
  }
});
