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
}
const HANDLERS: readonly MatrixRole[] = ['caseworker', 'lawyer', 'coordinator', 'evidence_officer'];
const WRITERS: readonly MatrixRole[] = ['caseworker', 'lawyer', 'coordinator'];
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
  return { ref: kase.ref, itemId: item.id, messageId: message.id, testimonyId, redactionId };
}

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
    });
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
      .replace('/redactions/:id', `/redactions/${f.redactionId}`),
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
