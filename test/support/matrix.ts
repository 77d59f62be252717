import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAFF_ROLES } from '../../src/access/index.ts';
import type { Db } from '../../src/db/database.ts';
import type { StaffRoleName } from '../../src/db/types.ts';
import { buildStaff, buildTestApp, Client, signInClient, type TestApp, type TestStaff } from './app.ts';
import { multipart } from './multipart.ts';
import { servedRoutes } from './routes.ts';

/**
 * The authorisation-matrix harness (issue 13, ADR 0108): every route a matrix names × every role ×
 * every scope (own case, another team's, a missing one, …). Allowed cells must answer one of
 * the allowed statuses; refused cells 404 (401 without a session) and leave the database
 * exactly as it was. How it stays exact and fast:
 *
 * - The route list is the running app's (`servedRoutes`): a route without an entry fails.
 * - Every role signs in once; fixtures are built once per role and scope ("shared"), and
 *   again only for an allowed cell of a route marked `fresh` (one that consumes or changes
 *   the records it names: versions, grants, approvals), in one batch before the role's
 *   allowed cells run.
 * - "Unchanged" is one query: `installWriteCounter` puts, in the test database only, a
 *   row-level trigger (insert, update, delete) and a statement-level one (truncate) on every
 *   table, each adding a row to `matrix_writes`. Every committed write, including one that
 *   rewrites a row with the same values, adds a row; a rolled-back one adds none. Not
 *   counted: the session touch (a `staff_sessions` update that only moves `last_seen_at`
 *   forward, once a minute, whichever request happens to come first), and the shared rate-limit
 *   counters on PostgreSQL (`rate_limit_counts`, ADR 0117): a refused attempt counting against
 *   the client's allowance is the limiter doing its work, not a change the refusal made.
 * - A role's refused cells run concurrently on the pristine shared fixtures, with the counts
 *   compared around the batch; when the batch wrote, each refused cell is re-run alone to
 *   name the culprit (and if none repeats the write, every cell of the batch fails). Then its
 *   allowed cells run one after another. Roles run one after another, so nothing allowed runs
 *   while a refused batch is measured.
 */

export type MatrixRole = StaffRoleName | 'anonymous';

/** A signed-in client (or an anonymous one with a pre-session cookie) and its form token. */
export interface MatrixSession {
  client: Client;
  staff: TestStaff | null;
  csrf: string;
}

export interface MatrixRoute<F, S extends string> {
  /** Who may, per scope. */
  allowed(role: MatrixRole, scope: S): boolean;
  /** A form body (the CSRF field is added). */
  body?(f: F): Record<string, string>;
  /** A multipart body instead (the CSRF part is put first). */
  multipart?(f: F): Parameters<typeof multipart>[0];
  /** An allowed cell changes or consumes what it names: it gets its own fixture. */
  fresh?: boolean;
  /** The statuses an allowed cell may answer (default: the matrix's), or per role and scope. */
  allowedStatuses?: readonly number[] | ((role: MatrixRole, scope: S) => readonly number[]);
  /** The status of a refused cell (default 404, and 401 for the anonymous role). */
  refusedStatus?: number;
  /** Undoes what an allowed cell did to the whole app (e.g. unseal after a seal). */
  after?(t: TestApp, f: F): Promise<void>;
}

export interface MatrixFixtureInput<S extends string> {
  t: TestApp;
  role: MatrixRole;
  scope: S;
  session: MatrixSession;
  /** True for the own fixture of one allowed cell of a `fresh` route. */
  fresh: boolean;
  /** The route of that cell (fresh fixtures only). */
  route?: string;
}

export interface MatrixDefinition<F extends object, S extends string> {
  title: string;
  /** The routes the app serves that this matrix must cover ("METHOD /path", sorted). */
  served(t: TestApp): Promise<string[]>;
  routes: Record<string, MatrixRoute<F, S>>;
  scopes: readonly S[];
  roles?: readonly MatrixRole[];
  /** Statuses an allowed cell may answer (default 200, 201, 303). */
  allowedStatuses?: readonly number[];
  /** Called on the built app before any request (routes may still be added). */
  prepare?(t: TestApp): void | Promise<void>;
  /** Called once after every role has signed in. */
  setup?(t: TestApp, sessions: ReadonlyMap<MatrixRole, MatrixSession>): Promise<void>;
  /** The records a cell names; a fixture may carry its own `session` (e.g. for sign-out). */
  fixture(input: MatrixFixtureInput<S>): Promise<F>;
  /** The URL of a route's path for a fixture (the harness adds `lang=en` to its query). */
  url(path: string, f: F): string;
  /** Refused cells sent at once (default 8). */
  concurrency?: number;
}

export interface MatrixCell<S extends string> {
  route: string;
  role: MatrixRole;
  scope: S;
}

export interface MatrixResult {
  allowed: boolean;
  status: number;
  body: string;
  /** Refused cells: the tables written (empty when the database is unchanged). */
  written: string[];
}

/** Every cell of a matrix, role by role (the order they run in). */
export function matrixCells<S extends string>(def: {
  roles?: readonly MatrixRole[];
  routes: Record<string, unknown>;
  scopes: readonly S[];
}): MatrixCell<S>[] {
  return (def.roles ?? STAFF_ROLES).flatMap((role) =>
    Object.keys(def.routes).flatMap((route) => def.scopes.map((scope) => ({ route, role, scope }))),
  );
}

const cellKey = (c: MatrixCell<string>) => `${c.route}|${c.role}|${c.scope}`;

/** Runs `fn` over `items`, at most `limit` at a time, results in order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Installs the write counter in a test database (never in a real one): a `matrix_writes`
 * table and, on every other table, triggers that add one row to it per written row and per
 * truncate. `touch` names, per table, a column whose change alone is not counted.
 */
export async function installWriteCounter(
  db: Db,
  touch: Record<string, string> = { staff_sessions: 'last_seen_at' },
  uncounted: readonly string[] = ['rate_limit_counts'],
): Promise<void> {
  await sql`create table matrix_writes (id bigserial primary key, tbl text not null)`.execute(db);
  await sql`
    create function matrix_count() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and tg_nargs > 0
         and (to_jsonb(new) - tg_argv[0]) = (to_jsonb(old) - tg_argv[0])
         and (to_jsonb(new) -> tg_argv[0]) is distinct from (to_jsonb(old) -> tg_argv[0]) then
        return null;
      end if;
      insert into matrix_writes (tbl) values (tg_table_name);
      return null;
    end $$`.execute(db);
  const tables = await sql<{ name: string }>`
    select c.relname as name from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
      and not c.relispartition and c.relname <> 'matrix_writes'`.execute(db);
  for (const { name } of tables.rows) {
    if (uncounted.includes(name)) continue;
    const arg = touch[name] === undefined ? sql`` : sql.lit(touch[name]);
    await sql`create trigger matrix_rows after insert or update or delete on ${sql.table(name)}
      for each row execute function matrix_count(${arg})`.execute(db);
    await sql`create trigger matrix_truncate after truncate on ${sql.table(name)}
      for each statement execute function matrix_count()`.execute(db);
  }
}

/** Counted writes per table so far: one query. */
export async function writeCounts(db: Db): Promise<Map<string, number>> {
  const r = await sql<{ tbl: string; n: number }>`
    select tbl, count(*)::int as n from matrix_writes group by tbl`.execute(db);
  return new Map(r.rows.map((row) => [row.tbl, Number(row.n)]));
}

/** The tables written between two counts, sorted. */
export function tablesWritten(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after]
    .filter(([tbl, n]) => n !== (before.get(tbl) ?? 0))
    .map(([tbl]) => tbl)
    .sort();
}

/** A signed-in session for a staff member of `role`, or an anonymous one. */
export async function openSession(t: TestApp, role: MatrixRole, staff?: TestStaff): Promise<MatrixSession> {
  if (role === 'anonymous') {
    const client = new Client(t.app);
    const page = await client.get('/staff/login');
    return { client, staff: null, csrf: Client.csrfOf(page.body) };
  }
  const member = staff ?? (await buildStaff(t.ctx, role));
  const client = await signInClient(t.app, member);
  const page = await client.get('/staff/login');
  return { client, staff: member, csrf: Client.csrfOf(page.body) };
}

export class Matrix<F extends object, S extends string> {
  readonly sessions = new Map<MatrixRole, MatrixSession>();
  readonly #results = new Map<string, MatrixResult>();
  readonly #runs = new Map<MatrixRole, Promise<void>>();
  #chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly def: MatrixDefinition<F, S>,
    readonly t: TestApp,
  ) {}

  /** Builds the app, installs the write counter, signs every role in once. */
  static async start<F extends object, S extends string>(def: MatrixDefinition<F, S>): Promise<Matrix<F, S>> {
    const t = await buildTestApp();
    await def.prepare?.(t);
    const m = new Matrix(def, t);
    await installWriteCounter(t.ctx.database.db);
    for (const role of m.roles) m.sessions.set(role, await openSession(t, role));
    await def.setup?.(t, m.sessions);
    return m;
  }

  get roles(): readonly MatrixRole[] {
    return this.def.roles ?? STAFF_ROLES;
  }

  cells(): MatrixCell<S>[] {
    return matrixCells(this.def);
  }

  /** Routes served without an entry, and entries for routes not served. */
  async unlisted(): Promise<{ served: string[]; listed: string[] }> {
    return { served: await this.def.served(this.t), listed: Object.keys(this.def.routes).sort() };
  }

  isAllowed(c: MatrixCell<S>): boolean {
    return this.def.routes[c.route]!.allowed(c.role, c.scope);
  }

  refusedStatus(c: MatrixCell<S>): number {
    return this.def.routes[c.route]!.refusedStatus ?? (c.role === 'anonymous' ? 401 : 404);
  }

  allowedStatuses(c: MatrixCell<S>): readonly number[] {
    const own = this.def.routes[c.route]!.allowedStatuses;
    if (typeof own === 'function') return own(c.role, c.scope);
    return own ?? this.def.allowedStatuses ?? [200, 201, 303];
  }

  /** The result of one cell; the first call for a role runs all of that role's cells. */
  async result(c: MatrixCell<S>): Promise<MatrixResult> {
    let run = this.#runs.get(c.role);
    if (run === undefined) {
      run = this.#chain.then(() => this.#runRole(c.role));
      this.#chain = run.catch(() => {});
      this.#runs.set(c.role, run);
    }
    await run;
    return this.#results.get(cellKey(c))!;
  }

  async close(): Promise<void> {
    await this.#chain;
    await this.t.close();
  }

  async #send(c: MatrixCell<S>, f: F): Promise<LightMyRequestResponse> {
    const spec = this.def.routes[c.route]!;
    const [method, path] = c.route.split(' ') as ['GET' | 'POST', string];
    const session = (f as { session?: MatrixSession }).session ?? this.sessions.get(c.role)!;
    const base = this.def.url(path, f);
    const url = `${base}${base.includes('?') ? '&' : '?'}lang=en`;
    if (method === 'GET') return session.client.get(url);
    if (spec.multipart !== undefined) {
      const form = multipart([{ name: '_csrf', value: session.csrf }, ...spec.multipart(f)]);
      return this.t.app.inject({
        method: 'POST',
        url,
        headers: { cookie: session.client.cookieHeader, 'content-type': form.contentType },
        payload: form.payload,
      });
    }
    return session.client.post(url, { _csrf: session.csrf, ...(spec.body?.(f) ?? {}) });
  }

  async #fixture(role: MatrixRole, scope: S, route?: string): Promise<F> {
    const session = this.sessions.get(role)!;
    return this.def.fixture({
      t: this.t,
      role,
      scope,
      session,
      fresh: route !== undefined,
      ...(route === undefined ? {} : { route }),
    });
  }

  async #runRole(role: MatrixRole): Promise<void> {
    // MATRIX_TIMING=1 prints where a role's time goes (diagnostics only; nothing asserts on it).
    const started = Date.now();
    const lap = (what: string) => {
      if (process.env.MATRIX_TIMING === '1')
        console.error(`matrix ${role}: ${what} at ${Date.now() - started} ms`);
    };
    const db = this.t.ctx.database.db;
    const concurrency = this.def.concurrency ?? 8;
    const cells = this.cells().filter((c) => c.role === role);
    const shared = new Map<S, F>();
    for (const scope of this.def.scopes) shared.set(scope, await this.#fixture(role, scope));
    lap('shared fixtures');

    // Refused cells, at once, on the untouched shared fixtures.
    const refused = cells.filter((c) => !this.isAllowed(c));
    await sql`update staff_sessions set last_seen_at = now()`.execute(db);
    const before = await writeCounts(db);
    const responses = await pool(refused, concurrency, (c) => this.#send(c, shared.get(c.scope)!));
    const batch = tablesWritten(before, await writeCounts(db));
    lap(`${refused.length} refused cells`);
    const written = new Map<MatrixCell<S>, string[]>(refused.map((c) => [c, []]));
    if (batch.length > 0) {
      let named = false;
      for (const c of refused) {
        const alone = await writeCounts(db);
        await this.#send(c, shared.get(c.scope)!);
        const tables = tablesWritten(alone, await writeCounts(db));
        written.set(c, tables);
        named ||= tables.length > 0;
      }
      if (!named) {
        const note = batch.map((tbl) => `${tbl} (by the batch; no cell repeats it alone)`);
        for (const c of refused) written.set(c, note);
      }
    }
    refused.forEach((c, i) => {
      const res = responses[i]!;
      this.#results.set(cellKey(c), {
        allowed: false,
        status: res.statusCode,
        body: res.body.slice(0, 300),
        written: written.get(c)!,
      });
    });

    // Allowed cells, one after another; those of `fresh` routes on their own fixtures.
    const allowed = cells.filter((c) => this.isAllowed(c));
    const freshCells = allowed.filter((c) => this.def.routes[c.route]!.fresh === true);
    const own = await pool(freshCells, concurrency, (c) => this.#fixture(role, c.scope, c.route));
    const fixtures = new Map(freshCells.map((c, i) => [c, own[i]!]));
    lap(`${freshCells.length} fresh fixtures`);
    for (const c of allowed) {
      const f = fixtures.get(c) ?? shared.get(c.scope)!;
      const res = await this.#send(c, f);
      await this.def.routes[c.route]!.after?.(this.t, f);
      this.#results.set(cellKey(c), {
        allowed: true,
        status: res.statusCode,
        body: res.body.slice(0, 300),
        written: [],
      });
    }
    lap(`${allowed.length} allowed cells`);
  }
}

/**
 * Declares a matrix as vitest tests: one test that the app serves exactly the listed routes,
 * then one test per cell. Returns the running matrix (its app and sessions) for other tests
 * in the file, available once the file's `beforeAll` has run.
 */
export function describeMatrix<F extends object, S extends string>(
  def: MatrixDefinition<F, S>,
  name: (c: MatrixCell<S>) => string = (c) =>
    def.scopes.length > 1 ? `${c.route} as ${c.role} on ${c.scope}` : `${c.route} as ${c.role}`,
): { readonly current: Matrix<F, S> } {
  const holder = {} as { current: Matrix<F, S> };
  beforeAll(async () => {
    holder.current = await Matrix.start(def);
  }, 300_000);
  afterAll(async () => holder.current?.close());

  const cells = matrixCells(def);
  describe(def.title, () => {
    it('has an entry for every route the app serves under its prefixes', async () => {
      const { served, listed } = await holder.current.unlisted();
      expect(served).toEqual(listed);
    });
    // A loop, not it.each: it.each cuts an interpolated title at 40 characters.
    for (const c of cells) {
      // The first cell of a role waits for all of the role's cells.
      it(name(c), async () => {
        const m = holder.current;
        const r = await m.result(c);
        const label = `${c.route} ${c.role} ${c.scope}: ${r.body}`;
        if (r.allowed) {
          expect(m.allowedStatuses(c), label).toContain(r.status);
        } else {
          expect(r.status, label).toBe(m.refusedStatus(c));
          expect(r.written, `${c.route} ${c.role} ${c.scope} wrote`).toEqual([]);
        }
      }, 600_000);
    }
  });
  return holder;
}

/** The routes the app serves under `prefixes`, minus those under `except` (for `served`). */
export async function routesUnder(t: TestApp, prefixes: readonly string[], except: readonly string[] = []) {
  return (await servedRoutes(t.app, prefixes)).filter(
    (r) => !except.some((p) => r.split(' ')[1]!.startsWith(p)),
  );
}
