// Benchmark helper on the D1 database bound as DB. POST {sql, params} runs
// one statement and answers with D1's result metadata (rows read), so the
// benchmark can read what another Worker's queries cost on the same data.
// GET answers at once without touching D1: with POST "SELECT 1", the fixed
// cost of a Worker request, and of one D1 round trip, on this machine.
export default {
  async fetch(request, env) {
    if (request.method === 'GET') return new Response(null, { status: 204 });
    const { sql, params = [] } = await request.json();
    const result = await env.DB.prepare(sql).bind(...params).all();
    return Response.json(result.meta);
  },
};
