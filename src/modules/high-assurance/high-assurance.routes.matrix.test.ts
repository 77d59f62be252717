import { randomUUID } from 'node:crypto';
import { buildStaff, type TestStaff } from '../../../test/support/app.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import {
  describeMatrix,
  type MatrixRole,
  type MatrixRoute,
  routesUnder,
} from '../../../test/support/matrix.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { markCaseRestricted } from '../cases/index.ts';
import { issueContactCode } from './index.ts';

/**
 * The authorisation matrix of /staff/high-assurance: every route × every role × {a restricted
 * team the member belongs to ("own"), another restricted team ("other"), missing records}.
 * Codes are issued and revoked only by coordinators of their own restricted team; the page is
 * for coordinators and administrators; break-glass into a restricted case is asked for by
 * administrators only (and opens nothing by itself). Every refused cell answers 404 (401
 * without a session) and leaves the database exactly as it was.
 */
type Scope = 'own' | 'other' | 'missing';
interface Fixture {
  teamId: string;
  codeId: string;
  caseRef: string;
}
type RouteSpec = MatrixRoute<Fixture, Scope>;

const is = (roles: MatrixRole[]) => (role: MatrixRole) => roles.includes(role);
const coordinatorOnOwn = (role: MatrixRole, scope: Scope) => role === 'coordinator' && scope === 'own';

const MATRIX: Record<string, RouteSpec> = {
  'GET /staff/high-assurance': { allowed: is(['coordinator', 'admin']) },
  'POST /staff/high-assurance/codes': {
    allowed: coordinatorOnOwn,
    body: (f) => ({ teamId: f.teamId, label: 'via K.', days: '14' }),
    allowedStatuses: [200],
  },
  'POST /staff/high-assurance/codes/:codeId/revoke': { allowed: coordinatorOnOwn, fresh: true },
  'POST /staff/high-assurance/break-glass': {
    allowed: (role, scope) => role === 'admin' && scope !== 'missing',
    body: (f) => ({ ref: f.caseRef, reason: 'suspected infiltration, urgent' }),
  },
};

let issuer: TestStaff;
let otherIssuer: TestStaff;
let others: Promise<Fixture> | undefined;

/** A restricted team (with `memberId` when given), one unused code of it and one restricted case. */
async function restrictedFixture(
  ctx: AppContext,
  issuerId: string,
  memberId: string | null,
): Promise<Fixture> {
  const members = memberId === null || memberId === issuerId ? [issuerId] : [issuerId, memberId];
  const teamId = await buildTeam(ctx, { restricted: true, members });
  const code = await issueContactCode(ctx, staffActor({ id: issuerId, role: 'coordinator' }), { teamId });
  const c = await buildCase(ctx);
  await markCaseRestricted(ctx.database.db, c.id, teamId);
  return { teamId, codeId: code.id, caseRef: c.ref };
}

describeMatrix<Fixture, Scope>(
  {
    title: 'authorisation matrix of /staff/high-assurance',
    served: (t) => routesUnder(t, ['/staff/high-assurance']),
    routes: MATRIX,
    scopes: ['own', 'other', 'missing'],
    roles: [...STAFF_ROLES, 'anonymous'],
    async setup(t) {
      [issuer, otherIssuer] = await Promise.all([
        buildStaff(t.ctx, 'coordinator'),
        buildStaff(t.ctx, 'coordinator'),
      ]);
    },
    fixture: async ({ t, session, scope }) => {
      if (scope === 'missing') return { teamId: randomUUID(), codeId: randomUUID(), caseRef: 'C-ZZZZZZZZ' };
      if (scope === 'own') return restrictedFixture(t.ctx, issuer.id, session.staff?.id ?? null);
      others ??= restrictedFixture(t.ctx, otherIssuer.id, null);
      return others;
    },
    url: (path, f) => path.replace(':codeId', f.codeId),
  },
  (c) => `${c.route} as ${c.role} on ${c.scope} records`,
);
