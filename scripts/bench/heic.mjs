// Time to convert one 12-megapixel iPhone-sized HEIC photo (4032 × 3024) to
// JPEG on its way up: in the command line tool (libheif's heif-dec or
// heif-convert, then the upload) and in the web page in headless Chromium
// (libheif compiled to WebAssembly in a Web Worker, fetched on the first
// HEIC). The photo is synthesised (gradients and texture) and encoded with
// heif-enc; each figure is the median of three runs.
//
//   make bench-heic     (or, after `make worker web` and a release CLI build:
//                        node scripts/bench/heic.mjs)
import { chromium } from '@playwright/test';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { LAUNCH_OPTIONS } from '../../playwright.config.mjs';
import { pngFile } from '../../tests/support/png.mjs';
import { ROOT, startStack } from '../../tests/support/stack.mjs';
import { writeSection } from './report.mjs';

const run = promisify(execFile);
const WIDTH = 4032;
const HEIGHT = 3024;
const RUNS = 3;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** A photo-like PNG: smooth gradients, a pattern and some grain. */
function photoPng() {
  const row = 1 + WIDTH * 3;
  const pixels = Buffer.alloc(HEIGHT * row);
  let seed = 1;
  for (let y = 0; y < HEIGHT; y++) {
    pixels[y * row] = 0;
    for (let x = 0; x < WIDTH; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const grain = (seed >>> 24) % 12;
      const i = y * row + 1 + x * 3;
      pixels[i] = (x * 255) / WIDTH + 20 * Math.sin(y / 40) + grain;
      pixels[i + 1] = (y * 255) / HEIGHT + 20 * Math.sin(x / 55) + grain;
      pixels[i + 2] = 128 + 60 * Math.sin((x + y) / 90) + grain;
    }
  }
  return pngFile(WIDTH, HEIGHT, deflateSync(pixels, { level: 1 }));
}

async function timed(work) {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

const dir = await mkdtemp(join(tmpdir(), 'imghost-bench-heic-'));
const stack = await startStack();
try {
  const png = join(dir, 'photo.png');
  const heicPath = join(dir, 'IMG_0001.HEIC');
  await writeFile(png, photoPng());
  const encodeMs = await timed(() => run('heif-enc', ['-q', '50', '-o', heicPath, png]));
  const heic = await readFile(heicPath);
  console.log(`photo: ${WIDTH} × ${HEIGHT}, HEIC ${(heic.length / 1e6).toFixed(2)} MB (heif-enc took ${seconds(encodeMs)})`);

  const tool = ['heif-dec', 'heif-convert'].find((name) => spawnSync(name, ['--version']).error === undefined);
  const decodeRuns = [];
  for (let i = 0; i < RUNS; i++) {
    decodeRuns.push(await timed(() => run(tool, ['-q', '92', heicPath, join(dir, `out-${i}.jpg`)])));
  }
  const bin = [join(ROOT, 'target/release/imghost'), join(ROOT, 'target/debug/imghost')].find(
    (path) => spawnSync(path, ['--version']).error === undefined,
  );
  const env = { ...process.env, IMGHOST_URL: stack.url, IMGHOST_TOKEN: stack.token, HOME: dir };
  // The first run stores it; the later ones convert as much and find it stored.
  const cliRuns = [];
  for (let i = 0; i < RUNS; i++) cliRuns.push(await timed(() => run(bin, ['upload', heicPath], { env })));
  console.log(`CLI: ${tool} alone ${seconds(median(decodeRuns))}; imghost upload ${seconds(median(cliRuns))} (${bin.replace(`${ROOT}/`, '')})`);

  const browser = await chromium.launch(LAUNCH_OPTIONS);
  const pageRuns = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const page = await browser.newPage();
      await page.goto(`${stack.url}/#token=${encodeURIComponent(stack.token)}`);
      await page.getByTestId('image-count').waitFor();
      await page.evaluate(() => {
        window.statusTimes = [];
        new MutationObserver(() => {
          const status = document.querySelector('[data-testid="upload-status"]')?.textContent;
          if (status && window.statusTimes.at(-1)?.status !== status) window.statusTimes.push({ status, at: performance.now() });
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      await page.getByTestId('file-input').setInputFiles([{ name: 'IMG_0001.HEIC', mimeType: 'image/heic', buffer: heic }]);
      await page.getByTestId('upload-status').filter({ hasText: /^(Uploaded|Already uploaded|Not uploaded|Upload failed)$/ }).waitFor({ timeout: 120_000 });
      const times = await page.evaluate(() => window.statusTimes);
      const converting = times.findIndex((t) => t.status === 'Converting the HEIC photo…');
      if (converting < 0 || !/^(Uploaded|Already uploaded)$/.test(times.at(-1).status)) throw new Error(`unexpected statuses: ${JSON.stringify(times)}`);
      pageRuns.push({ convert: times[converting + 1].at - times[converting].at, total: times.at(-1).at - times[converting].at });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const pageConvert = median(pageRuns.map((r) => r.convert));
  const pageTotal = median(pageRuns.map((r) => r.total));
  console.log(`web page: converting ${seconds(pageConvert)}; converting to uploaded ${seconds(pageTotal)}`);

  await writeSection(
    'heic',
    `## HEIC photos
One synthesised ${WIDTH} × ${HEIGHT} photo (12 MP), encoded by heif-enc to
${(heic.length / 1e6).toFixed(2)} MB; median of ${RUNS} runs on this 2-core machine
(\`make bench-heic\`, scripts/bench/heic.mjs). Date: ${new Date().toISOString().slice(0, 10)}.

| where | converting to JPEG | with the upload |
|---|---:|---:|
| command line (\`${tool}\`, then \`imghost upload\`) | ${seconds(median(decodeRuns))} | ${seconds(median(cliRuns))} |
| web page, headless Chromium (libheif in a Web Worker; then WebP, the page's default) | ${seconds(pageConvert)} | ${seconds(pageTotal)} |

The page fetches the decoder (libheif.js 80 KB, libheif.wasm 1.0 MB) with
the first HEIC photo only; the command line's upload includes the
thumbnail made from the converted JPEG.`,
  );
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
