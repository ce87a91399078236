// A proxy on 127.0.0.1 in front of a real stack. Every request passes
// through as it is, except those for a `missing` path, which get the
// stack's own answer for a path it does not know (404 `not_found`, with its
// CORS headers): an imghost from before some route existed (e.g. `GET
// /stats`). `before(req, res)` is awaited before a request passes on, to
// hold it or to watch its answer.
import { createServer, request } from 'node:http';

/**
 * @param {{url: string}} stack the real stack behind it
 * @param {{missing?: string[], before?: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => unknown}} [options]
 * @returns {Promise<{url: string, requests: {method: string, path: string}[], stop: () => Promise<void>}>}
 */
export async function startProxy(stack, { missing = [], before } = {}) {
  const target = new URL(stack.url);
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://old-host');
    requests.push({ method: req.method, path: url.pathname });
    await before?.(req, res);
    const path = missing.includes(url.pathname) ? `/__not-on-this-host${url.pathname}${url.search}` : req.url;
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`old host: ${error.message}\n`);
    });
    req.pipe(upstream);
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    stop: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(done);
      }),
  };
}
