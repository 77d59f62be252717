import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import {
  blindIndex,
  type DataKey,
  decryptFieldText,
  encryptField,
  type Keyring,
} from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { PartnerKind, PartnerVettingStatus } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { findActiveStaff } from '../auth/index.ts';
import { withNewSubjectKey, withSubjectKey, withSubjectKeys } from '../keys/index.ts';
import { matchKey } from '../linkage/index.ts';
import { screenPersonAgainstWatchlists } from '../vetting/index.ts';
import { pausePartnerReferrals, resumePartnerReferrals } from './referral-pausing.ts';
import {
  canAddPartner,
  canManagePartnerAccounts,
  canUseDirectory,
  canUsePartnerPortal,
  canVetPartner,
} from './referrals.policy.ts';
import {
  findMembership,
  findPartner,
  insertMembership,
  insertPartner,
  listPartners,
  type PartnerRow,
  updatePartner,
} from './referrals.repository.ts';
import {
  capacityFormSchema,
  directoryQuerySchema,
  memberFormSchema,
  type PartnerDetails,
  partnerDetailsSchema,
  partnerFormSchema,
  uuid,
  vettingFormSchema,
} from './referrals.schemas.ts';
import { remoteReferralSender } from './remote-senders.ts';

/**
 * The directory of partners (issue 14): organisations and individual hosts. What names or
 * locates someone is encrypted under the partner's own data key (`partner:<id>`); the name and
 * the city are findable through blind indexes; kind, country, languages, specialties and
 * capacity are clear columns that matching filters on (ADR 0128). A partner is screened against
 * the watchlists when it is added or changed, and it receives referrals only once a vetting
 * officer who is not the one who vouched for it has vetted it (ADR 0129).
 */
export const partnerSubject = (id: string) => `partner:${id}`;
const bind = (id: string) => ({ table: 'partners', column: 'details', rowId: id });

/** Normalised for the blind indexes: the linkage module's script-blind key (Тбилиси = Tbilisi). */
export const normaliseForIndex = (text: string) => matchKey(text);

export function partnerIndexes(keyring: Keyring, d: Pick<PartnerDetails, 'name' | 'city'>) {
  return {
    name_index: blindIndex(keyring, 'partner_name', normaliseForIndex(d.name)),
    city_index: blindIndex(keyring, 'partner_city', normaliseForIndex(d.city)),
  };
}

export function decryptPartnerDetails(
  key: DataKey,
  row: Pick<PartnerRow, 'id' | 'details_enc'>,
): PartnerDetails {
  return partnerDetailsSchema.parse(
    JSON.parse(decryptFieldText(key, toBuffer(row.details_enc), bind(row.id))),
  );
}

function fieldErrors(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>) {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const name = String(issue.path[0] ?? 'form');
    fields[name] ??= issue.message.startsWith('referrals.') ? issue.message : 'field.invalid';
  }
  return fields;
}

/** A form that did not parse: 400 naming each field. */
export function invalid(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): AppError {
  return new AppError('validation_failed', 'invalid referral form', { fields: fieldErrors(issues) });
}

export interface PartnerSummary {
  id: string;
  kind: PartnerKind;
  country: string;
  city: string;
  name: string;
  languages: string[];
  specialties: string[];
  capacityPlaces: number;
  capacityFrom: string | null;
  capacityUntil: string | null;
  vettingStatus: PartnerVettingStatus;
  watchlistHits: number;
  accepted: number;
  declined: number;
  completed: number;
}

export interface PartnerView extends PartnerSummary {
  details: PartnerDetails;
  vouchedBy: string | null;
  vettedBy: string | null;
}

function summaryOf(row: PartnerRow, d: PartnerDetails): PartnerSummary {
  return {
    id: row.id,
    kind: row.kind,
    country: row.country,
    city: d.city,
    name: d.name,
    languages: row.languages,
    specialties: row.specialties,
    capacityPlaces: row.capacity_places,
    capacityFrom: row.capacity_from,
    capacityUntil: row.capacity_until,
    vettingStatus: row.vetting_status,
    watchlistHits: row.watchlist_hits,
    accepted: row.accepted_count,
    declined: row.declined_count,
    completed: row.completed_count,
  };
}

/** Decrypts the details of several partners (one key query) and keeps the rows in order. */
export async function summarisePartners(
  ctx: AppContext,
  db: Db,
  rows: readonly PartnerRow[],
): Promise<PartnerSummary[]> {
  return withSubjectKeys(
    ctx,
    rows.map((r) => partnerSubject(r.id)),
    (keys) =>
      rows.flatMap((r) => {
        const key = keys.get(partnerSubject(r.id));
        return key === undefined ? [] : [summaryOf(r, decryptPartnerDetails(key, r))];
      }),
    db,
  );
}

/** Adds a partner; the staff member who adds it vouches for it. Screened against the watchlists at once. */
export async function createPartner(ctx: AppContext, actor: Actor, input: unknown): Promise<{ id: string }> {
  requireAllowed(canAddPartner(actor), 'partner.create');
  const form = partnerFormSchema.safeParse(input ?? {});
  if (!form.success) throw invalid(form.error.issues);
  const f = form.data;
  const details = partnerDetailsSchema.safeParse({
    name: f.name,
    givenName: f.givenName,
    familyName: f.familyName,
    birthDate: f.birthDate,
    city: f.city,
    contactMethod: f.contactMethod,
    contact: f.contact,
    phone: f.phone,
    notes: f.notes,
    voucherNote: f.voucherNote,
  });
  if (!details.success) throw invalid(details.error.issues);
  const peerId = f.kind === 'sanctuary_server' ? await requireVerifiedPeer(ctx, f.peerId) : null;
  const keyring = ctx.vault.requireKeyring();
  const hits = await screenPersonAgainstWatchlists(ctx, screenedPerson(details.data));
  const id = randomUUID();
  await ctx.database.db.transaction().execute(async (trx) => {
    await withNewSubjectKey(ctx, trx, partnerSubject(id), async (key) => {
      await insertPartner(trx, {
        id,
        kind: f.kind,
        country: f.country,
        languages: f.languages,
        specialties: f.specialties,
        capacity_places: f.capacityPlaces,
        capacity_from: f.capacityFrom ?? null,
        capacity_until: f.capacityUntil ?? null,
        vouched_by: actor.kind === 'staff' ? actor.id : null,
        watchlist_hits: hits.length,
        peer_id: peerId,
        ...partnerIndexes(keyring, details.data),
        details_enc: encryptField(key, JSON.stringify(details.data), bind(id)),
      });
    });
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'partner.create',
      target: `partner:${id}`,
      reason: `${f.kind} ${f.country}; watchlist hits ${hits.length}`,
    });
  });
  return { id };
}

/**
 * Another Sanctuary server is a partner only as a verified federation peer (ADR 0163): the
 * form offers the verified peers, and the choice is checked against them again here.
 */
async function requireVerifiedPeer(ctx: AppContext, peerId: string): Promise<string> {
  const peers = (await remoteReferralSender()?.peers(ctx, ctx.database.db)) ?? [];
  if (!peers.some((p) => p.id === peerId)) {
    throw new AppError('validation_failed', 'not a verified peer', {
      fields: { peerId: 'referrals.partner.peer' },
    });
  }
  return peerId;
}

/** The verified peers the partner form offers for `sanctuary_server` (none without federation). */
export async function peerChoices(ctx: AppContext, actor: Actor) {
  requireAllowed(canAddPartner(actor), 'partner.create');
  return (await remoteReferralSender()?.peers(ctx, ctx.database.db)) ?? [];
}

function screenedPerson(d: PartnerDetails) {
  return {
    givenName: d.givenName,
    familyName: d.familyName,
    birthDate: d.birthDate,
    phone: d.phone,
  };
}

export interface DirectoryPage {
  partners: PartnerSummary[];
  query: { q: string; city: string; country: string };
}

/**
 * The directory, searched by exact name or city (blind index, then compared exactly after
 * decryption) and by country. Audited as a read of partners' personal data.
 */
export async function listDirectory(ctx: AppContext, actor: Actor, input: unknown): Promise<DirectoryPage> {
  requireAllowed(canUseDirectory(actor), 'partner.directory');
  const parsed = directoryQuerySchema.safeParse(input ?? {});
  const query = parsed.success ? parsed.data : { q: '', city: '', country: '' };
  const keyring = ctx.vault.requireKeyring();
  const db = ctx.database.db;
  const rows = await listPartners(
    db,
    {
      ...(query.country === '' ? {} : { country: query.country }),
      ...(query.q === ''
        ? {}
        : { nameIndex: blindIndex(keyring, 'partner_name', normaliseForIndex(query.q)) }),
      ...(query.city === ''
        ? {}
        : { cityIndex: blindIndex(keyring, 'partner_city', normaliseForIndex(query.city)) }),
    },
    200,
  );
  const partners = (await summarisePartners(ctx, db, rows)).filter(
    (p) =>
      (query.q === '' || normaliseForIndex(p.name) === normaliseForIndex(query.q)) &&
      (query.city === '' || normaliseForIndex(p.city) === normaliseForIndex(query.city)),
  );
  await recordAudit(db, {
    actor: actorLabel(actor),
    action: 'partner.list',
    target: 'partners',
    reason: `${partners.length} shown`,
  });
  return { partners, query };
}

/** Partners waiting for vetting (and flagged ones, for review): vetting officers. */
export async function listPartnersToVet(ctx: AppContext, actor: Actor): Promise<PartnerSummary[]> {
  requireAllowed(canVetPartner(actor), 'partner.vetting_queue');
  const db = ctx.database.db;
  const rows = [
    ...(await listPartners(db, { status: 'pending' }, 200)),
    ...(await listPartners(db, { status: 'flagged' }, 200)),
  ];
  return summarisePartners(ctx, db, rows);
}

export async function getPartner(ctx: AppContext, actor: Actor, partnerId: unknown): Promise<PartnerView> {
  requireAllowed(canUseDirectory(actor), 'partner.read');
  const id = uuid.safeParse(partnerId);
  if (!id.success) throw new AppError('not_found', 'malformed partner id');
  const db = ctx.database.db;
  const row = await findPartner(db, id.data);
  if (row === undefined) throw new AppError('not_found', 'no such partner');
  const details = await withSubjectKey(
    ctx,
    partnerSubject(row.id),
    (key) => decryptPartnerDetails(key, row),
    db,
  );
  await recordAudit(db, { actor: actorLabel(actor), action: 'partner.read', target: `partner:${row.id}` });
  return { ...summaryOf(row, details), details, vouchedBy: row.vouched_by, vettedBy: row.vetted_by };
}

/**
 * A vetting officer's decision on a partner. "vet" needs a second person: not the one who
 * vouched (also a CHECK in the table), and no open watchlist hit. "flag" (at any time, also
 * after vetting) pauses the partner's open referrals; vetting again resumes them.
 */
export async function decidePartnerVetting(
  ctx: AppContext,
  actor: Actor,
  partnerId: unknown,
  input: unknown,
): Promise<PartnerVettingStatus> {
  requireAllowed(canVetPartner(actor), 'partner.vet');
  const id = uuid.safeParse(partnerId);
  if (!id.success) throw new AppError('not_found', 'malformed partner id');
  return ctx.database.db.transaction().execute(async (trx) => {
    const row = await findPartner(trx, id.data, true);
    if (row === undefined) throw new AppError('not_found', 'no such partner');
    const form = vettingFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    const { decision, reason } = form.data;
    const by = actor.kind === 'staff' ? actor.id : null;
    let status: PartnerVettingStatus;
    if (decision === 'vet') {
      if (by === null || by === row.vouched_by) {
        throw new AppError('conflict', 'the one who vouched for a partner cannot vet it', {
          fields: { decision: 'referrals.vet.second_person' },
        });
      }
      if (row.watchlist_hits > 0 && reason === '') {
        throw new AppError('validation_failed', 'a watchlist hit needs a reason to vet', {
          fields: { reason: 'referrals.vet.hit_reason' },
        });
      }
      status = 'vetted';
      await updatePartner(trx, row.id, { vetting_status: status, vetted_by: by, vetted_at: new Date() });
      if (row.vetting_status === 'flagged') await resumePartnerReferrals(trx, row.id, actor);
    } else {
      status = decision === 'flag' ? 'flagged' : 'rejected';
      await updatePartner(trx, row.id, { vetting_status: status, vetted_by: null, vetted_at: null });
      await pausePartnerReferrals(trx, row.id, actor);
    }
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: `partner.${decision}`,
      target: `partner:${row.id}`,
      // The reason is the officer's free text: it stays out of the audit log (no personal data there).
      reason: reason === '' ? null : 'reason given',
    });
    return status;
  });
}

/**
 * Screens every vetted or pending partner against the watchlists again (a daily job, and after
 * a list is approved): a vetted partner with a new hit is flagged and its open referrals paused.
 */
export async function rescreenPartners(
  ctx: AppContext,
  limit = 10_000,
): Promise<{ screened: number; flagged: number }> {
  const db = ctx.database.db;
  const rows = [
    ...(await listPartners(db, { status: 'vetted' }, limit)),
    ...(await listPartners(db, { status: 'pending' }, limit)),
  ];
  let flagged = 0;
  for (const row of rows) {
    const details = await withSubjectKey(
      ctx,
      partnerSubject(row.id),
      (key) => decryptPartnerDetails(key, row),
      db,
    );
    const hits = await screenPersonAgainstWatchlists(ctx, screenedPerson(details));
    if (hits.length === row.watchlist_hits) continue;
    await db.transaction().execute(async (trx) => {
      const locked = await findPartner(trx, row.id, true);
      if (locked === undefined) return;
      const flag = hits.length > locked.watchlist_hits && locked.vetting_status === 'vetted';
      await updatePartner(trx, row.id, {
        watchlist_hits: hits.length,
        ...(flag ? { vetting_status: 'flagged', vetted_by: null, vetted_at: null } : {}),
      });
      if (flag) {
        flagged++;
        await pausePartnerReferrals(trx, row.id, { kind: 'cli', id: 'cli' });
        await recordAudit(trx, {
          actor: 'system',
          action: 'partner.flag',
          target: `partner:${row.id}`,
          reason: `watchlist hits ${hits.length}`,
        });
      }
    });
  }
  return { screened: rows.length, flagged };
}

/** Links a staff account of the partner role to its organisation (coordinators). */
export async function addPartnerMember(
  ctx: AppContext,
  actor: Actor,
  partnerId: unknown,
  input: unknown,
): Promise<void> {
  requireAllowed(canManagePartnerAccounts(actor), 'partner.member_add');
  const id = uuid.safeParse(partnerId);
  if (!id.success) throw new AppError('not_found', 'malformed partner id');
  await ctx.database.db.transaction().execute(async (trx) => {
    const row = await findPartner(trx, id.data);
    if (row === undefined) throw new AppError('not_found', 'no such partner');
    const form = memberFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    const member = await findActiveStaff(trx, form.data.staffId);
    if (member === undefined || member.role !== 'partner') {
      throw new AppError('validation_failed', 'not a partner account', {
        fields: { staffId: 'referrals.member.not_partner' },
      });
    }
    if (!(await insertMembership(trx, member.id, row.id))) {
      throw new AppError('conflict', 'this account already belongs to a partner');
    }
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'partner.member_add',
      target: `partner:${row.id}`,
      reason: `staff:${member.id}`,
    });
  });
}

/** The partner an actor of the partner role acts for; 404 for anyone else or an unlinked account. */
export async function partnerOf(db: Db, actor: Actor): Promise<string> {
  requireAllowed(canUsePartnerPortal(actor), 'partner portal');
  const partnerId = actor.kind === 'staff' ? await findMembership(db, actor.id) : undefined;
  if (partnerId === undefined) throw new AppError('not_found', 'no partner for this account');
  return partnerId;
}

/** The partner updates its own capacity from the portal. */
export async function updateOwnCapacity(ctx: AppContext, actor: Actor, input: unknown): Promise<void> {
  await ctx.database.db.transaction().execute(async (trx) => {
    const partnerId = await partnerOf(trx, actor);
    const form = capacityFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    await updatePartner(trx, partnerId, {
      capacity_places: form.data.capacityPlaces,
      capacity_from: form.data.capacityFrom ?? null,
      capacity_until: form.data.capacityUntil ?? null,
    });
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'partner.capacity',
      target: `partner:${partnerId}`,
      reason: `${form.data.capacityPlaces} places`,
    });
  });
}

/** The partner's own capacity and name, for its portal page. */
export async function getOwnPartner(ctx: AppContext, actor: Actor): Promise<PartnerSummary> {
  const db = ctx.database.db;
  const partnerId = await partnerOf(db, actor);
  const row = await findPartner(db, partnerId);
  if (row === undefined) throw new AppError('not_found', 'no such partner');
  const [summary] = await summarisePartners(ctx, db, [row]);
  if (summary === undefined) throw new AppError('not_found', 'no partner key');
  return summary;
}
