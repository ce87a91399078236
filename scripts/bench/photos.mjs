// Phone-sized photos for the benchmarks, drawn in headless Chromium.

/** Photo-like JPEGs drawn in the browser: gradients, shapes and sensor
 * noise, so they compress like phone photos do (1–2 MB at quality 0.9). */
export async function makePhotos(browser, count) {
  const page = await browser.newPage();
  const photos = [];
  for (let n = 0; n < count; n++) {
    const base64 = await page.evaluate(async (seed) => {
      let state = seed * 7919 + 1;
      const random = () => ((state = (state * 48271) % 2147483647) / 2147483647);
      const canvas = new OffscreenCanvas(4032, 3024);
      const context = canvas.getContext('2d');
      const sky = context.createLinearGradient(0, 0, 0, 3024);
      sky.addColorStop(0, `hsl(${(seed * 37) % 360} 60% 70%)`);
      sky.addColorStop(1, `hsl(${(seed * 37 + 120) % 360} 40% 30%)`);
      context.fillStyle = sky;
      context.fillRect(0, 0, 4032, 3024);
      for (let i = 0; i < 400; i++) {
        context.fillStyle = `hsl(${random() * 360} ${30 + random() * 50}% ${20 + random() * 60}% / 0.6)`;
        context.beginPath();
        context.ellipse(random() * 4032, random() * 3024, 20 + random() * 300, 20 + random() * 200, random() * 3, 0, 7);
        context.fill();
      }
      const pixels = context.getImageData(0, 0, 4032, 3024);
      for (let i = 0; i < pixels.data.length; i += 4) {
        const grain = (random() - 0.5) * 6;
        pixels.data[i] += grain;
        pixels.data[i + 1] += grain;
        pixels.data[i + 2] += grain;
      }
      context.putImageData(pixels, 0, 0);
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(binary);
    }, n);
    photos.push(Buffer.from(base64, 'base64'));
  }
  await page.close();
  const small = photos.filter((photo) => photo.length < 1e6);
  if (small.length) throw new Error(`${small.length} photos are under 1 MB`);
  return photos;
}
