import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

/**
 * Contact codes (ADR 0158): the only table of the high-assurance module. The code itself is
 * never here, only its keyed hash; the label is ciphertext under the code's own data key.
 */

export interface CodeRow {
  id: string;
  team_id: string;
  label_enc: Uint8Array | null;
  issued_by: string;
  issued_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  used_on: string | null;
  case_id: string | null;
}

const COLUMNS = [
  'id',
  'team_id',
  'label_enc',
  'issued_by',
  'issued_at',
  'expires_at',
  'revoked_at',
  'used_on',
  'case_id',
] as const;

export async function insertContactCode(
  trx: Db,
  row: {
    id: string;
    lookup: Uint8Array;
    team_id: string;
    label_enc: Uint8Array | null;
    issued_by: string;
    expires_at: Date;
  },
): Promise<void> {
  await trx.insertInto('ha_contact_codes').values(row).execute();
}

/** The codes of these teams, newest first. */
export async function listCodesOfTeams(db: Db, teamIds: readonly string[], limit = 200): Promise<CodeRow[]> {
  if (teamIds.length === 0) return [];
  return db
    .selectFrom('ha_contact_codes')
    .select(COLUMNS)
    .where('team_id', 'in', teamIds)
    .orderBy('issued_at', 'desc')
    .limit(limit)
    .execute();
}

export async function findCodeById(db: Db, id: string): Promise<CodeRow | undefined> {
  return db.selectFrom('ha_contact_codes').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** A code by its keyed hash, whatever its state (the caller answers every unusable one alike). */
export async function findCodeByLookup(
  db: Db,
  lookup: Uint8Array,
): Promise<(CodeRow & { request_hash: Uint8Array | null }) | undefined> {
  return db
    .selectFrom('ha_contact_codes')
    .select([...COLUMNS, 'request_hash'])
    .where('lookup', '=', lookup)
    .executeTakeFirst();
}

/**
 * Uses a code, atomically: one statement that succeeds only on an unused, unrevoked,
 * unexpired code. Of two concurrent uses, the second waits for the first's row lock and then
 * finds the code used (PostgreSQL re-checks the condition on the updated row): exactly one wins.
 */
export async function consumeCode(
  trx: Db,
  lookup: Uint8Array,
  use: { caseId: string; requestHash: Uint8Array; now: Date },
): Promise<{ id: string; team_id: string } | undefined> {
  return trx
    .updateTable('ha_contact_codes')
    .set({
      used_on: sql<string>`(${use.now.toISOString()}::timestamptz at time zone 'UTC')::date`,
      case_id: use.caseId,
      request_hash: use.requestHash,
    })
    .where('lookup', '=', lookup)
    .where('used_on', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', use.now)
    .returning(['id', 'team_id'])
    .executeTakeFirst();
}

/** Revokes an unused code; false when it was already used or revoked. */
export async function revokeCode(trx: Db, id: string, now: Date): Promise<boolean> {
  const r = await trx
    .updateTable('ha_contact_codes')
    .set({ revoked_at: now, label_enc: null })
    .where('id', '=', id)
    .where('used_on', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The code that opened a case (the retention eraser deletes it with the case). */
export async function deleteCodesOfCase(trx: Db, caseId: string): Promise<string[]> {
  const rows = await trx
    .deleteFrom('ha_contact_codes')
    .where('case_id', '=', caseId)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}
