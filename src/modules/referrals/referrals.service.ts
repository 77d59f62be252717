import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type Actor, actorLabel } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type DataKey, decryptFieldText, encryptField } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { CaseRow, ReferralState } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { authoriseCase, findCaseById, registerAccessActions } from '../case-access/index.ts';
import { readPerson, subjectOf, today, touchCase } from '../cases/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { invalid, type PartnerSummary, partnerOf, summarisePartners } from './partners.service.ts';
import {
  bumpPartnerCounter,
  findPartner,
  findReferral,
  insertReferral,
  insertReferralEvent,
  listCaseReferrals,
  listDueReferrals,
  listPartnerReferrals,
  listReferralEvents,
  type ReferralEventRow,
  type ReferralRow,
  updateReferral,
} from './referrals.repository.ts';
import {
  consentAnswerFormSchema,
  consentAskFormSchema,
  consentFormSchema,
  messageFormSchema,
  newReferralSchema,
  PACKET_FIELDS,
  type PacketField,
  progressFormSchema,
  reasonFormSchema,
  remoteAnswerFormSchema,
  rerouteFormSchema,
  respondFormSchema,
  SENSITIVE_FIELDS,
  uuid,
} from './referrals.schemas.ts';
import { assertTransition, canTransition, PARTNER_VISIBLE } from './referrals.workflow.ts';
import { type IncomingReferralView, remoteReferralSender } from './remote-senders.ts';
// The timeline source and the case page's link register when this module loads.
import './referrals.timeline.tsx';

/**
 * Referrals of a case to a partner (issue 14, ADR 0127). Every step is one transaction that
 * checks the transition table, writes the referral, an event on the case timeline and an audit
 * entry whose target is the case (so it shows in the case's access log). The case's content is
 * read only through authoriseCase (staff) or, for the partner, through the referral it was sent:
 * never more than the consented, allow-listed packet.
 */

/** Days after the answer was due before an unanswered referral expires (the reminder comes first). */
export const GRACE_DAYS = 3;
/** Days a partner has to answer when the caseworker sets no date. */
export const DEFAULT_ANSWER_DAYS = 3;

export const REFERRAL_AUDIT_ACTIONS = [
  'referral.create',
  'referral.consent',
  'referral.approve_disclosure',
  'referral.send',
  'referral.withdraw',
  'referral.reroute',
  'referral.accept',
  'referral.decline',
  'referral.start',
  'referral.complete',
  'referral.message',
  'referral.read',
  'referral.partner_read',
  'referral.pause',
  'referral.resume',
  'referral.expire',
  'referral.reminder',
  'referral.remote_ignored',
  'referral.remote_answer',
  'referral.consent_ask',
] as const;
registerAccessActions(REFERRAL_AUDIT_ACTIONS);

/** What the caseworker enters for a referral (encrypted with the case key until it is sent). */
const requestSchema = z.object({
  people: z.number().int(),
  arrival: z.string().optional(),
  languages: z.array(z.string()),
  needs: z.array(z.string()),
  note: z.string(),
});
type ReferralRequest = z.infer<typeof requestSchema>;

/** The packet a partner sees: allow-listed fields only, each present only when consented to. */
export type Packet = Partial<{
  people: number;
  languages: string[];
  needs: string[];
  arrival_week: string;
  note: string;
  full_name: string;
  documents: string[];
  arrival_date: string;
  phone: string;
}>;
const stored = z.object({ request: requestSchema, packet: z.record(z.string(), z.unknown()).optional() });
type Stored = { request: ReferralRequest; packet?: Packet };

const bindPacket = (id: string) => ({ table: 'referrals', column: 'packet', rowId: id });
const bindNote = (id: string) => ({ table: 'referral_events', column: 'note', rowId: id });

function readStored(key: DataKey, row: Pick<ReferralRow, 'id' | 'packet_enc'>): Stored | null {
  if (row.packet_enc === null) return null;
  return stored.parse(
    JSON.parse(decryptFieldText(key, toBuffer(row.packet_enc), bindPacket(row.id))),
  ) as Stored;
}
const writeStored = (key: DataKey, id: string, s: Stored) =>
  encryptField(key, JSON.stringify(s), bindPacket(id));

/** Monday of the arrival's week: what a partner learns without the exact-arrival consent. */
export function weekOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/** The day `n` days after `day` (YYYY-MM-DD, UTC). */
export const addDays = (day: string, n: number) => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

/** Builds the packet from the allow-list: a field is in it only when it is consented to. */
export function buildPacket(
  fields: readonly string[],
  request: ReferralRequest,
  person: { fullName: string; documents: string[]; phone: string | undefined },
): Packet {
  const allowed = new Set(
    fields.filter((f): f is PacketField => (PACKET_FIELDS as readonly string[]).includes(f)),
  );
  const p: Packet = {};
  if (allowed.has('people')) p.people = request.people;
  if (allowed.has('languages')) p.languages = request.languages;
  if (allowed.has('needs')) p.needs = request.needs;
  if (allowed.has('note') && request.note !== '') p.note = request.note;
  if (allowed.has('arrival_week') && request.arrival !== undefined) p.arrival_week = weekOf(request.arrival);
  if (allowed.has('arrival_date') && request.arrival !== undefined) p.arrival_date = request.arrival;
  if (allowed.has('full_name') && person.fullName !== '') p.full_name = person.fullName;
  if (allowed.has('documents') && person.documents.length > 0) p.documents = person.documents;
  if (allowed.has('phone') && person.phone !== undefined) p.phone = person.phone;
  return p;
}

async function addEvent(
  ctx: AppContext,
  trx: Db,
  row: Pick<ReferralRow, 'id' | 'case_id'>,
  event: string,
  by: Actor | 'partner' | 'system',
  note?: string,
): Promise<void> {
  const id = randomUUID();
  const noteEnc =
    note === undefined || note === ''
      ? null
      : await withSubjectKey(
          ctx,
          subjectOf(row.case_id),
          (key) => encryptField(key, note, bindNote(id)),
          trx,
        );
  await insertReferralEvent(trx, {
    id,
    referral_id: row.id,
    case_id: row.case_id,
    event,
    by_staff: typeof by === 'object' && by.kind === 'staff' ? by.id : null,
    by_partner: by === 'partner',
    note_enc: noteEnc,
  });
  await touchCase(trx, row.case_id);
}

function referralId(value: unknown): string {
  const id = uuid.safeParse(value);
  if (!id.success) throw new AppError('not_found', 'malformed referral id');
  return id.data;
}

/** A referral of the case the staff member has authorised, locked for the step (404 otherwise). */
async function referralOfCase(trx: Db, caseRow: CaseRow, id: unknown): Promise<ReferralRow> {
  const row = await findReferral(trx, referralId(id), true);
  if (row === undefined || row.case_id !== caseRow.id) throw new AppError('not_found', 'no such referral');
  return row;
}

async function requireVettedPartner(trx: Db, partnerId: string) {
  const partner = await findPartner(trx, partnerId);
  if (partner === undefined)
    throw new AppError('validation_failed', 'no such partner', {
      fields: { partnerId: 'referrals.partner.unknown' },
    });
  if (partner.vetting_status !== 'vetted') {
    throw new AppError('conflict', 'partner not vetted', {
      fields: { partnerId: 'referrals.partner.not_vetted' },
    });
  }
  return partner;
}

/**
 * One staff step on a referral of a case, in one transaction: write access to the case, the
 * referral (locked; 404 when it is another case's), the step, then the audit entry on the case.
 */
async function staffStep<T>(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  id: unknown,
  action: (typeof REFERRAL_AUDIT_ACTIONS)[number],
  work: (trx: Db, caseRow: CaseRow, row: ReferralRow) => Promise<{ out: T; reason?: string }>,
): Promise<T> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const { row: caseRow } = await authoriseCase(trx, actor, ref, 'write');
    const row = await referralOfCase(trx, caseRow, id);
    const done = await work(trx, caseRow, row);
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action,
      target: `case:${caseRow.ref}`,
      reason: done.reason ?? `referral:${row.id}`,
    });
    return done.out;
  });
}

// ---- staff steps -----------------------------------------------------------------------------

/** A new referral (draft) of a case to a vetted partner. Needs write access to the case. */
export async function createReferral(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
): Promise<{ ref: string; id: string }> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const { row } = await authoriseCase(trx, actor, ref, 'write');
    const form = newReferralSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    const f = form.data;
    await requireVettedPartner(trx, f.partnerId);
    const id = randomUUID();
    const request: ReferralRequest = {
      people: f.people,
      ...(f.arrival === undefined ? {} : { arrival: f.arrival }),
      languages: f.languages,
      needs: f.needs,
      note: f.note,
    };
    const packetEnc = await withSubjectKey(
      ctx,
      subjectOf(row.id),
      (key) => writeStored(key, id, { request }),
      trx,
    );
    await insertReferral(trx, {
      id,
      case_id: row.id,
      partner_id: f.partnerId,
      state: 'draft',
      packet_enc: packetEnc,
      respond_by: f.respondBy ?? null,
      created_by: actor.kind === 'staff' ? actor.id : null,
    });
    await addEvent(ctx, trx, { id, case_id: row.id }, 'draft', actor);
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'referral.create',
      target: `case:${row.ref}`,
      reason: `referral:${id}`,
    });
    return { ref: row.ref, id };
  });
}

/**
 * Records the applicant's consent to a list of fields and how it was given. Consent to the real
 * name, documents, the exact arrival or the phone makes the referral "sensitive": it is sent
 * only after a second staff member approves the disclosure.
 */
export async function recordConsent(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  id: unknown,
  input: unknown,
): Promise<void> {
  await staffStep(ctx, actor, ref, id, 'referral.consent', async (trx, _caseRow, row) => {
    const form = consentFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    assertTransition(row.state, 'consent_recorded', row.paused);
    const { fields, via, on } = form.data;
    await updateReferral(trx, row.id, {
      state: 'consent_recorded',
      consent_fields: fields,
      consent_via: via,
      consent_on: on,
      sensitive: fields.some((f) => SENSITIVE_FIELDS.has(f)),
      disclosure_approved_by: null,
    });
    await addEvent(ctx, trx, row, 'consent_recorded', actor, `${via}: ${fields.join(', ')}`);
    return { out: undefined, reason: `referral:${row.id} via ${via}; ${fields.join(',')}` };
  });
}

/** The second staff member's approval of a sensitive disclosure (not the one who drafted it). */
export async function approveDisclosure(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  id: unknown,
): Promise<void> {
  await staffStep(ctx, actor, ref, id, 'referral.approve_disclosure', async (trx, _caseRow, row) => {
    if (row.state !== 'consent_recorded' || !row.sensitive || row.disclosure_approved_by !== null) {
      throw new AppError('conflict', 'nothing to approve');
    }
    if (actor.kind !== 'staff' || actor.id === row.created_by) {
      throw new AppError('conflict', 'the one who drafted the referral cannot approve its disclosure');
    }
    await updateReferral(trx, row.id, { disclosure_approved_by: actor.id });
    await addEvent(ctx, trx, row, 'disclosure_approved', actor);
    return { out: undefined };
  });
}

/**
 * Sends the referral: the packet is built now from the allow-list and the consent (the case's
 * person is read for the sensitive fields only when they were consented to and approved), and
 * stored encrypted with the case key. A partner of kind `sanctuary_server` gets it through the
 * registered remote sender instead of the portal.
 */
export async function sendReferral(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  id: unknown,
  now = new Date(),
): Promise<void> {
  await ctx.database.db.transaction().execute(async (trx) => {
    const { row: caseRow } = await authoriseCase(trx, actor, ref, 'write');
    const row = await referralOfCase(trx, caseRow, id);
    assertTransition(row.state, 'sent', row.paused);
    const partner = await requireVettedPartner(trx, row.partner_id);
    if (row.sensitive && row.disclosure_approved_by === null) {
      throw new AppError('conflict', 'a sensitive disclosure needs a second staff member’s approval');
    }
    const needsPerson = row.consent_fields.some(
      (f) => f === 'full_name' || f === 'documents' || f === 'phone',
    );
    const person = needsPerson ? await readPerson(ctx, trx, caseRow) : undefined;
    const day = today(now);
    const respondBy = row.respond_by ?? addDays(day, DEFAULT_ANSWER_DAYS);
    let packet: Packet = {};
    const packetEnc = await withSubjectKey(
      ctx,
      subjectOf(caseRow.id),
      (key) => {
        const s = readStored(key, row);
        if (s === null) throw new AppError('conflict', 'referral has no request');
        packet = buildPacket(row.consent_fields, s.request, {
          fullName: person === undefined ? '' : fullNameOf(person),
          documents: person === undefined ? [] : person.documents.map((d) => `${d.type} ${d.number}`.trim()),
          phone: person?.phone,
        });
        return writeStored(key, row.id, { request: s.request, packet });
      },
      trx,
    );
    await updateReferral(trx, row.id, {
      state: 'sent',
      packet_enc: packetEnc,
      sent_on: day,
      respond_by: respondBy,
    });
    if (partner.kind === 'sanctuary_server') {
      const sender = remoteReferralSender();
      if (sender === undefined || partner.peer_id === null)
        throw new AppError('conflict', 'no sender for referrals to another Sanctuary server');
      await sender.send(ctx, trx, actor, {
        referralId: row.id,
        peerId: partner.peer_id,
        packet,
        consent: {
          fields: row.consent_fields,
          on: row.consent_on ?? day,
          via: row.consent_via ?? 'in_person',
        },
        respondBy,
      });
    }
    await addEvent(ctx, trx, row, 'sent', actor);
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'referral.send',
      target: `case:${caseRow.ref}`,
      reason: `referral:${row.id} to partner:${partner.id}; fields ${Object.keys(packet).join(',')}`,
    });
  });
}

function fullNameOf(p: {
  givenName?: string | undefined;
  familyName?: string | undefined;
  givenNameLatin?: string | undefined;
  familyNameLatin?: string | undefined;
}): string {
  const cyr = [p.givenName, p.familyName].filter(Boolean).join(' ');
  const lat = [p.givenNameLatin, p.familyNameLatin].filter(Boolean).join(' ');
  return [cyr, lat].filter((s) => s !== '').join(' / ');
}

/** Withdraws a referral: the packet is erased in the same transaction, so the partner's access ends at once. */
export async function withdrawReferral(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  id: unknown,
  input: unknown,
): Promise<void> {
  await staffStep(ctx, actor, ref, id, 'referral.withdraw', async (trx, _caseRow, row) => {
    const form = reasonFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    assertTransition(row.state, 'withdrawn', row.paused);
    await updateReferral(trx, row.id, { state: 'withdrawn', packet_enc: null, paused: false });
    const partner = await findPartner(trx, row.partner_id);
    if (
      partner?.kind === 'sanctuary_server' &&
      partner.peer_id !== null &&
      row.state !== 'draft' &&
      row.state !== 'consent_recorded'
    ) {
      // The partner server hears of it by a signed status packet (ADR 0163): it stops answering
      // and marks the case it filed; it cannot be made to forget what it received.
      await remoteReferralSender()?.withdraw(ctx, trx, actor, row.id, partner.peer_id);
    }
    await addEvent(ctx, trx, row, 'withdrawn', actor, form.data.reason);
    return { out: undefined };
  });
}

/**
 * Re-routes a declined or expired referral (or one still waiting, which is withdrawn first) to
 * another vetted partner: a new draft with the same request. Consent is asked again, because it
 * was given for the first partner.
 */
export async function rerouteReferral(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  id: unknown,
  input: unknown,
): Promise<{ ref: string; id: string }> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const { row: caseRow } = await authoriseCase(trx, actor, ref, 'write');
    const row = await referralOfCase(trx, caseRow, id);
    const form = rerouteFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    if (!['declined', 'expired', 'sent'].includes(row.state))
      throw new AppError('conflict', 'only an unanswered or declined referral is re-routed');
    if (form.data.partnerId === row.partner_id) {
      throw new AppError('validation_failed', 'same partner', {
        fields: { partnerId: 'referrals.reroute.same' },
      });
    }
    await requireVettedPartner(trx, form.data.partnerId);
    const newId = randomUUID();
    const packetEnc = await withSubjectKey(
      ctx,
      subjectOf(caseRow.id),
      (key) => {
        const s = readStored(key, row);
        if (s === null) throw new AppError('conflict', 'referral has no request');
        return writeStored(key, newId, { request: s.request });
      },
      trx,
    );
    if (row.state === 'sent') {
      await updateReferral(trx, row.id, { state: 'withdrawn', packet_enc: null });
      await addEvent(ctx, trx, row, 'withdrawn', actor);
    }
    await insertReferral(trx, {
      id: newId,
      case_id: caseRow.id,
      partner_id: form.data.partnerId,
      state: 'draft',
      packet_enc: packetEnc,
      rerouted_from: row.id,
      created_by: actor.kind === 'staff' ? actor.id : null,
    });
    await addEvent(ctx, trx, { id: newId, case_id: caseRow.id }, 'rerouted', actor);
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'referral.reroute',
      target: `case:${caseRow.ref}`,
      reason: `referral:${row.id} -> referral:${newId}`,
    });
    return { ref: caseRow.ref, id: newId };
  });
}

/** A message from the caseworker to the partner, on the referral's thread. */
export async function messagePartner(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  id: unknown,
  input: unknown,
): Promise<void> {
  await staffStep(ctx, actor, ref, id, 'referral.message', async (trx, _caseRow, row) => {
    const form = messageFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    if (!PARTNER_VISIBLE.has(row.state) || row.paused) {
      throw new AppError('conflict', 'the partner cannot read this referral now');
    }
    await addEvent(ctx, trx, row, 'message', actor, form.data.body);
    return { out: undefined };
  });
}

// ---- what staff see ------------------------------------------------------------------------

export interface ReferralEventView {
  event: string;
  at: Date;
  byStaff: string | null;
  byPartner: boolean;
  note: string | null;
}

export interface StaffReferralView {
  id: string;
  state: ReferralState;
  paused: boolean;
  partner: PartnerSummary | undefined;
  consentFields: string[];
  /** Fields the applicant is asked about in the inbox (null: not asked). */
  consentAsked: string[] | null;
  consentVia: string | null;
  consentOn: string | null;
  sensitive: boolean;
  disclosureApproved: boolean;
  createdBy: string | null;
  respondBy: string | null;
  overdue: boolean;
  request: ReferralRequest | null;
  packet: Packet | null;
  events: ReferralEventView[];
}

function eventViews(key: DataKey, events: readonly ReferralEventRow[]): ReferralEventView[] {
  return events.map((e) => ({
    event: e.event,
    at: e.at,
    byStaff: e.by_staff,
    byPartner: e.by_partner,
    note: e.note_enc === null ? null : decryptFieldText(key, toBuffer(e.note_enc), bindNote(e.id)),
  }));
}

/** The referrals of a case, with their partners, requests, packets and threads (content access, audited). */
export async function getCaseReferrals(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  now = new Date(),
): Promise<{
  ref: string;
  caseId: string;
  referrals: StaffReferralView[];
  canWrite: boolean;
  incoming: IncomingReferralView | undefined;
}> {
  const db = ctx.database.db;
  const auth = await authoriseCase(db, actor, ref, 'content');
  const rows = await listCaseReferrals(db, auth.row.id);
  const partnerRows = (
    await Promise.all([...new Set(rows.map((r) => r.partner_id))].map((p) => findPartner(db, p)))
  ).filter((p) => p !== undefined);
  const partners = new Map((await summarisePartners(ctx, db, partnerRows)).map((p) => [p.id, p]));
  const events = await Promise.all(rows.map((r) => listReferralEvents(db, r.id)));
  const day = today(now);
  const referrals = await withSubjectKey(ctx, subjectOf(auth.row.id), (key) =>
    rows.map((r, i) => {
      const s = readStored(key, r);
      return {
        id: r.id,
        state: r.state,
        paused: r.paused,
        partner: partners.get(r.partner_id),
        consentFields: r.consent_fields,
        consentAsked: r.consent_asked,
        consentVia: r.consent_via,
        consentOn: r.consent_on,
        sensitive: r.sensitive,
        disclosureApproved: r.disclosure_approved_by !== null,
        createdBy: r.created_by,
        respondBy: r.respond_by,
        overdue: r.state === 'sent' && r.respond_by !== null && r.respond_by < day,
        request: s?.request ?? null,
        packet: s?.packet ?? null,
        events: eventViews(key, events[i] ?? []),
      };
    }),
  );
  await recordAudit(db, {
    actor: actorLabel(actor),
    action: 'referral.read',
    target: `case:${auth.row.ref}`,
    reason: auth.viaBreakGlass ? 'referrals, break-glass' : 'referrals',
  });
  let canWrite = true;
  try {
    await authoriseCase(db, actor, ref, 'write');
  } catch {
    canWrite = false;
  }
  const incoming = await remoteReferralSender()?.incoming(ctx, db, auth.row.id);
  return { ref: auth.row.ref, caseId: auth.row.id, referrals, canWrite, incoming };
}

// ---- deadlines ---------------------------------------------------------------------------------

/**
 * Unanswered referrals: on the day the answer was due, a reminder joins the case timeline (the
 * caseworker sees it there, on the referrals page and in the coordinators' report, and may
 * re-route); GRACE_DAYS later the referral expires and the partner's access ends.
 */
export async function runReferralDeadlines(
  ctx: AppContext,
  now = new Date(),
  limit = 500,
): Promise<{ reminded: number; expired: number }> {
  const day = today(now);
  const db = ctx.database.db;
  let reminded = 0;
  let expired = 0;
  for (const due of await listDueReferrals(db, day, limit)) {
    await db.transaction().execute(async (trx) => {
      const row = await findReferral(trx, due.id, true);
      if (row === undefined || row.state !== 'sent' || row.respond_by === null) return;
      const c = await findCaseById(trx, row.case_id);
      const target = `case:${c?.ref ?? row.case_id}`;
      if (addDays(row.respond_by, GRACE_DAYS) <= day) {
        await updateReferral(trx, row.id, { state: 'expired', paused: false });
        await addEvent(ctx, trx, row, 'expired', 'system');
        await recordAudit(trx, {
          actor: 'system',
          action: 'referral.expire',
          target,
          reason: `referral:${row.id}`,
        });
        expired++;
      } else if (row.reminded_on === null) {
        await updateReferral(trx, row.id, { reminded_on: day });
        await addEvent(ctx, trx, row, 'reminder', 'system');
        await recordAudit(trx, {
          actor: 'system',
          action: 'referral.reminder',
          target,
          reason: `referral:${row.id}`,
        });
        reminded++;
      }
    });
  }
  return { reminded, expired };
}

// ---- the partner's side ------------------------------------------------------------------------

export interface PartnerReferralView {
  id: string;
  state: ReferralState;
  sentOn: string | null;
  respondBy: string | null;
  packet: Packet;
  messages: Array<{ at: Date; fromPartner: boolean; body: string }>;
}

/** A referral sent to the actor's own partner and visible now (404 for every other). */
async function partnerReferral(trx: Db, actor: Actor, id: unknown, forUpdate = false): Promise<ReferralRow> {
  const partnerId = await partnerOf(trx, actor);
  const row = await findReferral(trx, referralId(id), forUpdate);
  if (
    row === undefined ||
    row.partner_id !== partnerId ||
    row.paused ||
    !PARTNER_VISIBLE.has(row.state) ||
    row.packet_enc === null
  ) {
    throw new AppError('not_found', 'no such referral');
  }
  return row;
}

/** The partner portal's list: referrals sent to this partner, visible now, with their packets. */
export async function listOwnReferrals(ctx: AppContext, actor: Actor): Promise<PartnerReferralView[]> {
  const db = ctx.database.db;
  const partnerId = await partnerOf(db, actor);
  const rows = await listPartnerReferrals(db, partnerId, [...PARTNER_VISIBLE]);
  return Promise.all(rows.map((r) => partnerView(ctx, db, r, false)));
}

async function partnerView(
  ctx: AppContext,
  db: Db,
  row: ReferralRow,
  withMessages: boolean,
): Promise<PartnerReferralView> {
  const events = withMessages
    ? (await listReferralEvents(db, row.id)).filter((e) => e.event === 'message')
    : [];
  return withSubjectKey(
    ctx,
    subjectOf(row.case_id),
    (key) => ({
      id: row.id,
      state: row.state,
      sentOn: row.sent_on,
      respondBy: row.respond_by,
      packet: readStored(key, row)?.packet ?? {},
      messages: eventViews(key, events).map((e) => ({
        at: e.at,
        fromPartner: e.byPartner,
        body: e.note ?? '',
      })),
    }),
    db,
  );
}

/** One referral in the portal, audited on the case (the case's access log shows the partner's read). */
export async function getOwnReferral(
  ctx: AppContext,
  actor: Actor,
  id: unknown,
): Promise<PartnerReferralView> {
  const db = ctx.database.db;
  const row = await partnerReferral(db, actor, id);
  const view = await partnerView(ctx, db, row, true);
  const c = await findCaseById(db, row.case_id);
  await recordAudit(db, {
    actor: actorLabel(actor),
    action: 'referral.partner_read',
    target: `case:${c?.ref ?? row.case_id}`,
    reason: `referral:${row.id}`,
  });
  return view;
}

/**
 * A partner's step on a referral (its own, through the portal, or a remote server's through
 * applyRemoteReferralStatus): accept or decline with a reason, start, complete with the outcome,
 * or a message. Updates the partner's outcome counters that matching scores on.
 */
async function partnerStep(
  ctx: AppContext,
  trx: Db,
  row: ReferralRow,
  to: ReferralState | 'message',
  who: Actor | string,
  note: string,
  today_: string,
): Promise<void> {
  if (to !== 'message') {
    assertTransition(row.state, to, row.paused);
    await updateReferral(trx, row.id, {
      state: to,
      ...(to === 'accepted' || to === 'declined' ? { answered_on: today_ } : {}),
    });
    if (to === 'accepted') await bumpPartnerCounter(trx, row.partner_id, 'accepted_count');
    if (to === 'declined') await bumpPartnerCounter(trx, row.partner_id, 'declined_count');
    if (to === 'completed') await bumpPartnerCounter(trx, row.partner_id, 'completed_count');
  }
  await addEvent(ctx, trx, row, to, 'partner', note);
  const c = await findCaseById(trx, row.case_id);
  const action =
    to === 'accepted'
      ? 'accept'
      : to === 'declined'
        ? 'decline'
        : to === 'in_progress'
          ? 'start'
          : to === 'completed'
            ? 'complete'
            : 'message';
  await recordAudit(trx, {
    actor: typeof who === 'string' ? who : actorLabel(who),
    action: `referral.${action}`,
    target: `case:${c?.ref ?? row.case_id}`,
    reason: `referral:${row.id}`,
  });
}

export async function respondToReferral(
  ctx: AppContext,
  actor: Actor,
  id: unknown,
  input: unknown,
  now = new Date(),
): Promise<ReferralState> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const row = await partnerReferral(trx, actor, id, true);
    const form = respondFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    if (form.data.decision === 'decline' && form.data.reason === '') {
      throw new AppError('validation_failed', 'a decline needs a reason', {
        fields: { reason: 'referrals.field.required' },
      });
    }
    const to = form.data.decision === 'accept' ? 'accepted' : 'declined';
    await partnerStep(ctx, trx, row, to, actor, form.data.reason, today(now));
    return to;
  });
}

export async function progressReferral(
  ctx: AppContext,
  actor: Actor,
  id: unknown,
  input: unknown,
  now = new Date(),
): Promise<ReferralState> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const row = await partnerReferral(trx, actor, id, true);
    const form = progressFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    const to = form.data.step === 'start' ? 'in_progress' : 'completed';
    await partnerStep(ctx, trx, row, to, actor, form.data.outcome, today(now));
    return to;
  });
}

export async function messageCaseworker(
  ctx: AppContext,
  actor: Actor,
  id: unknown,
  input: unknown,
): Promise<void> {
  await ctx.database.db.transaction().execute(async (trx) => {
    const row = await partnerReferral(trx, actor, id, true);
    const form = messageFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    await partnerStep(ctx, trx, row, 'message', actor, form.data.body, today());
  });
}

/**
 * The federation seam's way back: a status change reported by the peer server a
 * `sanctuary_server` partner is (the federation module has verified the packet, its sender and
 * that the referral was sent to that peer), applied in the caller's transaction as that
 * partner's step, on the timeline and audited with the peer as actor. A status that cannot
 * follow the referral's state (it was withdrawn or paused here meanwhile, or it is a repeat) is
 * not applied but audited, and the packet is still acknowledged: 'ignored'.
 */
export async function applyRemoteReferralStatus(
  ctx: AppContext,
  trx: Db,
  change: { referralId: string; peerId: string; to: string; note?: string | undefined },
  now = new Date(),
): Promise<'applied' | 'ignored'> {
  const id = uuid.safeParse(change.referralId);
  const row = id.success ? await findReferral(trx, id.data, true) : undefined;
  const partner = row === undefined ? undefined : await findPartner(trx, row.partner_id);
  const to = change.to as ReferralState;
  const answer = ['accepted', 'declined', 'in_progress', 'completed'].includes(to);
  if (
    row === undefined ||
    partner?.kind !== 'sanctuary_server' ||
    partner.peer_id !== change.peerId ||
    !answer ||
    !canTransition(row.state, to, row.paused)
  ) {
    // Not a referral of ours to that peer (a packet sent without the referrals module), or a
    // status that cannot follow: recorded, not applied; the packet is still acknowledged.
    const c = row === undefined ? undefined : await findCaseById(trx, row.case_id);
    await recordAudit(trx, {
      actor: `peer:${change.peerId}`,
      action: 'referral.remote_ignored',
      target: c === undefined ? `peer:${change.peerId}` : `case:${c.ref}`,
      reason:
        row === undefined
          ? `no referral ${change.referralId.slice(0, 80)} <- ${change.to}`
          : `referral:${row.id} ${row.state}${row.paused ? ' paused' : ''} <- ${change.to}`,
    });
    return 'ignored';
  }
  await partnerStep(ctx, trx, row, to, `peer:${change.peerId}`, change.note ?? '', today(now));
  return 'applied';
}

/**
 * On the receiving server: the caseworker's answer to another server's referral this case was
 * filed from (accepted or declined, then in progress, then completed), sent back as a signed
 * status packet through the registered sender, in one transaction with the audit entry on the
 * case. Needs write access to the case; 404 when the case did not come from another server.
 */
export async function answerRemoteReferral(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
): Promise<void> {
  await ctx.database.db.transaction().execute(async (trx) => {
    const { row: caseRow } = await authoriseCase(trx, actor, ref, 'write');
    const sender = remoteReferralSender();
    if (sender === undefined || (await sender.incoming(ctx, trx, caseRow.id)) === undefined) {
      throw new AppError('not_found', 'not a referral from another server');
    }
    const form = remoteAnswerFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    if (form.data.status === 'declined' && form.data.note === '') {
      throw new AppError('validation_failed', 'a decline needs a reason', {
        fields: { note: 'referrals.field.required' },
      });
    }
    await sender.answer(ctx, trx, actor, { caseId: caseRow.id, ...form.data });
    await touchCase(trx, caseRow.id);
    await recordAudit(trx, {
      actor: actorLabel(actor),
      action: 'referral.remote_answer',
      target: `case:${caseRow.ref}`,
      reason: form.data.status,
    });
  });
}

// ---- the applicant's own consent, in the inbox (ADR 0164) ------------------------------------

/**
 * The caseworker asks the applicant, in their inbox, to agree to share a list of fields with
 * the partner of a draft referral. Asking again replaces the list; recording consent (here or
 * by the applicant) ends the request.
 */
export async function askConsentInInbox(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  id: unknown,
  input: unknown,
): Promise<void> {
  await staffStep(ctx, actor, ref, id, 'referral.consent_ask', async (trx, _caseRow, row) => {
    const form = consentAskFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    if (row.state !== 'draft' || row.paused) throw new AppError('conflict', 'only a draft is asked about');
    await updateReferral(trx, row.id, { consent_asked: form.data.fields });
    await addEvent(ctx, trx, row, 'consent_asked', actor, form.data.fields.join(', '));
    return { out: undefined, reason: `referral:${row.id}; ${form.data.fields.join(',')}` };
  });
}

/** A consent request as the applicant sees it: who would receive what. */
export interface ConsentRequestView {
  id: string;
  partnerKind: string;
  country: string;
  city: string;
  fields: PacketField[];
}

/** The requests waiting for the applicant of `caseId` (their own case only: the inbox's session). */
export async function listConsentRequests(ctx: AppContext, caseId: string): Promise<ConsentRequestView[]> {
  const db = ctx.database.db;
  const rows = (await listCaseReferrals(db, caseId)).filter(
    (r) => r.state === 'draft' && !r.paused && r.consent_asked !== null,
  );
  if (rows.length === 0) return [];
  const partnerRows = (await Promise.all(rows.map((r) => findPartner(db, r.partner_id)))).filter(
    (p) => p !== undefined,
  );
  const partners = new Map((await summarisePartners(ctx, db, partnerRows)).map((p) => [p.id, p]));
  return rows.flatMap((r) => {
    const p = partners.get(r.partner_id);
    return p === undefined
      ? []
      : [
          {
            id: r.id,
            partnerKind: p.kind,
            country: p.country,
            city: p.city,
            fields: (r.consent_asked ?? []).filter((f): f is PacketField =>
              (PACKET_FIELDS as readonly string[]).includes(f),
            ),
          },
        ];
  });
}

/**
 * The applicant's answer in the inbox: agree to the ticked fields (a subset of those asked) or
 * refuse. Recorded as consent "given through the inbox" on the day, on the timeline and audited
 * with the applicant as actor; the caseworker sees it on the referral. 404 for a referral that is
 * not this case's, not a draft, or not asked about; nothing is written on a refused form.
 */
export async function giveConsentInInbox(
  ctx: AppContext,
  caseId: string,
  id: unknown,
  input: unknown,
  now = new Date(),
): Promise<'agreed' | 'refused'> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const row = await findReferral(trx, referralId(id), true);
    if (
      row === undefined ||
      row.case_id !== caseId ||
      row.state !== 'draft' ||
      row.paused ||
      row.consent_asked === null
    ) {
      throw new AppError('not_found', 'no such consent request');
    }
    const form = consentAnswerFormSchema.safeParse(input ?? {});
    if (!form.success) throw invalid(form.error.issues);
    const asked = row.consent_asked;
    const c = await findCaseById(trx, row.case_id);
    const target = `case:${c?.ref ?? row.case_id}`;
    if (form.data.decision === 'refuse') {
      await updateReferral(trx, row.id, { consent_asked: null });
      await addEvent(ctx, trx, row, 'consent_refused', 'system', 'inbox');
      await recordAudit(trx, {
        actor: 'applicant',
        action: 'referral.consent',
        target,
        reason: 'refused in the inbox',
      });
      return 'refused';
    }
    const fields = form.data.fields;
    if (fields.length === 0 || !fields.every((f) => asked.includes(f))) {
      throw new AppError('validation_failed', 'fields not asked for', {
        fields: { fields: fields.length === 0 ? 'referrals.consent.none' : 'referrals.field.invalid' },
      });
    }
    await updateReferral(trx, row.id, {
      state: 'consent_recorded',
      consent_fields: fields,
      consent_via: 'inbox',
      consent_on: today(now),
      consent_asked: null,
      sensitive: fields.some((f) => SENSITIVE_FIELDS.has(f)),
      disclosure_approved_by: null,
    });
    await addEvent(ctx, trx, row, 'consent_recorded', 'system', `inbox: ${fields.join(', ')}`);
    await recordAudit(trx, {
      actor: 'applicant',
      action: 'referral.consent',
      target,
      reason: `referral:${row.id} via inbox; ${fields.join(',')}`,
    });
    return 'agreed';
  });
}
