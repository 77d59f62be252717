import type { Db } from '../../db/database.ts';
import type { EvidenceLinksTable } from '../../db/types.ts';

/** Typed SQL for `evidence_links` (ADR 0199; owned by this module alone). Returns rows; never throws HTTP errors. */

export async function insertLink(trx: Db, row: EvidenceLinksTable): Promise<void> {
  await trx.insertInto('evidence_links').values(row).execute();
}

export async function findLink(db: Db, id: string) {
  return db.selectFrom('evidence_links').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deleteLink(trx: Db, id: string): Promise<boolean> {
  const result = await trx.deleteFrom('evidence_links').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** The links of one item, oldest first. */
export async function listItemLinks(db: Db, itemId: string) {
  return db
    .selectFrom('evidence_links')
    .select(['id', 'kind', 'name_enc', 'case_id'])
    .where('item_id', '=', itemId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * The candidates of one blind-index value (the same unit, and the others that share its
 * bucket), with their item's summary columns, across every case: the service keeps only the
 * cases the reader may open and compares the decrypted names. Bounded.
 */
export async function findLinkCandidates(db: Db, kind: EvidenceLinksTable['kind'], nameIndex: number) {
  return db
    .selectFrom('evidence_links as l')
    .innerJoin('evidence_items as i', 'i.id', 'l.item_id')
    .select([
      'l.id',
      'l.case_id',
      'l.item_id',
      'l.name_enc',
      'i.channel',
      'i.name_enc as item_name_enc',
      'i.received_at',
    ])
    .where('l.kind', '=', kind)
    .where('l.name_index', '=', nameIndex)
    .orderBy('i.received_at')
    .orderBy('l.id')
    .limit(5000)
    .execute();
}
