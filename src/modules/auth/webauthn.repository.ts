import type { Db } from '../../db/database.ts';
import type { StaffWebauthnCredentialsTable } from '../../db/types.ts';
import type { Selectable } from 'kysely';

export type CredentialRow = Selectable<StaffWebauthnCredentialsTable>;

export async function insertCredential(
  db: Db,
  row: {
    id: string;
    staff_id: string;
    credential_id: Uint8Array;
    public_key: Uint8Array;
    counter: number;
    transports: string;
    device_type: 'singleDevice' | 'multiDevice';
    backed_up: boolean;
    name_enc: Uint8Array;
  },
): Promise<void> {
  await db.insertInto('staff_webauthn_credentials').values(row).execute();
}

export async function findCredentialByCredentialId(
  db: Db,
  credentialId: Uint8Array,
): Promise<CredentialRow | undefined> {
  return db
    .selectFrom('staff_webauthn_credentials')
    .selectAll()
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
}

/** One of a member's own keys, or undefined (another's key is as unknown as a missing one). */
export async function findOwnCredential(
  db: Db,
  staffId: string,
  id: string,
): Promise<CredentialRow | undefined> {
  return db
    .selectFrom('staff_webauthn_credentials')
    .selectAll()
    .where('id', '=', id)
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
}

export async function listCredentialsOf(db: Db, staffId: string): Promise<CredentialRow[]> {
  return db
    .selectFrom('staff_webauthn_credentials')
    .selectAll()
    .where('staff_id', '=', staffId)
    .orderBy('created_at')
    .limit(100)
    .execute();
}

export async function countCredentialsOf(db: Db, staffId: string): Promise<number> {
  const row = await db
    .selectFrom('staff_webauthn_credentials')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Records a use: the new counter only if the stored one is still the one checked (no race). */
export async function recordCredentialUse(
  db: Db,
  id: string,
  expectedCounter: number,
  counter: number,
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('staff_webauthn_credentials')
    .set({ counter, last_used_at: now })
    .where('id', '=', id)
    .where('counter', '=', expectedCounter)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function renameCredential(
  db: Db,
  staffId: string,
  id: string,
  nameEnc: Uint8Array,
): Promise<number> {
  const result = await db
    .updateTable('staff_webauthn_credentials')
    .set({ name_enc: nameEnc })
    .where('id', '=', id)
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function deleteCredential(db: Db, staffId: string, id: string): Promise<number> {
  const result = await db
    .deleteFrom('staff_webauthn_credentials')
    .where('id', '=', id)
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Forgets every key of an account (a second-factor reset approved by two administrators). */
export async function deleteCredentialsOf(db: Db, staffId: string): Promise<number> {
  const result = await db
    .deleteFrom('staff_webauthn_credentials')
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertChallenge(
  db: Db,
  row: {
    challenge_hash: Uint8Array;
    purpose: 'register' | 'authenticate';
    binding_hash: Uint8Array;
    staff_id: string | null;
    expires_at: Date;
  },
  now: Date,
): Promise<void> {
  // Expired challenges are swept as new ones are issued: the table stays small.
  await db.deleteFrom('staff_webauthn_challenges').where('expires_at', '<=', now).execute();
  await db.insertInto('staff_webauthn_challenges').values(row).execute();
}

/**
 * Uses up a challenge: deleted whatever the outcome, and returned only if it was issued for this
 * purpose, to this binding (session or pre-session cookie), and has not expired. Single-use.
 */
export async function consumeChallenge(
  db: Db,
  challengeHash: Uint8Array,
  purpose: 'register' | 'authenticate',
  bindingHash: Uint8Array,
  now: Date,
): Promise<{ staff_id: string | null } | undefined> {
  const row = await db
    .deleteFrom('staff_webauthn_challenges')
    .where('challenge_hash', '=', challengeHash)
    .returning(['purpose', 'binding_hash', 'staff_id', 'expires_at'])
    .executeTakeFirst();
  if (row === undefined || row.purpose !== purpose || row.expires_at.getTime() <= now.getTime())
    return undefined;
  if (Buffer.compare(Buffer.from(row.binding_hash), Buffer.from(bindingHash)) !== 0) return undefined;
  return { staff_id: row.staff_id };
}

export async function findAuthPolicy(db: Db) {
  return db.selectFrom('staff_auth_policy').selectAll().where('id', '=', 1).executeTakeFirst();
}

export async function upsertAuthPolicy(
  db: Db,
  values: { webauthn_roles: string; totp_fallback: boolean },
): Promise<void> {
  await db
    .insertInto('staff_auth_policy')
    .values({ id: 1, ...values, updated_at: new Date() })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
}

/** Lets an account's sessions reach every page again once it has a key. */
export async function liftKeyEnrolmentOnly(db: Db, staffId: string): Promise<void> {
  await db
    .updateTable('staff_sessions')
    .set({ key_enrolment_only: false })
    .where('staff_id', '=', staffId)
    .where('key_enrolment_only', '=', true)
    .execute();
}
