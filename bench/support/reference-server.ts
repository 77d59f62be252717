/**
 * The minimal reference for the intake capacity figure (issue 17, item 8): Fastify with one JSON
 * route that inserts the body into PostgreSQL, one statement per request, no encryption, no
 * audit, no idempotency, no rate limit. What "a web service writing to PostgreSQL" costs on this
 * machine, under the same load generator as Sanctuary's partner API, in a process of its own.
 *
 * `DATABASE_URL=… PORT=… node --import tsx bench/support/reference-server.ts`; prints
 * "listening" when ready. The table is created here.
 */
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }); // Sanctuary's default pool
await pool.query(
  'create table if not exists reference_submissions (id bigserial primary key, body jsonb not null, created_at timestamptz not null default now())',
);
const app = Fastify({ logger: false });
app.post('/api/v1/submissions', async (request, reply) => {
  const { rows } = await pool.query<{ id: string }>(
    'insert into reference_submissions (body) values ($1) returning id',
    [JSON.stringify(request.body)],
  );
  return reply.status(201).send({ id: rows[0]?.id });
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write('listening\n');
const stop = () => {
  void app.close().then(() => pool.end().then(() => process.exit(0)));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
