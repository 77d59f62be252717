/**
 * Counting arrivals without tracking (issue 20 item 4, ADR 0155). A leaflet's QR code or a mirror's
 * links carry `?c=CODE`. The applicant site counts the code in memory, per ISO week, and answers
 * with a redirect to the same page without it, so the code never reaches a form, a session, a
 * case, a log line or the browser's history. Every few minutes the counts are added to
 * `outreach_arrivals` (code, week, count) and forgotten. Nothing else is kept: no time of day,
 * no address, no order of arrival.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';

export const ARRIVAL_CODE = /^[a-z0-9][a-z0-9-]{0,23}$/;
/** Distinct codes kept in memory between flushes; beyond it arrivals count as "other". */
const MAX_CODES = 200;
const OTHER = 'other';

/** The Monday (UTC) of the ISO week `at` falls in, as YYYY-MM-DD. */
export function isoWeekStart(at: Date): string {
  const day = (at.getUTCDay() + 6) % 7;
  const monday = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() - day));
  return monday.toISOString().slice(0, 10);
}

export class ArrivalCounter {
  #counts = new Map<string, number>();

  /** Counts one arrival through `code` (already checked against ARRIVAL_CODE). */
  add(code: string, at: Date): void {
    const distinct = new Set([...this.#counts.keys()].map((k) => k.split('|')[0]));
    const counted = distinct.has(code) || distinct.size < MAX_CODES ? code : OTHER;
    const key = `${counted}|${isoWeekStart(at)}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  get pending(): number {
    let n = 0;
    for (const v of this.#counts.values()) n += v;
    return n;
  }

  /** Adds the counts to the table and forgets them; on failure they are kept for the next flush. */
  async flush(db: Db): Promise<void> {
    if (this.#counts.size === 0) return;
    const batch = this.#counts;
    this.#counts = new Map();
    const rows = [...batch].map(([key, arrivals]) => {
      const [code = OTHER, week = ''] = key.split('|');
      return { code, week, arrivals };
    });
    try {
      await db
        .insertInto('outreach_arrivals')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['code', 'week']).doUpdateSet((eb) => ({
            arrivals: eb('outreach_arrivals.arrivals', '+', eb.ref('excluded.arrivals')),
          })),
        )
        .execute();
    } catch (error) {
      for (const [key, n] of batch) this.#counts.set(key, (this.#counts.get(key) ?? 0) + n);
      throw error;
    }
  }
}

export interface ArrivalRow {
  code: string;
  week: string;
  arrivals: number;
}

/** Counts per code and week, newest week first, between two weeks (inclusive, YYYY-MM-DD). */
export async function arrivalCounts(
  db: Db,
  range: { from?: string; to?: string } = {},
): Promise<ArrivalRow[]> {
  let q = db.selectFrom('outreach_arrivals').select(['code', 'week', 'arrivals']);
  if (range.from !== undefined) q = q.where('week', '>=', range.from);
  if (range.to !== undefined) q = q.where('week', '<=', range.to);
  return q.orderBy('week', 'desc').orderBy('code').execute();
}

/** The applicant pages a campaign or mirror link may land on. */
const LANDING_ROUTES = new Set(['/']);

/**
 * Counts `?c=CODE` on the applicant landing page and redirects to the page without it. Flushes
 * every `flushEveryMs` and when the server closes. The redirect keeps every other parameter.
 */
export function registerArrivalCounting(
  app: FastifyInstance,
  ctx: AppContext,
  options: { flushEveryMs?: number; now?: () => Date } = {},
): ArrivalCounter {
  const counter = new ArrivalCounter();
  const now = options.now ?? (() => new Date());
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET' || !LANDING_ROUTES.has(request.routeOptions.url ?? '')) return undefined;
    const url = new URL(request.url, 'http://localhost');
    const code = url.searchParams.get('c');
    if (code === null) return undefined;
    if (ARRIVAL_CODE.test(code)) counter.add(code, now());
    url.searchParams.delete('c');
    return reply.redirect(`${url.pathname}${url.search}`, 303);
  });
  const flush = () =>
    counter.flush(ctx.database.db).catch(() => {
      // Kept in memory for the next flush; a busy database must not break the applicant site.
    });
  const timer = setInterval(flush, options.flushEveryMs ?? 5 * 60_000);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await flush();
  });
  return counter;
}
