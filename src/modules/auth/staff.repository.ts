import type { Db } from '../../db/database.ts';
import type { StaffEnrolmentRow, StaffRoleName, StaffRow, StaffSessionRow } from '../../db/types.ts';

export async function insertStaff(
  db: Db,
  row: { id: string; email_bidx: number; email_enc: Uint8Array; role: StaffRoleName },
): Promise<void> {
  await db
    .insertInto('staff')
    .values({ ...row, status: 'pending' })
    .execute();
}

export async function findStaffById(db: Db, id: string): Promise<StaffRow | undefined> {
  return db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The encrypted emails of several staff members (for labels on workspace pages). */
export async function findStaffEmailsByIds(
  db: Db,
  ids: readonly string[],
): Promise<Array<Pick<StaffRow, 'id' | 'email_enc'>>> {
  if (ids.length === 0) return [];
  return db.selectFrom('staff').select(['id', 'email_enc']).where('id', 'in', ids).execute();
}

/** Candidates sharing an email blind index (a few by design); the service decrypts and compares. */
export async function findStaffByEmailIndex(db: Db, bidx: number): Promise<StaffRow[]> {
  return db.selectFrom('staff').selectAll().where('email_bidx', '=', bidx).limit(64).execute();
}

export async function listStaffRows(db: Db, limit = 500): Promise<StaffRow[]> {
  return db.selectFrom('staff').selectAll().orderBy('created_at', 'asc').limit(limit).execute();
}

export async function activateStaff(
  db: Db,
  id: string,
  values: { password_hash: string; totp_secret_enc: Uint8Array; totp_last_step: number },
): Promise<number> {
  const result = await db
    .updateTable('staff')
    .set({ ...values, status: 'active', enrolled_at: new Date() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function disableStaffRow(db: Db, id: string): Promise<number> {
  const result = await db
    .updateTable('staff')
    .set({ status: 'disabled', disabled_at: new Date() })
    .where('id', '=', id)
    .where('status', '!=', 'disabled')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Records a TOTP step as used, only if it is later than the last one: refuses replays atomically. */
export async function claimTotpStep(db: Db, id: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('staff')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where('totp_last_step', '<', step)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertEnrolment(
  db: Db,
  row: { token_hash: Uint8Array; staff_id: string; totp_secret_enc: Uint8Array; expires_at: Date },
): Promise<void> {
  await db.insertInto('staff_enrolments').values(row).execute();
}

export async function findEnrolment(db: Db, tokenHash: Uint8Array): Promise<StaffEnrolmentRow | undefined> {
  return db.selectFrom('staff_enrolments').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Replaces the TOTP secret of an unused enrolment (each opening of the link draws a new one). */
export async function replaceEnrolmentSecret(
  db: Db,
  tokenHash: Uint8Array,
  totpSecretEnc: Uint8Array,
): Promise<boolean> {
  const result = await db
    .updateTable('staff_enrolments')
    .set({ totp_secret_enc: totpSecretEnc })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Marks an enrolment used only if it is unused and unexpired: a link works once. */
export async function consumeEnrolment(db: Db, tokenHash: Uint8Array, now: Date): Promise<boolean> {
  return consumeLink(db, 'staff_enrolments', tokenHash, now);
}

/** Marks a single-use link (enrolment or password reset) used, only if unused and unexpired. */
export async function consumeLink(
  db: Db,
  table: 'staff_enrolments' | 'staff_password_resets',
  tokenHash: Uint8Array,
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable(table)
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertSession(
  db: Db,
  row: { token_hash: Uint8Array; staff_id: string; expires_at: Date; key_enrolment_only?: boolean },
): Promise<void> {
  await db.insertInto('staff_sessions').values(row).execute();
}

export async function findSession(
  db: Db,
  tokenHash: Uint8Array,
): Promise<(StaffSessionRow & { role: StaffRoleName; status: string }) | undefined> {
  return db
    .selectFrom('staff_sessions')
    .innerJoin('staff', 'staff.id', 'staff_sessions.staff_id')
    .selectAll('staff_sessions')
    .select(['staff.role', 'staff.status'])
    .where('staff_sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function touchSession(db: Db, tokenHash: Uint8Array, now: Date): Promise<void> {
  await db
    .updateTable('staff_sessions')
    .set({ last_seen_at: now })
    .where('token_hash', '=', tokenHash)
    .execute();
}

export async function deleteSession(db: Db, tokenHash: Uint8Array): Promise<void> {
  await db.deleteFrom('staff_sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteSessionsOfStaff(db: Db, staffId: string): Promise<number> {
  const result = await db.deleteFrom('staff_sessions').where('staff_id', '=', staffId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function countSessionsOfStaff(db: Db, staffId: string): Promise<number> {
  const row = await db
    .selectFrom('staff_sessions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Active staff who can hold cases (for the workspace's assignment lists and teams). */
export async function listAssignableStaff(db: Db): Promise<Array<{ id: string; role: string }>> {
  return db
    .selectFrom('staff')
    .select(['id', 'role'])
    .where('status', '=', 'active')
    .where('role', 'in', ['caseworker', 'lawyer', 'coordinator'])
    .orderBy('created_at')
    .limit(1000)
    .execute();
}

/** One active staff member's id and role, or undefined (a disabled one is not assignable). */
export async function findActiveStaff(db: Db, id: string) {
  return db
    .selectFrom('staff')
    .select(['id', 'role'])
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

/** Changes an account's role (a two-person act, ADR 0138); 0 if it is gone or disabled. */
export async function setStaffRole(db: Db, id: string, role: StaffRow['role']): Promise<number> {
  const result = await db
    .updateTable('staff')
    .set({ role })
    .where('id', '=', id)
    .where('status', '!=', 'disabled')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Puts an active account back to enrolment: its password and second factor are forgotten. */
export async function resetStaffToEnrolment(db: Db, id: string): Promise<number> {
  const result = await db
    .updateTable('staff')
    .set({
      status: 'pending',
      password_hash: null,
      totp_secret_enc: null,
      enrolled_at: null,
      duress_hash: null,
    })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** When an account was created, and when the installation's first account was (ADR 0138). */
export async function findAccountAge(db: Db, id: string) {
  return db
    .selectFrom('staff')
    .select((eb) => [
      'created_at',
      eb
        .selectFrom('staff as s')
        .select((e) => e.fn.min('s.created_at').as('m'))
        .as('installed_at'),
    ])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Sets or clears an active account's duress password hash (ADR 0176). */
export async function setDuressHash(db: Db, id: string, hash: string | null): Promise<number> {
  const result = await db
    .updateTable('staff')
    .set({ duress_hash: hash })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Active staff for the notifications (ADR 0187), in the caller's transaction: of `ids`, those
 * still active; or, with `roles`, every active member holding one of them.
 */
export async function listActiveStaffIds(
  db: Db,
  which: { ids: readonly string[] } | { roles: readonly StaffRoleName[] },
): Promise<string[]> {
  let q = db.selectFrom('staff').select('id').where('status', '=', 'active');
  if ('ids' in which) {
    if (which.ids.length === 0) return [];
    q = q.where('id', 'in', [...new Set(which.ids)]);
  } else {
    if (which.roles.length === 0) return [];
    q = q.where('role', 'in', [...which.roles]);
  }
  return (await q.execute()).map((r) => r.id);
}

// ---------------------------------------------------------------------------------------------
// Staff administration (issue 21 item 4, ADR 0190)

/** Ends every unused link of one account (enrolment or password reset) now: a new one replaces them. */
export async function expireUnusedLinksOf(
  db: Db,
  table: 'staff_enrolments' | 'staff_password_resets',
  staffId: string,
  now: Date,
): Promise<number> {
  const result = await db
    .updateTable(table)
    .set({ expires_at: now })
    .where('staff_id', '=', staffId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Re-enables a disabled account: active again with the credentials it had, or pending when it
 * never enrolled (no password). 0 when it is not disabled.
 */
export async function reenableStaffRow(db: Db, id: string): Promise<number> {
  const result = await db
    .updateTable('staff')
    .set((eb) => ({
      status: eb
        .case()
        .when('password_hash', 'is', null)
        .then('pending' as StaffRow['status'])
        .else('active' as StaffRow['status'])
        .end(),
      disabled_at: null,
    }))
    .where('id', '=', id)
    .where('status', '=', 'disabled')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Forgets an active account's password (a reset: the old one stops working at once). */
export async function clearStaffPassword(db: Db, id: string): Promise<number> {
  const result = await db
    .updateTable('staff')
    .set({ password_hash: null })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Sets a new password on an active account (through a password-reset link). */
export async function setStaffPassword(db: Db, id: string, hash: string): Promise<number> {
  const result = await db
    .updateTable('staff')
    .set({ password_hash: hash })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertPasswordReset(
  db: Db,
  row: { token_hash: Uint8Array; staff_id: string; expires_at: Date },
): Promise<void> {
  await db.insertInto('staff_password_resets').values(row).execute();
}

export async function findPasswordReset(db: Db, tokenHash: Uint8Array) {
  return db
    .selectFrom('staff_password_resets')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}
