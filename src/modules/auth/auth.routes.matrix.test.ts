import { randomUUID } from 'node:crypto';
import { buildStaff, Client, type TestStaff } from '../../../test/support/app.ts';
import {
  describeMatrix,
  type MatrixRole,
  type MatrixRoute,
  type MatrixSession,
  openSession,
  routesUnder,
} from '../../../test/support/matrix.ts';
import { insertTestKey } from '../../../test/support/webauthn.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { randomToken, totpCode } from '../../crypto/index.ts';
import { unsealWithDevKey } from '../keys/index.ts';
import { createStaff, resetPasswordIn, startEnrolment } from './staff.service.ts';

/**
 * The authorisation matrix of the auth and admin routes: every /staff route not covered by the
 * workspace, vetting and pathways matrices (the home page, sign-in and sign-out, enrolment,
 * /staff/admin…) × every role and no session × {an existing record, a missing one} (the
 * enrolment link and the staff member to disable). What each role may:
 * - the sign-in page, and an enrolment link, are for everybody, signed in or not: a valid link
 *   shows its page (200); an unknown one answers 410 "link invalid" for everybody and writes
 *   nothing. Posting the sign-in form signs the poster in (303) with an existing account's
 *   credentials, and answers 401 with an unknown account's (which audits the failure);
 * - the home page and signing out need a session (401 without one, and nothing written);
 * - /staff/admin is for the roles that see the server's status or the staff list (coordinator,
 *   admin); sealing, creating and disabling staff are the admin's. Refused cells answer 404
 *   (401 without a session) and leave every table as it was.
 * The route list comes from the running app, so a /staff route without an entry fails.
 */
type Scope = 'existing' | 'missing';
type Role = MatrixRole;
type RouteSpec = MatrixRoute<Fixture, Scope>;

interface Fixture {
  session?: MatrixSession;
  /** An enrolment token: of a pending account, or one that never existed. */
  token: string;
  /** A password-reset token (ADR 0190): the shared one, or one that never existed. */
  resetToken: string;
  /** The TOTP secret shown when that enrolment was started ("" if it was not). */
  totpSecret: string;
  /** A staff member to disable (a fresh pending account), or an id nobody has. */
  staffId: string;
  /** Credentials to sign in with: an enrolled account's, or an unknown address's. */
  login: Pick<TestStaff, 'email' | 'password' | 'totpSecret'>;
  /** One of the session holder's own security keys, or an id nobody has. */
  keyId: string;
}

const OTHER_MATRICES = [
  '/staff/cases',
  '/staff/intake',
  '/staff/api',
  '/staff/vetting',
  '/staff/pathways',
  '/staff/ledger',
  '/staff/federation',
  '/staff/disbursements',
  '/staff/admin/requests',
  '/staff/reports',
  '/staff/referrals',
  '/staff/partner',
  '/staff/evidence',
  '/staff/admin/panic',
  '/staff/admin/retention',
  '/staff/tracing',
  '/staff/high-assurance',
  '/staff/admin/forks',
  '/staff/notifications',
  '/staff/organisation',
];
const SIGNED_IN: Role[] = [...STAFF_ROLES];
const is = (roles: Role[]) => (role: Role) => roles.includes(role);
const everyone = (): boolean => true;
/** A route anybody may use with an existing link; an unknown one answers 410 to everybody. */
const linkRoute = (extra: Partial<RouteSpec> = {}): RouteSpec => ({
  allowed: (_role, scope) => scope === 'existing',
  refusedStatus: 410,
  allowedStatuses: [200],
  ...extra,
});
const pageRoute = (roles: Role[], extra: Partial<RouteSpec> = {}): RouteSpec => ({
  allowed: (role) => is(roles)(role),
  ...extra,
});

const MATRIX: Record<string, RouteSpec> = {
  'GET /staff': pageRoute(SIGNED_IN, { allowedStatuses: [200] }),
  'GET /staff/login': { allowed: everyone, allowedStatuses: [200] },
  'POST /staff/login': {
    allowed: everyone,
    allowedStatuses: (_role, scope) => (scope === 'existing' ? [303] : [401]),
    body: (f) => ({
      email: f.login.email,
      password: f.login.password,
      totp: f.login.totpSecret === '' ? '000000' : totpCode(f.login.totpSecret, Date.now() + 30_000),
    }),
    // Signing in replaces the poster's session cookie: each cell posts from a copy.
    fresh: true,
  },
  // Signing out ends the session: each cell signs out of a new one.
  'POST /staff/logout': pageRoute(SIGNED_IN, { allowedStatuses: [303], fresh: true }),
  'GET /staff/enrol/:token': linkRoute(),
  // Starting shows a new secret; completing needs the one shown: each cell on its own link.
  'POST /staff/enrol/:token/start': linkRoute({ fresh: true }),
  'POST /staff/enrol/:token': linkRoute({
    fresh: true,
    body: (f) => ({
      password: 'correct horse battery staple',
      passwordRepeat: 'correct horse battery staple',
      totp: f.totpSecret === '' ? '000000' : totpCode(f.totpSecret),
    }),
  }),
  // One's own duress password (ADR 0176): every signed-in person, for their own account only.
  'GET /staff/account/duress': pageRoute(SIGNED_IN, { allowedStatuses: [200] }),
  'POST /staff/account/duress': pageRoute(SIGNED_IN, {
    allowedStatuses: [400],
    body: () => ({ action: 'set', password: 'not the password', duress: 'short', duressRepeat: 'short' }),
  }),
  'GET /staff/admin': pageRoute(['coordinator', 'admin'], { allowedStatuses: [200] }),
  // Sealing needs the ticked confirmation (issue 21 item 4).
  'POST /staff/admin/seal': pageRoute(['admin'], {
    allowedStatuses: [200],
    body: () => ({ confirm: 'seal' }),
    after: async (t) => {
      await unsealWithDevKey(t.ctx.database.db, t.ctx.vault, t.dataDir);
    },
  }),
  'POST /staff/admin/staff': pageRoute(['admin'], {
    allowedStatuses: [202],
    body: () => ({ email: `new.${randomUUID().slice(0, 8)}@example.org`, role: 'caseworker' }),
  }),
  // Security keys (issue 18 item 1, ADR 0172). The sign-in ceremony is for everybody with the
  // sign-in page's cookie; an assertion-less post is refused as a failed sign-in (401, audited).
  'POST /staff/login/webauthn/options': { allowed: everyone, allowedStatuses: [200] },
  'POST /staff/login/webauthn': { allowed: everyone, allowedStatuses: [401] },
  // One's own keys: any signed-in member; another's key or a missing one is 404.
  'GET /staff/account/keys': pageRoute(SIGNED_IN, { allowedStatuses: [200] }),
  'POST /staff/account/keys/options': pageRoute(SIGNED_IN, { allowedStatuses: [200] }),
  // Without an attestation the registration is refused (400) and nothing is stored.
  'POST /staff/account/keys': pageRoute(SIGNED_IN, { allowedStatuses: [400], body: () => ({ name: 'key' }) }),
  'POST /staff/account/keys/:id/rename': {
    allowed: (role, scope) => role !== 'anonymous' && scope === 'existing',
    allowedStatuses: [303],
    fresh: true,
    body: () => ({ name: 'renamed key' }),
  },
  'POST /staff/account/keys/:id/remove': {
    allowed: (role, scope) => role !== 'anonymous' && scope === 'existing',
    allowedStatuses: [303],
    fresh: true,
  },
  // The organisation's sign-in policy: administrators file a change (202), a second approves it.
  'GET /staff/admin/sign-in-policy': pageRoute(['admin'], { allowedStatuses: [200] }),
  'POST /staff/admin/sign-in-policy': pageRoute(['admin'], {
    allowedStatuses: [202],
    body: () => ({ roles: 'caseworker', totpFallback: 'yes' }),
  }),
  // Staff administration (issue 21 item 4, ADR 0190): a new enrolment link for a pending
  // account, by one administrator; the audit-log viewer (ADR 0191) for who may read the log.
  'POST /staff/admin/staff/:id/enrolment': {
    allowed: (role, scope) => role === 'admin' && scope === 'existing',
    allowedStatuses: [200],
    fresh: true,
  },
  'GET /staff/admin/audit': pageRoute(['coordinator', 'admin'], { allowedStatuses: [200] }),
  // A password-reset link: for everybody with the link, like enrolment; a wrong code is 400.
  'GET /staff/password/:token': linkRoute(),
  'POST /staff/password/:token': linkRoute({
    allowedStatuses: [400],
    body: () => ({
      password: 'correct horse battery staple',
      passwordRepeat: 'correct horse battery staple',
      totp: '000000',
    }),
  }),
  'POST /staff/admin/staff/:id/disable': {
    allowed: (role, scope) => role === 'admin' && scope === 'existing',
    allowedStatuses: [200],
  },
};

const CLI = { kind: 'cli', id: 'cli' } as const;
/** The shared password-reset token (see setup). */
let resetToken = '';

/** A pending account: its id and its enrolment token. */
async function pendingStaff(ctx: Parameters<typeof createStaff>[0]) {
  const created = await createStaff(ctx, CLI, {
    email: `pending.${randomUUID().slice(0, 8)}@example.org`,
    role: 'caseworker',
  });
  return { id: created.staffId, token: new URL(created.enrolmentUrl).pathname.split('/').pop()! };
}

describeMatrix<Fixture, Scope>(
  {
    title: 'authorisation matrix of the auth and admin routes',
    served: (t) => routesUnder(t, ['/staff'], OTHER_MATRICES),
    routes: MATRIX,
    scopes: ['existing', 'missing'],
    roles: [...STAFF_ROLES, 'anonymous'],
    // One at a time: sign-out fixtures sign the same member in again (a TOTP step each).
    concurrency: 1,
    async setup(t) {
      // One password-reset link of an active account, shared: no allowed cell consumes it.
      const member = await buildStaff(t.ctx, 'caseworker');
      const reset = await t.ctx.database.db
        .transaction()
        .execute((trx) => resetPasswordIn(t.ctx, trx, member.id, 'cli', 'matrix'));
      resetToken = new URL(reset.resetUrl).pathname.split('/').pop()!;
    },
    async fixture({ t, role, scope, session, route }) {
      const missing = scope === 'missing';
      const f: Fixture = {
        token: randomToken(),
        resetToken: randomToken(),
        totpSecret: '',
        staffId: randomUUID(),
        keyId: randomUUID(),
        login: {
          email: `nobody.${randomUUID().slice(0, 8)}@example.org`,
          password: 'wrong horse',
          totpSecret: '',
        },
      };
      if (route === 'POST /staff/login') {
        // A copy of the poster's cookies: its own session stays as it was.
        const client = new Client(t.app);
        for (const [k, v] of session.client.cookies) client.cookies.set(k, v);
        f.session = { ...session, client };
        if (!missing) f.login = await buildStaff(t.ctx, 'caseworker');
      }
      if (route === 'POST /staff/logout') f.session = await openSession(t, role, session.staff ?? undefined);
      if (missing) return f;
      f.resetToken = resetToken;
      if (session.staff !== null && route?.startsWith('POST /staff/account/keys/') !== false) {
        f.keyId = await insertTestKey(t.ctx, session.staff.id);
        // A key route's own fixture needs nothing else.
        if (route !== undefined) return f;
      }
      const enrolling = await pendingStaff(t.ctx);
      f.token = enrolling.token;
      if (route === 'POST /staff/enrol/:token')
        f.totpSecret = (await startEnrolment(t.ctx, f.token)).totpSecret;
      if (route === undefined || route === 'POST /staff/admin/staff/:id/enrolment') {
        f.staffId = (await pendingStaff(t.ctx)).id;
      }
      return f;
    },
    url: (path, f) =>
      path
        .replace(':token', path.startsWith('/staff/password/') ? f.resetToken : f.token)
        .replace(':id', path.startsWith('/staff/account/keys/') ? f.keyId : f.staffId),
  },
  (c) => `${c.route} as ${c.role} on ${c.scope} record`,
);
