import { type Insertable, sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type {
  EvidenceConsentsTable,
  EvidenceCustodyTable,
  EvidenceDestination,
  EvidenceItemsTable,
  EvidenceRedactionsTable,
  EvidenceTestimonyVersionsTable,
} from '../../db/types.ts';

/** Typed SQL for the evidence tables (owned by this module alone). Returns rows; never throws HTTP errors. */

export async function insertItem(trx: Db, row: EvidenceItemsTable): Promise<void> {
  await trx.insertInto('evidence_items').values(row).execute();
}

export async function findItem(db: Db, id: string) {
  return db.selectFrom('evidence_items').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findItemBySource(db: Db, channel: EvidenceItemsTable['channel'], sourceId: string) {
  return db
    .selectFrom('evidence_items')
    .select(['id'])
    .where('channel', '=', channel)
    .where('source_id', '=', sourceId)
    .executeTakeFirst();
}

/** The items of a case without their encrypted original (the list page needs no file). */
export async function listCaseItems(db: Db, caseId: string) {
  return db
    .selectFrom('evidence_items')
    .select([
      'id',
      'case_id',
      'channel',
      'media_type',
      'size_bytes',
      'sha256',
      'sha512',
      'received_by',
      'received_at',
      'name_enc',
    ])
    .where('case_id', '=', caseId)
    .orderBy('received_at')
    .orderBy('id')
    .execute();
}

/** The source ids of a case's items of one channel (e.g. which applicant messages are kept). */
export async function listItemSources(db: Db, caseId: string, channel: EvidenceItemsTable['channel']) {
  return db
    .selectFrom('evidence_items')
    .select(['id', 'source_id'])
    .where('case_id', '=', caseId)
    .where('channel', '=', channel)
    .execute();
}

/** The testimonies of a case with how many versions each has and which are confirmed. */
export async function listCaseTestimonies(db: Db, caseId: string) {
  return db
    .selectFrom('evidence_testimonies as t')
    .innerJoin('evidence_testimony_versions as v', 'v.testimony_id', 't.id')
    .select(({ fn }) => [
      't.id',
      't.created_at',
      fn.count<string>('v.version').as('versions'),
      fn.count<string>('v.confirmed_at').as('confirmed'),
    ])
    .where('t.case_id', '=', caseId)
    .groupBy(['t.id', 't.created_at'])
    .orderBy('t.created_at')
    .orderBy('t.id')
    .execute();
}

export async function listAllItemIds(db: Db): Promise<Array<{ id: string; sha256: Uint8Array }>> {
  return db.selectFrom('evidence_items').select(['id', 'sha256']).orderBy('id').execute();
}

/** Serialises appends to one item's custody chain (transaction-scoped). */
export async function lockItemForCustody(trx: Db, itemId: string) {
  return trx
    .selectFrom('evidence_items')
    .select(['id', 'sha256', 'case_id'])
    .where('id', '=', itemId)
    .forUpdate()
    .executeTakeFirst();
}

export async function findLastCustody(db: Db, itemId: string) {
  return db
    .selectFrom('evidence_custody')
    .select(['seq', 'hash'])
    .where('item_id', '=', itemId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function insertCustody(trx: Db, row: EvidenceCustodyTable): Promise<void> {
  await trx.insertInto('evidence_custody').values(row).execute();
}

export async function listCustody(db: Db, itemId: string) {
  return db.selectFrom('evidence_custody').selectAll().where('item_id', '=', itemId).orderBy('seq').execute();
}

export async function insertTestimony(trx: Db, row: { id: string; case_id: string; created_by: string }) {
  await trx.insertInto('evidence_testimonies').values(row).execute();
}

export async function findTestimony(db: Db, id: string) {
  return db.selectFrom('evidence_testimonies').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockTestimony(trx: Db, id: string) {
  return trx
    .selectFrom('evidence_testimonies')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function insertTestimonyVersion(trx: Db, row: EvidenceTestimonyVersionsTable): Promise<void> {
  await trx.insertInto('evidence_testimony_versions').values(row).execute();
}

export async function listTestimonyVersions(db: Db, testimonyId: string) {
  return db
    .selectFrom('evidence_testimony_versions')
    .selectAll()
    .where('testimony_id', '=', testimonyId)
    .orderBy('version')
    .execute();
}

/** Records the witness's confirmation once: a confirmed version is never confirmed again. */
export async function confirmTestimonyVersion(
  trx: Db,
  testimonyId: string,
  version: number,
  values: { confirmed_by: string; confirmed_at: Date; confirmation_enc: Uint8Array; item_id: string },
): Promise<boolean> {
  const result = await trx
    .updateTable('evidence_testimony_versions')
    .set(values)
    .where('testimony_id', '=', testimonyId)
    .where('version', '=', version)
    .where('confirmed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertConsent(trx: Db, row: EvidenceConsentsTable): Promise<void> {
  await trx.insertInto('evidence_consents').values(row).execute();
}

/** The newest consent row per destination for each item (older rows are the history). */
export async function listCurrentConsents(db: Db, itemIds: readonly string[]) {
  if (itemIds.length === 0) return [];
  return db
    .selectFrom('evidence_consents')
    .selectAll()
    .where('item_id', 'in', itemIds)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('evidence_consents as newer')
            .select(sql`1`.as('one'))
            .whereRef('newer.item_id', '=', 'evidence_consents.item_id')
            .whereRef('newer.destination', '=', 'evidence_consents.destination')
            .where(({ or, and, eb }) =>
              or([
                eb('newer.recorded_at', '>', eb.ref('evidence_consents.recorded_at')),
                and([
                  eb('newer.recorded_at', '=', eb.ref('evidence_consents.recorded_at')),
                  eb('newer.id', '>', eb.ref('evidence_consents.id')),
                ]),
              ]),
            ),
        ),
      ),
    )
    .execute();
}

export async function insertRedaction(trx: Db, row: Insertable<EvidenceRedactionsTable>): Promise<void> {
  await trx.insertInto('evidence_redactions').values(row).execute();
}

/** The redactions of an item, newest first. */
export async function listItemRedactions(db: Db, itemId: string) {
  return db
    .selectFrom('evidence_redactions')
    .select(['id', 'kind', 'prepared_by', 'prepared_at', 'confirmed_by', 'confirmed_at', 'redacted_sha256'])
    .where('item_id', '=', itemId)
    .orderBy('prepared_at', 'desc')
    .orderBy('id')
    .execute();
}

export async function findRedaction(db: Db, id: string) {
  return db.selectFrom('evidence_redactions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Confirms once, by someone other than who prepared it (the table's check says so too). */
export async function confirmRedactionRow(trx: Db, id: string, by: string, at: Date): Promise<boolean> {
  const result = await trx
    .updateTable('evidence_redactions')
    .set({ confirmed_by: by, confirmed_at: at })
    .where('id', '=', id)
    .where('confirmed_at', 'is', null)
    .where('prepared_by', '<>', by)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function listConfirmedRedactions(
  db: Db,
  itemIds: readonly string[],
  kind: 'pseudonym' | 'image' = 'pseudonym',
) {
  if (itemIds.length === 0) return [];
  return db
    .selectFrom('evidence_redactions')
    .selectAll()
    .where('item_id', 'in', itemIds)
    .where('kind', '=', kind)
    .where('confirmed_at', 'is not', null)
    .orderBy('confirmed_at', 'desc')
    .execute();
}

export type { EvidenceDestination };
