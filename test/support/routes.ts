import type { FastifyInstance } from 'fastify';

/**
 * "METHOD /path" of every route the app serves under the given prefixes, from the route table
 * the platform collects as routes are registered (HEAD left out), sorted. Authorisation-matrix
 * tests compare it with their entries, so a route added without an entry fails them.
 */
export async function servedRoutes(app: FastifyInstance, prefixes: readonly string[]): Promise<string[]> {
  await app.ready();
  const routes = app.routeTable
    .filter((r) => prefixes.some((p) => r.url.startsWith(p)))
    .map((r) => `${r.method} ${r.url}`);
  return [...new Set(routes)].sort();
}
