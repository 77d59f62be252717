import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { DataKeyRow, DataKeysTable, KeyMaterialRow, KeyMaterialTable } from '../../db/types.ts';

export async function findActiveKeyMaterial(db: Db): Promise<KeyMaterialRow | undefined> {
  return db
    .selectFrom('key_material')
    .selectAll()
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function insertKeyMaterial(
  db: Db,
  row: Pick<
    KeyMaterialTable,
    'key_id' | 'mode' | 'verifier' | 'shares' | 'threshold' | 'wrapped_derivation_key'
  >,
): Promise<void> {
  await db.insertInto('key_material').values(row).execute();
}

export async function retireKeyMaterial(db: Db, keyId: string): Promise<void> {
  await db.updateTable('key_material').set({ retired_at: new Date() }).where('key_id', '=', keyId).execute();
}

export async function findDataKey(db: Db, subject: string): Promise<DataKeyRow | undefined> {
  return db.selectFrom('data_keys').selectAll().where('subject', '=', subject).executeTakeFirst();
}

/** Several wrapped data keys in one query (search verification opens a handful at once). */
export async function findDataKeys(db: Db, subjects: readonly string[]): Promise<DataKeyRow[]> {
  if (subjects.length === 0) return [];
  return db.selectFrom('data_keys').selectAll().where('subject', 'in', subjects).execute();
}

export async function insertDataKey(
  db: Db,
  row: Pick<DataKeysTable, 'subject' | 'key_id' | 'wrapped'>,
): Promise<void> {
  await db.insertInto('data_keys').values(row).execute();
}

/** Inserts a data key unless the subject has one; true when this call inserted it. */
export async function insertDataKeyIfAbsent(
  db: Db,
  row: Pick<DataKeysTable, 'subject' | 'key_id' | 'wrapped'>,
): Promise<boolean> {
  const inserted = await db
    .insertInto('data_keys')
    .values(row)
    .onConflict((oc) => oc.column('subject').doNothing())
    .returning('subject')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Several data keys in one statement (a group-committed intake batch): the rows arrive as one
 * array per column and are unpacked by `unnest`, so the statement's text never changes.
 */
export async function insertDataKeys(
  db: Db,
  rows: ReadonlyArray<Pick<DataKeysTable, 'subject' | 'key_id' | 'wrapped'>>,
): Promise<void> {
  if (rows.length === 0) return;
  await sql`insert into data_keys (subject, key_id, wrapped)
    select * from unnest(${rows.map((r) => r.subject)}::text[], ${rows.map((r) => r.key_id)}::text[], ${rows.map((r) => r.wrapped)}::bytea[])`.execute(
    db,
  );
}

export async function listDataKeysByKeyId(db: Db, keyId: string, limit: number): Promise<DataKeyRow[]> {
  return db
    .selectFrom('data_keys')
    .selectAll()
    .where('key_id', '=', keyId)
    .orderBy('subject')
    .limit(limit)
    .execute();
}

export async function updateWrappedDataKey(
  db: Db,
  subject: string,
  keyId: string,
  wrapped: Uint8Array,
): Promise<void> {
  await db
    .updateTable('data_keys')
    .set({ key_id: keyId, wrapped, rewrapped_at: new Date() })
    .where('subject', '=', subject)
    .execute();
}

/**
 * Key rotation: blocks every other writer of `data_keys` (readers go on) until the rotating
 * transaction ends, so no data key is written under the old root key while the keys move.
 */
export async function lockDataKeysForRotation(trx: Db): Promise<void> {
  await sql`lock table data_keys in exclusive mode`.execute(trx);
}

/** Deletes a subject's data key (crypto-shredding, ADR 0139); true when there was one. */
export async function deleteDataKey(db: Db, subject: string): Promise<boolean> {
  const result = await db.deleteFrom('data_keys').where('subject', '=', subject).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
