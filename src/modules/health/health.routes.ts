import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../platform/errors.ts';
import { onionCircuitOf } from '../../platform/onion-listener.ts';

/**
 * `/healthz`: the process is alive (never touches the database, so it keeps answering
 * under load). `/readyz`: the database answers and the server is unsealed.
 *
 * Neither is for the outside world: `/readyz` tells whether the server is sealed, which lets
 * an adversary time a seizure (issue 12, finding 13). Health checks use the loopback health
 * port (ADR 0080); the shipped nginx configuration (deploy/nginx/sanctuary.conf) does not
 * pass these paths on; and through the onion service, whose Tor forwards every path to the
 * onion port, they do not exist (404).
 */
function refuseViaOnion(request: FastifyRequest): void {
  if (onionCircuitOf(request.raw.socket) !== undefined) throw new AppError('not_found', 'health via onion');
}

export async function healthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/healthz', async (request) => {
    refuseViaOnion(request);
    return { status: 'ok' };
  });

  app.get('/readyz', async (request, reply) => {
    refuseViaOnion(request);
    try {
      await sql`select 1`.execute(ctx.database.db);
    } catch {
      return reply.status(503).header('Retry-After', '10').send({ status: 'unavailable' });
    }
    if (ctx.vault.sealed) return reply.status(503).header('Retry-After', '60').send({ status: 'sealed' });
    return { status: 'ready' };
  });
}
