// Makes a HEIC/HEIF photo into a JPEG for the upload page, in its own
// thread. Receives [file, name]; answers with a JPEG File of that name, or
// with a sentence saying why not. Safari decodes HEIC itself; elsewhere
// libheif compiled to WebAssembly does (libheif-js, LGPL-3.0: see LICENSE
// here), loaded only then.

/** A canvas holding the photo as it is shown (turned by its `irot`). */
async function decode(file) {
  try {
    const bitmap = await createImageBitmap(file);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    bitmap.close();
    return canvas;
  } catch {
    // This browser cannot decode HEIC: libheif does.
  }
  const heif = await libheifReady();
  const decoder = new heif.HeifDecoder();
  const images = decoder.decode(new Uint8Array(await file.arrayBuffer()));
  // A photo is one image (its thumbnail and depth map are not counted);
  // which of several is the main one this build of libheif cannot say.
  if (images.length === 0) throw new Error('libheif found no image in it');
  if (images.length > 1) throw new Error('it holds several images; convert the one you want to JPEG first');
  const [image] = images;
  const pixels = new ImageData(image.get_width(), image.get_height());
  await new Promise((done, fail) =>
    image.display(pixels, (result) => (result ? done() : fail(new Error('libheif could not decode its image data')))),
  );
  for (const each of images) each.free();
  const canvas = new OffscreenCanvas(pixels.width, pixels.height);
  canvas.getContext('2d').putImageData(pixels, 0, 0);
  return canvas;
}

function libheifReady() {
  importScripts('libheif.js');
  // The module is the object passed in, ready once this is called (which
  // may be before libheif() returns).
  return new Promise((resolve) => {
    const module = { onRuntimeInitialized: () => resolve(module) };
    libheif(module);
  });
}

self.onmessage = async ({ data: [file, name] }) => {
  try {
    const canvas = await decode(file);
    const jpeg = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
    self.postMessage(new File([jpeg], name, { type: 'image/jpeg' }));
  } catch (error) {
    self.postMessage(String(error?.message ?? error));
  }
};
