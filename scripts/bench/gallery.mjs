// The gallery in a browser with many images. Scroll: galleries of 200 and
// 10,000 images are scrolled through in headless Chromium, loading page
// after page as a user would; then the page's DOM node count, and the time
// of a scroll step with its frame (scrollBy, then two animation frames),
// median and p95, over the same stretch at the end of either grid, and the
// ratio of the two sizes.
//
// The galleries are seeded straight into D1 before the Worker starts (with
// uploads, 10,000 images would take ten minutes): rows like real ones (name,
// size, width and height, SHA-256, search text, thumbnail key), all made
// from a few real images stored in R2, whose thumbnails every card shows.
//
//   make bench-gallery      (or, after `make worker web`: node scripts/bench/gallery.mjs)
//   node scripts/bench/gallery.mjs --trace   also traces the timed steps and
//     prints where the renderer's main thread spent them (Chromium's trace
//     events, summed), to compare the sizes.
//   node scripts/bench/gallery.mjs --at-top  times the steps at the top of the
//     grid instead of its end.
//   Either writes nothing to docs/benchmarks.md.
import { chromium } from '@playwright/test';
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { LAUNCH_OPTIONS } from '../../playwright.config.mjs';
import { QUIET_ENV, ROOT, WRANGLER, startStack } from '../../tests/support/stack.mjs';
import { writeSection } from './report.mjs';

const run = promisify(execFile);
const SOURCES = ['text.png', 'coffee.png', 'logo.png'];
const ROWS_PER_INSERT = 100; // D1 refuses statements over 100 KB

/** Width and height from a PNG's IHDR. */
const pngSize = (bytes) => ({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) });
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const sqlText = (text) => (text === null ? 'NULL' : `'${String(text).replaceAll("'", "''")}'`);
/** The name as the search index holds it: each character followed by a space. */
const searchText = (name) => [...name].map((c) => `${c} `).join('');
/** `YYYY-MM-DD/<uuid>.<ext>`, as uploads are stored. */
const objectKey = (createdAt, extension) => `${new Date(createdAt).toISOString().slice(0, 10)}/${randomUUID()}.${extension}`;

/**
 * Fills the migrated D1 in `stateDir` with `count` images named
 * `<prefix>-00001.png` (the oldest) to `<prefix>-<count>.png` (the newest),
 * one a minute. Each row is one of a few real PNGs (its size, dimensions,
 * content type) and has that image's thumbnail; the first few rows are
 * those images themselves, the others have an object key and SHA-256 of
 * their own. With `objects`, the images and their thumbnails are put in R2;
 * with `album`, every image is put in an album of that name.
 * Returns the names, newest first. For startStack's `seed`, before the
 * Worker starts.
 */
export async function seedGallery(stateDir, count, { prefix = 'bench', objects = true, album } = {}) {
  const now = Date.now();
  const sources = await Promise.all(
    SOURCES.map(async (file) => {
      const bytes = await readFile(join(ROOT, 'tests/fixtures', file));
      const key = objectKey(now - count * 60_000, 'png');
      return { file, bytes, ...pngSize(bytes), sha256: sha256(bytes), key, thumbnailKey: `${key}.thumb.png` };
    }),
  );
  const columns = [
    'object_key', 'original_name', 'image_url', 'content_type', 'size', 'created_at', 'width', 'height',
    'sha256', 'original_size', 'compressed_by', 'search_text', 'thumbnail_key', 'animated',
  ];
  const rows = [];
  const names = [];
  for (let n = 1; n <= count; n++) {
    const source = sources[(n - 1) % sources.length];
    const own = n <= sources.length;
    const createdAt = now - (count - n) * 60_000;
    const key = own ? source.key : objectKey(createdAt, 'png');
    const name = `${prefix}-${String(n).padStart(5, '0')}.png`;
    names.unshift(name);
    const values = [
      key, name, `http://localhost/${key}`, 'image/png', source.bytes.length, createdAt, source.width, source.height,
      own ? source.sha256 : sha256(`${source.sha256}:${n}`), source.bytes.length, 'none', searchText(name),
      source.thumbnailKey, 0,
    ];
    rows.push(`(${values.map((value) => (typeof value === 'number' ? value : sqlText(value))).join(', ')})`);
  }
  const statements = [];
  for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
    statements.push(`INSERT INTO images (${columns.join(', ')}) VALUES\n${rows.slice(at, at + ROWS_PER_INSERT).join(',\n')};`);
  }
  if (album) {
    statements.push(
      `INSERT INTO albums (name, created_at) VALUES (${sqlText(album)}, ${now});`,
      `INSERT INTO album_images (album_id, image_id) SELECT (SELECT id FROM albums WHERE name = ${sqlText(album)}), id FROM images;`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'imghost-seed-'));
  try {
    const file = join(dir, 'seed.sql');
    await writeFile(file, statements.join('\n'));
    await wrangler(stateDir, 'd1', 'execute', 'DB', '--file', file);
    if (objects) {
      for (const source of sources) {
        const path = join(dir, source.file);
        await writeFile(path, source.bytes);
        for (const key of [source.key, source.thumbnailKey]) {
          await wrangler(stateDir, 'r2', 'object', 'put', `imghost-images/${key}`, '--file', path);
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return names;
}

function wrangler(stateDir, ...args) {
  return run(WRANGLER, [...args, '--local', '--persist-to', stateDir], { cwd: ROOT, env: QUIET_ENV, maxBuffer: 64 << 20 });
}

const VIEWPORT = { width: 1280, height: 800 };
const STEP_PX = 240; // about three quarters of a row of cards
const STEPS = 200;
const WARMUP_STEPS = 20;
const RANGE_PX = 10_000; // less than the 200 images' grid
const LATE_MS = 40; // over two frames at 60 Hz

/** Opens the UI on a stack. */
async function openGallery(browser, stack) {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${stack.url}/#token=${encodeURIComponent(stack.token)}`);
  await page.getByTestId('image-card').first().waitFor();
  return { context, page };
}

/**
 * Runs in the page: scrolls a screen at a time until `last` is shown (every
 * page loaded), trying a failed page again as a user would; the time it
 * took, the screens scrolled and the pages tried again.
 */
async function scrollToEnd(last) {
  // A frame, or a second if frames stop (so that the time limit holds);
  // whether frames came.
  let framesMissed = 0;
  const frame = () =>
    new Promise((done) => {
      let drawn = false;
      requestAnimationFrame(() => {
        drawn = true;
        framesMissed = 0;
        done();
      });
      setTimeout(() => {
        if (!drawn) framesMissed += 1;
        done();
      }, 1000);
    });
  const shown = () => [...document.querySelectorAll('[data-testid="card-name"]')].some((name) => name.textContent === last);
  const started = performance.now();
  let screens = 0;
  let retries = 0;
  while (!shown()) {
    if (performance.now() - started > 600_000) {
      throw new Error(`${last} not reached in 10 minutes; the end of the grid: ${document.querySelector('.more')?.innerText}`);
    }
    // Headless Chromium here sometimes stops making frames for good, its
    // main thread idle: no animation frame, no intersection observer, no
    // input. Nothing in a page can go on without frames; it is opened again.
    if (framesMissed >= 6) return { stalled: true };
    const failed = document.querySelector('.more [role="alert"]');
    if (failed) {
      retries += 1;
      failed.parentElement.querySelector('button').click();
    }
    const before = window.scrollY;
    window.scrollBy(0, window.innerHeight);
    if (window.scrollY !== before) screens += 1;
    await frame();
    await frame();
  }
  return { seconds: (performance.now() - started) / 1000, screens, retries };
}

/**
 * Runs in the page: `count` timed scroll steps of `px`, up from the end of
 * the grid and back down, within its last `range` px: the same cards and
 * images, whatever the size of the gallery.
 */
async function timeSteps({ count, warmup, px, range, atTop }) {
  const frame = () =>
    new Promise((done, failed) => {
      const late = setTimeout(() => failed(new Error('STALLED: no frame in 5 s')), 5_000);
      requestAnimationFrame(() => (clearTimeout(late), done()));
    });
  const gridTop = document.querySelector('[data-testid="grid"]').getBoundingClientRect().top + window.scrollY;
  const bottom = atTop ? gridTop + range : document.documentElement.scrollHeight - window.innerHeight;
  const top = Math.max(0, bottom - range);
  window.scrollTo(0, bottom);
  await frame();
  const times = [];
  let direction = -1;
  for (let step = 0; step < warmup + count; step++) {
    if (window.scrollY - px < top) direction = 1;
    else if (window.scrollY + px > bottom) direction = -1;
    const started = performance.now();
    window.scrollBy(0, direction * px);
    await frame();
    await frame();
    if (step >= warmup) times.push(performance.now() - started);
  }
  return times;
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};
const grouped = (n) => n.toLocaleString('en-US');

/** Waits for `promise`, 10 s at most: a page without frames may never close. */
export const atMost10s = (promise) => Promise.race([promise, new Promise((done) => setTimeout(done, 10_000).unref())]);

const TRACE = process.argv.includes('--trace');
/** Steps in the first 10,000 px of the grid, not the last (every page loaded all the same). */
const AT_TOP = process.argv.includes('--at-top');
const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'];
const TRACED = [
  'v8.callFunction', 'FireAnimationFrame', 'RunMicrotasks', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint',
  'PaintImage', 'Layerize', 'Commit', 'MinorGC', 'MajorGC',
];

/** The events of the renderer's main thread in a trace, summed by name. */
async function traceSummary(file) {
  const trace = JSON.parse(await readFile(file, 'utf8'));
  const events = trace.traceEvents ?? trace;
  const main = new Set(
    events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`),
  );
  const sums = new Map(TRACED.map((name) => [name, { count: 0, ms: 0 }]));
  for (const event of events) {
    const sum = sums.get(event.name);
    if (!sum || event.ph !== 'X' || !main.has(`${event.pid}:${event.tid}`)) continue;
    sum.count += 1;
    sum.ms += (event.dur ?? 0) / 1000;
  }
  return [...sums].map(([name, { count, ms }]) => `  ${name.padEnd(20)} ${String(count).padStart(6)} × ${ms.toFixed(1).padStart(8)} ms`).join('\n');
}

/** The album every image is in, for the runs with the gallery filtered by it. */
const ALBUM = 'Everything';

async function measureScroll(browser, count, filtered) {
  let names;
  const started = performance.now();
  const album = filtered ? ALBUM : undefined;
  const stack = await startStack({ seed: async (dir) => (names = await seedGallery(dir, count, { album })) });
  try {
    const seedSeconds = (performance.now() - started) / 1000;
    let stalls = 0;
    for (;;) {
      const { context, page } = await openGallery(browser, stack);
      let stalled = false;
      try {
        if (filtered) {
          await page.getByTestId('album-filter').selectOption({ label: ALBUM });
          const counted = (want) => document.querySelector('[data-testid="image-count"]')?.textContent === want;
          await page.waitForFunction(counted, `${count} images`, { timeout: 30_000 }).catch(() => {});
        }
        const total = await page.getByTestId('image-count').textContent();
        if (total !== `${count} images`) throw new Error(`the gallery says "${total}"`);
        const through = await page.evaluate(scrollToEnd, names.at(-1));
        if (through.stalled) {
          stalled = true;
          continue;
        }
        const nodes = await page.evaluate(() => document.getElementsByTagName('*').length);
        const cards = await page.getByTestId('image-card').count();
        const traceFile = TRACE ? join(tmpdir(), `imghost-scroll-${count}${filtered ? '-album' : ''}${AT_TOP ? '-top' : ''}.json`) : null;
        if (traceFile) await browser.startTracing(page, { path: traceFile, categories: TRACE_CATEGORIES });
        const times = await page
          .evaluate(timeSteps, { count: STEPS, warmup: WARMUP_STEPS, px: STEP_PX, range: RANGE_PX, atTop: AT_TOP })
          .catch((error) => (String(error).includes('STALLED') ? null : Promise.reject(error)));
        if (!times) {
          stalled = true;
          if (traceFile) await atMost10s(browser.stopTracing());
          continue;
        }
        if (traceFile) {
          await browser.stopTracing();
          console.log(`${grouped(count)} images${filtered ? ', filtered' : ''}, the renderer's main thread during the steps (${traceFile}):`);
          console.log(await traceSummary(traceFile));
        }
        return { count, filtered, seedSeconds, through, stalls, nodes, cards, median: quantile(times, 0.5), p95: quantile(times, 0.95), late: times.filter((t) => t > LATE_MS).length };
      } finally {
        if (stalled && ++stalls > 3) throw new Error('rendering stalled in 4 scroll-throughs');
        await atMost10s(context.close());
      }
    }
  } finally {
    await stack.stop();
  }
}

async function scroll(browser) {
  const results = [];
  for (const filtered of [false, true]) {
    for (const count of [200, 10_000]) {
      const r = await measureScroll(browser, count, filtered);
      results.push(r);
      console.log(
        `${grouped(count).padStart(6)} images${filtered ? ', filtered by album' : ''}: seeded and started in ${r.seedSeconds.toFixed(0)} s, scrolled through in ${r.through.seconds.toFixed(1)} s (${r.through.screens} screens${r.through.retries ? `, ${r.through.retries} pages tried again` : ''}${r.stalls ? `; rendering stalled in ${r.stalls} earlier scroll-through${r.stalls > 1 ? 's' : ''}, page opened again` : ''}); ` +
          `${grouped(r.nodes)} DOM nodes (${r.cards} cards) at the end; scroll step with its frame: median ${r.median.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, ${r.late} of ${STEPS} over ${LATE_MS} ms`,
      );
    }
  }
  const ratios = (filtered) => {
    const [small, large] = results.filter((r) => r.filtered === filtered);
    const ratio = (key) => (large[key] / small[key]).toFixed(2);
    return `median ${ratio('median')}×, p95 ${ratio('p95')}×, DOM nodes ${ratio('nodes')}×`;
  };
  console.log(`10,000 / 200 images: ${ratios(false)}; filtered by album: ${ratios(true)}`);
  // Traced steps are slower, and steps at the top are another measure:
  // neither replaces the figures in docs/benchmarks.md.
  if (AT_TOP || TRACE) return;

  const table = results.map(
    (r) =>
      `| ${grouped(r.count)} | ${r.filtered ? 'album' : 'none'} | ${grouped(r.nodes)} | ${r.cards} | ${r.median.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.late} | ${r.through.seconds.toFixed(1)} s${r.stalls ? ` (${r.stalls} stalled)` : ''} |`,
  );
  await writeSection(
    'scroll',
    `## Scrolling a large gallery

\`make bench-gallery\` (scripts/bench/gallery.mjs): headless Chromium at ${VIEWPORT.width} × ${VIEWPORT.height} scrolls a
gallery a screen at a time to its end, loading page after page, on a local stack (\`wrangler dev\`) seeded
with that many images, unfiltered and filtered by an album holding them all. Then the page's DOM nodes
(\`document.getElementsByTagName('*').length\`) and ${STEPS} timed scroll steps of ${STEP_PX} px (\`scrollBy\`, then two
animation frames; after ${WARMUP_STEPS} untimed ones), up and down the last ${grouped(RANGE_PX)} px of the grid, so that
both sizes show the same number of cards and images. Two frames at 60 Hz are 33 ms: a step is as fast as
frames allow when its time is that; a step over ${LATE_MS} ms missed a frame.

| images | filter | DOM nodes at the end | cards in the page | step median | step p95 | steps over ${LATE_MS} ms | scrolling to the end |
| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${table.join('\n')}

10,000 images over 200: ${ratios(false)}; filtered by album: ${ratios(true)}
(targets: within 1.10×; ≤ 5,000 DOM nodes at 10,000 images).
Only the rows of cards near the screen are in the page; all loaded records stay in memory.
A scroll-through where headless Chromium stopped drawing frames (see below) is counted as stalled and run again.
Measured on ${new Date().toISOString().slice(0, 10)}, with the stack and the browser on the same machine.`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const browser = await chromium.launch(LAUNCH_OPTIONS);
  try {
    await scroll(browser);
  } finally {
    await browser.close();
  }
}
