import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStaffSession } from '../../src/modules/auth/staff-session.ts';
import type { TestApp } from './app.ts';
import { buildTeam } from './factories.ts';
import { Matrix, type MatrixDefinition, routesUnder, tablesWritten, writeCounts } from './matrix.ts';

/**
 * The harness must be able to fail: planted routes answer 404 like a refusal but write, and
 * the matrix must name the cell that wrote, even when the write puts back the values a row
 * already had and even though refused cells run concurrently.
 */
type Scope = 'existing' | 'missing';
interface Fixture {
  teamId: string;
}

/** Planted routes (test only): each answers 404 to everyone, after doing what its name says. */
function plant(t: TestApp): void {
  const db = t.ctx.database.db;
  const refuse = { statusCode: 404, error: 'Not Found', message: 'not found' };
  t.app.get('/staff/planted/quiet/:id', async (_request, reply) => reply.status(404).send(refuse));
  // A lawyer's request rewrites the team's name with the name it has: a write nobody would see
  // in a table hash.
  t.app.post('/staff/planted/same/:id', async (request, reply) => {
    const staff = await loadStaffSession(t.ctx, request);
    if (staff?.role === 'lawyer') {
      await sql`update teams set name = name where id = ${(request.params as { id: string }).id}`.execute(db);
    }
    return reply.status(404).send(refuse);
  });
  // A write undone before answering leaves the database unchanged: it must not count.
  t.app.post('/staff/planted/rolled-back/:id', async (_request, reply) => {
    await db
      .transaction()
      .execute(async (trx) => {
        await sql`update teams set name = 'changed'`.execute(trx);
        throw new Error('undo');
      })
      .catch(() => undefined);
    return reply.status(404).send(refuse);
  });
  // Allowed for caseworkers on an existing team (200), refused otherwise: an allowed cell's
  // write is not checked.
  t.app.post('/staff/planted/allowed/:id', async (request, reply) => {
    const staff = await loadStaffSession(t.ctx, request);
    const id = (request.params as { id: string }).id;
    const team = await sql`select 1 from teams where id = ${id}`.execute(db);
    if (staff?.role !== 'caseworker' || team.rows.length === 0) return reply.status(404).send(refuse);
    await sql`insert into matrix_scratch (n) values (1)`.execute(db);
    return reply.status(200).send({ ok: true });
  });
}

const definition: MatrixDefinition<Fixture, Scope> = {
  title: 'planted',
  served: (t) => routesUnder(t, ['/staff/planted']),
  routes: {
    'GET /staff/planted/quiet/:id': { allowed: () => false },
    'POST /staff/planted/same/:id': { allowed: () => false },
    'POST /staff/planted/rolled-back/:id': { allowed: () => false },
    'POST /staff/planted/allowed/:id': {
      allowed: (role, scope) => role === 'caseworker' && scope === 'existing',
    },
  },
  scopes: ['existing', 'missing'],
  roles: ['caseworker', 'lawyer'],
  async prepare(t) {
    await sql`create table matrix_scratch (n int)`.execute(t.ctx.database.db);
    plant(t);
  },
  fixture: async ({ t, scope }) => ({
    teamId: scope === 'missing' ? randomUUID() : await buildTeam(t.ctx, {}),
  }),
  url: (path, f) => path.replace(':id', f.teamId),
};

let m: Matrix<Fixture, Scope>;
beforeAll(async () => {
  m = await Matrix.start(definition);
}, 120_000);
afterAll(async () => m.close());

describe('the matrix harness', () => {
  it('names the refused cell whose write rewrote a row with its own values, and only it', async () => {
    const outcome = await Promise.all(m.cells().map(async (c) => ({ ...c, ...(await m.result(c)) })));
    const written = outcome.filter((r) => r.written.length > 0);
    expect(written.map(({ route, role, scope, written }) => ({ route, role, scope, written }))).toEqual([
      { route: 'POST /staff/planted/same/:id', role: 'lawyer', scope: 'existing', written: ['teams'] },
    ]);
    // Every refused cell answered 404; the allowed one 200.
    for (const r of outcome) expect(r.status, `${r.route} ${r.role} ${r.scope}`).toBe(r.allowed ? 200 : 404);
    expect(outcome.filter((r) => r.allowed).map((r) => `${r.route} ${r.role}`)).toEqual([
      'POST /staff/planted/allowed/:id caseworker',
    ]);
  });

  it('counts inserts, updates to the same values, deletes and truncates; not rolled-back writes', async () => {
    const db = m.t.ctx.database.db;
    const step = async (write: () => Promise<unknown>) => {
      const before = await writeCounts(db);
      await write();
      return tablesWritten(before, await writeCounts(db));
    };
    expect(await step(() => sql`insert into matrix_scratch (n) values (2)`.execute(db))).toEqual([
      'matrix_scratch',
    ]);
    expect(await step(() => sql`update matrix_scratch set n = n`.execute(db))).toEqual(['matrix_scratch']);
    expect(await step(() => sql`delete from matrix_scratch where n = 2`.execute(db))).toEqual([
      'matrix_scratch',
    ]);
    expect(await step(() => sql`truncate matrix_scratch`.execute(db))).toEqual(['matrix_scratch']);
    expect(await step(() => sql`update matrix_scratch set n = 3 where false`.execute(db))).toEqual([]);
    expect(
      await step(() =>
        db
          .transaction()
          .execute(async (trx) => {
            await sql`insert into matrix_scratch (n) values (4)`.execute(trx);
            throw new Error('undo');
          })
          .catch(() => undefined),
      ),
    ).toEqual([]);
    // A session touch (last_seen_at alone) is not a write of the cell; any other change is.
    expect(
      await step(() => sql`update staff_sessions set last_seen_at = now() + interval '1 second'`.execute(db)),
    ).toEqual([]);
    expect(await step(() => sql`update staff_sessions set expires_at = expires_at`.execute(db))).toEqual([
      'staff_sessions',
    ]);
  });

  it('fails when the app serves a route the matrix has no entry for', async () => {
    const { served, listed } = await m.unlisted();
    expect(served).toEqual(listed);
    m.t.app.routeTable.push({ method: 'POST', url: '/staff/planted/unlisted' });
    const after = await m.unlisted();
    expect(after.served).not.toEqual(after.listed);
    expect(after.served).toContain('POST /staff/planted/unlisted');
  });
});
