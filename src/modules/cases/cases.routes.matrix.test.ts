import { randomUUID } from 'node:crypto';
import { buildStaff, type TestStaff } from '../../../test/support/app.ts';
import {
  buildApprovedExport,
  buildBreakGlassGrant,
  buildCase,
  buildCaseTask,
  buildCloseApproval,
  buildTeam,
} from '../../../test/support/factories.ts';
import { PDF_OK, pngWithText } from '../../../test/support/file-fixtures.ts';
import {
  describeMatrix,
  type MatrixRole,
  type MatrixRoute,
  routesUnder,
} from '../../../test/support/matrix.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { addAttachment, intakeRuntimeOf, issuePartnerToken } from '../intake/index.ts';
import { getKnowledgeBase } from '../pathways/index.ts';

/**
 * The authorisation matrix: every route under /staff/cases, and the intake module's staff
 * routes (/staff/intake: case documents, partner tokens; /staff/api), × every role × {own
 * case, another team's case, a missing case}. Allowed cells answer 200, 201 or 303; refused
 * ones 404, and leave every table exactly as it was. The route list comes from the running
 * app, so a route added under these prefixes without an entry here fails the first test.
 * The harness (test/support/matrix.ts) builds each role's fixtures once per scope; routes
 * marked `fresh` change what they name (versions, grants, approvals), so each of their
 * allowed cells gets its own.
 */
const PREFIXES = ['/staff/cases', '/staff/intake', '/staff/api'];
type Scope = 'own' | 'other' | 'missing';
type Role = MatrixRole;

interface Fixture {
  staff: TestStaff;
  ref: string;
  taskId: string;
  teamId: string;
  grantId: string;
  approvalId: string;
  exportId: string;
  partnerId: string;
  attachmentId: string;
}

type RouteSpec = MatrixRoute<Fixture, Scope>;

const CASE_READERS: Role[] = ['caseworker', 'lawyer', 'coordinator'];
const QUEUE_USERS: Role[] = ['caseworker', 'lawyer', 'vetting_officer', 'coordinator', 'admin'];
const BREAKERS: Role[] = ['caseworker', 'vetting_officer', 'coordinator', 'admin'];
const REVIEWERS: Role[] = ['coordinator', 'admin'];
const is = (roles: Role[]) => (role: Role) => roles.includes(role);

/** Reads and writes of one case's content: need-to-know only. */
const contentRoute = (body?: RouteSpec['body'], extra: Partial<RouteSpec> = {}): RouteSpec => ({
  allowed: (role, scope) => scope === 'own' && is(CASE_READERS)(role),
  ...(body === undefined ? {} : { body }),
  ...extra,
});
/** A versioned write on the case (it expects version 1): each allowed cell on a fresh case. */
const versioned = (body: RouteSpec['body']): RouteSpec => contentRoute(body, { fresh: true });
/** A page or action that names no record: the same answer for every scope. */
const pageRoute = (roles: Role[], body?: RouteSpec['body']): RouteSpec => ({
  allowed: (role) => is(roles)(role),
  ...(body === undefined ? {} : { body }),
});
/** An action on a record named in the path (team, grant, approval): missing answers 404. */
const recordRoute = (roles: Role[], body?: RouteSpec['body'], extra: Partial<RouteSpec> = {}): RouteSpec => ({
  allowed: (role, scope) => scope !== 'missing' && is(roles)(role),
  ...(body === undefined ? {} : { body }),
  ...extra,
});

const MATRIX: Record<string, RouteSpec> = {
  'GET /staff/cases': pageRoute(QUEUE_USERS),
  'GET /staff/cases/due': pageRoute(QUEUE_USERS),
  'GET /staff/cases/search': pageRoute(QUEUE_USERS),
  'POST /staff/cases/search': pageRoute(QUEUE_USERS, () => ({ q: '+7 916 000 00 00' })),
  'GET /staff/cases/workload': pageRoute(['coordinator']),
  'GET /staff/cases/teams': pageRoute(['coordinator']),
  'POST /staff/cases/teams': pageRoute(['coordinator'], () => ({ name: `Team ${randomUUID().slice(0, 8)}` })),
  'POST /staff/cases/teams/:teamId/members': recordRoute(['coordinator'], (f) => ({
    staffId: f.staff.role === 'coordinator' ? f.staff.id : randomUUID(),
  })),
  'GET /staff/cases/break-glass': pageRoute(BREAKERS),
  'POST /staff/cases/break-glass': {
    // Break-glass is for a case that is not yours: on your own case it is refused as pointless.
    allowed: (role, scope) =>
      scope !== 'missing' && is(BREAKERS)(role) && !(scope === 'own' && is(CASE_READERS)(role)),
    body: (f) => ({ ref: f.ref, reason: 'covering for a colleague on leave' }),
    // The grant opens the case to this role: later cells would see it opened.
    fresh: true,
  },
  // The fixture's grant is a stranger's: nobody may ask to extend it (their own: staff-acts.test.ts).
  'POST /staff/cases/break-glass/:grantId/extend': { allowed: () => false },
  'GET /staff/cases/review': pageRoute(REVIEWERS),
  'POST /staff/cases/review/:grantId': recordRoute(REVIEWERS, () => ({ note: 'checked' })),
  'GET /staff/cases/anomalies': pageRoute(REVIEWERS),
  'GET /staff/cases/approvals': pageRoute(QUEUE_USERS),
  // Deciding consumes the request (and approving closes the case).
  'POST /staff/cases/approvals/:approvalId/approve': recordRoute(REVIEWERS, undefined, { fresh: true }),
  'POST /staff/cases/approvals/:approvalId/reject': recordRoute(REVIEWERS, undefined, { fresh: true }),
  'POST /staff/cases/exports': contentRoute((f) => ({ refs: f.ref, reason: 'asylum file for the lawyer' })),
  'GET /staff/cases/exports/:approvalId': recordRoute(CASE_READERS),
  'GET /staff/cases/settings': pageRoute(REVIEWERS),
  'POST /staff/cases/settings': pageRoute(REVIEWERS, () => ({ fourEyesNotGenuine: 'on' })),
  'GET /staff/cases/:ref': {
    // Coordinators see any case's metadata (to assign it), not its content.
    allowed: (role, scope) =>
      (scope === 'own' && is(CASE_READERS)(role)) || (scope === 'other' && role === 'coordinator'),
  },
  'GET /staff/cases/:ref/access-log': {
    allowed: (role, scope) =>
      (scope === 'own' && is(CASE_READERS)(role)) || (scope !== 'missing' && is(REVIEWERS)(role)),
  },
  'GET /staff/cases/:ref/summary.pdf': contentRoute(),
  'POST /staff/cases/:ref/summary.pdf/request': contentRoute(undefined, { fresh: true }),
  'POST /staff/cases/:ref/assign': {
    allowed: (role, scope) =>
      (scope === 'own' && is(CASE_READERS)(role)) || (scope === 'other' && role === 'coordinator'),
    body: (f) => ({ version: '1', teamId: f.teamId, assigneeId: f.staff.id }),
    fresh: true,
  },
  'POST /staff/cases/:ref/status': versioned(() => ({ version: '1', to: 'triaged' })),
  'POST /staff/cases/:ref/person': versioned(() => ({ version: '1', familyName: 'Новиков' })),
  'POST /staff/cases/:ref/intake': versioned(() => ({ version: '1', answers: 'region: north' })),
  'POST /staff/cases/:ref/notes': contentRoute(() => ({ body: 'a note' })),
  'POST /staff/cases/:ref/replies': contentRoute(() => ({ body: 'a reply' })),
  'POST /staff/cases/:ref/reply-draft': contentRoute(() => ({
    body: 'a draft',
    op: 'insert',
    template: 'safety',
  })),
  'POST /staff/cases/:ref/tasks': contentRoute(() => ({
    kind: 'call',
    title: 'call back',
    dueOn: '2030-01-01',
  })),
  'POST /staff/cases/:ref/tasks/:taskId/done': contentRoute(),
  // "Check pathways" (case-pathways.routes.tsx): case content; saving writes the case.
  'GET /staff/cases/:ref/pathways': contentRoute(),
  'POST /staff/cases/:ref/pathways': contentRoute(() => PATHWAY_PROFILE),
  'POST /staff/cases/:ref/pathways/save': contentRoute(() => ({
    ...PATHWAY_PROFILE,
    contentVersion: pathwaysVersion,
  })),
  // The intake module's staff routes.
  'GET /staff/intake/cases/:ref/attachments/:id': contentRoute(),
  'POST /staff/intake/cases/:ref/attachments': {
    ...contentRoute(),
    multipart: () => [{ name: 'file', file: PDF_OK, filename: 'letter.pdf', type: 'application/pdf' }],
  },
  'GET /staff/intake/partners': pageRoute(['admin']),
  'POST /staff/intake/partners': pageRoute(['admin'], () => ({ label: 'Night hotline' })),
  'POST /staff/intake/partners/:partnerId/revoke': recordRoute(['admin']),
  'GET /staff/api/openapi.json': pageRoute([...STAFF_ROLES]),
};

let stranger: TestStaff;
let strangerTeam: string;
let pathwaysVersion = '';
const PATHWAY_PROFILE = {
  citizenship: 'RU',
  location: 'KZ',
  applicantType: 'conscript',
  documents: 'foreign_passport',
};

/**
 * The records of one role's cells: the actor's own case (assigned to them and their team) and
 * another team's case, a task and a document on the target, a stranger's break-glass grant and
 * close request on the other case, the actor's approved export, a partner token. A missing
 * scope names ids and a reference that do not exist.
 */
async function fixture(me: TestStaff, scope: Scope, route?: string): Promise<Fixture> {
  if (scope === 'missing') {
    return {
      staff: me,
      ref: 'C-22222222',
      taskId: randomUUID(),
      teamId: randomUUID(),
      grantId: randomUUID(),
      approvalId: randomUUID(),
      exportId: randomUUID(),
      partnerId: randomUUID(),
      attachmentId: randomUUID(),
    };
  }
  const ctx = matrix.current.t.ctx;
  const teamId = await buildTeam(ctx, { members: [me.id] });
  const own = await buildCase(ctx, { teamId, assigneeId: me.id });
  const other = await buildCase(ctx, { teamId: strangerTeam, assigneeId: stranger.id });
  const target = scope === 'own' ? own : other;
  // A document on the target: a picture, checked in this thread (a PDF is parsed in a child
  // process, seconds on a busy machine). Fresh fixtures are for routes that name no document.
  const attachmentId =
    route === undefined || route.includes(':id')
      ? (
          await addAttachment(ctx, intakeRuntimeOf(ctx), target.id, {
            data: pngWithText(),
            fileName: 'summons.png',
            keepOriginal: false,
          })
        ).id
      : randomUUID();
  return {
    staff: me,
    ref: target.ref,
    taskId: await buildCaseTask(ctx, target.id),
    teamId,
    grantId: await buildBreakGlassGrant(ctx, { staffId: stranger.id, caseId: other.id }),
    approvalId: await buildCloseApproval(ctx, { caseId: other.id, requestedBy: stranger.id }),
    exportId: await buildApprovedExport(ctx, { staffId: me.id, refs: [own.ref] }),
    partnerId: (await issuePartnerToken(ctx, { kind: 'cli', id: 'cli' }, { label: 'Matrix hotline' })).id,
    attachmentId,
  };
}

const matrix = describeMatrix<Fixture, Scope>(
  {
    title: 'authorisation matrix of the workspace',
    served: (t) => routesUnder(t, PREFIXES),
    routes: MATRIX,
    scopes: ['own', 'other', 'missing'],
    async setup(t) {
      stranger = await buildStaff(t.ctx, 'caseworker');
      pathwaysVersion = (await getKnowledgeBase()).version;
      strangerTeam = await buildTeam(t.ctx, { name: 'Stranger team', members: [stranger.id] });
    },
    fixture: ({ session, scope, route }) => fixture(session.staff!, scope, route),
    url: (path, f) =>
      path
        .replace(':ref', f.ref)
        .replace(':taskId', f.taskId)
        .replace(':teamId', f.teamId)
        .replace(':grantId', f.grantId)
        .replace(':partnerId', f.partnerId)
        .replace(':id', f.attachmentId)
        .replace(':approvalId', path.includes('exports') ? f.exportId : f.approvalId),
  },
  (c) => `${c.route} as ${c.role} on ${c.scope} case`,
);
