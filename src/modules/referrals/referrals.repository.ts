import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type {
  PartnersTable,
  PartnerVettingStatus,
  ReferralEventsTable,
  ReferralState,
  ReferralsTable,
} from '../../db/types.ts';

/** Typed SQL of the referral network. Returns rows; never throws HTTP errors. */
export type PartnerRow = Selectable<PartnersTable>;
export type ReferralRow = Selectable<ReferralsTable>;
export type ReferralEventRow = Selectable<ReferralEventsTable>;

export async function insertPartner(db: Db, row: Insertable<PartnersTable>): Promise<void> {
  await db.insertInto('partners').values(row).execute();
}

export async function findPartner(db: Db, id: string, forUpdate = false): Promise<PartnerRow | undefined> {
  let q = db.selectFrom('partners').selectAll().where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function updatePartner(db: Db, id: string, set: Updateable<PartnersTable>): Promise<void> {
  await db
    .updateTable('partners')
    .set({ ...set, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/** The directory: filtered by clear columns and blind indexes only (candidates; the service compares exactly). */
export async function listPartners(
  db: Db,
  filter: { country?: string; nameIndex?: number; cityIndex?: number; status?: PartnerVettingStatus },
  limit: number,
): Promise<PartnerRow[]> {
  let q = db.selectFrom('partners').selectAll();
  if (filter.country !== undefined) q = q.where('country', '=', filter.country);
  if (filter.nameIndex !== undefined) q = q.where('name_index', '=', filter.nameIndex);
  if (filter.cityIndex !== undefined) q = q.where('city_index', '=', filter.cityIndex);
  if (filter.status !== undefined) q = q.where('vetting_status', '=', filter.status);
  return q.orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
}

/** A partner's clear columns that matching filters and scores on (no encrypted details). */
export type PartnerCandidate = Pick<
  PartnerRow,
  | 'id'
  | 'kind'
  | 'country'
  | 'languages'
  | 'specialties'
  | 'capacity_places'
  | 'capacity_from'
  | 'capacity_until'
  | 'accepted_count'
  | 'declined_count'
  | 'completed_count'
>;
const CANDIDATE_COLUMNS = [
  'id',
  'kind',
  'country',
  'languages',
  'specialties',
  'capacity_places',
  'capacity_from',
  'capacity_until',
  'accepted_count',
  'declined_count',
  'completed_count',
] as const satisfies ReadonlyArray<keyof PartnerCandidate>;

/** Full rows of the given partners (the few that matching shows), in no particular order. */
export async function findPartnersByIds(db: Db, ids: readonly string[]): Promise<PartnerRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('partners')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
}

/** What matching asks of the partners: the hard constraints and what the soft score needs. */
export interface CandidateQuery {
  country: string;
  kind?: string;
  people: number;
  arrival?: string;
  languages: readonly string[];
  specialties: readonly string[];
  cityIndex?: number;
}

/**
 * Matching in SQL (ADR 0165): the hard constraints filter on clear columns and the city's blind
 * index (vetted, in the country, of the kind, with room for the people on the arrival day,
 * speaking one of the languages, in the city); the soft score of `scoreCandidates` is computed
 * by the same arithmetic in double precision over every candidate, and only the `limit` best
 * rows (score, then id) come back, with the number of candidates. `matching.ts` scores those
 * rows again in JavaScript for the reasons; the test "SQL ranks as scoreCandidates" keeps the
 * two formulas equal.
 */
export async function findMatchCandidates(
  db: Db,
  q: CandidateQuery,
  limit: number,
): Promise<{ rows: PartnerCandidate[]; total: number }> {
  const langs = sql.val([...q.languages]);
  const specs = sql.val([...q.specialties]);
  const family = q.people >= 2 && !q.specialties.includes('families');
  const score = sql<number>`floor((
      ((3 * (select count(*) from unnest(languages) l where l = any(${langs}::text[]))
        + 2 * (select count(*) from unnest(specialties) s where s = any(${specs}::text[]))
        + ${family ? sql`case when 'families' = any(specialties) then 2 else 0 end` : sql`0`})::float8
        + case when capacity_places > ${q.people} then least(2, capacity_places - ${q.people}) * 0.5::float8 else 0 end)
      + case when accepted_count + declined_count = 0 then 0::float8
          else floor(((accepted_count + completed_count + 1)::float8
            / (accepted_count + declined_count + accepted_count + 2)::float8) * 40 + 0.5) / 10 end
    ) * 10 + 0.5) / 10`;
  let query = db
    .selectFrom('partners')
    .select(CANDIDATE_COLUMNS)
    .select([score.as('score'), sql<string>`count(*) over ()`.as('total')])
    .where('country', '=', q.country)
    .where('vetting_status', '=', 'vetted')
    .where('capacity_places', '>=', q.people);
  if (q.kind !== undefined) query = query.where('kind', '=', q.kind as PartnersTable['kind']);
  if (q.cityIndex !== undefined) query = query.where('city_index', '=', q.cityIndex);
  if (q.arrival !== undefined) {
    const arrival = q.arrival;
    query = query
      .where((eb) => eb.or([eb('capacity_from', 'is', null), eb('capacity_from', '<=', arrival)]))
      .where((eb) => eb.or([eb('capacity_until', 'is', null), eb('capacity_until', '>=', arrival)]));
  }
  if (q.languages.length > 0) query = query.where(sql<boolean>`languages && ${langs}::text[]`);
  const rows = await query.orderBy('score', 'desc').orderBy('id').limit(limit).execute();
  return {
    rows: rows.map(({ score: _s, total: _t, ...row }) => row),
    total: Number(rows[0]?.total ?? 0),
  };
}

export async function countPartnersByStatus(db: Db): Promise<Array<{ status: string; n: number }>> {
  const rows = await db
    .selectFrom('partners')
    .select(['vetting_status as status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('vetting_status')
    .execute();
  return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
}

export async function findMembership(db: Db, staffId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('partner_members')
    .select('partner_id')
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
  return row?.partner_id;
}

export async function insertMembership(db: Db, staffId: string, partnerId: string): Promise<boolean> {
  const r = await db
    .insertInto('partner_members')
    .values({ staff_id: staffId, partner_id: partnerId })
    .onConflict((oc) => oc.column('staff_id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function listMembers(db: Db, partnerId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('partner_members')
    .select('staff_id')
    .where('partner_id', '=', partnerId)
    .execute();
  return rows.map((r) => r.staff_id);
}

export async function insertReferral(db: Db, row: Insertable<ReferralsTable>): Promise<void> {
  await db.insertInto('referrals').values(row).execute();
}

export async function findReferral(db: Db, id: string, forUpdate = false): Promise<ReferralRow | undefined> {
  let q = db.selectFrom('referrals').selectAll().where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function updateReferral(db: Db, id: string, set: Updateable<ReferralsTable>): Promise<void> {
  await db
    .updateTable('referrals')
    .set({ ...set, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

export async function listCaseReferrals(db: Db, caseId: string): Promise<ReferralRow[]> {
  return db.selectFrom('referrals').selectAll().where('case_id', '=', caseId).orderBy('created_at').execute();
}

/** A partner's referrals in the states it may see, not paused. */
export async function listPartnerReferrals(
  db: Db,
  partnerId: string,
  states: readonly ReferralState[],
): Promise<ReferralRow[]> {
  return db
    .selectFrom('referrals')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .where('state', 'in', [...states])
    .where('paused', '=', false)
    .orderBy('sent_on', 'desc')
    .orderBy('id')
    .execute();
}

/** Open referrals of a partner (to pause or resume them). */
export async function listOpenPartnerReferrals(
  db: Db,
  partnerId: string,
  states: readonly ReferralState[],
): Promise<ReferralRow[]> {
  return db
    .selectFrom('referrals')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .where('state', 'in', [...states])
    .forUpdate()
    .execute();
}

/** Sent referrals whose answer is due on or before `day`, oldest first. */
export async function listDueReferrals(db: Db, day: string, limit: number): Promise<ReferralRow[]> {
  return db
    .selectFrom('referrals')
    .selectAll()
    .where('state', '=', 'sent')
    .where('respond_by', '<=', day)
    .orderBy('respond_by')
    .limit(limit)
    .execute();
}

export async function insertReferralEvent(db: Db, row: Insertable<ReferralEventsTable>): Promise<void> {
  await db.insertInto('referral_events').values(row).execute();
}

export async function listCaseReferralEvents(db: Db, caseId: string): Promise<ReferralEventRow[]> {
  return db.selectFrom('referral_events').selectAll().where('case_id', '=', caseId).orderBy('seq').execute();
}

export async function listReferralEvents(db: Db, referralId: string): Promise<ReferralEventRow[]> {
  return db
    .selectFrom('referral_events')
    .selectAll()
    .where('referral_id', '=', referralId)
    .orderBy('seq')
    .execute();
}

export async function bumpPartnerCounter(
  db: Db,
  partnerId: string,
  column: 'accepted_count' | 'declined_count' | 'completed_count',
): Promise<void> {
  await db
    .updateTable('partners')
    .set((eb) => ({ [column]: eb(column, '+', 1) }))
    .where('id', '=', partnerId)
    .execute();
}

// ---- reports (counts over clear columns only) ----------------------------------------------

export async function countReferralsBy(
  db: Db,
): Promise<Array<{ state: string; country: string; partnerId: string; paused: boolean; n: number }>> {
  const rows = await db
    .selectFrom('referrals')
    .innerJoin('partners', 'partners.id', 'referrals.partner_id')
    .select([
      'referrals.state as state',
      'partners.country as country',
      'referrals.partner_id as partnerId',
      'referrals.paused as paused',
      (eb) => eb.fn.countAll<number>().as('n'),
    ])
    .groupBy(['referrals.state', 'partners.country', 'referrals.partner_id', 'referrals.paused'])
    .execute();
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

/** Open referrals with the day they were created (for the age buckets). */
export async function listOpenReferralAges(
  db: Db,
  states: readonly ReferralState[],
): Promise<Array<{ state: string; created: Date; respondBy: string | null }>> {
  const rows = await db
    .selectFrom('referrals')
    .select(['state', 'created_at', 'respond_by'])
    .where('state', 'in', [...states])
    .execute();
  return rows.map((r) => ({ state: r.state, created: r.created_at, respondBy: r.respond_by }));
}

/** Partners with little room left (few places, or capacity ending soon) among the vetted ones. */
export async function listPartnersNearCapacity(db: Db, places: number, until: string): Promise<PartnerRow[]> {
  return db
    .selectFrom('partners')
    .selectAll()
    .where('vetting_status', '=', 'vetted')
    .where((eb) => eb.or([eb('capacity_places', '<=', places), eb('capacity_until', '<=', until)]))
    .orderBy('capacity_places')
    .limit(200)
    .execute();
}
