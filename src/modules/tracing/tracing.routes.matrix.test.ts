import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { buildStaff, type TestStaff } from '../../../test/support/app.ts';
import {
  describeMatrix,
  type MatrixRole,
  type MatrixRoute,
  routesUnder,
} from '../../../test/support/matrix.ts';
import { buildTracingFixture, type TracingFixture } from '../../../test/support/tracing.ts';
import { STAFF_ROLES } from '../../access/index.ts';

/**
 * The authorisation matrix of /staff/tracing: every route × every role × {proposals on the
 * member's own cases, on another caseworker's cases, missing ones}. Only staff who hold cases
 * (caseworkers, lawyers, coordinators) act, and only on cases they may write; every refused
 * cell answers 404 (401 without a session) and leaves the database exactly as it was. A route
 * added under /staff/tracing without an entry here fails.
 */
type Scope = 'own' | 'other' | 'missing';
type RouteSpec = MatrixRoute<TracingFixture, Scope>;

const HOLDERS: MatrixRole[] = ['caseworker', 'lawyer', 'coordinator'];
const holds = (role: MatrixRole) => HOLDERS.includes(role);
const onOwn = (extra: Partial<RouteSpec> = {}): RouteSpec => ({
  allowed: (role, scope) => scope === 'own' && holds(role),
  ...extra,
});

const MATRIX: Record<string, RouteSpec> = {
  'GET /staff/tracing': { allowed: (role) => holds(role) },
  'POST /staff/tracing/requests': onOwn({
    body: (f) => ({ case: f.familyRef, family_name: 'Orlov', given_name: 'Pavel', relationship: 'sibling' }),
  }),
  'POST /staff/tracing/requests/:requestId/rematch': onOwn(),
  'POST /staff/tracing/requests/:requestId/close': onOwn({ fresh: true }),
  'POST /staff/tracing/proposals/:proposalId/confirm': onOwn({ fresh: true }),
  'POST /staff/tracing/proposals/:proposalId/reject': onOwn({ fresh: true }),
  'POST /staff/tracing/proposals/:proposalId/consent': onOwn({
    body: () => ({ decision: 'given', method: 'phone', allows: 'alive' }),
    fresh: true,
  }),
  'POST /staff/tracing/proposals/:proposalId/withdraw': onOwn({ fresh: true }),
  'POST /staff/tracing/proposals/:proposalId/relay': onOwn({ body: () => ({ message: 'All is well.' }) }),
};

let stranger: TestStaff;
/** Another caseworker's cases: the same records for every role (no cell on them is allowed). */
let others: Promise<TracingFixture> | undefined;

const missing = (): TracingFixture => ({
  familyRef: 'C-ZZZZZZZZ',
  soughtRef: 'C-ZZZZZZZZ',
  proposed: randomUUID(),
  confirmed: randomUUID(),
  consented: randomUUID(),
  requestId: randomUUID(),
});

const matrix = describeMatrix<TracingFixture, Scope>(
  {
    title: 'authorisation matrix of /staff/tracing',
    served: (t) => routesUnder(t, ['/staff/tracing']),
    routes: MATRIX,
    scopes: ['own', 'other', 'missing'],
    roles: [...STAFF_ROLES, 'anonymous'],
    async setup(t) {
      stranger = await buildStaff(t.ctx, 'caseworker');
    },
    fixture: async ({ t, session, scope }) => {
      if (scope === 'missing') return missing();
      if (scope === 'own') return buildTracingFixture(t.ctx, session.staff?.id ?? null);
      others ??= buildTracingFixture(t.ctx, stranger.id);
      return others;
    },
    url: (path, f) =>
      path
        .replace(':requestId', f.requestId)
        .replace(
          ':proposalId',
          path.endsWith('/confirm') || path.endsWith('/reject')
            ? f.proposed
            : path.endsWith('/consent')
              ? f.confirmed
              : f.consented,
        ),
  },
  (c) => `${c.route} as ${c.role} on ${c.scope} cases`,
);

it('links the tracing page in the navigation for staff who hold cases only', async () => {
  for (const role of STAFF_ROLES) {
    const home = await matrix.current.sessions.get(role)!.client.get('/staff?lang=en');
    expect(home.body.includes('href="/staff/tracing?lang=en"'), role).toBe(holds(role));
  }
});
