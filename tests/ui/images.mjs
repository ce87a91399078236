// Test images made from the fixtures. Every variant of a PNG has different
// pixels (so the server never sees it as a duplicate, even after the page
// re-encodes it as WebP) and is still a valid PNG.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { pngChunk as chunk } from '../support/png.mjs';

export const FIXTURES = join(import.meta.dirname, '../fixtures');

export function fixture(name) {
  return readFileSync(join(FIXTURES, name));
}


/** The chunks of a PNG as [{type, data}]. */
function chunks(png) {
  const list = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    list.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return list;
}

const CHANNELS = { 0: 1, 2: 3, 4: 2, 6: 4 };

function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the per-row PNG filters: one byte array of plain scanlines. */
function unfilter(raw, height, rowBytes, bpp) {
  const out = Buffer.alloc(height * rowBytes);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)];
    const line = raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    const row = out.subarray(y * rowBytes, (y + 1) * rowBytes);
    const above = y > 0 ? out.subarray((y - 1) * rowBytes, y * rowBytes) : Buffer.alloc(rowBytes);
    for (let x = 0; x < rowBytes; x++) {
      const left = x >= bpp ? row[x - bpp] : 0;
      const upLeft = x >= bpp ? above[x - bpp] : 0;
      const predictor = [0, left, above[x], (left + above[x]) >> 1, paeth(left, above[x], upLeft)][filter];
      row[x] = (line[x] + predictor) & 0xff;
    }
  }
  return out;
}

/** A small seeded pseudo-random generator (mulberry32), bytes 0–255. */
function randomBytes(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) & 0xff;
  };
}

/**
 * `png` (8-bit, not interlaced) with an 8×8 block in its bottom-right
 * corner filled with noise seeded by `variant`: different variants differ
 * in many pixels, so even a lossy re-encoding keeps them apart.
 */
export function pngVariant(png, variant) {
  const parts = chunks(png);
  const header = parts.find((part) => part.type === 'IHDR').data;
  const [width, height] = [header.readUInt32BE(0), header.readUInt32BE(4)];
  const bpp = CHANNELS[header[9]];
  if (header[8] !== 8 || !bpp || header[12] !== 0) throw new Error('only 8-bit non-interlaced PNGs');
  const rowBytes = width * bpp;
  const filtered = inflateSync(Buffer.concat(parts.filter((p) => p.type === 'IDAT').map((p) => p.data)));
  const pixels = unfilter(filtered, height, rowBytes, bpp);
  const noise = randomBytes(variant);
  const block = 8;
  for (let y = height - block; y < height; y++) {
    for (let x = width - block; x < width; x++) {
      for (let c = 0; c < bpp; c++) {
        const alpha = (bpp === 4 || bpp === 2) && c === bpp - 1;
        pixels[y * rowBytes + x * bpp + c] = alpha ? 255 : noise();
      }
    }
  }
  const raw = Buffer.alloc(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    pixels.copy(raw, y * (rowBytes + 1) + 1, y * rowBytes, (y + 1) * rowBytes);
  }
  const rebuilt = [png.subarray(0, 8)];
  let idatWritten = false;
  for (const part of parts) {
    if (part.type === 'IDAT') {
      if (!idatWritten) rebuilt.push(chunk('IDAT', deflateSync(raw)));
      idatWritten = true;
    } else {
      rebuilt.push(chunk(part.type, part.data));
    }
  }
  return Buffer.concat(rebuilt);
}

let counter = Math.floor(Math.random() * 2 ** 31);
/** A PNG fixture with pixels no earlier call produced. */
export function uniquePng(name = 'astronaut.png') {
  counter += 1;
  return pngVariant(fixture(name), counter);
}

/**
 * A photo-like JPEG, 4032 × 3024 as a phone takes it, drawn in the page:
 * gradients, shapes and noise, so it compresses like a photo. `seed` makes
 * every one different.
 */
export async function makePhoto(page, seed) {
  const base64 = await page.evaluate(async (seed) => {
    let state = seed * 7919 + 1;
    const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
    const [width, height] = [4032, 3024];
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    const sky = context.createLinearGradient(0, 0, 0, height);
    sky.addColorStop(0, `hsl(${(seed * 37) % 360} 60% 70%)`);
    sky.addColorStop(1, `hsl(${(seed * 37 + 120) % 360} 40% 30%)`);
    context.fillStyle = sky;
    context.fillRect(0, 0, width, height);
    for (let i = 0; i < 300; i++) {
      context.fillStyle = `hsl(${random() * 360} ${30 + random() * 50}% ${20 + random() * 60}% / 0.6)`;
      context.beginPath();
      context.ellipse(random() * width, random() * height, 20 + random() * 300, 20 + random() * 200, random() * 3, 0, 7);
      context.fill();
    }
    const noise = context.getImageData(0, 0, width, 400);
    for (let i = 0; i < noise.data.length; i += 4) noise.data[i] ^= (random() * 24) | 0;
    context.putImageData(noise, 0, 0);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  }, seed);
  return Buffer.from(base64, 'base64');
}
