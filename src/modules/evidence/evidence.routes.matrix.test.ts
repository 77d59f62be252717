import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../../../test/support/app.ts';
import { buildStaffActor, checkerboardJpeg } from '../../../test/support/evidence.ts';
import { buildCase, buildTeam } from '../../../test/support/factories.ts';
import { describeMatrix, type MatrixRole, routesUnder } from '../../../test/support/matrix.ts';
import { STAFF_ROLES, type StaffActor } from '../../access/index.ts';
import { addApplicantMessage, newCaseRef } from '../cases/index.ts';
import { addAttachment, intakeRuntimeOf } from '../intake/index.ts';
import { prepareImageRedaction, recordConsent, recordTestimony } from './index.ts';
import { addLink } from './links.service.ts';

/**
 * The authorisation matrix of the evidence pages (/staff/evidence): every route × every role
 * and no session × a case on the member's own team, another team's case, a missing one. Case
 * readers on the team and the team's evidence officer handle a case's evidence (items, the
 * applicant's messages, testimony, consent, custody, redaction and its review); only the
 * evidence officer exports; a file is added only by who may write the case; the public key is
 * for evidence officers. Everyone else 404 (401 without a session), the database unchanged.
 */
type Scope = 'own' | 'other' | 'missing';
interface Fixture {
  ref: string;
  itemId: string;
  messageId: string;
  testimonyId: string;
  redactionId: string;
  linkId: string;
}
const HANDLERS: readonly MatrixRole[] = ['caseworker', 'lawyer', 'coordinator', 'evidence_officer'];
const WRITERS: readonly MatrixRole[] = ['caseworker', 'lawyer', 'coordinator'];
/** Who may search the list across cases (it then shows only the cases each may open). */
const LISTERS: readonly MatrixRole[] = [...HANDLERS, 'vetting_officer', 'admin'];
const onOwnCase = (role: MatrixRole, scope: Scope) => scope === 'own' && HANDLERS.includes(role);
const fixtures = new Map<Scope, Fixture>();
const helpers = new Map<Scope, StaffActor>();
let photo: Buffer;

const TESTIMONY = {
  language: 'en',
  witnessName: 'A. B.',
  witnessRole: 'driver',
  unit: 'unit 12345',
  datesAndPlaces: 'March 2022',
  events: 'Prisoners were taken from the school.',
  personsInvolved: '',
  knowledge: 'saw',
  knowledgeDetail: '',
  interviewerNotes: 'calm',
};

/** A case of a team with a message, a photo kept as evidence (consented for the ICC), a testimony and a redaction. */
async function evidenceCase(t: TestApp, teamId: string, helper: StaffActor): Promise<Fixture> {
  const kase = await buildCase(t.ctx, { teamId });
  const message = await addApplicantMessage(t.ctx, kase.id, 'I served in unit 12345.');
  await addAttachment(t.ctx, intakeRuntimeOf(t.ctx), kase.id, {
    data: photo,
    fileName: 'p.jpg',
    keepOriginal: true,
  });
  const item = await t.ctx.database.db
    .selectFrom('evidence_items')
    .select('id')
    .where('case_id', '=', kase.id)
    .executeTakeFirstOrThrow();
  await recordConsent(t.ctx, helper, item.id, {
    destination: 'icc_otp',
    status: 'given',
    how: 'written',
    identity: 'named',
  });
  const { id: testimonyId } = await recordTestimony(t.ctx, helper, kase.ref, {
    ...TESTIMONY,
    knowledge: ['saw'],
  });
  const { id: redactionId } = await prepareImageRedaction(t.ctx, helper, item.id, {
    regions: '0 0 8 8',
    mode: 'blur',
  });
  const { id: linkId } = await addLink(t.ctx, helper, item.id, { kind: 'unit', name: UNIT });
  return { ref: kase.ref, itemId: item.id, messageId: message.id, testimonyId, redactionId, linkId };
}
const UNIT = 'в/ч 12345';
let restrictedRef: string;

const matrix = describeMatrix<Fixture, Scope>({
  title: 'authorisation matrix of /staff/evidence',
  served: (t) => routesUnder(t, ['/staff/evidence']),
  routes: {
    'GET /staff/evidence/cases/:ref': { allowed: onOwnCase },
    'POST /staff/evidence/cases/:ref/messages': {
      allowed: onOwnCase,
      body: (f) => ({ message: f.messageId }),
    },
    'POST /staff/evidence/cases/:ref/files': {
      allowed: (role, scope) => scope === 'own' && WRITERS.includes(role),
      multipart: () => [
        { name: 'channel', value: 'interview' },
        { name: 'file', file: photo, filename: 'interview.jpg', type: 'image/jpeg' },
      ],
    },
    'GET /staff/evidence/cases/:ref/testimony/new': { allowed: onOwnCase },
    'POST /staff/evidence/cases/:ref/testimony': { allowed: onOwnCase, body: () => TESTIMONY },
    'POST /staff/evidence/cases/:ref/export': {
      allowed: (role, scope) => scope === 'own' && role === 'evidence_officer',
      body: (f) => ({ item: f.itemId, destination: 'icc_otp', reason: 'matrix' }),
    },
    'GET /staff/evidence/testimony/:id': { allowed: onOwnCase },
    'POST /staff/evidence/testimony/:id/versions': { allowed: onOwnCase, body: () => TESTIMONY },
    'POST /staff/evidence/testimony/:id/confirm': {
      allowed: onOwnCase,
      body: () => ({ version: '1', how: 'read back' }),
      fresh: true,
    },
    'GET /staff/evidence/items/:id': { allowed: onOwnCase },
    'POST /staff/evidence/items/:id/consent': {
      allowed: onOwnCase,
      body: () => ({ destination: 'journalists', status: 'refused', how: '', identity: 'named' }),
    },
    'POST /staff/evidence/items/:id/custody': {
      allowed: onOwnCase,
      body: () => ({ action: 'copied', reason: 'a copy for counsel' }),
    },
    'POST /staff/evidence/items/:id/redactions': {
      allowed: onOwnCase,
      body: () => ({ regions: '0 0 4 4', mode: 'remove' }),
    },
    'GET /staff/evidence/items/:id/regions': { allowed: onOwnCase },
    'GET /staff/evidence/items/:id/preview': { allowed: onOwnCase },
    'GET /staff/evidence/redactions/:id': { allowed: onOwnCase },
    'GET /staff/evidence/redactions/:id/image': { allowed: onOwnCase },
    'POST /staff/evidence/redactions/:id/confirm': { allowed: onOwnCase, fresh: true },
    'GET /staff/evidence/key': { allowed: (role) => role === 'evidence_officer' },
    'POST /staff/evidence/items/:id/links': {
      allowed: onOwnCase,
      body: () => ({ kind: 'unit', name: UNIT }),
    },
    'GET /staff/evidence/units': { allowed: onOwnCase },
    'POST /staff/evidence/units': {
      allowed: (role) => LISTERS.includes(role),
      body: () => ({ kind: 'unit', name: UNIT }),
    },
  },
  scopes: ['own', 'other', 'missing'],
  roles: [...STAFF_ROLES, 'anonymous'],
  allowedStatuses: [200, 303],
  // One case on a team of every signed-in member, one on a team of nobody: built once.
  async setup(t, sessions) {
    photo = await checkerboardJpeg();
    const members = [...sessions.values()].flatMap((s) => (s.staff === null ? [] : [s.staff.id]));
    for (const scope of ['own', 'other'] as const) {
      // The records are made by an evidence officer outside the matrix (so a redaction is never the reader's own).
      const helper = await buildStaffActor(t.ctx, 'evidence_officer');
      const team = await buildTeam(t.ctx, {
        members: scope === 'own' ? [...members, helper.id] : [helper.id],
      });
      helpers.set(scope, helper);
      fixtures.set(scope, { ...(await evidenceCase(t, team, helper)) });
    }
    fixtures.set('missing', {
      ref: newCaseRef(),
      itemId: randomUUID(),
      messageId: randomUUID(),
      testimonyId: randomUUID(),
      redactionId: randomUUID(),
      linkId: randomUUID(),
    });
    // A restricted case of another team naming the same unit (ADR 0158: invisible outside it).
    const outsider = await buildStaffActor(t.ctx, 'evidence_officer');
    const restricted = await evidenceCase(t, await buildTeam(t.ctx, { members: [outsider.id] }), outsider);
    await t.ctx.database.db
      .updateTable('cases')
      .set({ restricted: true })
      .where('ref', '=', restricted.ref)
      .execute();
    restrictedRef = restricted.ref;
  },
  async fixture({ t, scope, fresh, route }) {
    const shared = fixtures.get(scope)!;
    if (!fresh) return shared;
    const helper = helpers.get(scope)!;
    if (route?.includes('/testimony/')) {
      const kase = shared.ref;
      const { id } = await recordTestimony(t.ctx, helper, kase, { ...TESTIMONY, knowledge: ['saw'] });
      return { ...shared, testimonyId: id };
    }
    const { id } = await prepareImageRedaction(t.ctx, helper, shared.itemId, {
      regions: '1 1 4 4',
      mode: 'blur',
    });
    return { ...shared, redactionId: id };
  },
  url: (path, f) =>
    path
      .replace(':ref', f.ref)
      .replace('/testimony/:id', `/testimony/${f.testimonyId}`)
      .replace('/items/:id', `/items/${f.itemId}`)
      .replace('/redactions/:id', `/redactions/${f.redactionId}`)
      .replace('/staff/evidence/units', `/staff/evidence/units?link=${f.linkId}`),
});

describe('evidence on the case page', () => {
  it('shows the arrival hash of the item and its custody to a case reader', async () => {
    const client = matrix.current.sessions.get('evidence_officer')!.client;
    const page = await client.get(`/staff/evidence/cases/${fixtures.get('own')!.ref}?lang=ru`);
    expect(page.body).toContain('SHA-256 при поступлении');
    expect(page.body).toMatch(/<code>[0-9a-f]{64}<\/code>/);
    const custody = await client.get(`/staff/evidence/items/${fixtures.get('own')!.itemId}?lang=uk`);
    expect(custody.body).toContain('отримано');
    const key = await client.get('/staff/evidence/key');
    expect(key.body).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });
});

describe('units and commanders across cases', () => {
  it("lists and counts only the items of cases the reader may open: not another team's, not a restricted one", async () => {
    const own = fixtures.get('own')!;
    const other = fixtures.get('other')!;
    // Three cases name the unit; the coordinator reads only its own team's (metadata elsewhere is not content).
    for (const role of ['coordinator', 'evidence_officer'] as const) {
      const page = await matrix.current.sessions
        .get(role)!
        .client.get(`/staff/evidence/units?link=${own.linkId}&lang=en`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`Items you may open that name “${UNIT}” (unit): 1, in 1 cases.`);
      expect(page.body).toContain(own.ref);
      expect(page.body).not.toContain(other.ref);
      expect(page.body).not.toContain(restrictedRef);
      expect(page.body).not.toContain(other.itemId);
    }
    // Searching by name (the unit written otherwise) finds the same; a vetting officer, who holds no grant, none.
    const search = async (role: MatrixRole) => {
      const s = matrix.current.sessions.get(role)!;
      return s.client.post('/staff/evidence/units?lang=en', {
        _csrf: s.csrf,
        kind: 'unit',
        name: 'В/Ч  12345',
      });
    };
    const found = await search('coordinator');
    expect(found.body).toContain(own.ref);
    expect(found.body).not.toContain(restrictedRef);
    expect((await search('vetting_officer')).body).toContain(': 0, in 0 cases.');
  });
});
