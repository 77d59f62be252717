import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';

/**
 * `/healthz`: the process is alive (never touches the database, so it keeps answering
 * under load). `/readyz`: the database answers and the server is unsealed.
 */
export async function healthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    try {
      await sql`select 1`.execute(ctx.database.db);
    } catch {
      return reply.status(503).header('Retry-After', '10').send({ status: 'unavailable' });
    }
    if (ctx.vault.sealed) return reply.status(503).header('Retry-After', '60').send({ status: 'sealed' });
    return { status: 'ready' };
  });
}
