import { setTimeout as sleep } from 'node:timers/promises';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { type DatabaseUrl, parseDatabaseUrl } from './database-url.ts';

/**
 * Connecting to whichever PostgreSQL server is the primary, and coming back after a failover
 * without a restart (ADR 0118).
 *
 * node-postgres reads one host only, so `target_session_attrs=read-write` is done here:
 * - every new pool connection goes to the host the locator believes is the primary, and is
 *   checked on arrival (`pg_is_in_recovery()`, `transaction_read_only`), as libpq does; a
 *   standby is refused with NotPrimaryError;
 * - when a connection cannot be made or is refused, the locator tries the hosts in the order
 *   of the setting and keeps the first that accepts writes;
 * - a connection that hit a read-only error (it reached a demoted primary) or was made before
 *   the primary changed is destroyed on release, never reused;
 * - acquiring a connection retries through a short outage (`connectRetryMs`), so a request
 *   that arrives during the failover waits a little instead of failing at once.
 * Connections lost mid-statement fail that statement: the pool discards them (pg marks them
 * not queryable) and work that is safe to repeat is retried by its owner (the intake group
 * commit; the job runner's next round).
 */

/** The connected host is a standby (or read-only): not where Sanctuary may write. */
export class NotPrimaryError extends Error {
  override name = 'NotPrimaryError';
}

/** No host in the list answered as a primary. */
export class NoPrimaryError extends Error {
  override name = 'NoPrimaryError';
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, or a standby being promoted)
  '25006', // read_only_sql_transaction: we are on a standby or a demoted primary
]);

/**
 * True for errors that mean "the database server went away or is not the primary (yet)":
 * the same work may succeed on the next connection. Never true for a constraint violation,
 * a bad statement or a serialization failure, whose retry is its owner's decision.
 */
export function isTransientDbError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof NotPrimaryError || error instanceof NoPrimaryError) return true;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('08'))) return true;
  // pg's own messages for a socket that closed under it, or a connect that timed out.
  if (
    /^Connection terminated|^timeout expired|Client has encountered a connection error/.test(error.message)
  ) {
    return true;
  }
  return error.cause !== undefined && error.cause !== error && isTransientDbError(error.cause);
}

function isReadOnlyError(error: unknown): boolean {
  return error instanceof Error && (error as Error & { code?: unknown }).code === '25006';
}

export interface FailoverPoolOptions {
  /** `DATABASE_URL`, one host or several. */
  url: string;
  max: number;
  types: pg.CustomTypesConfig;
  /** How long acquiring a connection keeps trying through an outage (ms). */
  connectRetryMs?: number;
  /** A connect attempt to one host gives up after this long (ms). */
  connectTimeoutMs?: number;
  onConnectionError?: (error: Error) => void;
}

export interface FailoverPool extends PostgresPool {
  /** The host now believed to be the primary (host:port, no credentials). */
  readonly primary: string;
  /** How many times the primary changed since start (a failover, or a demotion seen). */
  readonly failovers: number;
  /** Connections now: open, idle among them, callers waiting (for the metrics; ADR 0111). */
  figures(): { total: number; idle: number; waiting: number };
}

const CHECK_PRIMARY =
  "select pg_is_in_recovery() as standby, current_setting('transaction_read_only') as read_only";

async function assertPrimary(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ standby: boolean; read_only: string }>(CHECK_PRIMARY);
  const row = rows[0];
  if (row === undefined || row.standby || row.read_only === 'on') {
    throw new NotPrimaryError('the server is a standby or read-only');
  }
}

/** Which of the listed hosts is the primary; one search at a time however many callers ask. */
class PrimaryLocator {
  readonly #url: DatabaseUrl;
  readonly #timeoutMs: number;
  #current = 0;
  /** A primary was confirmed once: a later change of host is a failover. */
  #confirmed = false;
  #search: Promise<void> | undefined;
  /** Bumped when the primary changes or is lost: connections of older generations are dropped. */
  generation = 0;
  failovers = 0;

  constructor(url: DatabaseUrl, timeoutMs: number) {
    this.#url = url;
    this.#timeoutMs = timeoutMs;
  }

  get url(): string {
    return this.#url.hostUrls[this.#current]!;
  }

  get label(): string {
    return this.#url.hostLabels[this.#current]!;
  }

  /** A pool connection to the current host was checked and accepts writes. */
  confirm(): void {
    this.#confirmed = true;
  }

  /** A connection showed the primary is gone or demoted: look again. */
  lost(): Promise<void> {
    this.#search ??= this.#locate().finally(() => {
      this.#search = undefined;
    });
    return this.#search;
  }

  async #locate(): Promise<void> {
    this.generation += 1;
    let lastError: unknown;
    for (const [i, url] of this.#url.hostUrls.entries()) {
      const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: this.#timeoutMs });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await assertPrimary(probe);
        if (this.#confirmed && i !== this.#current) this.failovers += 1;
        this.#current = i;
        this.#confirmed = true;
        return;
      } catch (error) {
        lastError = error;
      } finally {
        await probe.end().catch(() => {});
      }
    }
    throw new NoPrimaryError(`no primary among ${this.#url.hostLabels.join(', ')}`, { cause: lastError });
  }
}

const GENERATION = Symbol('primary generation');
type TaggedClient = pg.Client & { [GENERATION]?: number };

/** A pg pool whose connections always reach the current primary, wrapped for Kysely. */
export function createFailoverPool(options: FailoverPoolOptions): FailoverPool {
  const url = parseDatabaseUrl(options.url);
  if ('problem' in url) throw new Error(`DATABASE_URL ${url.problem}`);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const connectRetryMs = options.connectRetryMs ?? 5_000;
  const locator = new PrimaryLocator(url, connectTimeoutMs);

  // Every pool connection is made to the host the locator names at that moment.
  class PrimaryClient extends pg.Client {
    constructor(config: pg.ClientConfig) {
      // The connect timeout is the client's own: on the pool it would also limit the wait for
      // a free connection under load, which must stay unbounded as before.
      super({ ...config, connectionString: locator.url, connectionTimeoutMillis: connectTimeoutMs });
      (this as TaggedClient)[GENERATION] = locator.generation;
      // pg emits 'error' when the socket dies, and the pool listens only while a connection is
      // idle: one that dies while checked out (between two statements of a transaction) would
      // crash the process. The statement in flight gets the error; the pool discards the
      // connection on release (it is no longer queryable).
      this.on('error', () => {});
    }
  }

  const pool = new pg.Pool({
    max: options.max,
    types: options.types,
    // TCP keepalive finds a primary whose machine vanished without closing its sockets.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    Client: PrimaryClient as unknown as new () => pg.ClientBase,
    // Checked on arrival, like libpq's target_session_attrs=read-write; and a read-only error
    // later (a primary demoted under us) condemns the connection and starts a search.
    onConnect: (async (client: pg.ClientBase) => {
      // Days are UTC days everywhere (JavaScript writes ISO dates; quotas and reports count
      // per UTC day). Without this, `current_date` and `date_trunc('week', …)` would follow the
      // server's own TimeZone setting and disagree with the application near midnight (ADR 0207).
      await client.query("set time zone 'UTC'");
      await assertPrimary(client);
      locator.confirm();
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const result = query(...args);
        if (result instanceof Promise) {
          result.catch((error: unknown) => {
            if (isReadOnlyError(error)) void locator.lost().catch(() => {});
          });
        }
        return result;
      };
    }) as unknown as (client: pg.ClientBase) => void,
  });
  pool.on('error', (error) => options.onConnectionError?.(error));

  const stale = (client: pg.PoolClient) =>
    (client as unknown as TaggedClient)[GENERATION] !== locator.generation;

  return {
    get primary() {
      return locator.label;
    },
    get failovers() {
      return locator.failovers;
    },
    figures: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async connect(): Promise<PostgresPoolClient> {
      const started = Date.now();
      for (let attempt = 0; ; attempt++) {
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (error) {
          if (!isTransientDbError(error)) throw error;
          // Search again (one search for all callers); then wait a little and retry.
          await locator.lost().catch(() => {});
          if (Date.now() - started >= connectRetryMs) throw error;
          await sleep(Math.min(1_000, 50 * 2 ** attempt));
          continue;
        }
        if (stale(client)) {
          client.release(new Error('made before the primary changed'));
          continue;
        }
        const release = client.release;
        client.release = (err?: Error | boolean) =>
          release(err ?? (stale(client) ? new Error('the primary changed while in use') : undefined));
        return client;
      }
    },
    end: () => pool.end(),
  };
}
