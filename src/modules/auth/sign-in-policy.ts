import { z } from 'zod';
import { isStaffRole, STAFF_ROLES } from '../../access/index.ts';
import type { Db } from '../../db/database.ts';
import type { StaffRoleName } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { countCredentialsOf, findAuthPolicy, upsertAuthPolicy } from './webauthn.repository.ts';

/**
 * The organisation's sign-in policy (ADR 0173): for which roles a security key or passkey is
 * mandatory, and whether TOTP still signs those roles in as a fallback. Until an organisation
 * sets it: no role must have a key, and TOTP works for everyone (as before WebAuthn).
 */
export interface AuthPolicy {
  webauthnRoles: readonly StaffRoleName[];
  totpFallback: boolean;
}

export const DEFAULT_AUTH_POLICY: AuthPolicy = { webauthnRoles: [], totpFallback: true };

export async function getAuthPolicy(db: Db): Promise<AuthPolicy> {
  const row = await findAuthPolicy(db);
  if (row === undefined) return DEFAULT_AUTH_POLICY;
  return {
    webauthnRoles: row.webauthn_roles.split(',').filter(isStaffRole),
    totpFallback: row.totp_fallback,
  };
}

const policySchema = z.object({
  // A form sends one value per checked box: absent, one string, or several.
  roles: z
    .union([z.enum(STAFF_ROLES), z.array(z.enum(STAFF_ROLES)).max(STAFF_ROLES.length)], {
      error: 'field.invalid',
    })
    .optional(),
  totpFallback: z.enum(['yes', 'no'], { error: 'field.invalid' }),
});

/** The policy a form asks for, or a translated validation error. */
export function parseAuthPolicy(input: unknown): AuthPolicy {
  const parsed = policySchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'invalid sign-in policy', {
      fields: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message])),
    });
  }
  const roles = parsed.data.roles === undefined ? [] : [parsed.data.roles].flat();
  return {
    webauthnRoles: STAFF_ROLES.filter((r) => roles.includes(r)),
    totpFallback: parsed.data.totpFallback === 'yes',
  };
}

/** One line for the approver and the audit log: exactly what the policy says. */
export function describeAuthPolicy(policy: AuthPolicy): string {
  const roles = policy.webauthnRoles.length === 0 ? 'none' : policy.webauthnRoles.join(', ');
  return `security key mandatory for: ${roles}; TOTP fallback: ${policy.totpFallback ? 'yes' : 'no'}`;
}

/** Sets the policy in the caller's transaction (an approved two-person act, or the CLI). */
export async function setAuthPolicyIn(
  trx: Db,
  policy: AuthPolicy,
  actor: string,
  reason: string,
): Promise<void> {
  const before = await getAuthPolicy(trx);
  await upsertAuthPolicy(trx, {
    webauthn_roles: policy.webauthnRoles.join(','),
    totp_fallback: policy.totpFallback,
  });
  await recordAudit(trx, {
    actor,
    action: 'staff.auth_policy',
    target: null,
    reason: `${describeAuthPolicy(before)} -> ${describeAuthPolicy(policy)}; ${reason}`,
  });
}

/**
 * What a password-and-TOTP sign-in gives an account under the policy: a full session; a session
 * that reaches only the key page (a key is mandatory for the role and none is enrolled yet); or
 * nothing (a key is mandatory, one is enrolled, and TOTP is not a fallback).
 */
export async function totpSignInOutcome(
  db: Db,
  staffId: string,
  role: StaffRoleName,
): Promise<'session' | 'key_enrolment_only' | 'key_required'> {
  const policy = await getAuthPolicy(db);
  if (!policy.webauthnRoles.includes(role)) return 'session';
  if ((await countCredentialsOf(db, staffId)) === 0) return 'key_enrolment_only';
  return policy.totpFallback ? 'session' : 'key_required';
}

/** Whether an account's last key may go: not while a key is mandatory for its role. */
export async function keyMandatoryFor(db: Db, role: StaffRoleName): Promise<boolean> {
  return (await getAuthPolicy(db)).webauthnRoles.includes(role);
}
