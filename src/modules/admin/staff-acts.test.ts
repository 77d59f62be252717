import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { buildStaff, type TestStaff } from '../../../test/support/app.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { recordAudit } from '../audit/index.ts';
import { getRetentionOverview } from '../retention/index.ts';
import { describeMatrix, type MatrixRole, routesUnder } from '../../../test/support/matrix.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { unsealWithDevKey } from '../keys/index.ts';
import { breakGlass, decideApproval, requestBreakGlassExtension } from '../case-access/index.ts';
import type { Db } from '../../db/database.ts';
import { raiseFork } from '../witness/index.ts';
import { requestKeyRotation, rotateWithApproval } from './key-rotation-act.ts';
import {
  requestPasswordReset,
  requestReenable,
  requestRoleChange,
  requestSecondFactorReset,
  requestStaffCreate,
} from './staff-acts.ts';
import {
  checkEnrolment,
  checkPasswordReset,
  completePasswordReset,
  createStaff,
  disableStaff,
  reissueEnrolment,
} from '../auth/index.ts';
import { insertTestKey } from '../../../test/support/webauthn.ts';
import { totpCode } from '../../crypto/index.ts';

/**
 * Two people for every privileged staff act (issue 18, ADR 0138), from the attacker's side:
 * a lone administrator (or any other role) can file a request but never make it happen.
 *
 * The matrix of /staff/admin/requests × every role and no session × {a request another
 * administrator filed, the signed-in person's own request, a request about the signed-in
 * person's own account, a missing one}: only an administrator deciding another's request
 * about somebody else is allowed; every other cell answers 404 (401 without a session) and
 * leaves the database as it was.
 */
type Scope = 'other' | 'own' | 'about-self' | 'missing';
interface Fixture {
  requestId: string;
  staffId: string;
  /** A disabled account to re-enable (the signed-in person's own, active, in "about-self"). */
  disabledId: string;
  forkId: string;
  silenceId: string;
}

/** Administrators, about someone else's account (never their own, ADR 0190). */
const adminOnly = (role: MatrixRole, scope: Scope) =>
  role === 'admin' && (scope === 'other' || scope === 'own');
const decide = (role: MatrixRole, scope: Scope) => role === 'admin' && scope === 'other';
let otherAdmin: TestStaff;
let bystander: TestStaff;
let disabledId: string;

const matrix = describeMatrix<Fixture, Scope>({
  title: 'authorisation matrix of /staff/admin/requests',
  served: (t) => routesUnder(t, ['/staff/admin/requests', '/staff/admin/panic', '/staff/admin/forks']),
  routes: {
    // Panic (issue 18, item 5): every staff member seals from their own session.
    'POST /staff/admin/panic/seal': {
      allowed: (role) => role !== 'anonymous',
      allowedStatuses: [200],
      body: () => ({ confirm: 'seal' }),
      after: async (t) => {
        await unsealWithDevKey(t.ctx.database.db, t.ctx.vault, t.dataDir);
      },
    },
    // A role with a permission the account lacks is a request (202); admin -> coordinator is.
    'POST /staff/admin/requests/role': {
      allowed: adminOnly,
      allowedStatuses: [202],
      body: (f) => ({ staffId: f.staffId, role: 'coordinator' }),
    },
    'POST /staff/admin/requests/second-factor': {
      allowed: adminOnly,
      allowedStatuses: [202],
      body: (f) => ({ staffId: f.staffId }),
    },
    // Issue 21 item 4 (ADR 0190): a password reset of an active account, re-enabling a disabled one.
    'POST /staff/admin/requests/password': {
      allowed: adminOnly,
      allowedStatuses: [202],
      body: (f) => ({ staffId: f.staffId }),
    },
    'POST /staff/admin/requests/re-enable': {
      allowed: adminOnly,
      allowedStatuses: [202],
      body: (f) => ({ staffId: f.disabledId }),
    },
    // Root-key rotation (ADR 0177): any administrator may ask; nothing rotates until another approves.
    'POST /staff/admin/requests/keys-rotate': {
      allowed: (role) => role === 'admin',
      allowedStatuses: [202],
      body: () => ({ shares: '', threshold: '' }),
    },
    // The fork alarm (ADR 0175): administrators acknowledge an open one; audited.
    'POST /staff/admin/forks/:id/acknowledge': {
      allowed: (role, scope) => role === 'admin' && scope !== 'missing',
      fresh: true,
    },
    // The silence alarm (ADR 0213), acknowledged like a fork.
    'POST /staff/admin/forks/silences/:id/acknowledge': {
      allowed: (role, scope) => role === 'admin' && scope !== 'missing',
      fresh: true,
    },
    'POST /staff/admin/requests/:id/approve': { allowed: decide, allowedStatuses: [200], fresh: true },
    'POST /staff/admin/requests/:id/reject': { allowed: decide, allowedStatuses: [200], fresh: true },
  },
  scopes: ['other', 'own', 'about-self', 'missing'],
  roles: [...STAFF_ROLES, 'anonymous'],
  async setup(t) {
    otherAdmin = await buildStaff(t.ctx, 'admin');
    bystander = await buildStaff(t.ctx, 'lawyer');
    const disabled = await createStaff(t.ctx, CLI, { email: 'disabled@example.org', role: 'lawyer' });
    await disableStaff(t.ctx, CLI, disabled.staffId);
    disabledId = disabled.staffId;
  },
  async fixture({ t, scope, session }) {
    const self = session.staff;
    if (scope === 'missing') {
      return {
        requestId: randomUUID(),
        staffId: randomUUID(),
        disabledId: randomUUID(),
        forkId: randomUUID(),
        silenceId: randomUUID(),
      };
    }
    const requester = scope === 'own' && self !== null ? self : otherAdmin;
    const staffId = scope === 'about-self' ? (self ?? bystander).id : otherAdmin.id;
    const requestId =
      scope === 'about-self'
        ? await requestSecondFactorReset(t.ctx, staffActor(otherAdmin), { staffId })
        : await requestStaffCreate(t.ctx, staffActor({ id: requester.id, role: 'admin' }), {
            email: `new.${randomUUID().slice(0, 8)}@example.org`,
            role: 'caseworker',
          });
    return {
      requestId,
      staffId,
      disabledId: scope === 'about-self' ? staffId : disabledId,
      forkId: await buildFork(t.ctx.database.db),
      silenceId: await buildSilence(t.ctx.database.db),
    };
  },
  url: (path, f) =>
    path.replace(
      ':id',
      path.includes('/silences/') ? f.silenceId : path.includes('/forks/') ? f.forkId : f.requestId,
    ),
});

/** An open fork alarm about this server's audit log (two made-up heads for one entry). */
async function buildFork(db: Db): Promise<string> {
  const checkpoint = (head: string) => ({
    seq: 7,
    headHash: head,
    at: new Date().toISOString(),
    keyId: 'k',
    publicKey: '0'.repeat(64),
    signature: '0'.repeat(128),
  });
  const second = randomBytes(32).toString('hex');
  await raiseFork(db, {
    origin: 'self',
    log: 'audit',
    seenBy: 'verify',
    first: checkpoint('a'.repeat(64)),
    second: checkpoint(second),
  });
  const row = await db
    .selectFrom('checkpoint_forks')
    .select('id')
    .where('second_head', '=', Buffer.from(second, 'hex'))
    .executeTakeFirstOrThrow();
  return row.id;
}

/** An open silence alarm about a made-up origin (nothing arrived from it within the window). */
async function buildSilence(db: Db): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('witness_silences')
    .values({
      id,
      peer_role: 'origin',
      peer: randomBytes(16).toString('hex').match(/.{4}/g)!.join('-'),
      last_checkpoint_at: new Date(0),
      raised_at: new Date(),
      ended_at: null,
      acknowledged_by: null,
      acknowledged_at: null,
    })
    .execute();
  return id;
}

async function auditActions(since: number): Promise<string[]> {
  const rows = await matrix.current.t.ctx.database.db
    .selectFrom('audit_log')
    .select('action')
    .where('seq', '>', since)
    .orderBy('seq')
    .execute();
  return rows.map((r) => r.action);
}

async function lastSeq(): Promise<number> {
  const row = await matrix.current.t.ctx.database.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.max('seq').as('m'))
    .executeTakeFirstOrThrow();
  return Number(row.m ?? 0);
}

const CLI = { kind: 'cli', id: 'cli' } as const;
const refused = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ code: 'not_found' });

describe('two-person staff acts (ADR 0138)', () => {
  it('a role change happens only when a second administrator approves it, and is audited three times', async () => {
    const { t, sessions } = matrix.current;
    const admin = sessions.get('admin')!.staff!;
    const caseworker = sessions.get('caseworker')!.staff!;
    const db = t.ctx.database.db;
    const roleOf = async () =>
      (await db.selectFrom('staff').select('role').where('id', '=', caseworker.id).executeTakeFirstOrThrow())
        .role;
    const seq = await lastSeq();
    const id = await requestRoleChange(t.ctx, staffActor(admin), {
      staffId: caseworker.id,
      role: 'coordinator',
    });
    expect(await roleOf()).toBe('caseworker');
    // The requester alone cannot; nor can the account it concerns, nor a coordinator.
    await refused(decideApproval(t.ctx, staffActor(admin), id, 'approve'));
    await refused(decideApproval(t.ctx, staffActor(caseworker), id, 'approve'));
    await refused(decideApproval(t.ctx, staffActor(sessions.get('coordinator')!.staff!), id, 'approve'));
    expect(await roleOf()).toBe('caseworker');
    await decideApproval(t.ctx, staffActor(otherAdmin), id, 'approve');
    expect(await roleOf()).toBe('coordinator');
    expect(await auditActions(seq)).toEqual(['approval.request', 'staff.role', 'case.approval_approve']);
    // Used up: approving again changes nothing.
    await expect(decideApproval(t.ctx, staffActor(otherAdmin), id, 'approve')).rejects.toMatchObject({
      code: 'conflict',
    });
    await db.updateTable('staff').set({ role: 'caseworker' }).where('id', '=', caseworker.id).execute();
  });

  it('a second-factor reset puts the account back to enrolment only after approval, forgetting TOTP and every key', async () => {
    const { t, sessions } = matrix.current;
    const admin = sessions.get('admin')!.staff!;
    const target = sessions.get('analyst')!.staff!;
    const db = t.ctx.database.db;
    await insertTestKey(t.ctx, target.id);
    const account = () =>
      db
        .selectFrom('staff')
        .select(['status', 'totp_secret_enc', 'password_hash'])
        .select((eb) =>
          eb
            .selectFrom('staff_webauthn_credentials')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('staff_webauthn_credentials.staff_id', '=', 'staff.id')
            .as('keys'),
        )
        .where('id', '=', target.id)
        .executeTakeFirstOrThrow();
    const id = await requestSecondFactorReset(t.ctx, staffActor(admin), { staffId: target.id });
    expect(await account()).toMatchObject({ status: 'active', keys: 1 });
    const outcome = await decideApproval(t.ctx, staffActor(otherAdmin), id, 'approve');
    expect(outcome.notice).toMatch(/\/staff\/enrol\/[A-Za-z0-9_-]{43}$/);
    const after = await account();
    expect(after).toMatchObject({ status: 'pending', totp_secret_enc: null, password_hash: null });
    expect(Number(after.keys)).toBe(0);
  });

  it('a role change that only removes permissions applies at once; a wider one waits; never one own account', async () => {
    const { t, sessions } = matrix.current;
    const admin = staffActor(sessions.get('admin')!.staff!);
    const db = t.ctx.database.db;
    const roleOf = async () =>
      (await db.selectFrom('staff').select('role').where('id', '=', bystander.id).executeTakeFirstOrThrow())
        .role;
    // lawyer -> caseworker grants break-glass and more: a request.
    expect(await requestRoleChange(t.ctx, admin, { staffId: bystander.id, role: 'caseworker' })).toEqual(
      expect.any(String),
    );
    expect(await roleOf()).toBe('lawyer');
    // coordinator -> lawyer only removes: applied now, audited with the reason.
    await db.updateTable('staff').set({ role: 'coordinator' }).where('id', '=', bystander.id).execute();
    const seq = await lastSeq();
    expect(await requestRoleChange(t.ctx, admin, { staffId: bystander.id, role: 'lawyer' })).toBeNull();
    expect(await roleOf()).toBe('lawyer');
    expect(await auditActions(seq)).toEqual(['staff.role']);
    // One's own account: 404 whichever way, nothing filed.
    const self = sessions.get('admin')!.staff!.id;
    await refused(requestRoleChange(t.ctx, admin, { staffId: self, role: 'caseworker' }));
    await refused(requestPasswordReset(t.ctx, admin, { staffId: self }));
    await refused(requestSecondFactorReset(t.ctx, admin, { staffId: self }));
    await refused(reissueEnrolment(t.ctx, admin, self));
    expect(await auditActions(seq)).toEqual(['staff.role']);
  });

  it('a password reset: the old password stops on approval; the single-use link needs the current code', async () => {
    const { t, sessions } = matrix.current;
    const admin = staffActor(sessions.get('admin')!.staff!);
    const member = await buildStaff(t.ctx, 'caseworker');
    const db = t.ctx.database.db;
    const hashOf = async () =>
      (
        await db
          .selectFrom('staff')
          .select('password_hash')
          .where('id', '=', member.id)
          .executeTakeFirstOrThrow()
      ).password_hash;
    const before = await hashOf();
    const id = await requestPasswordReset(t.ctx, admin, { staffId: member.id });
    expect(await hashOf()).toBe(before);
    const { notice } = await decideApproval(t.ctx, staffActor(otherAdmin), id, 'approve');
    const token = /\/staff\/password\/([A-Za-z0-9_-]{43})$/.exec(notice ?? '')?.[1];
    expect(token).toBeDefined();
    expect(await hashOf()).toBeNull();
    const form = { password: 'a brand new long password', passwordRepeat: 'a brand new long password' };
    // The link alone (the approver holds it) sets nothing: a wrong code is refused, link intact.
    await expect(completePasswordReset(t.ctx, token, { ...form, totp: '000000' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await checkPasswordReset(t.ctx, token);
    const seq = await lastSeq();
    await completePasswordReset(t.ctx, token, {
      ...form,
      totp: totpCode(member.totpSecret, Date.now() + 30_000),
    });
    expect(await hashOf()).not.toBeNull();
    expect(await hashOf()).not.toBe(before);
    expect(await auditActions(seq)).toEqual(['staff.password_set']);
    // Once only.
    await expect(checkPasswordReset(t.ctx, token)).rejects.toMatchObject({ code: 'enrolment_invalid' });
    await expect(
      completePasswordReset(t.ctx, token, {
        ...form,
        totp: totpCode(member.totpSecret, Date.now() + 90_000),
      }),
    ).rejects.toMatchObject({ code: 'enrolment_invalid' });
  });

  it('re-enabling a disabled account needs a second administrator and restores it as it was', async () => {
    const { t, sessions } = matrix.current;
    const admin = staffActor(sessions.get('admin')!.staff!);
    const member = await createStaff(t.ctx, CLI, { email: 'reenable@example.org', role: 'lawyer' });
    await disableStaff(t.ctx, CLI, member.staffId);
    const db = t.ctx.database.db;
    const statusOf = async () =>
      (
        await db
          .selectFrom('staff')
          .select('status')
          .where('id', '=', member.staffId)
          .executeTakeFirstOrThrow()
      ).status;
    const id = await requestReenable(t.ctx, admin, { staffId: member.staffId });
    await refused(decideApproval(t.ctx, admin, id, 'approve'));
    expect(await statusOf()).toBe('disabled');
    const seq = await lastSeq();
    await decideApproval(t.ctx, staffActor(otherAdmin), id, 'approve');
    // It never enrolled: back to pending, so it enrols (a new link, below).
    expect(await statusOf()).toBe('pending');
    expect(await auditActions(seq)).toEqual(['staff.reenable', 'case.approval_approve']);
    // An active account cannot be "re-enabled": 404, nothing filed.
    await refused(requestReenable(t.ctx, admin, { staffId: bystander.id }));
  });

  it('a link left unused past its deadline no longer blocks the address: a new one replaces it', async () => {
    const { t, sessions } = matrix.current;
    const admin = staffActor(sessions.get('admin')!.staff!);
    const created = await createStaff(t.ctx, CLI, { email: 'late.enrol@example.org', role: 'caseworker' });
    const oldToken = new URL(created.enrolmentUrl).pathname.split('/').pop()!;
    const db = t.ctx.database.db;
    await db
      .updateTable('staff_enrolments')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('staff_id', '=', created.staffId)
      .execute();
    await expect(checkEnrolment(t.ctx, oldToken)).rejects.toMatchObject({ code: 'enrolment_invalid' });
    // The address cannot simply be used again (it is that account's)…
    await expect(
      createStaff(t.ctx, CLI, { email: 'late.enrol@example.org', role: 'caseworker' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    // …so an administrator issues a new link; any older unused one stops working.
    const first = await reissueEnrolment(t.ctx, admin, created.staffId);
    const second = await reissueEnrolment(t.ctx, admin, created.staffId);
    const tokenOf = (url: string) => new URL(url).pathname.split('/').pop()!;
    await expect(checkEnrolment(t.ctx, tokenOf(first.enrolmentUrl))).rejects.toMatchObject({
      code: 'enrolment_invalid',
    });
    await checkEnrolment(t.ctx, tokenOf(second.enrolmentUrl));
    // Not for an account that enrolled.
    await refused(reissueEnrolment(t.ctx, admin, bystander.id));
  });

  it('refuses a request past its deadline, and an approver whose account is too new', async () => {
    const { t, sessions } = matrix.current;
    const admin = sessions.get('admin')!.staff!;
    const db = t.ctx.database.db;
    const late = await requestStaffCreate(t.ctx, staffActor(admin), {
      email: 'late@example.org',
      role: 'lawyer',
    });
    await db
      .updateTable('case_approvals')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', late)
      .execute();
    await expect(decideApproval(t.ctx, staffActor(otherAdmin), late, 'approve')).rejects.toMatchObject({
      code: 'conflict',
    });
    // The installation is a month old and every account but `otherAdmin` too: otherAdmin,
    // created today (an account an insider just made), may not approve; an old one may.
    const id = await requestStaffCreate(t.ctx, staffActor(admin), {
      email: 'fresh@example.org',
      role: 'lawyer',
    });
    await db
      .updateTable('staff')
      .set({ created_at: sql<Date>`created_at - interval '30 days'` })
      .where('id', '!=', otherAdmin.id)
      .execute();
    try {
      await refused(decideApproval(t.ctx, staffActor(otherAdmin), id, 'approve'));
      const veteran = sessions.get('admin')!.staff!;
      const filedByOther = await requestStaffCreate(t.ctx, staffActor(otherAdmin), {
        email: 'fresh2@example.org',
        role: 'lawyer',
      });
      await decideApproval(t.ctx, staffActor(veteran), filedByOther, 'approve');
    } finally {
      await db
        .updateTable('staff')
        .set({ created_at: sql<Date>`created_at + interval '30 days'` })
        .where('id', '!=', otherAdmin.id)
        .execute();
    }
  });

  it('break-glass lasts one hour on one word, four with a coordinator approval, never the grantee own', async () => {
    const { t, sessions } = matrix.current;
    const caseworker = staffActor(sessions.get('caseworker')!.staff!);
    const { ref } = await buildCase(t.ctx);
    const granted = await breakGlass(t.ctx, caseworker, { ref, reason: 'covering for a colleague on leave' });
    const hours = (d: Date, from: Date) => Math.round((d.getTime() - from.getTime()) / 3_600_000);
    const grant = await t.ctx.database.db
      .selectFrom('break_glass_grants')
      .select(['id', 'granted_at', 'expires_at'])
      .where('expires_at', '=', granted.expiresAt)
      .executeTakeFirstOrThrow();
    expect(hours(grant.expires_at, grant.granted_at)).toBe(1);
    // Someone else's grant cannot be extended by asking.
    await refused(requestBreakGlassExtension(t.ctx, staffActor(sessions.get('lawyer')!.staff!), grant.id));
    const id = await requestBreakGlassExtension(t.ctx, caseworker, grant.id);
    await refused(decideApproval(t.ctx, caseworker, id, 'approve'));
    await decideApproval(t.ctx, staffActor(sessions.get('coordinator')!.staff!), id, 'approve');
    const after = await t.ctx.database.db
      .selectFrom('break_glass_grants')
      .select('expires_at')
      .where('id', '=', grant.id)
      .executeTakeFirstOrThrow();
    expect(hours(after.expires_at, grant.granted_at)).toBe(4);
  });

  it('seal now needs its confirmation, and is audited under the person who pulled it', async () => {
    const { t, sessions } = matrix.current;
    const lawyer = sessions.get('lawyer')!;
    const page = await lawyer.client.get('/staff?lang=en');
    expect(page.body).toContain('action="/staff/admin/panic/seal?lang=en"');
    const unconfirmed = await lawyer.client.post('/staff/admin/panic/seal?lang=en', { _csrf: lawyer.csrf });
    expect(unconfirmed.statusCode).toBe(400);
    expect(t.ctx.vault.sealed).toBe(false);
    const seq = await lastSeq();
    const sealed = await lawyer.client.post('/staff/admin/panic/seal?lang=en', {
      _csrf: lawyer.csrf,
      confirm: 'seal',
    });
    expect(sealed.statusCode).toBe(200);
    expect(t.ctx.vault.sealed).toBe(true);
    await unsealWithDevKey(t.ctx.database.db, t.ctx.vault, t.dataDir);
    const entry = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('seq', '>', seq)
      .where('action', '=', 'server.seal')
      .executeTakeFirstOrThrow();
    expect(entry.actor).toBe(lawyer.staff!.id);
  });

  it('a root-key rotation is refused without a second administrator and works with one (ADR 0177)', async () => {
    const { t, sessions } = matrix.current;
    const admin = staffActor(sessions.get('admin')!.staff!);
    const db = t.ctx.database.db;
    const activeKey = async () =>
      (
        await db
          .selectFrom('key_material')
          .select('key_id')
          .where('retired_at', 'is', null)
          .executeTakeFirstOrThrow()
      ).key_id;
    const before = await activeKey();
    const refusedRotation = (options: { request?: string } = {}) =>
      expect(rotateWithApproval(t.ctx, CLI, options)).rejects.toMatchObject({ code: 'conflict' });
    // Two administrators exist: the operator's `keys rotate` alone is refused.
    await refusedRotation();
    const id = await requestKeyRotation(t.ctx, admin, {});
    // Filed, not approved: still refused; the requester and a coordinator cannot approve it.
    await refusedRotation();
    await refusedRotation({ request: id });
    await refused(decideApproval(t.ctx, admin, id, 'approve'));
    await refused(decideApproval(t.ctx, staffActor(sessions.get('coordinator')!.staff!), id, 'approve'));
    expect(await activeKey()).toBe(before);
    expect(t.ctx.vault.status().keyId).toBe(before);
    // A second administrator approves: the permit is used once, by the rotation.
    await decideApproval(t.ctx, staffActor(otherAdmin), id, 'approve');
    const seq = await lastSeq();
    const rotated = await rotateWithApproval(t.ctx, CLI, {});
    expect(rotated.request).toBe(id);
    expect(await activeKey()).not.toBe(before);
    expect(t.ctx.vault.status().keyId).toBe(rotated.keyId);
    const entry = await db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('seq', '>', seq)
      .where('action', '=', 'keys.rotate')
      .executeTakeFirstOrThrow();
    expect(entry.actor).toContain(`approval ${id}, approved by ${otherAdmin.id}`);
    await refusedRotation();
    // An approval past its deadline is no permit either.
    const late = await requestKeyRotation(t.ctx, admin, {});
    await decideApproval(t.ctx, staffActor(otherAdmin), late, 'approve');
    await db
      .updateTable('case_approvals')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', late)
      .execute();
    const key = await activeKey();
    await refusedRotation({ request: late });
    expect(await activeKey()).toBe(key);
  });
});

describe('the audit-log viewer (issue 21 item 4, ADR 0191)', () => {
  it('filters by actor and action, shows readable labels, and never a restricted case reference outside its team', async () => {
    const { t, sessions } = matrix.current;
    const admin = sessions.get('admin')!;
    const coordinator = sessions.get('coordinator')!;
    const db = t.ctx.database.db;
    // A restricted case whose team the coordinator belongs to and the admin does not.
    const team = await buildTeam(t.ctx, {
      name: 'Audit desk',
      restricted: true,
      members: [coordinator.staff!.id],
    });
    const hidden = await buildCase(t.ctx, { teamId: team });
    await db.updateTable('cases').set({ restricted: true }).where('id', '=', hidden.id).execute();
    const open = await buildCase(t.ctx);
    await recordAudit(db, {
      actor: coordinator.staff!.id,
      action: 'case.read',
      target: `case:${hidden.ref}`,
      reason: `compared with ${open.ref} and ${hidden.ref}`,
    });
    await recordAudit(db, { actor: coordinator.staff!.id, action: 'case.read', target: `case:${open.ref}` });
    const view = (c: typeof admin, query: string) => c.client.get(`/staff/admin/audit?lang=en&${query}`);
    const seen = await lastSeq();
    const byActor = await view(admin, `actor=${coordinator.staff!.id}&action=case.read`);
    expect(byActor.statusCode).toBe(200);
    // One entry for the visit (ADR 0208): the actor filter's colleagues by e-mail are not a read
    // of the staff list, so no "staff.list" entry buries the real ones.
    expect(await auditActions(seen)).toEqual(['audit.read']);
    expect(byActor.body).toContain(`<option value="${bystander.id}">${bystander.email}</option>`);
    // The actor and action filters page newest first through an index each (ADR 0208).
    const indexes = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes where tablename = 'audit_log'`.execute(db);
    expect(indexes.rows.map((r) => r.indexdef.replace(/^.* USING \w+ /, ''))).toEqual(
      expect.arrayContaining(['(actor, seq)', '(action, seq)']),
    );
    expect(byActor.body).toContain('Case file read');
    expect(byActor.body).toContain(coordinator.staff!.email);
    expect(byActor.body).toContain(open.ref);
    expect(byActor.body).toContain('a restricted case');
    // The attacker's side: the admin outside the team never sees the reference, by any filter.
    expect(byActor.body).not.toContain(hidden.ref);
    // No UUID in what is shown (filter values and links carry the id; the text never).
    expect(byActor.body.replace(/(value|href)="[^"]*"/g, '')).not.toContain(coordinator.staff!.id);
    const byCase = await view(admin, `case=${hidden.ref.toLowerCase()}`);
    expect(byCase.statusCode).toBe(200);
    // (Only the reader's own typing is echoed in the filter field.)
    expect(byCase.body.replace(/value="[^"]*"/g, '')).not.toContain(hidden.ref);
    expect(byCase.body).toContain('No entry matches');
    // A member of the team sees it.
    expect((await view(coordinator, `case=${hidden.ref}`)).body).toContain(hidden.ref);
    // Hostile or malformed filters: a translated 400, nothing leaked, no stack trace.
    for (const q of ["case=C-'; drop table audit_log;--", 'from=2026-13-45', 'actor=<script>', 'before=-1']) {
      const res = await view(admin, q);
      expect(res.statusCode, q).toBe(400);
      expect(res.body).toContain('A filter is not valid');
      expect(res.body).not.toContain('<script>');
    }
    // The retention page (the known leak of session 7): holds and erasures due show "—" for it.
    await db
      .insertInto('legal_holds')
      .values({ case_id: hidden.id })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const overview = await getRetentionOverview(t.ctx, staffActor(admin.staff!));
    expect(overview.holds.length).toBeGreaterThan(0);
    expect(JSON.stringify(overview)).not.toContain(hidden.ref);
    // Readers only: an evidence officer gets 404.
    expect((await view(sessions.get('evidence_officer')!, '')).statusCode).toBe(404);
  });
});
