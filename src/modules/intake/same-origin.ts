import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';

/**
 * Where a request says it comes from (ADR 0092): `cross` when the browser says another site
 * made it, `same` when it says this site did, `unknown` when it says nothing at all.
 *
 * - `Sec-Fetch-Site` first (every current browser sends it, Tor Browser included): only
 *   `same-origin` and `none` (typed, bookmarked) are this site; `same-site` is a sibling host,
 *   which is another site for us.
 * - Otherwise `Origin`: "null" (sandboxed frames, some redirects) or another host is cross.
 * - Neither: unknown. Old browsers and privacy tools send neither; no browser that sends
 *   neither can be told apart from one that does by a phishing page, so refusing them would
 *   lock out the oldest browsers without protecting anyone the form token does not.
 */
export function requestSite(headers: FastifyRequest['headers'], host: string): 'same' | 'cross' | 'unknown' {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none' ? 'same' : 'cross';
  const origin = headers.origin;
  if (typeof origin !== 'string') return 'unknown';
  if (origin === 'null') return 'cross';
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'cross';
  }
  // URL drops a default port ("http://x:80" is "x"); a Host header may still name it.
  const expected = host.toLowerCase();
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  return url.host === expected || (url.port === '' && `${url.hostname}:${defaultPort}` === expected)
    ? 'same'
    : 'cross';
}

/**
 * Refuses every applicant POST that another site made (finding 5 of issue 12): a phishing page
 * that submits to the real site gets a 403 and a translated page saying so, before the body is
 * read. A request that names no origin at all is let through (see requestSite).
 */
export function refuseCrossSitePosts(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST') return;
    if (requestSite(request.headers, request.host) === 'cross') {
      throw new AppError('forbidden', 'cross-site applicant POST', {
        fields: { form: 'form.error.cross_site' },
      });
    }
  });
}
