// Another image host, the one a blog moves away from: images under odd
// paths and query strings, a redirect, a 404, a web page served as .png,
// and an answer slower than a download may take. Each image's bytes come
// from `seed`, so two hosts with different seeds never serve duplicates.
import { createServer } from 'node:http';
import { pngBytes } from '../cli/helpers.mjs';

/**
 * @param {{seed?: string, slowMs?: number}} [options]
 * @returns {Promise<{url: string, images: Record<string, Buffer>, hits: (path: string) => number, requests: string[], stop: () => Promise<void>}>}
 */
export async function startOldImageHost({ seed = String(Math.random()), slowMs = 4000 } = {}) {
  const image = (name) => pngBytes(`${seed} ${name}`);
  /** Raw request target → image bytes (served as image/png unless said). */
  const images = {
    '/photos/2019/cat.png?size=large&v=2': image('cat'),
    '/weird%20path/dog%20(1).png': image('dog'),
    '/store/bird.gif?x=1': image('bird'),
    '/shared.png': image('shared'),
    '/badge.png': image('badge'),
    '/fish.png': image('fish'),
    '/q.png?a=1&b=2': image('query'),
    '/fine.png': image('fine'),
  };
  const requests = [];
  const timers = new Set();
  const server = createServer((req, res) => {
    requests.push(req.url);
    if (req.url === '/redirect/bird') {
      res.writeHead(302, { Location: '/store/bird.gif?x=1' });
      return res.end();
    }
    if (req.url === '/fake.png') {
      res.writeHead(200, { 'Content-Type': 'image/png' });
      return res.end('<!doctype html><title>Not found</title><p>This page moved.</p>\n');
    }
    if (req.url === '/slow.png') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end(image('slow'));
      }, slowMs);
      timers.add(timer);
      return;
    }
    const bytes = images[req.url];
    if (!bytes) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found\n');
    }
    // The bird claims to be text: the type comes from the bytes.
    const type = req.url.startsWith('/store/bird') ? 'text/plain' : 'image/png';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': bytes.length });
    res.end(bytes);
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    images,
    requests,
    hits: (path) => requests.filter((url) => url === path).length,
    stop: () =>
      new Promise((done) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(done);
      }),
  };
}
