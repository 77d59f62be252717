import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { listenOn } from './listen.ts';
import type { AppMetrics } from './metrics.ts';

/**
 * A loopback listener that answers only `GET /healthz`, `GET /readyz` (ADR 0080) and, when given
 * the metrics, `GET /metrics` (Prometheus, ADR 0111), for the
 * orchestrator's health checks. Under a flood, a new connection to the main port can wait
 * seconds to be accepted while the process works through the connections it already has
 * (measured: about 4 s at 4,700 refused requests a second, where a second listener in the same
 * process answered in 0.2 s). Health checks usually open a new connection each time, and a
 * check that times out gets a healthy server restarted in the middle of a flood: on a port of
 * their own they are accepted at once.
 *
 * The health answers are the application's own routes (through `inject`, in memory), so the two
 * ports cannot disagree. The metrics are served here only, never by the application's routes, so
 * neither the public port nor the onion port has them (they answer 404). Nothing else is served
 * here; nothing is logged per request.
 */
const PATHS = new Set(['/healthz', '/readyz']);

export async function startHealthListener(options: {
  app: FastifyInstance;
  host: string;
  port: number;
  metrics?: AppMetrics;
}): Promise<Server> {
  const { metrics } = options;
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (request.method === 'GET' && path === '/metrics' && metrics !== undefined) {
      metrics.scrape().then(
        ({ contentType, body }) => {
          response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
          response.end(body);
        },
        () => {
          response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          response.end('{"status":"error"}');
        },
      );
      return;
    }
    if (request.method !== 'GET' || !PATHS.has(path)) {
      response.writeHead(404, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      });
      response.end('{"status":"not_found"}');
      return;
    }
    options.app.inject({ method: 'GET', url: path }).then(
      (answer) => {
        const headers: Record<string, string> = {
          'content-type': String(answer.headers['content-type'] ?? 'application/json; charset=utf-8'),
          'cache-control': 'no-store',
        };
        if (answer.headers['retry-after'] !== undefined)
          headers['retry-after'] = String(answer.headers['retry-after']);
        response.writeHead(answer.statusCode, headers);
        response.end(answer.body);
      },
      () => {
        response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        response.end('{"status":"error"}');
      },
    );
  });
  // Health checks are tiny: a slow or idle client must not hold a connection open.
  server.requestTimeout = 5_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  await listenOn(server, options.port, options.host);
  return server;
}
