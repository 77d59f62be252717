import { randomUUID } from 'node:crypto';
import type { TestApp } from '../../../test/support/app.ts';
import { buildCase, buildVettingSignal } from '../../../test/support/factories.ts';
import {
  describeMatrix,
  type MatrixRole,
  type MatrixRoute,
  routesUnder,
} from '../../../test/support/matrix.ts';
import { encryptField } from '../../crypto/index.ts';
import { createSubjectKey } from '../keys/index.ts';
import { insertWatchlist } from './vetting.repository.ts';
import { watchlistSubject } from './vetting-keys.ts';

/**
 * The authorisation matrix: every route under /staff/vetting × every role × {an existing
 * record, a missing one}. Allowed cells answer 200 or 303; refused ones 404 and leave every
 * table exactly as it was. The route list comes from the running app, so a route added
 * without an entry here fails the first test. Built on test/support/matrix.ts: fixtures once
 * per role and scope; a decision and a retirement each get a fresh signal or list.
 */
type Scope = 'existing' | 'missing';
type Role = MatrixRole;

interface Fixture {
  signalId: string;
  watchlistId: string;
}

type RouteSpec = MatrixRoute<Fixture, Scope>;

const OFFICERS: Role[] = ['vetting_officer'];
const QUEUE: Role[] = ['vetting_officer', 'coordinator'];
const is = (roles: Role[]) => (role: Role) => roles.includes(role);
const pageRoute = (roles: Role[], extra: Partial<RouteSpec> = {}): RouteSpec => ({
  allowed: (role) => is(roles)(role),
  ...extra,
});
const recordRoute = (roles: Role[], extra: Partial<RouteSpec> = {}): RouteSpec => ({
  allowed: (role, scope) => scope === 'existing' && is(roles)(role),
  ...extra,
});

const MATRIX: Record<string, RouteSpec> = {
  'GET /staff/vetting': pageRoute(QUEUE),
  'GET /staff/vetting/signals/:signalId': recordRoute(QUEUE),
  'POST /staff/vetting/signals/:signalId/decision': recordRoute(OFFICERS, {
    body: () => ({ version: '1', decision: 'different', reason: 'different birth places and ages' }),
    // Deciding closes the signal.
    fresh: true,
  }),
  // Coordinators see every import with its provenance (ADR 0095); only officers import.
  'GET /staff/vetting/watchlists': pageRoute(QUEUE),
  'POST /staff/vetting/watchlists': pageRoute(OFFICERS, {
    multipart: () => [
      { name: 'label', value: 'Shared list' },
      { name: 'source', value: 'Partner hotline, 2026-12-01' },
      {
        name: 'file',
        file: Buffer.from('{"id":"w1","givenName":"Пётр","familyName":"Орлов"}\n'),
        filename: 'list.jsonl',
      },
    ],
  }),
  'POST /staff/vetting/watchlists/:watchlistId/retire': recordRoute(OFFICERS, { fresh: true }),
};

let officerId = '';
let caseIds: string[] = [];

/** An open signal and a watchlist (or, for a missing scope, ids that do not exist). */
async function fixture(t: TestApp, scope: Scope): Promise<Fixture> {
  if (scope === 'missing') return { signalId: randomUUID(), watchlistId: randomUUID() };
  const db = t.ctx.database.db;
  const signalId = await buildVettingSignal(t.ctx, caseIds);
  const watchlistId = randomUUID();
  const listKey = await createSubjectKey(db, t.ctx.vault, watchlistSubject(watchlistId));
  await insertWatchlist(db, {
    id: watchlistId,
    label_enc: encryptField(listKey, 'list', { table: 'watchlists', column: 'label', rowId: watchlistId }),
    format: 'plain',
    fingerprint: null,
    secret_enc: null,
    clk_bits: null,
    clk_hardening: null,
    entries: 0,
    imported_by: officerId,
    source_enc: encryptField(listKey, 'partner', {
      table: 'watchlists',
      column: 'source',
      rowId: watchlistId,
    }),
  });
  listKey.dispose();
  return { signalId, watchlistId };
}

describeMatrix<Fixture, Scope>(
  {
    title: 'authorisation matrix of the vetting queue',
    served: (t) => routesUnder(t, ['/staff/vetting']),
    routes: MATRIX,
    scopes: ['existing', 'missing'],
    allowedStatuses: [200, 303],
    async setup(t, sessions) {
      officerId = sessions.get('vetting_officer')!.staff!.id;
      const a = await buildCase(t.ctx, {
        person: { givenName: 'Павел', familyName: 'Филатьев', documents: [], family: [] },
      });
      const b = await buildCase(t.ctx, {
        person: { givenName: 'Pavel', familyName: 'Filatyev', documents: [], family: [] },
      });
      caseIds = [a.id, b.id];
    },
    fixture: ({ t, scope }) => fixture(t, scope),
    url: (path, f) => path.replace(':signalId', f.signalId).replace(':watchlistId', f.watchlistId),
  },
  (c) => `${c.route} as ${c.role} on ${c.scope} record`,
);
