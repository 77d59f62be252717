import { randomUUID } from 'node:crypto';
import { buildStaff, type TestApp } from '../../../test/support/app.ts';
import { buildCase, buildPartner, staffActor } from '../../../test/support/factories.ts';
import {
  describeMatrix,
  type MatrixRole,
  type MatrixRoute,
  type MatrixSession,
  routesUnder,
} from '../../../test/support/matrix.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { federationIdentity } from '../../crypto/index.ts';
import { createReferral, recordConsent, sendReferral } from './referrals.service.ts';

/**
 * The authorisation matrix of the referral network: every route under /staff/referrals and
 * /staff/partner × every role × {own, foreign}. "own": the case assigned to the matrix's
 * caseworker, and a referral sent to the partner the matrix's partner account belongs to;
 * "foreign": a case nobody in the matrix holds, and a referral sent to another partner. A
 * partner account sees only its own organisation's referrals (never the directory, vetting,
 * reports, a case, or another partner's referral): 404 and the database unchanged. The queue
 * and search refuse the partner role in cases.routes.matrix.test.ts, which iterates every role.
 */
type Scope = 'own' | 'foreign';
interface Fixture {
  ref: string;
  referralId: string;
  partnerId: string;
}
type RouteSpec = MatrixRoute<Fixture, Scope>;

const is = (roles: MatrixRole[]) => (role: MatrixRole) => roles.includes(role);
const DIRECTORY = is(['caseworker', 'coordinator', 'vetting_officer']);
const ADDERS = is(['caseworker', 'coordinator']);
const caseworkerOwn = (role: MatrixRole, scope: Scope) => role === 'caseworker' && scope === 'own';
const partnerOwn = (role: MatrixRole, scope: Scope) => role === 'partner' && scope === 'own';
const STEP: readonly number[] = [303, 400, 409];

const cache = new Map<Scope, Fixture>();
const shared = { caseworker: '', stranger: '', officer: '', ownPartner: '', otherPartner: '', peer: '' };

const MATRIX: Record<string, RouteSpec> = {
  'GET /staff/referrals': { allowed: DIRECTORY },
  'GET /staff/referrals/partners/new': { allowed: ADDERS },
  'POST /staff/referrals/partners': {
    allowed: ADDERS,
    body: () => ({
      kind: 'lawyer',
      name: 'Matrix law',
      country: 'AM',
      city: 'Yerevan',
      contactMethod: 'email',
      contact: 'law@example.org',
    }),
  },
  'GET /staff/referrals/partners/:partnerId': { allowed: DIRECTORY },
  'POST /staff/referrals/partners/:partnerId/vetting': {
    allowed: is(['vetting_officer']),
    body: () => ({ decision: 'flag' }),
    fresh: true,
  },
  'POST /staff/referrals/partners/:partnerId/members': {
    allowed: is(['coordinator']),
    body: () => ({ staffId: randomUUID() }),
    allowedStatuses: [400],
  },
  'GET /staff/referrals/vetting': { allowed: is(['vetting_officer']) },
  'GET /staff/referrals/reports': { allowed: is(['coordinator']) },
  'GET /staff/referrals/cases/:ref': { allowed: caseworkerOwn },
  'POST /staff/referrals/cases/:ref': {
    allowed: caseworkerOwn,
    body: () => ({ partnerId: shared.ownPartner, people: '2' }),
  },
  'POST /staff/referrals/cases/:ref/:id/consent': {
    allowed: caseworkerOwn,
    body: () => ({ fields: 'people', via: 'phone', on: '2026-12-01' }),
    allowedStatuses: STEP,
  },
  'POST /staff/referrals/cases/:ref/:id/ask': {
    allowed: caseworkerOwn,
    body: () => ({ fields: 'people' }),
    allowedStatuses: STEP,
  },
  'POST /staff/referrals/cases/:ref/:id/approve': { allowed: caseworkerOwn, allowedStatuses: STEP },
  'POST /staff/referrals/cases/:ref/:id/send': { allowed: caseworkerOwn, allowedStatuses: STEP },
  'POST /staff/referrals/cases/:ref/:id/withdraw': {
    allowed: caseworkerOwn,
    fresh: true,
    allowedStatuses: STEP,
  },
  'POST /staff/referrals/cases/:ref/:id/reroute': {
    allowed: caseworkerOwn,
    body: () => ({ partnerId: shared.otherPartner }),
    fresh: true,
    allowedStatuses: STEP,
  },
  'POST /staff/referrals/cases/:ref/:id/message': {
    allowed: caseworkerOwn,
    body: () => ({ body: 'Hello' }),
    allowedStatuses: STEP,
  },
  // Every fixture's case is also filed from a (fake) peer's referral: its caseworker answers it.
  'POST /staff/referrals/cases/:ref/remote-answer': {
    allowed: caseworkerOwn,
    body: () => ({ status: 'accepted' }),
    fresh: true,
  },
  'GET /staff/partner': { allowed: is(['partner']) },
  'GET /staff/partner/referrals/:id': { allowed: partnerOwn },
  'POST /staff/partner/referrals/:id/respond': {
    allowed: partnerOwn,
    body: () => ({ decision: 'accept' }),
    fresh: true,
    allowedStatuses: STEP,
  },
  'POST /staff/partner/referrals/:id/progress': {
    allowed: partnerOwn,
    body: () => ({ step: 'start' }),
    allowedStatuses: STEP,
  },
  'POST /staff/partner/referrals/:id/message': {
    allowed: partnerOwn,
    body: () => ({ body: 'Hello' }),
    allowedStatuses: STEP,
  },
  'POST /staff/partner/capacity': { allowed: is(['partner']), body: () => ({ capacityPlaces: '2' }) },
};

async function sentReferral(t: TestApp, scope: Scope): Promise<{ ref: string; referralId: string }> {
  const cw = staffActor({ id: shared.caseworker, role: 'caseworker' });
  const own = scope === 'own';
  // A foreign case is held by a caseworker outside the matrix.
  const c = await buildCase(t.ctx, { assigneeId: own ? shared.caseworker : shared.stranger });
  const actor = own ? cw : staffActor({ id: shared.stranger, role: 'caseworker' });
  const partnerId = own ? shared.ownPartner : shared.otherPartner;
  const r = await createReferral(t.ctx, actor, c.ref, { partnerId, people: '2' });
  await recordConsent(t.ctx, actor, c.ref, r.id, {
    fields: ['people', 'needs'],
    via: 'phone',
    on: '2026-12-01',
  });
  await sendReferral(t.ctx, actor, c.ref, r.id);
  await t.ctx.database.db
    .insertInto('federation_packets')
    .values({
      id: randomUUID(),
      direction: 'in',
      kind: 'referral',
      peer_id: shared.peer,
      state: 'filed',
      remote_ref: `matrix-${r.id}`,
      case_id: c.id,
      body_hash: Buffer.alloc(32),
    })
    .execute();
  return { ref: c.ref, referralId: r.id };
}

describeMatrix<Fixture, Scope>({
  title: 'authorisation matrix of /staff/referrals and /staff/partner',
  served: (t) => routesUnder(t, ['/staff/referrals', '/staff/partner']),
  routes: MATRIX,
  scopes: ['own', 'foreign'],
  roles: [...STAFF_ROLES, 'anonymous'],
  async setup(t, sessions: ReadonlyMap<MatrixRole, MatrixSession>) {
    shared.caseworker = sessions.get('caseworker')!.staff!.id;
    shared.officer = sessions.get('vetting_officer')!.staff!.id;
    shared.stranger = (await buildStaff(t.ctx, 'caseworker')).id;
    shared.ownPartner = await buildPartner(t.ctx, {
      vettedBy: shared.officer,
      members: [sessions.get('partner')!.staff!.id],
    });
    shared.otherPartner = await buildPartner(t.ctx, {
      vettedBy: shared.officer,
      form: { name: 'Other partner' },
    });
    // A verified peer (with this server's own public keys, so an answer can be sealed to it).
    const id = await federationIdentity(t.ctx.vault.requireKeyring());
    shared.peer = randomUUID();
    await t.ctx.database.db
      .insertInto('federation_peers')
      .values({
        id: shared.peer,
        label: 'Matrix peer',
        endpoint: 'http://127.0.0.1:9/api/v1/referrals',
        signing_key: id.signingKey,
        encryption_key: id.encryptionKey,
        fingerprint: 'matrix-peer',
        state: 'verified',
        added_by: 'cli',
      })
      .execute();
  },
  async fixture({ t, scope, fresh }) {
    // No allowed cell of a shared route changes its records' state (a second step on the sent
    // referral is a 409, a message only adds to its thread): one fixture per scope serves every
    // role; routes marked `fresh` get their own.
    const cached = cache.get(scope);
    if (!fresh && cached !== undefined) return cached;
    const { ref, referralId } = await sentReferral(t, scope);
    // The partner record of the /partners/:partnerId routes: its own, so that flagging it pauses nothing else.
    const partnerId = await buildPartner(t.ctx, { form: { name: `Fixture partner ${scope}` } });
    const f = { ref, referralId, partnerId };
    if (!fresh) cache.set(scope, f);
    return f;
  },
  url: (path, f) =>
    path.replace(':ref', f.ref).replace(':id', f.referralId).replace(':partnerId', f.partnerId),
});
