import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Locale } from '../i18n/index.ts';

/**
 * Redirect after POST with a flash message: the redirect names a message key in its query
 * (`?lang=…&flash=<key>`), and the next page shows that message, translated. Only the keys a
 * module declared are ever shown: anything else in the query is ignored, so a crafted link
 * cannot make a page say something its module never says.
 */
export interface Flashes<K extends string> {
  /** 303 to `path` (which may already carry a query) with the locale and the flash key. */
  redirect(request: FastifyRequest, reply: FastifyReply, path: string, key: K): FastifyReply;
  /** The translated message named by this request's query, if it is one of the declared keys. */
  read(request: FastifyRequest): string | undefined;
}

/**
 * Declares the flash keys of a module and how they are translated. `param` is the query
 * parameter ("flash" for messages of success; a page may declare a second set under "error").
 */
export function defineFlashes<K extends string>(
  keys: readonly K[],
  translate: (locale: Locale, key: K) => string,
  param = 'flash',
): Flashes<K> {
  const allowed = new Set<string>(keys);
  return {
    redirect(request, reply, path, key) {
      return redirectWithQuery(request, reply, path, `${param}=${encodeURIComponent(key)}`);
    },
    read(request) {
      const value = (request.query as Record<string, unknown> | undefined)?.[param];
      return typeof value === 'string' && allowed.has(value)
        ? translate(request.locale, value as K)
        : undefined;
    },
  };
}

/** 303 to a same-site `path` with the request's locale and an extra query (e.g. "error=…"). */
export function redirectWithQuery(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  query?: string,
): FastifyReply {
  const sep = path.includes('?') ? '&' : '?';
  return reply.redirect(`${path}${sep}lang=${request.locale}${query === undefined ? '' : `&${query}`}`, 303);
}
