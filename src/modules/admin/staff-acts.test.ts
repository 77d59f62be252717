import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { buildStaff, type TestStaff } from '../../../test/support/app.ts';
import { buildCase, staffActor } from '../../../test/support/factories.ts';
import { describeMatrix, type MatrixRole, routesUnder } from '../../../test/support/matrix.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { unsealWithDevKey } from '../keys/index.ts';
import { breakGlass, decideApproval, requestBreakGlassExtension } from '../case-access/index.ts';
import type { Db } from '../../db/database.ts';
import { raiseFork } from '../witness/index.ts';
import { requestKeyRotation, rotateWithApproval } from './key-rotation-act.ts';
import { requestRoleChange, requestSecondFactorReset, requestStaffCreate } from './staff-acts.ts';

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
  forkId: string;
}

const adminOnly = (role: MatrixRole, scope: Scope) => role === 'admin' && scope !== 'missing';
const decide = (role: MatrixRole, scope: Scope) => role === 'admin' && scope === 'other';
let otherAdmin: TestStaff;

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
    'POST /staff/admin/requests/role': {
      allowed: adminOnly,
      allowedStatuses: [202],
      body: (f) => ({ staffId: f.staffId, role: 'lawyer' }),
    },
    'POST /staff/admin/requests/second-factor': {
      allowed: adminOnly,
      allowedStatuses: [202],
      body: (f) => ({ staffId: f.staffId }),
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
    'POST /staff/admin/requests/:id/approve': { allowed: decide, allowedStatuses: [200], fresh: true },
    'POST /staff/admin/requests/:id/reject': { allowed: decide, allowedStatuses: [200], fresh: true },
  },
  scopes: ['other', 'own', 'about-self', 'missing'],
  roles: [...STAFF_ROLES, 'anonymous'],
  async setup(t) {
    otherAdmin = await buildStaff(t.ctx, 'admin');
  },
  async fixture({ t, scope, session }) {
    const self = session.staff;
    if (scope === 'missing') return { requestId: randomUUID(), staffId: randomUUID(), forkId: randomUUID() };
    const requester = scope === 'own' && self !== null ? self : otherAdmin;
    const staffId = scope === 'about-self' && self !== null ? self.id : otherAdmin.id;
    const requestId =
      scope === 'about-self'
        ? await requestSecondFactorReset(t.ctx, staffActor(otherAdmin), { staffId })
        : await requestStaffCreate(t.ctx, staffActor({ id: requester.id, role: 'admin' }), {
            email: `new.${randomUUID().slice(0, 8)}@example.org`,
            role: 'caseworker',
          });
    return { requestId, staffId, forkId: await buildFork(t.ctx.database.db) };
  },
  url: (path, f) => path.replace(':id', path.includes('/forks/') ? f.forkId : f.requestId),
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

  it('a second-factor reset puts the account back to enrolment only after approval', async () => {
    const { t, sessions } = matrix.current;
    const admin = sessions.get('admin')!.staff!;
    const target = sessions.get('analyst')!.staff!;
    const db = t.ctx.database.db;
    const statusOf = async () =>
      (await db.selectFrom('staff').select('status').where('id', '=', target.id).executeTakeFirstOrThrow())
        .status;
    const id = await requestSecondFactorReset(t.ctx, staffActor(admin), { staffId: target.id });
    expect(await statusOf()).toBe('active');
    const outcome = await decideApproval(t.ctx, staffActor(otherAdmin), id, 'approve');
    expect(outcome.notice).toMatch(/\/staff\/enrol\/[A-Za-z0-9_-]{43}$/);
    expect(await statusOf()).toBe('pending');
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
