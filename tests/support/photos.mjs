// Photos built in tests: JPEG and PNG of any size whose pixels vary like a
// photo's (so encoders have real work), the same bytes for the same seed.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { pngFile } from './png.mjs';

/** A number from 0 to 255 for each (seed, x, y): the same every run. */
function noise(seed, x, y) {
  return createHash('sha256').update(`${seed}:${x}:${y}`).digest()[0];
}

/**
 * A baseline gray JPEG of `width` × `height` whose 8 × 8 blocks are each
 * one shade: a gradient under noise from `seed`, so every seed gives other
 * bytes. Only DC coefficients are coded (quantised by 1, standard DC table,
 * an AC table holding only end-of-block), which any decoder reads. With
 * `orientation`, an EXIF block that says how to turn it.
 */
export function jpegPhoto(width, height, seed, { orientation } = {}) {
  const segment = (marker, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(0xff00 | marker, 0);
    head.writeUInt16BE(data.length + 2, 2);
    return Buffer.concat([head, data]);
  };
  const dcBits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
  const dcValues = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const acBits = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  // Canonical Huffman codes of the DC categories, from the bit counts.
  const dcCodes = [];
  for (let length = 1, code = 0, next = 0; length <= 16; length++, code <<= 1) {
    for (let n = 0; n < dcBits[length - 1]; n++, code++) dcCodes[dcValues[next++]] = { code, length };
  }
  const bytes = [];
  let buffer = 0;
  let filled = 0;
  const put = (value, length) => {
    for (let bit = length - 1; bit >= 0; bit--) {
      buffer = (buffer << 1) | ((value >> bit) & 1);
      if (++filled === 8) {
        bytes.push(buffer);
        if (buffer === 0xff) bytes.push(0); // byte stuffing
        buffer = 0;
        filled = 0;
      }
    }
  };
  let previous = 0;
  const blocksAcross = Math.ceil(width / 8);
  const blocksDown = Math.ceil(height / 8);
  for (let by = 0; by < blocksDown; by++) {
    for (let bx = 0; bx < blocksAcross; bx++) {
      const shade = Math.min(255, Math.round((bx / blocksAcross) * 150 + (by / blocksDown) * 40) + (noise(seed, bx, by) >> 2));
      const dc = 8 * (shade - 128);
      const diff = dc - previous;
      previous = dc;
      const category = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      put(dcCodes[category].code, dcCodes[category].length);
      if (category > 0) put(diff > 0 ? diff : diff + (1 << category) - 1, category);
      put(0, 1); // end of block: every AC coefficient is zero
    }
  }
  if (filled > 0) put(0xff, 8 - filled); // pad with ones
  const sof = Buffer.alloc(9);
  sof[0] = 8;
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  sof.set([1, 1, 0x11, 0], 5);
  const exif = [];
  if (orientation) {
    const tiff = Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]);
    exif.push(segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])));
  }
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    ...exif,
    segment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])),
    segment(0xc0, sof),
    segment(0xc4, Buffer.from([0x00, ...dcBits, ...dcValues, 0x10, ...acBits, 0x00])),
    segment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])),
    Buffer.from(bytes),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** An opaque RGB PNG of `width` × `height`: a gradient under noise from `seed`. */
export function pngPhoto(width, height, seed) {
  const row = 1 + width * 3;
  const pixels = Buffer.alloc(height * row);
  for (let y = 0; y < height; y++) {
    const grains = Array.from({ length: Math.ceil(width / 8) }, (_, bx) => noise(seed, bx, y >> 3) >> 2);
    for (let x = 0; x < width; x++) {
      const grain = grains[x >> 3];
      pixels.set([Math.floor((x * 190) / width) + grain, Math.floor((y * 190) / height) + grain, 90 + grain], y * row + 1 + x * 3);
    }
  }
  return pngFile(width, height, deflateSync(pixels));
}

