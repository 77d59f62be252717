import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel, requireAllowed, type StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import {
  BusyError,
  blindIndex,
  checkTotp,
  decoyPasswordHash,
  decryptFieldText,
  encryptField,
  hashPassword,
  newTotpSecret,
  randomToken,
  sha256,
  totpUri,
  verifyPassword,
} from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { StaffRoleName, StaffRow, StaffStatus } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { admitShared } from '../../platform/rate-limit.ts';
import { countAuditActionsByTarget, recordAudit } from '../audit/index.ts';
import type { Vault } from '../keys/index.ts';
import { createSubjectKey, openSubjectKey } from '../keys/index.ts';
import {
  canAdministerStaff,
  canCreateStaff,
  canDisableStaff,
  canListStaff,
  canReadAudit,
} from './auth.policy.ts';
import {
  activateStaff,
  claimTotpStep,
  clearStaffPassword,
  consumeEnrolment,
  consumeLink,
  deleteSession,
  deleteSessionsOfStaff,
  disableStaffRow,
  expireUnusedLinksOf,
  findAccountAge,
  findPasswordReset,
  findEnrolment,
  findSession,
  findStaffByEmailIndex,
  findStaffById,
  findStaffEmailsByIds,
  insertEnrolment,
  insertPasswordReset,
  insertSession,
  insertStaff,
  listStaffRows,
  reenableStaffRow,
  replaceEnrolmentSecret,
  resetStaffToEnrolment,
  setStaffPassword,
  setStaffRole,
  touchSession,
} from './staff.repository.ts';
import {
  createStaffSchema,
  enrolSchema,
  normaliseEmail,
  signInSchema,
  staffIdSchema,
  tokenSchema,
} from './staff.schemas.ts';
import { totpSignInOutcome } from './sign-in-policy.ts';
import { deleteCredentialsOf } from './webauthn.repository.ts';
import { setOwnDuressPassword } from './duress.tsx';

const subjectOf = (staffId: string) => `staff:${staffId}`;
const emailBinding = (id: string) => ({ table: 'staff', column: 'email', rowId: id });
const totpBinding = (id: string) => ({ table: 'staff', column: 'totp_secret', rowId: id });
const enrolTotpBinding = (id: string) => ({ table: 'staff_enrolments', column: 'totp_secret', rowId: id });

export async function decryptEmail(
  ctx: AppContext,
  db: Db,
  row: Pick<StaffRow, 'id' | 'email_enc'>,
): Promise<string> {
  const key = await openSubjectKey(db, ctx.vault, subjectOf(row.id));
  try {
    return decryptFieldText(key, toBuffer(row.email_enc), emailBinding(row.id));
  } finally {
    key.dispose();
  }
}

/** Finds the staff row for an email through its blind index, decrypting only the few candidates. */
export async function findStaffByEmail(
  ctx: AppContext,
  db: Db,
  email: string,
): Promise<StaffRow | undefined> {
  const keyring = ctx.vault.requireKeyring();
  const normalised = normaliseEmail(email);
  for (const row of await findStaffByEmailIndex(db, blindIndex(keyring, 'staff_email', normalised))) {
    if ((await decryptEmail(ctx, db, row)) === normalised) return row;
  }
  return undefined;
}

export interface CreatedStaff {
  staffId: string;
  enrolmentUrl: string;
  expiresAt: Date;
}

/** The fields of a new account, or a translated validation error. */
export function parseNewStaff(input: unknown): { email: string; role: StaffRoleName } {
  const parsed = createStaffSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'invalid staff', {
      fields: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])),
    });
  }
  return parsed.data;
}

/**
 * Creates a pending account and its one-time enrolment link (where password and TOTP are set).
 * Directly only for the CLI (the operator on the server, and how an installation gets its first
 * administrators, ADR 0138); on the web it is a two-person act that runs `createStaffIn`.
 */
export async function createStaff(ctx: AppContext, actor: Actor, input: unknown): Promise<CreatedStaff> {
  requireAllowed(canCreateStaff(actor), 'staff.create');
  const fields = parseNewStaff(input);
  return ctx.database.db
    .transaction()
    .execute((trx) => createStaffIn(ctx, trx, actorLabel(actor), fields, `role ${fields.role}`));
}

/** Creates the account in the caller's transaction (an approved request, or the CLI). */
export async function createStaffIn(
  ctx: AppContext,
  trx: Db,
  actor: string,
  fields: { email: string; role: StaffRoleName },
  reason: string,
): Promise<CreatedStaff> {
  const { email, role } = fields;
  const keyring = ctx.vault.requireKeyring();
  const id = randomUUID();
  if ((await findStaffByEmail(ctx, trx, email)) !== undefined) {
    throw new AppError('conflict', 'a staff account with this email exists', {
      fields: { email: 'error.conflict' },
    });
  }
  const key = await createSubjectKey(trx, ctx.vault, subjectOf(id));
  try {
    await insertStaff(trx, {
      id,
      role,
      email_bidx: blindIndex(keyring, 'staff_email', email),
      email_enc: encryptField(key, email, emailBinding(id)),
    });
  } finally {
    key.dispose();
  }
  const link = await issueEnrolment(ctx, trx, id);
  await recordAudit(trx, { actor, action: 'staff.create', target: `staff:${id}`, reason });
  return { staffId: id, ...link };
}

async function issueEnrolment(
  ctx: AppContext,
  trx: Db,
  staffId: string,
): Promise<{ enrolmentUrl: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(Date.now() + ctx.config.enrolmentHours * 3600_000);
  const key = await openSubjectKey(trx, ctx.vault, subjectOf(staffId));
  try {
    await insertEnrolment(trx, {
      token_hash: sha256(token),
      staff_id: staffId,
      totp_secret_enc: encryptField(key, newTotpSecret(), enrolTotpBinding(staffId)),
      expires_at: expiresAt,
    });
  } finally {
    key.dispose();
  }
  return { enrolmentUrl: `${ctx.config.publicUrl}/staff/enrol/${token}`, expiresAt };
}

/** Gives an account another role and ends its sessions (an approved request, ADR 0138). */
export async function changeStaffRoleIn(
  trx: Db,
  staffId: string,
  role: StaffRoleName,
  actor: string,
  reason: string,
): Promise<void> {
  const before = await findStaffById(trx, staffId);
  if (before === undefined || (await setStaffRole(trx, staffId, role)) !== 1) {
    throw new AppError('conflict', 'account gone or disabled');
  }
  await deleteSessionsOfStaff(trx, staffId);
  await recordAudit(trx, {
    actor,
    action: 'staff.role',
    target: `staff:${staffId}`,
    reason: `${before.role} -> ${role}; ${reason}`,
  });
}

/**
 * Resets an account's password and second factor (an approved request, ADR 0138): it goes
 * back to enrolment, its TOTP secret and every security key or passkey are forgotten (ADR
 * 0173: this is the recovery of lost keys), its sessions end, and a new one-time link is issued.
 */
export async function resetSecondFactorIn(
  ctx: AppContext,
  trx: Db,
  staffId: string,
  actor: string,
  reason: string,
): Promise<{ enrolmentUrl: string; expiresAt: Date }> {
  if ((await resetStaffToEnrolment(trx, staffId)) !== 1) {
    throw new AppError('conflict', 'account not active');
  }
  await deleteSessionsOfStaff(trx, staffId);
  const keys = await deleteCredentialsOf(trx, staffId);
  const link = await issueEnrolment(ctx, trx, staffId);
  await recordAudit(trx, {
    actor,
    action: 'staff.second_factor_reset',
    target: `staff:${staffId}`,
    reason: `${keys} security keys removed; ${reason}`,
  });
  return link;
}

/**
 * Whether an account is old enough to approve a two-person act (ADR 0138): created at least
 * `approverMinAgeDays` ago, unless the installation itself is younger than that (its first
 * administrators, created through the CLI, approve each other while it is set up).
 */
export async function isSeasonedApprover(ctx: AppContext, db: Db, staffId: string): Promise<boolean> {
  const days = ctx.config.approvals.approverMinAgeDays;
  if (days === 0) return true;
  const row = await findAccountAge(db, staffId);
  if (row === undefined) return false;
  const cutoff = Date.now() - days * 86_400_000;
  const installed = row.installed_at === null ? Date.now() : new Date(row.installed_at).getTime();
  return installed > cutoff || row.created_at.getTime() <= cutoff;
}

export interface EnrolmentView {
  staffId: string;
  email: string;
  totpSecret: string;
  totpUri: string;
}

async function loadValidEnrolment(ctx: AppContext, token: string) {
  const enrolment = await findEnrolment(ctx.database.db, sha256(token));
  if (enrolment === undefined || enrolment.used_at !== null || enrolment.expires_at.getTime() <= Date.now()) {
    throw new AppError('enrolment_invalid', 'enrolment link unknown, used or expired');
  }
  const staff = await findStaffById(ctx.database.db, enrolment.staff_id);
  if (staff === undefined || staff.status !== 'pending')
    throw new AppError('enrolment_invalid', 'account not pending');
  return { enrolment, staff };
}

/** 410-style refusal (enrolment_invalid) for a link that is unknown, used or expired; nothing else. */
export async function checkEnrolment(ctx: AppContext, token: string): Promise<void> {
  await loadValidEnrolment(ctx, token);
}

/**
 * Opens an enrolment link, by POST only (issue 12, finding 12): draws a new TOTP secret,
 * stores it encrypted in place of the previous one, and returns what the set-up page shows.
 * A GET of the link (a chat app's link preview, a proxy, the administrator who created it)
 * shows no secret; and whoever opened the link before the staff member holds a secret that
 * no longer works, because each opening replaces it. Counted with enrolment posts.
 */
export async function startEnrolment(ctx: AppContext, token: string): Promise<EnrolmentView> {
  if ((await admitShared([[ctx.limits.enrolGlobal, 'enrol']])) !== undefined) {
    throw new AppError('rate_limited', 'enrolment rate', { retryAfter: ctx.limits.enrolGlobal.retryAfter() });
  }
  ctx.vault.requireKeyring();
  const { staff } = await loadValidEnrolment(ctx, token);
  await ctx.database.db.transaction().execute(async (trx) => {
    const key = await openSubjectKey(trx, ctx.vault, subjectOf(staff.id));
    try {
      const sealed = encryptField(key, newTotpSecret(), enrolTotpBinding(staff.id));
      if (!(await replaceEnrolmentSecret(trx, sha256(token), sealed))) {
        throw new AppError('enrolment_invalid', 'enrolment consumed concurrently');
      }
    } finally {
      key.dispose();
    }
    await recordAudit(trx, {
      actor: staff.id,
      action: 'staff.enrolment_opened',
      target: `staff:${staff.id}`,
    });
  });
  return getEnrolment(ctx, token);
}

/** What the enrolment page shows: the account's email and the TOTP secret to add. */
export async function getEnrolment(ctx: AppContext, token: string): Promise<EnrolmentView> {
  ctx.vault.requireKeyring();
  const { enrolment, staff } = await loadValidEnrolment(ctx, token);
  const key = await openSubjectKey(ctx.database.db, ctx.vault, subjectOf(staff.id));
  try {
    const email = decryptFieldText(key, toBuffer(staff.email_enc), emailBinding(staff.id));
    const secret = decryptFieldText(key, toBuffer(enrolment.totp_secret_enc), enrolTotpBinding(staff.id));
    return { staffId: staff.id, email, totpSecret: secret, totpUri: totpUri(secret, email) };
  } finally {
    key.dispose();
  }
}

function fieldErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Record<string, string> {
  return Object.fromEntries(issues.map((i) => [String(i.path[0] ?? 'form'), i.message]));
}

/**
 * Sets the password and TOTP; the link is consumed in the same transaction. `source` is the
 * web caller's rate-limit key (an address or Tor circuit; none for the process itself, e.g.
 * `sanctuary demo`): its own allowance is checked first, so one client posting junk cannot
 * hold up everybody's enrolment.
 */
export async function completeEnrolment(
  ctx: AppContext,
  token: string,
  input: unknown,
  source?: string,
): Promise<void> {
  const parsed = await admitPasswordForm(ctx, input, source);
  const view = await getEnrolment(ctx, token);
  const step = checkTotp(view.totpSecret, parsed.totp);
  if (step === null)
    throw new AppError('validation_failed', 'wrong totp at enrolment', { fields: { totp: 'field.totp' } });
  const passwordHash = await hashPasswordOrBusy(parsed.password);
  await ctx.database.db.transaction().execute(async (trx) => {
    if (!(await consumeEnrolment(trx, sha256(token), new Date()))) {
      throw new AppError('enrolment_invalid', 'enrolment consumed concurrently');
    }
    const key = await openSubjectKey(trx, ctx.vault, subjectOf(view.staffId));
    try {
      const updated = await activateStaff(trx, view.staffId, {
        password_hash: passwordHash,
        totp_secret_enc: encryptField(key, view.totpSecret, totpBinding(view.staffId)),
        // The code used to enrol cannot be used again to sign in.
        totp_last_step: step,
      });
      if (updated !== 1) throw new AppError('enrolment_invalid', 'account no longer pending');
    } finally {
      key.dispose();
    }
    await recordAudit(trx, {
      actor: view.staffId,
      action: 'staff.enrolled',
      target: `staff:${view.staffId}`,
    });
  });
}

/**
 * The shared front of the enrolment and password-reset forms: the caller's own allowance, then
 * the server's (so one client posting junk cannot hold up everybody), then the fields.
 */
async function admitPasswordForm(ctx: AppContext, input: unknown, source: string | undefined) {
  const refusedBy = await admitShared(
    source === undefined
      ? [[ctx.limits.enrolGlobal, 'enrol']]
      : [
          [ctx.limits.enrolSource, source],
          [ctx.limits.enrolGlobal, 'enrol'],
        ],
  );
  if (refusedBy !== undefined) {
    throw new AppError('rate_limited', 'enrolment rate', { retryAfter: refusedBy.retryAfter() });
  }
  const parsed = enrolSchema.safeParse(input);
  if (!parsed.success)
    throw new AppError('validation_failed', 'invalid password form', {
      fields: fieldErrors(parsed.error.issues),
    });
  return parsed.data;
}

async function hashPasswordOrBusy(password: string): Promise<string> {
  try {
    return await hashPassword(password);
  } catch (error) {
    if (error instanceof BusyError) throw new AppError('overloaded', 'argon2 queue full', { retryAfter: 10 });
    throw error;
  }
}

async function verifyPasswordOrBusy(hash: string, password: string): Promise<boolean> {
  try {
    return await verifyPassword(hash, password);
  } catch (error) {
    if (error instanceof BusyError) throw new AppError('overloaded', 'argon2 queue full', { retryAfter: 10 });
    throw error;
  }
}

export interface SignedIn {
  staffId: string;
  /** The session token for the cookie; only its hash is stored. */
  token: string;
  /** Set when the duress password was used (ADR 0176): the token is for the empty workspace. */
  duress?: { role: StaffRoleName; email: string };
}

/**
 * Password and TOTP sign-in. Every failure gives the same answer, whether or not the
 * account exists, and unknown accounts still cost one Argon2 verification.
 *
 * `source` is the caller's rate-limit key (platform/client-key.ts: an address or a Tor circuit,
 * HMACed in memory, never stored). The order of the checks is what keeps one attacker from
 * locking others out (ADRs 0088, 0090): the delay this source has earned for this account, then the
 * source's own allowance, then the allowance of the whole server, which counts only attempts
 * that were admitted. A wrong guess slows down whoever made it, never the account's owner
 * signing in from elsewhere; failures go to the audit log, and many of them for one account
 * show as an alert on the administration page.
 */
export async function signIn(ctx: AppContext, input: unknown, source: string): Promise<SignedIn> {
  const parsed = signInSchema.safeParse(input);
  if (!parsed.success) throw new AppError('invalid_credentials', 'malformed sign-in');
  const { password, totp } = parsed.data;
  const email = normaliseEmail(parsed.data.email);
  const attempt = `${email}\n${source}`;
  const waitMs = ctx.limits.signInBackOff.waitMs(attempt);
  if (waitMs > 0) {
    throw new AppError('rate_limited', 'sign-in delay after failures', {
      retryAfter: Math.ceil(waitMs / 1000),
    });
  }
  const refusedBy = await admitShared([
    [ctx.limits.signInSource, source],
    [ctx.limits.signInGlobal, 'all'],
  ]);
  if (refusedBy !== undefined) {
    throw new AppError('rate_limited', 'sign-in rate', { retryAfter: refusedBy.retryAfter() });
  }
  const db = ctx.database.db;
  const staff = await findStaffByEmail(ctx, db, email);
  const fail = async (why: string): Promise<never> => {
    ctx.limits.signInBackOff.fail(attempt);
    await recordAudit(db, {
      actor: 'anonymous',
      action: 'auth.sign_in_failed',
      target: staff === undefined ? null : `staff:${staff.id}`,
      reason: why,
    });
    throw new AppError('invalid_credentials', `sign-in failed: ${why}`);
  };
  if (
    staff === undefined ||
    staff.status !== 'active' ||
    staff.password_hash === null ||
    staff.totp_secret_enc === null
  ) {
    await verifyPasswordOrBusy(await decoyPasswordHash(), password);
    return fail(staff === undefined ? 'unknown account' : `account ${staff.status}`);
  }
  const real = await verifyPasswordOrBusy(staff.password_hash, password);
  // With a duress password set, both are always checked (ADR 0176): a duress sign-in costs
  // what a wrong one does; it never skips the second factor.
  const duress = staff.duress_hash === null ? false : await verifyPasswordOrBusy(staff.duress_hash, password);
  if (!real && !duress) return fail('wrong password');
  const key = await openSubjectKey(db, ctx.vault, subjectOf(staff.id));
  let secret: string;
  try {
    secret = decryptFieldText(key, toBuffer(staff.totp_secret_enc), totpBinding(staff.id));
  } finally {
    key.dispose();
  }
  const step = checkTotp(secret, totp);
  if (step === null) return fail('wrong totp');
  // The organisation's policy (ADR 0173): a role whose key is mandatory signs in with it, unless
  // TOTP is allowed as a fallback; without a key yet, the session reaches only the key page.
  const outcome = await totpSignInOutcome(db, staff.id, staff.role);
  if (outcome === 'key_required') return fail('totp refused: security key required');
  const token = randomToken();
  const now = Date.now();
  await db
    .transaction()
    .execute(async (trx) => {
      if (!(await claimTotpStep(trx, staff.id, step)))
        throw new AppError('invalid_credentials', 'replayed totp');
      // A duress sign-in gets no session in the database (it could never become a real one).
      if (!duress || real) {
        await insertSession(trx, {
          token_hash: sha256(token),
          staff_id: staff.id,
          expires_at: new Date(now + ctx.config.session.maxHours * 3600_000),
          key_enrolment_only: outcome === 'key_enrolment_only',
        });
      }
      await recordAudit(trx, {
        actor: staff.id,
        action: 'auth.sign_in',
        target: `staff:${staff.id}`,
        reason: outcome === 'key_enrolment_only' ? 'totp; must enrol a security key' : 'totp',
      });
      if (duress && !real) {
        await recordAudit(trx, { actor: staff.id, action: 'auth.duress', target: `staff:${staff.id}` });
      }
    })
    .catch(async (error: unknown) => {
      if (error instanceof AppError && error.code === 'invalid_credentials') await fail('replayed totp');
      throw error;
    });
  ctx.limits.signInBackOff.clear(attempt);
  if (duress && !real) return { staffId: staff.id, token, duress: { role: staff.role, email } };
  return { staffId: staff.id, token };
}

/** Sets or removes the signed-in person's own duress password (ADR 0176), through the Argon2 path. */
export function setDuressPassword(ctx: AppContext, actor: Actor, input: unknown) {
  return setOwnDuressPassword(ctx, actor, input, { verify: verifyPasswordOrBusy, hash: hashPasswordOrBusy });
}

/**
 * The staff member behind a session token, or null. Sessions end after the idle timeout,
 * at their absolute lifetime, and as soon as the account is not active.
 */
export async function authenticateSession(
  ctx: AppContext,
  token: string,
): Promise<(StaffActor & { keyEnrolmentOnly: boolean }) | null> {
  const hash = sha256(token);
  const db = ctx.database.db;
  const session = await findSession(db, hash);
  if (session === undefined) return null;
  const now = Date.now();
  const idleMs = ctx.config.session.idleMinutes * 60_000;
  if (
    session.status !== 'active' ||
    session.expires_at.getTime() <= now ||
    now - session.last_seen_at.getTime() > idleMs
  ) {
    await deleteSession(db, hash);
    return null;
  }
  // Touch at most once a minute: the idle clock needs no finer grain and each touch is a write.
  if (now - session.last_seen_at.getTime() > 60_000) await touchSession(db, hash, new Date(now));
  return {
    kind: 'staff',
    id: session.staff_id,
    role: session.role,
    sessionHash: hash,
    keyEnrolmentOnly: session.key_enrolment_only,
  };
}

export async function signOut(ctx: AppContext, actor: StaffActor): Promise<void> {
  await ctx.database.db.transaction().execute(async (trx) => {
    await deleteSession(trx, actor.sessionHash);
    await recordAudit(trx, { actor: actor.id, action: 'auth.sign_out', target: `staff:${actor.id}` });
  });
}

/** Disables an account and ends all its sessions in one transaction. */
export async function disableStaff(ctx: AppContext, actor: Actor, staffId: string): Promise<void> {
  requireAllowed(canDisableStaff(actor, staffId), 'staff.disable');
  await ctx.database.db.transaction().execute(async (trx) => {
    const target = await findStaffById(trx, staffId);
    if (target === undefined) throw new AppError('not_found', 'no such staff');
    await disableStaffRow(trx, staffId);
    const ended = await deleteSessionsOfStaff(trx, staffId);
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'staff.disable',
      target: `staff:${staffId}`,
      reason: `${ended} sessions ended`,
    });
  });
}

export interface StaffSummary {
  id: string;
  email: string;
  role: StaffRoleName;
  status: StaffStatus;
  createdAt: Date;
}

/** The staff list for administrators; emails are decrypted for display only. */
export async function listStaff(ctx: AppContext, actor: Actor): Promise<StaffSummary[]> {
  requireAllowed(canListStaff(actor), 'staff.list');
  const db = ctx.database.db;
  const rows = await listStaffRows(db);
  const out: StaffSummary[] = [];
  for (const row of rows) {
    out.push({
      id: row.id,
      email: await decryptEmail(ctx, db, row),
      role: row.role,
      status: row.status,
      createdAt: row.created_at,
    });
  }
  await recordAudit(db, { actor: actorLabel(actor), action: 'staff.list', target: null });
  return out;
}

/**
 * Every account (former ones too) by its e-mail, for the audit-log viewer's actor filter
 * (ADR 0208): for those who may read the audit log, which names the same colleagues by the same
 * e-mails on every row. No entry of its own: it is not a read of the staff list (no roles, no
 * statuses), and the viewer's own `audit.read` entry records the visit.
 */
export async function listStaffEmailChoices(
  ctx: AppContext,
  actor: Actor,
): Promise<Array<{ id: string; email: string }>> {
  requireAllowed(canReadAudit(actor), 'audit.read');
  const db = ctx.database.db;
  const ids = (await listStaffRows(db)).map((r) => r.id);
  const labels = await getStaffEmailLabels(ctx, db, ids);
  return ids
    .map((id) => ({ id, email: labels.get(id) ?? '?' }))
    .sort((a, b) => a.email.localeCompare(b.email));
}

/** Failed sign-ins for one account within a day from which administrators are alerted. */
export const SIGN_IN_ALERT_FAILURES = 10;

export interface SignInAlert {
  staffId: string;
  email: string;
  /** Failed sign-ins for the account in the last 24 hours, from every source. */
  failures: number;
  /** Of those, how many had the right password and a wrong or replayed code: the password is known. */
  rightPassword: number;
}

/**
 * Accounts with many failed sign-ins in the last 24 hours, computed from the audit log (which
 * records every admitted failure with the account as its target): the alert that replaces
 * locking the account (ADR 0090). Shown to those who may list staff.
 */
export async function listSignInAlerts(
  ctx: AppContext,
  actor: Actor,
  now = Date.now(),
): Promise<SignInAlert[]> {
  requireAllowed(canListStaff(actor), 'staff.list');
  const db = ctx.database.db;
  const counts = new Map<string, { failures: number; rightPassword: number }>();
  for (const row of await countAuditActionsByTarget(db, 'auth.sign_in_failed', new Date(now - 86_400_000))) {
    const id = /^staff:([0-9a-f-]{36})$/.exec(row.target)?.[1];
    if (id === undefined) continue;
    const c = counts.get(id) ?? { failures: 0, rightPassword: 0 };
    c.failures += row.n;
    if (row.reason?.includes('totp') === true) c.rightPassword += row.n;
    counts.set(id, c);
  }
  const flagged = [...counts].filter(([, c]) => c.failures >= SIGN_IN_ALERT_FAILURES);
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    flagged.map(([id]) => id),
  );
  return flagged
    .map(([id, c]) => ({ staffId: id, email: labels.get(id) ?? '?', ...c }))
    .sort((a, b) => b.failures - a.failures);
}

/** The signed-in member's own email, for the page header. */
export async function getOwnEmail(ctx: AppContext, actor: StaffActor): Promise<string> {
  const row = await findStaffById(ctx.database.db, actor.id);
  if (row === undefined) throw new AppError('unauthenticated', 'staff vanished');
  return decryptEmail(ctx, ctx.database.db, row);
}

const LABEL_TTL_MS = 5 * 60_000;
/** One label cache per seal state holder, dropped whenever that server seals or unseals. */
const labelCaches = new WeakMap<Vault, Map<string, { label: string; until: number }>>();

function labelCacheFor(vault: Vault): Map<string, { label: string; until: number }> {
  let cache = labelCaches.get(vault);
  if (cache === undefined) {
    const created = new Map<string, { label: string; until: number }>();
    vault.onChange(() => created.clear());
    labelCaches.set(vault, created);
    cache = created;
  }
  return cache;
}

/**
 * Colleagues' emails, for labels on workspace pages (assignee, author, reviewer). Kept in
 * memory for five minutes so that a queue page does not unwrap the same key fifty times; the
 * cache holds staff emails only, never applicant data, and is dropped when the server seals.
 */
export async function getStaffEmailLabels(
  ctx: AppContext,
  db: Db,
  ids: Iterable<string | null>,
): Promise<Map<string, string>> {
  const cache = labelCacheFor(ctx.vault);
  const now = Date.now();
  const out = new Map<string, string>();
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    if (id === null) continue;
    const hit = cache.get(id);
    if (hit !== undefined && hit.until > now) out.set(id, hit.label);
    else missing.push(id);
  }
  for (const row of await findStaffEmailsByIds(db, missing)) {
    const label = await decryptEmail(ctx, db, row);
    cache.set(row.id, { label, until: now + LABEL_TTL_MS });
    out.set(row.id, label);
  }
  return out;
}

/**
 * Staff reads other modules need (the workspace's assignment lists, teams and assignee
 * checks): through this module, which owns the table. Each takes the caller's transaction.
 */
export { findActiveStaff, listActiveStaffIds, listAssignableStaff } from './staff.repository.ts';

// ---------------------------------------------------------------------------------------------
// Staff administration (issue 21 item 4, ADR 0190): re-issue an enrolment link, re-enable an
// account, reset a password through a single-use link. The dangerous ones run only as an
// approved two-person act (the admin module files and registers them); each is audited.

/** The account an administrator acts on: a well-formed id, someone else's, existing; else 404. */
async function administeredAccount(trx: Db, actor: Actor, input: unknown): Promise<StaffRow> {
  const id = staffIdSchema.safeParse(input);
  if (!id.success) throw new AppError('not_found', 'malformed staff id');
  requireAllowed(canAdministerStaff(actor, id.data), 'staff administration');
  const row = await findStaffById(trx, id.data);
  if (row === undefined) throw new AppError('not_found', 'no such staff');
  return row;
}

/**
 * Loads the account a two-person staff act would concern, refusing with 404 unless it is in
 * `status`: the request is filed only for an act that can happen (another administrator's
 * own account never).
 */
export async function findAdministeredAccount(
  trx: Db,
  actor: Actor,
  input: unknown,
  status: StaffStatus,
): Promise<{ id: string; role: StaffRoleName }> {
  const row = await administeredAccount(trx, actor, input);
  if (row.status !== status) throw new AppError('not_found', `account not ${status}`);
  return { id: row.id, role: row.role };
}

/**
 * A new enrolment link for an account that never enrolled (its link expired or was lost): the
 * older unused links stop working, the account keeps its email and role. Without this, a link
 * left unused for 48 hours made that email address unusable (a second account with it is
 * refused). One administrator, audited; the person still sets the password and TOTP.
 */
export async function reissueEnrolment(
  ctx: AppContext,
  actor: Actor,
  staffId: unknown,
): Promise<{ enrolmentUrl: string; expiresAt: Date }> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const row = await administeredAccount(trx, actor, staffId);
    if (row.status !== 'pending') throw new AppError('not_found', 'account not pending');
    const revoked = await expireUnusedLinksOf(trx, 'staff_enrolments', row.id, new Date());
    const link = await issueEnrolment(ctx, trx, row.id);
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'staff.enrolment_reissued',
      target: subjectOf(row.id),
      reason: `${revoked} unused links revoked`,
    });
    return link;
  });
}

/**
 * Re-enables a disabled account (an approved request): active again with the credentials it
 * had (no session survives a disable), or pending if it never enrolled. Audited.
 */
export async function reenableStaffIn(
  trx: Db,
  staffId: string,
  actor: string,
  reason: string,
): Promise<void> {
  if ((await reenableStaffRow(trx, staffId)) !== 1) throw new AppError('conflict', 'account not disabled');
  await recordAudit(trx, { actor, action: 'staff.reenable', target: subjectOf(staffId), reason });
}

const resetPath = (token: string) => `/staff/password/${token}`;

/**
 * Resets an active account's password (an approved request): the old password stops working
 * at once, sessions end, older unused reset links are revoked, and a single-use link is issued
 * where the person sets a new one, proving it is them with their current TOTP code. Nobody is
 * ever shown or sent a password; the link alone cannot sign anybody in.
 */
export async function resetPasswordIn(
  ctx: AppContext,
  trx: Db,
  staffId: string,
  actor: string,
  reason: string,
): Promise<{ resetUrl: string; expiresAt: Date }> {
  if ((await clearStaffPassword(trx, staffId)) !== 1) throw new AppError('conflict', 'account not active');
  const now = new Date();
  const ended = await deleteSessionsOfStaff(trx, staffId);
  await expireUnusedLinksOf(trx, 'staff_password_resets', staffId, now);
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + ctx.config.enrolmentHours * 3600_000);
  await insertPasswordReset(trx, { token_hash: sha256(token), staff_id: staffId, expires_at: expiresAt });
  await recordAudit(trx, {
    actor,
    action: 'staff.password_reset',
    target: subjectOf(staffId),
    reason: `${ended} sessions ended; ${reason}`,
  });
  return { resetUrl: `${ctx.config.publicUrl}${resetPath(token)}`, expiresAt };
}

async function loadValidPasswordReset(db: Db, token: unknown): Promise<StaffRow> {
  const parsed = tokenSchema.safeParse(token);
  if (!parsed.success) throw new AppError('enrolment_invalid', 'malformed reset token');
  const reset = await findPasswordReset(db, sha256(parsed.data));
  if (reset === undefined || reset.used_at !== null || reset.expires_at.getTime() <= Date.now()) {
    throw new AppError('enrolment_invalid', 'reset link unknown, used or expired');
  }
  const staff = await findStaffById(db, reset.staff_id);
  if (staff === undefined || staff.status !== 'active' || staff.totp_secret_enc === null) {
    throw new AppError('enrolment_invalid', 'account not active');
  }
  return staff;
}

/** 410 (enrolment_invalid) for a reset link that is malformed, unknown, used or expired. */
export async function checkPasswordReset(ctx: AppContext, token: unknown): Promise<void> {
  await loadValidPasswordReset(ctx.database.db, token);
}

/**
 * Sets the new password through a reset link: the form of enrolment (password twice, a TOTP
 * code, rate-limited the same way); the code must be the account's current one and unused (a
 * replayed code is refused), and the link is consumed in the same transaction.
 */
export async function completePasswordReset(
  ctx: AppContext,
  token: unknown,
  input: unknown,
  source?: string,
): Promise<void> {
  const parsed = await admitPasswordForm(ctx, input, source);
  ctx.vault.requireKeyring();
  const db = ctx.database.db;
  const staff = await loadValidPasswordReset(db, token);
  const key = await openSubjectKey(db, ctx.vault, subjectOf(staff.id));
  let secret: string;
  try {
    secret = decryptFieldText(key, toBuffer(staff.totp_secret_enc!), totpBinding(staff.id));
  } finally {
    key.dispose();
  }
  const step = checkTotp(secret, parsed.totp);
  const wrongCode = () =>
    new AppError('validation_failed', 'wrong totp at password reset', { fields: { totp: 'field.totp' } });
  if (step === null) throw wrongCode();
  const passwordHash = await hashPasswordOrBusy(parsed.password);
  await db.transaction().execute(async (trx) => {
    if (!(await consumeLink(trx, 'staff_password_resets', sha256(token as string), new Date()))) {
      throw new AppError('enrolment_invalid', 'reset consumed concurrently');
    }
    if (!(await claimTotpStep(trx, staff.id, step))) throw wrongCode();
    if ((await setStaffPassword(trx, staff.id, passwordHash)) !== 1) {
      throw new AppError('enrolment_invalid', 'account no longer active');
    }
    await recordAudit(trx, { actor: staff.id, action: 'staff.password_set', target: subjectOf(staff.id) });
  });
}
