import { z } from 'zod';
import {
  type Actor,
  isStaffRole,
  ROLE_PERMISSIONS,
  requireAllowed,
  STAFF_ROLES,
} from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import type { StaffRoleName, StaffStatus } from '../../db/types.ts';
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
  findAdministeredAccount,
  getStaffEmailLabels,
  parseNewStaff,
  reenableStaffIn,
  resetPasswordIn,
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

/**
 * A role change that only takes permissions away (the new role's permissions are a subset of
 * the old one's) needs no second person: it is applied at once, audited. Any other change
 * (a more privileged role, or a sideways one that grants something new) is a request.
 */
export function widensPermissions(from: StaffRoleName, to: StaffRoleName): boolean {
  return ROLE_PERMISSIONS[to].some((p) => !ROLE_PERMISSIONS[from].includes(p));
}

/**
 * Gives an active account (never one's own) another role: at once when the new role has no
 * permission the old one lacked, else as a request a second administrator approves. Returns
 * the request's id, or null when the change was applied.
 */
export async function requestRoleChange(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
): Promise<string | null> {
  requireAllowed(canCreateStaff(actor), 'staff.role');
  const staff = staffOnly(actor);
  const parsed = roleChangeSchema.safeParse(input);
  return ctx.database.db.transaction().execute(async (trx) => {
    const target = await findAdministeredAccount(
      trx,
      actor,
      (input as { staffId?: unknown })?.staffId,
      'active',
    );
    if (!parsed.success) {
      throw new AppError('validation_failed', 'invalid role', { fields: { role: 'field.invalid' } });
    }
    const role = parsed.data.role;
    if (target.role === role) {
      throw new AppError('validation_failed', 'same role', { fields: { role: 'field.invalid' } });
    }
    if (!widensPermissions(target.role, role)) {
      await changeStaffRoleIn(
        trx,
        target.id,
        role,
        staff.id,
        'fewer permissions: no second administrator needed',
      );
      return null;
    }
    return requestAct(ctx, trx, {
      kind: 'staff_role',
      requestedBy: staff.id,
      subjectStaffId: target.id,
      payload: {
        staffId: target.id,
        account: await accountLabel(ctx, trx, target.id),
        from: target.role,
        role,
      },
    });
  });
}

/**
 * Files a two-person act about one account (never the requester's own) that must be in
 * `status` now: the payload names the account as the approver will see it.
 */
function requestAboutAccount(
  kind: 'staff_second_factor' | 'staff_password' | 'staff_reenable',
  status: StaffStatus,
) {
  return async (ctx: AppContext, actor: Actor, input: unknown): Promise<string> => {
    requireAllowed(canCreateStaff(actor), `staff act ${kind}`);
    const staff = staffOnly(actor);
    return ctx.database.db.transaction().execute(async (trx) => {
      const target = await findAdministeredAccount(
        trx,
        actor,
        (input as { staffId?: unknown })?.staffId,
        status,
      );
      return requestAct(ctx, trx, {
        kind,
        requestedBy: staff.id,
        subjectStaffId: target.id,
        payload: { staffId: target.id, account: await accountLabel(ctx, trx, target.id) },
      });
    });
  };
}

/** Files a request to reset an active account's password and second factor. */
export const requestSecondFactorReset = requestAboutAccount('staff_second_factor', 'active');
/** Files a request to reset an active account's password only (ADR 0190). */
export const requestPasswordReset = requestAboutAccount('staff_password', 'active');
/** Files a request to re-enable a disabled account (ADR 0190). */
export const requestReenable = requestAboutAccount('staff_reenable', 'disabled');

registerAct('staff_password', {
  canDecide: administratorDecides,
  describe: (p) => [
    `account: ${p.account ?? '?'}`,
    'password: forgotten now, sessions ended; a single-use link where the person sets a new one with their current TOTP code',
  ],
  async execute(ctx, trx, p, by) {
    if (p.staffId === undefined) throw new AppError('conflict', 'unreadable request');
    const link = await resetPasswordIn(ctx, trx, p.staffId, by.requester, by.reason);
    return { target: `staff:${p.staffId}`, notice: link.resetUrl };
  },
});

registerAct('staff_reenable', {
  canDecide: administratorDecides,
  describe: (p) => [
    `account: ${p.account ?? '?'}`,
    'status: disabled -> active with its password and second factor as they were (pending if it never enrolled)',
  ],
  async execute(_ctx, trx, p, by) {
    if (p.staffId === undefined) throw new AppError('conflict', 'unreadable request');
    await reenableStaffIn(trx, p.staffId, by.requester, by.reason);
    return { target: `staff:${p.staffId}` };
  },
});

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
