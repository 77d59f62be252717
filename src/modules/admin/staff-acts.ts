import { z } from 'zod';
import { type Actor, isStaffRole, requireAllowed, STAFF_ROLES } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { registerAct, requestAct, staffOnly } from '../case-access/index.ts';
import {
  canCreateStaff,
  changeStaffRoleIn,
  describeAuthPolicy,
  getAuthPolicy,
  parseAuthPolicy,
  setAuthPolicyIn,
  createStaffIn,
  findActiveStaff,
  getStaffEmailLabels,
  parseNewStaff,
  resetSecondFactorIn,
} from '../auth/index.ts';

/**
 * The staff acts that need two administrators (ADR 0138): creating an account, changing a
 * role, resetting a second factor. On the web each is only a request (`requestAct`); a second
 * administrator, never the requester nor the account concerned, approves it on the
 * administration page, and the handler registered here executes it in that transaction.
 * The CLI (`sanctuary staff create`) still creates directly: it is how an installation gets
 * its first administrators, by whoever holds the server.
 */

const staffIdField = z.string().uuid();
const roleChangeSchema = z.object({ staffId: staffIdField, role: z.enum(STAFF_ROLES) });
const resetSchema = z.object({ staffId: staffIdField });

/** Administrators decide staff acts (whoever may create staff). */
export const administratorDecides = (actor: Actor) => actor.kind === 'staff' && canCreateStaff(actor);

async function accountLabel(ctx: AppContext, db: Db, staffId: string): Promise<string> {
  return (await getStaffEmailLabels(ctx, db, [staffId])).get(staffId) ?? '?';
}

/** Files a request to create an account (email and role as typed; validated now). */
export async function requestStaffCreate(ctx: AppContext, actor: Actor, input: unknown): Promise<string> {
  requireAllowed(canCreateStaff(actor), 'staff.create');
  const staff = staffOnly(actor);
  const fields = parseNewStaff(input);
  return ctx.database.db.transaction().execute((trx) =>
    requestAct(ctx, trx, {
      kind: 'staff_create',
      requestedBy: staff.id,
      payload: { email: fields.email, role: fields.role },
    }),
  );
}

/** Files a request to give an active account another role. */
export async function requestRoleChange(ctx: AppContext, actor: Actor, input: unknown): Promise<string> {
  requireAllowed(canCreateStaff(actor), 'staff.role');
  const staff = staffOnly(actor);
  const parsed = roleChangeSchema.safeParse(input);
  if (!parsed.success && !staffIdField.safeParse((input as { staffId?: unknown })?.staffId).success) {
    throw new AppError('not_found', 'malformed staff id');
  }
  return ctx.database.db.transaction().execute(async (trx) => {
    const id = (input as { staffId: string }).staffId;
    const target = await findActiveStaff(trx, id);
    if (target === undefined) throw new AppError('not_found', 'no such active staff');
    if (!parsed.success) {
      throw new AppError('validation_failed', 'invalid role', { fields: { role: 'field.invalid' } });
    }
    if (target.role === parsed.data.role) {
      throw new AppError('validation_failed', 'same role', { fields: { role: 'field.invalid' } });
    }
    return requestAct(ctx, trx, {
      kind: 'staff_role',
      requestedBy: staff.id,
      subjectStaffId: target.id,
      payload: {
        staffId: target.id,
        account: await accountLabel(ctx, trx, target.id),
        from: target.role,
        role: parsed.data.role,
      },
    });
  });
}

/** Files a request to reset an active account's password and second factor. */
export async function requestSecondFactorReset(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
): Promise<string> {
  requireAllowed(canCreateStaff(actor), 'staff.second_factor');
  const staff = staffOnly(actor);
  const parsed = resetSchema.safeParse(input);
  if (!parsed.success) throw new AppError('not_found', 'malformed staff id');
  return ctx.database.db.transaction().execute(async (trx) => {
    const target = await findActiveStaff(trx, parsed.data.staffId);
    if (target === undefined) throw new AppError('not_found', 'no such active staff');
    return requestAct(ctx, trx, {
      kind: 'staff_second_factor',
      requestedBy: staff.id,
      subjectStaffId: target.id,
      payload: { staffId: target.id, account: await accountLabel(ctx, trx, target.id) },
    });
  });
}

registerAct('staff_create', {
  canDecide: administratorDecides,
  describe: (p) => [`email: ${p.email ?? '?'}`, `role: ${p.role ?? '?'}`],
  async execute(ctx, trx, p, by) {
    const fields = parseNewStaff({ email: p.email, role: p.role });
    const created = await createStaffIn(ctx, trx, by.requester, fields, `role ${fields.role}; ${by.reason}`);
    return { target: `staff:${created.staffId}`, notice: created.enrolmentUrl };
  },
});

registerAct('staff_role', {
  canDecide: administratorDecides,
  describe: (p) => [`account: ${p.account ?? '?'}`, `role: ${p.from ?? '?'} -> ${p.role ?? '?'}`],
  async execute(_ctx, trx, p, by) {
    if (p.staffId === undefined || !isStaffRole(p.role)) throw new AppError('conflict', 'unreadable request');
    await changeStaffRoleIn(trx, p.staffId, p.role, by.requester, by.reason);
    return { target: `staff:${p.staffId}` };
  },
});

registerAct('staff_second_factor', {
  canDecide: administratorDecides,
  describe: (p) => [
    `account: ${p.account ?? '?'}`,
    'password, TOTP and every security key or passkey: reset, new enrolment link',
  ],
  async execute(ctx, trx, p, by) {
    if (p.staffId === undefined) throw new AppError('conflict', 'unreadable request');
    const link = await resetSecondFactorIn(ctx, trx, p.staffId, by.requester, by.reason);
    return { target: `staff:${p.staffId}`, notice: link.enrolmentUrl };
  },
});

/**
 * Files a request to change the organisation's sign-in policy (ADR 0173): for which roles a
 * security key is mandatory, and whether TOTP stays a fallback. Validated now, applied when a
 * second administrator approves it.
 */
export async function requestAuthPolicy(ctx: AppContext, actor: Actor, input: unknown): Promise<string> {
  requireAllowed(canCreateStaff(actor), 'staff.auth_policy');
  const staff = staffOnly(actor);
  const policy = parseAuthPolicy(input);
  return ctx.database.db.transaction().execute(async (trx) => {
    const before = await getAuthPolicy(trx);
    return requestAct(ctx, trx, {
      kind: 'staff_auth_policy',
      requestedBy: staff.id,
      payload: {
        roles: policy.webauthnRoles.join(','),
        totpFallback: policy.totpFallback ? 'yes' : 'no',
        from: describeAuthPolicy(before),
      },
    });
  });
}

const policyOf = (p: Readonly<Record<string, string>>) =>
  parseAuthPolicy({
    roles: (p.roles ?? '').split(',').filter((r) => r !== ''),
    totpFallback: p.totpFallback,
  });

registerAct('staff_auth_policy', {
  canDecide: administratorDecides,
  describe: (p) => [`from: ${p.from ?? '?'}`, `to: ${describeAuthPolicy(policyOf(p))}`],
  async execute(_ctx, trx, p, by) {
    await setAuthPolicyIn(trx, policyOf(p), by.requester, by.reason);
    return { target: null };
  },
});
