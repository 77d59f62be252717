import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  Client,
  signInClient,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { buildBreakGlassGrant, buildCase, buildTeam } from '../../../test/support/factories.ts';
import { PDF_OK } from '../../../test/support/file-fixtures.ts';
import { multipart } from '../../../test/support/multipart.ts';
import { servedRoutes } from '../../../test/support/routes.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import type { StaffRoleName } from '../../db/types.ts';
import { insertApproval } from '../case-access/index.ts';
import { addAttachment } from '../intake/attachments.ts';
import { issuePartnerToken } from '../intake/channels/partner-api/partner.service.ts';
import { intakeRuntimeOf } from '../intake/intake.plugin.tsx';
import { getKnowledgeBase } from '../pathways/knowledge.ts';

/**
 * The authorisation matrix: every route under /staff/cases, and the intake module's staff
 * routes (/staff/intake: case documents, partner tokens; /staff/api), × every role × {own
 * case, another team's case, a missing case}. Allowed cells answer 200, 201 or 303; refused
 * ones 404, and leave every table exactly as it was. The route list comes from the running
 * app, so a route added under these prefixes without an entry here fails the first test.
 */
const PREFIXES = ['/staff/cases', '/staff/intake', '/staff/api'];
type Scope = 'own' | 'other' | 'missing';
type Role = StaffRoleName;

interface Fixture {
  staff: TestStaff;
  ref: string;
  caseId: string;
  taskId: string;
  teamId: string;
  grantId: string;
  approvalId: string;
  exportId: string;
  partnerId: string;
  attachmentId: string;
}

interface RouteSpec {
  /** Who may, per scope. Routes without a case in them are decided the same for every scope except "missing" (a missing id). */
  allowed(role: Role, scope: Scope): boolean;
  body?(f: Fixture): Record<string, string>;
  /** A multipart body instead (uploads); the CSRF field is put first. */
  file?: { name: string; filename: string; data: Buffer };
}

const CASE_READERS: Role[] = ['caseworker', 'lawyer', 'coordinator'];
const QUEUE_USERS: Role[] = ['caseworker', 'lawyer', 'vetting_officer', 'coordinator', 'admin'];
const BREAKERS: Role[] = ['caseworker', 'vetting_officer', 'coordinator', 'admin'];
const REVIEWERS: Role[] = ['coordinator', 'admin'];
const is = (roles: Role[]) => (role: Role) => roles.includes(role);

/** Reads and writes of one case's content: need-to-know only. */
const contentRoute = (body?: RouteSpec['body']): RouteSpec => ({
  allowed: (role, scope) => scope === 'own' && is(CASE_READERS)(role),
  ...(body === undefined ? {} : { body }),
});
/** A page or action that names no record: the same answer for every scope. */
const pageRoute = (roles: Role[], body?: RouteSpec['body']): RouteSpec => ({
  allowed: (role) => is(roles)(role),
  ...(body === undefined ? {} : { body }),
});
/** An action on a record named in the path (team, grant, approval): missing answers 404. */
const recordRoute = (roles: Role[], body?: RouteSpec['body']): RouteSpec => ({
  allowed: (role, scope) => scope !== 'missing' && is(roles)(role),
  ...(body === undefined ? {} : { body }),
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
  },
  'GET /staff/cases/review': pageRoute(REVIEWERS),
  'POST /staff/cases/review/:grantId': recordRoute(REVIEWERS, () => ({ note: 'checked' })),
  'GET /staff/cases/anomalies': pageRoute(REVIEWERS),
  'GET /staff/cases/approvals': pageRoute(QUEUE_USERS),
  'POST /staff/cases/approvals/:approvalId/approve': recordRoute(REVIEWERS),
  'POST /staff/cases/approvals/:approvalId/reject': recordRoute(REVIEWERS),
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
  'POST /staff/cases/:ref/summary.pdf/request': contentRoute(),
  'POST /staff/cases/:ref/assign': {
    allowed: (role, scope) =>
      (scope === 'own' && is(CASE_READERS)(role)) || (scope === 'other' && role === 'coordinator'),
    body: (f) => ({ version: '1', teamId: f.teamId, assigneeId: f.staff.id }),
  },
  'POST /staff/cases/:ref/status': contentRoute(() => ({ version: '1', to: 'triaged' })),
  'POST /staff/cases/:ref/person': contentRoute(() => ({ version: '1', familyName: 'Новиков' })),
  'POST /staff/cases/:ref/intake': contentRoute(() => ({ version: '1', answers: 'region: north' })),
  'POST /staff/cases/:ref/notes': contentRoute(() => ({ body: 'a note' })),
  'POST /staff/cases/:ref/replies': contentRoute(() => ({ body: 'a reply' })),
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
    file: { name: 'file', filename: 'letter.pdf', data: PDF_OK },
  },
  'GET /staff/intake/partners': pageRoute(['admin']),
  'POST /staff/intake/partners': pageRoute(['admin'], () => ({ label: 'Night hotline' })),
  'POST /staff/intake/partners/:partnerId/revoke': recordRoute(['admin']),
  'GET /staff/api/openapi.json': pageRoute([...STAFF_ROLES]),
};

let t: TestApp;
const clients = new Map<Role, { client: Client; staff: TestStaff; csrf: string }>();
let stranger: TestStaff;
let strangerTeam: string;
let pathwaysVersion = '';
const PATHWAY_PROFILE = {
  citizenship: 'RU',
  location: 'KZ',
  applicantType: 'conscript',
  documents: 'foreign_passport',
};

beforeAll(async () => {
  t = await buildTestApp();
  stranger = await buildStaff(t.ctx, 'caseworker');
  pathwaysVersion = (await getKnowledgeBase()).version;
  strangerTeam = await buildTeam(t.ctx, { name: 'Stranger team', members: [stranger.id] });
  for (const role of STAFF_ROLES) {
    const staff = await buildStaff(t.ctx, role);
    const client = await signInClient(t.app, staff);
    const page = await client.get('/staff/login');
    clients.set(role, { client, staff, csrf: Client.csrfOf(page.body) });
  }
}, 300_000);
afterAll(async () => t.close());

/** Every row of every table the workspace can touch, hashed: "unchanged" means byte for byte. */
async function snapshot(): Promise<string> {
  const tables = [
    'cases',
    'case_notes',
    'case_messages',
    'case_tasks',
    'case_events',
    'case_person_index',
    'break_glass_grants',
    'case_approvals',
    'case_settings',
    'teams',
    'team_members',
    'audit_log',
    'data_keys',
    'case_pathway_checks',
    'intake_attachments',
    'intake_partners',
  ];
  const parts: string[] = [];
  for (const table of tables) {
    const r = await sql<{
      h: string | null;
    }>`select md5(string_agg(x::text, ',' order by x::text)) as h from ${sql.table(table)} x`.execute(
      t.ctx.database.db,
    );
    parts.push(`${table}:${r.rows[0]?.h ?? ''}`);
  }
  return parts.join('|');
}

/** Fresh records for one cell: the actor's own case (assigned to them and their team) and the rest. */
async function fixture(role: Role, scope: Scope): Promise<Fixture> {
  const me = clients.get(role)!.staff;
  const teamId = await buildTeam(t.ctx, { members: [me.id] });
  const own = await buildCase(t.ctx, { teamId, assigneeId: me.id });
  const other = await buildCase(t.ctx, { teamId: strangerTeam, assigneeId: stranger.id });
  const target = scope === 'own' ? own : other;
  const db = t.ctx.database.db;
  const { openSubjectKey } = await import('../keys/keys.service.ts');
  const { encryptField } = await import('../../crypto/index.ts');
  const taskId = randomUUID();
  const caseKey = await openSubjectKey(db, t.ctx.vault, `case:${target.id}`);
  await db
    .insertInto('case_tasks')
    .values({
      id: taskId,
      case_id: target.id,
      kind: 'call',
      title_enc: encryptField(caseKey, 'call back', { table: 'case_tasks', column: 'title', rowId: taskId }),
      due_on: '2030-01-01',
      assignee_id: null,
      created_by: null,
    })
    .execute();
  caseKey.dispose();
  const { id: attachmentId } = await addAttachment(t.ctx, intakeRuntimeOf(t.ctx), target.id, {
    data: PDF_OK,
    fileName: 'summons.pdf',
    keepOriginal: false,
  });
  const grantId = await buildBreakGlassGrant(t.ctx, { staffId: stranger.id, caseId: other.id });
  const approvalId = randomUUID();
  await insertApproval(db, {
    id: approvalId,
    kind: 'close_not_genuine',
    case_id: other.id,
    requested_by: stranger.id,
    payload_enc: null,
    expected_version: 1,
  });
  const exportId = randomUUID();
  await insertApproval(db, {
    id: exportId,
    kind: 'bulk_export',
    case_id: null,
    requested_by: me.id,
    payload_enc: null,
    expected_version: null,
  });
  const key = await openSubjectKey(db, t.ctx.vault, `staff:${me.id}`);
  await db
    .updateTable('case_approvals')
    .set({
      status: 'approved',
      payload_enc: encryptField(key, JSON.stringify({ refs: [own.ref] }), {
        table: 'case_approvals',
        column: 'payload',
        rowId: exportId,
      }),
    })
    .where('id', '=', exportId)
    .execute();
  key.dispose();
  return {
    staff: me,
    ref: scope === 'missing' ? 'C-22222222' : target.ref,
    caseId: target.id,
    taskId: scope === 'missing' ? randomUUID() : taskId,
    teamId: scope === 'missing' ? randomUUID() : teamId,
    grantId: scope === 'missing' ? randomUUID() : grantId,
    approvalId: scope === 'missing' ? randomUUID() : approvalId,
    exportId: scope === 'missing' ? randomUUID() : exportId,
    partnerId:
      scope === 'missing'
        ? randomUUID()
        : (await issuePartnerToken(t.ctx, { kind: 'cli', id: 'cli' }, { label: 'Matrix hotline' })).id,
    attachmentId,
  };
}

function urlFor(path: string, f: Fixture): string {
  return `${path
    .replace(':ref', f.ref)
    .replace(':taskId', f.taskId)
    .replace(':teamId', f.teamId)
    .replace(':grantId', f.grantId)
    .replace(':partnerId', f.partnerId)
    .replace(':id', f.attachmentId)
    .replace(':approvalId', path.includes('exports') ? f.exportId : f.approvalId)}?lang=en`;
}

async function postMultipart(
  client: Client,
  url: string,
  csrf: string,
  file: NonNullable<RouteSpec['file']>,
) {
  const form = multipart([
    { name: '_csrf', value: csrf },
    { name: file.name, file: file.data, filename: file.filename, type: 'application/pdf' },
  ]);
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: client.cookieHeader, 'content-type': form.contentType },
    payload: form.payload,
  });
}

describe('authorisation matrix of the workspace', () => {
  it('has an entry for every route the app serves under the workspace prefixes', async () => {
    expect(await servedRoutes(t.app, PREFIXES)).toEqual(Object.keys(MATRIX).sort());
  });

  const cells = Object.keys(MATRIX).flatMap((route) =>
    STAFF_ROLES.flatMap((role) =>
      (['own', 'other', 'missing'] as const).map((scope) => ({ route, role, scope })),
    ),
  );

  it.each(cells)('$route as $role on $scope case', async ({ route, role, scope }) => {
    const spec = MATRIX[route]!;
    const [method, path] = route.split(' ') as ['GET' | 'POST', string];
    const f = await fixture(role, scope);
    const { client, csrf } = clients.get(role)!;
    const before = await snapshot();
    const res =
      method === 'GET'
        ? await client.get(urlFor(path, f))
        : spec.file !== undefined
          ? await postMultipart(client, urlFor(path, f), csrf, spec.file)
          : await client.post(urlFor(path, f), { _csrf: csrf, ...(spec.body?.(f) ?? {}) });
    if (spec.allowed(role, scope)) {
      expect([200, 201, 303], `${route} ${role} ${scope}: ${res.body.slice(0, 300)}`).toContain(
        res.statusCode,
      );
    } else {
      expect(res.statusCode, `${route} ${role} ${scope}`).toBe(404);
      expect(await snapshot()).toBe(before);
    }
  });
});
