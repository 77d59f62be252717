import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.ts';
import type { StaffNotificationsTable } from '../../db/types.ts';

/** Typed SQL of the notifications module (ADR 0187): rows hold a kind, a case and a day, never content. */

export type NotificationKind = StaffNotificationsTable['kind'];

/** One row per person and event; an event told twice stays one row (idempotent). */
export async function insertNotifications(
  db: Db,
  rows: ReadonlyArray<{ staffId: string; kind: NotificationKind; caseId: string; sourceId: string }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('staff_notifications')
    .values(
      rows.map((r) => ({
        id: randomUUID(),
        staff_id: r.staffId,
        kind: r.kind,
        case_id: r.caseId,
        source_id: r.sourceId,
      })),
    )
    .onConflict((oc) => oc.columns(['staff_id', 'kind', 'source_id']).doNothing())
    .execute();
}

/** Drops a case's notifications held by anyone not in `keep` (a case restricted to its team). */
export async function deleteCaseNotificationsExcept(
  db: Db,
  caseId: string,
  keep: readonly string[],
): Promise<void> {
  let q = db.deleteFrom('staff_notifications').where('case_id', '=', caseId);
  if (keep.length > 0) q = q.where('staff_id', 'not in', [...keep]);
  await q.execute();
}

/** A person's latest notifications, newest first. */
export async function listNotificationsOf(db: Db, staffId: string, limit: number) {
  return db
    .selectFrom('staff_notifications')
    .select(['id', 'kind', 'case_id', 'created_on', 'read'])
    .where('staff_id', '=', staffId)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}

/** The cases of a person's unread notifications (for the count, checked against the scope). */
export async function listUnreadCaseIds(db: Db, staffId: string, limit: number) {
  return db
    .selectFrom('staff_notifications')
    .select(['case_id'])
    .where('staff_id', '=', staffId)
    .where('read', '=', false)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}

/** Marks one (by id) or all of a person's notifications read; another person's id changes nothing. */
export async function markRead(db: Db, staffId: string, id: string | 'all'): Promise<number> {
  let q = db
    .updateTable('staff_notifications')
    .set({ read: true })
    .where('staff_id', '=', staffId)
    .where('read', '=', false);
  if (id !== 'all') q = q.where('id', '=', id);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function findSettings(db: Db, staffId: string) {
  return db
    .selectFrom('staff_notification_settings')
    .select(['email_digest', 'last_digest_at'])
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
}

export async function setEmailDigest(db: Db, staffId: string, on: boolean): Promise<void> {
  await db
    .insertInto('staff_notification_settings')
    .values({ staff_id: staffId, email_digest: on })
    .onConflict((oc) => oc.column('staff_id').doUpdateSet({ email_digest: on }))
    .execute();
}

/** Who is due a digest: opted in, with unread notifications not yet mailed, and none sent since `notBefore`. */
export async function listDigestCandidates(db: Db, notBefore: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('staff_notification_settings as s')
    .select('s.staff_id')
    .where('s.email_digest', '=', true)
    .where((eb) => eb.or([eb('s.last_digest_at', 'is', null), eb('s.last_digest_at', '<=', notBefore)]))
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('staff_notifications as n')
          .select('n.id')
          .whereRef('n.staff_id', '=', 's.staff_id')
          .where('n.read', '=', false)
          .where('n.emailed', '=', false),
      ),
    )
    .orderBy('s.staff_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.staff_id);
}

/** A person's unread, not yet mailed notifications up to `maxSeq`: the case ids and kinds (for the scope check). */
export async function listUndigested(db: Db, staffId: string, maxSeq: number) {
  return db
    .selectFrom('staff_notifications')
    .select(['kind', 'case_id'])
    .where('staff_id', '=', staffId)
    .where('read', '=', false)
    .where('emailed', '=', false)
    .where('seq', '<=', maxSeq)
    .limit(1000)
    .execute();
}

/**
 * After a digest went out: its notifications are mailed (never again), and the time is kept
 * for the interval. Only rows up to `maxSeq`, so one that arrived while sending waits.
 */
export async function markDigestSent(db: Db, staffId: string, at: Date, maxSeq: number): Promise<void> {
  await db
    .updateTable('staff_notifications')
    .set({ emailed: true })
    .where('staff_id', '=', staffId)
    .where('emailed', '=', false)
    .where('seq', '<=', maxSeq)
    .execute();
  await db
    .updateTable('staff_notification_settings')
    .set({ last_digest_at: at })
    .where('staff_id', '=', staffId)
    .execute();
}

export async function maxNotificationSeq(db: Db, staffId: string): Promise<number> {
  const row = await db
    .selectFrom('staff_notifications')
    .select((eb) => eb.fn.max('seq').as('m'))
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
  return Number(row?.m ?? 0);
}
