// A stand-in for Tinify's API (https://tinypng.com/developers/reference) on
// a free local port, speaking its protocol: POST /shrink with HTTP Basic
// `api:<key>` → 201 + Location + Compression-Count, then GET (or POST with
// {"convert": ...}) on the Location for the result. Tests switch its
// behaviour to the failures the Worker must survive.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

export const FAKE_TINIFY_KEY = 'fake-tinify-key';

/**
 * Modes: 'ok' | '401' | '429' | '415' | '500' | 'hang' | 'no-location' | 'garbage'.
 * `output` / `converted` are the bytes served as the (compressed / converted)
 * result; a test may change them, and `reset` puts them back.
 */
export async function startFakeTinify({ output = null, converted = null } = {}) {
  const state = {
    mode: 'ok',
    output,
    outputType: 'image/png',
    converted,
    convertedType: 'image/webp',
    compressionCount: 0,
    requests: [],
    /** Where Location points; another host's address to test that the key stays home. */
    locationBase: null,
  };
  const expectedAuth = `Basic ${Buffer.from(`api:${FAKE_TINIFY_KEY}`).toString('base64')}`;
  const json = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    state.requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    const count = { 'Compression-Count': String(state.compressionCount) };

    if (req.headers.authorization !== expectedAuth || state.mode === '401') {
      return json(res, 401, { error: 'Unauthorized', message: 'Credentials are invalid.' });
    }
    if (req.method === 'POST' && req.url === '/shrink') {
      switch (state.mode) {
        case 'hang':
          return; // never answers
        case '429':
          return json(res, 429, { error: 'TooManyRequests', message: 'Your monthly limit has been exceeded' }, count);
        case '415':
          return json(res, 415, { error: 'Unsupported media type', message: 'File type is not supported.' }, count);
        case '500':
          return json(res, 500, { error: 'InternalServerError', message: 'Oops! Something went wrong.' }, count);
      }
      state.compressionCount += 1;
      const id = randomBytes(8).toString('hex');
      const location = `${state.locationBase ?? `http://127.0.0.1:${server.address().port}`}/output/${id}`;
      const headers = { 'Compression-Count': String(state.compressionCount) };
      if (state.mode !== 'no-location') headers.Location = location;
      return json(res, 201, {
        input: { size: body.length, type: req.headers['content-type'] },
        output: { size: state.output?.length ?? 0, type: state.outputType, ratio: 0.5, url: location },
      }, headers);
    }
    if (req.url.startsWith('/output/')) {
      if (state.mode === 'garbage') {
        res.writeHead(200, { 'Content-Type': state.outputType });
        return res.end('this is not an image');
      }
      if (req.method === 'POST') {
        const { convert } = JSON.parse(body.toString() || '{}');
        if (!convert?.type) return json(res, 400, { error: 'BadRequest', message: 'no convert type' });
        res.writeHead(200, { 'Content-Type': state.convertedType });
        return res.end(state.converted);
      }
      res.writeHead(200, { 'Content-Type': state.outputType });
      return res.end(state.output);
    }
    json(res, 404, { error: 'NotFound', message: 'No such endpoint' });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    state,
    reset(mode = 'ok') {
      state.mode = mode;
      state.requests = [];
      state.output = output;
      state.converted = converted;
      state.locationBase = null;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
