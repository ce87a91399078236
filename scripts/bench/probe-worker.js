// Benchmark helper: runs one SQL statement against the D1 database bound as
// DB and answers with D1's result metadata (rows read), so the benchmark
// can read what another Worker's queries cost on the same data.
export default {
  async fetch(request, env) {
    const { sql, params = [] } = await request.json();
    const result = await env.DB.prepare(sql).bind(...params).all();
    return Response.json(result.meta);
  },
};
