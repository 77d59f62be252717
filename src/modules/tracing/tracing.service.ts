import { randomUUID } from 'node:crypto';
import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type DataKey, decryptFieldText, encryptField } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { CaseRow } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { recordAudit } from '../audit/index.ts';
import {
  actorFacts,
  authoriseCase,
  canWriteCase,
  caseFacts,
  findCaseById,
  requireAllowed,
  staffOnly,
} from '../case-access/index.ts';
import { addServiceReply, type PersonDetails, personSchema, subjectOf } from '../cases/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import type { FieldContribution } from '../linkage/index.ts';
import { findPersonMatches, personBlockEntries } from '../vetting/index.ts';
import { tm } from './tracing.messages.ts';
import { canUseTracing } from './tracing.policy.ts';
import {
  closeRequest,
  findConsent,
  findOpenRequestsByBlocks,
  findProposalForUpdate,
  findRequestForUpdate,
  insertConsent,
  insertProposalIfNew,
  insertRequest,
  insertRequestBlocks,
  listProposalRows,
  listRequestsOfCase,
  setProposalStatus,
  withdrawConsent,
} from './tracing.repository.ts';
import {
  type ConsentForm,
  type ConsentItem,
  consentFormSchema,
  idSchema,
  type Relationship,
  type RequestForm,
  relayFormSchema,
  requestFormSchema,
} from './tracing.schemas.ts';

/**
 * Family tracing (issue 20 item 5, ADR 0156). A family member's request is matched with the
 * vetting module's linkage (no second linkage here); a match is only a proposal for a
 * caseworker; nothing reaches the family unless the sought person consented, and then only
 * what he allowed, as a message through the cases face. Every step is authorised on the case
 * it concerns (404 otherwise), audited on that case (its access log shows it) and atomic.
 */

/** Proposals at or above this match probability are shown (lower than a duplicate's: a person reviews each). */
export const TRACING_THRESHOLD = 0.5;
const MAX_OTHER_REQUESTS = 50;
const MAX_PROPOSALS_LISTED = 200;

export interface SoughtPerson {
  familyName: string;
  givenName: string;
  patronymic: string;
  birthDate: string;
  unit: string;
  lastPlace: string;
  lastContact: string;
}

/** What a request holds, encrypted under the family case's key. */
export interface TracingDetails {
  sought: SoughtPerson;
  relationship: Relationship;
  safeContact: string;
  /** The family member's language: what is passed on is written in it. */
  lang: Locale;
}

const bind = (table: string, column: string, rowId: string) => ({ table, column, rowId });

function formError(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }) {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const name = String(issue.path[0] ?? 'form');
    fields[name] ??= issue.message.startsWith('field.') ? issue.message : 'field.invalid';
  }
  return new AppError('validation_failed', 'tracing form', { fields });
}

/** Parses the request form (400 with the fields named). */
export function parseRequestForm(input: unknown, lang: Locale): TracingDetails {
  const parsed = requestFormSchema.safeParse(input ?? {});
  if (!parsed.success) throw formError(parsed.error);
  const f: RequestForm = parsed.data;
  return {
    sought: {
      familyName: f.family_name,
      givenName: f.given_name,
      patronymic: f.patronymic,
      birthDate: f.birth_date,
      unit: f.unit,
      lastPlace: f.last_place,
      lastContact: f.last_contact,
    },
    relationship: f.relationship,
    safeContact: f.safe_contact,
    lang,
  };
}

/** The sought person as the linkage engine's input (names in whatever script they were given). */
function soughtPerson(s: SoughtPerson): PersonDetails {
  return personSchema.parse({
    familyName: s.familyName,
    givenName: s.givenName,
    patronymic: s.patronymic,
    birthDate: s.birthDate,
  });
}

function decryptDetails(key: DataKey, blob: Uint8Array, id: string): TracingDetails {
  return JSON.parse(
    decryptFieldText(key, toBuffer(blob), bind('tracing_requests', 'details', id)),
  ) as TracingDetails;
}

// ---------------------------------------------------------------------------------------------
// Filing

/**
 * Files a tracing request on a family case and matches it at once, in one transaction: the
 * request, its blind-indexed blocking keys and its proposals are written together or not at
 * all. `by` is the applicant (their own case, authenticated by codename) or a staff member
 * who may write the case.
 */
async function fileRequest(
  ctx: AppContext,
  trx: Db,
  row: CaseRow,
  details: TracingDetails,
  by: { kind: 'applicant' } | { kind: 'staff'; id: string },
): Promise<{ id: string; proposals: number }> {
  if (row.applicant_type !== 'family') throw new AppError('not_found', 'not a family case');
  const id = randomUUID();
  await withSubjectKey(
    ctx,
    subjectOf(row.id),
    (key) =>
      insertRequest(trx, {
        id,
        case_id: row.id,
        source: by.kind,
        details_enc: encryptField(key, JSON.stringify(details), bind('tracing_requests', 'details', id)),
      }),
    trx,
  );
  const person = soughtPerson(details.sought);
  const entries = personBlockEntries(ctx.vault.requireKeyring(), {
    id,
    givenName: person.givenName,
    familyName: person.familyName,
    patronymic: person.patronymic,
    birthDate: person.birthDate,
  });
  await insertRequestBlocks(trx, id, entries);
  const proposals = await matchRequest(ctx, trx, { id, caseId: row.id, person, entries });
  await recordAudit(trx, {
    actor: by.kind === 'staff' ? by.id : 'applicant',
    action: 'tracing.request',
    target: `case:${row.ref}`,
    reason: `${proposals} proposals`,
  });
  return { id, proposals };
}

/** The applicant files a request from their inbox (their own case, by codename). */
export async function fileApplicantRequest(
  ctx: AppContext,
  caseId: string,
  input: unknown,
  lang: Locale,
): Promise<{ id: string }> {
  const details = parseRequestForm(input, lang);
  return ctx.database.db.transaction().execute(async (trx) => {
    const row = await findCaseById(trx, caseId);
    if (row === undefined) throw new AppError('not_found', 'no such case');
    return fileRequest(ctx, trx, row, details, { kind: 'applicant' });
  });
}

/** A caseworker records a request on a family case they may write. */
export async function fileStaffRequest(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  lang: Locale,
): Promise<{ id: string; ref: string }> {
  requireAllowed(canUseTracing(actor), 'tracing');
  const staff = staffOnly(actor);
  const ref = (input as Record<string, unknown> | null)?.case;
  return ctx.database.db.transaction().execute(async (trx) => {
    const { row } = await authoriseCase(trx, actor, ref, 'write');
    if (row.applicant_type !== 'family') {
      throw new AppError('validation_failed', 'not a family case', { fields: { case: 'field.family_case' } });
    }
    const details = parseRequestForm(input, lang);
    const r = await fileRequest(ctx, trx, row, details, { kind: 'staff', id: staff.id });
    return { id: r.id, ref: row.ref };
  });
}

/** Whether an applicant's case is a family member's (only those file tracing requests). */
export async function isFamilyCase(ctx: AppContext, caseId: string): Promise<boolean> {
  return (await findCaseById(ctx.database.db, caseId))?.applicant_type === 'family';
}

/** The applicant's own requests (no matches, no proposals: only that they are open or closed). */
export async function listOwnRequests(ctx: AppContext, caseId: string) {
  return listRequestsOfCase(ctx.database.db, caseId);
}

// ---------------------------------------------------------------------------------------------
// Matching

/** The explanation kept with a proposal (under the family case's key): which fields agreed. */
export interface ProposalDetail {
  probability: number;
  swappedNames: boolean;
  fields: FieldContribution[];
  sharedKeys: string[];
}

/**
 * Matches one request against the cases' persons (the vetting module's linkage: blocking
 * index, search index, Fellegi-Sunter) and against other open requests (through this module's
 * own blocking index), and stores each new match as a proposal. Raises no vetting signal.
 */
async function matchRequest(
  ctx: AppContext,
  trx: Db,
  request: {
    id: string;
    caseId: string;
    person: PersonDetails;
    entries: Array<{ slot: number; value: number }>;
  },
): Promise<number> {
  const others = await findOpenRequestsByBlocks(trx, request.entries, request.caseId, MAX_OTHER_REQUESTS);
  const records: Array<{ id: string; person: PersonDetails }> = [];
  for (const o of others) {
    if (o.id === request.id) continue;
    const details = await withSubjectKey(
      ctx,
      subjectOf(o.case_id),
      (k) => decryptDetails(k, o.details_enc, o.id),
      trx,
    );
    records.push({ id: o.id, person: soughtPerson(details.sought) });
  }
  const matches = await findPersonMatches(ctx, trx, request.person, {
    threshold: TRACING_THRESHOLD,
    excludeCaseIds: [request.caseId],
    records,
  });
  if (matches.length === 0) return 0;
  let added = 0;
  await withSubjectKey(
    ctx,
    subjectOf(request.caseId),
    async (key) => {
      for (const m of matches) {
        const id = randomUUID();
        const detail: ProposalDetail = {
          probability: m.probability,
          swappedNames: m.swappedNames,
          fields: m.fields,
          sharedKeys: m.sharedKeys,
        };
        const created = await insertProposalIfNew(trx, {
          id,
          request_id: request.id,
          case_id: m.kind === 'case' ? m.id : null,
          other_request_id: m.kind === 'record' ? m.id : null,
          score: Math.min(1, Math.max(0, m.probability)),
          detail_enc: encryptField(key, JSON.stringify(detail), bind('tracing_proposals', 'detail', id)),
        });
        if (created) added++;
      }
    },
    trx,
  );
  return added;
}

/**
 * An open request of a family case the actor may write, locked, with its details, in `trx`
 * (404 for anyone else, like a missing one; 409 when already closed).
 */
async function loadOpenRequest(ctx: AppContext, trx: Db, actor: Actor, requestId: unknown) {
  requireAllowed(canUseTracing(actor), 'tracing');
  const id = idSchema.safeParse(requestId);
  if (!id.success) throw new AppError('not_found', 'malformed request id');
  const req = await findRequestForUpdate(trx, id.data);
  if (req === undefined) throw new AppError('not_found', 'no such request');
  const family = await caseForWrite(trx, actor, req.case_id);
  if (req.status !== 'open') throw new AppError('conflict', 'request closed');
  const details = await withSubjectKey(
    ctx,
    subjectOf(req.case_id),
    (k) => decryptDetails(k, req.details_enc, req.id),
    trx,
  );
  return { req, family, details };
}

/** Matches an open request again (new cases may have arrived since it was filed). */
export async function rematchRequest(ctx: AppContext, actor: Actor, requestId: unknown): Promise<number> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const { req, family, details } = await loadOpenRequest(ctx, trx, actor, requestId);
    const person = soughtPerson(details.sought);
    const entries = personBlockEntries(ctx.vault.requireKeyring(), { id: req.id, ...person });
    const added = await matchRequest(ctx, trx, { id: req.id, caseId: req.case_id, person, entries });
    await recordAudit(trx, {
      actor: staffOnly(actor).id,
      action: 'tracing.rematch',
      target: `case:${family.ref}`,
      reason: `${added} new proposals`,
    });
    return added;
  });
}

/** A case by id that the actor may write (404 like a missing one otherwise). */
async function caseForWrite(trx: Db, actor: Actor, caseId: string): Promise<CaseRow> {
  const row = await findCaseById(trx, caseId);
  if (row === undefined) throw new AppError('not_found', 'no such case');
  return (await authoriseCase(trx, actor, row.ref, 'write')).row;
}

// ---------------------------------------------------------------------------------------------
// The caseworker's list

export interface ProposalView {
  id: string;
  requestId: string;
  familyRef: string;
  /** The sought person's case, when the actor may write it; null for another request or a case not theirs. */
  soughtRef: string | null;
  /** Whether the match is another family's open request rather than a case. */
  otherRequest: boolean;
  canDecide: boolean;
  canConsent: boolean;
  status: 'proposed' | 'confirmed';
  requestOpen: boolean;
  score: number;
  detail: ProposalDetail;
  sought: SoughtPerson;
  relationship: Relationship;
  consent: { status: string; allows: string[] } | null;
  createdOn: string;
}

/**
 * Proposals the actor may act on: those whose family case they may write (to confirm or
 * reject), and those whose sought person's case they may write (to record his answer). Others
 * are not listed at all. Reading is audited once per family case shown.
 */
export async function listProposals(ctx: AppContext, actor: Actor): Promise<ProposalView[]> {
  requireAllowed(canUseTracing(actor), 'tracing');
  const staff = staffOnly(actor);
  const db = ctx.database.db;
  const facts = await actorFacts(db, actor);
  const rows = await listProposalRows(db, MAX_PROPOSALS_LISTED);
  const writable = new Map<string, boolean>();
  const mayWrite = async (caseId: string | null): Promise<boolean> => {
    if (caseId === null) return false;
    const known = writable.get(caseId);
    if (known !== undefined) return known;
    const row = await findCaseById(db, caseId);
    const ok = row !== undefined && canWriteCase(actor, caseFacts(row), facts);
    writable.set(caseId, ok);
    return ok;
  };
  const out: ProposalView[] = [];
  const shownFamilies = new Set<string>();
  for (const r of rows) {
    const canDecide = await mayWrite(r.family_case_id);
    const canConsent = r.status === 'confirmed' && (await mayWrite(r.case_id));
    if (!canDecide && !canConsent) continue;
    const { detail, details } = await withSubjectKey(
      ctx,
      subjectOf(r.family_case_id),
      (key) => ({
        detail: JSON.parse(
          decryptFieldText(key, toBuffer(r.detail_enc), bind('tracing_proposals', 'detail', r.id)),
        ) as ProposalDetail,
        details: decryptDetails(key, r.request_details_enc, r.request_id),
      }),
      db,
    );
    shownFamilies.add(r.family_ref);
    out.push({
      id: r.id,
      requestId: r.request_id,
      familyRef: r.family_ref,
      soughtRef: (await mayWrite(r.case_id)) ? r.sought_ref : null,
      otherRequest: r.other_request_id !== null,
      canDecide,
      canConsent,
      status: r.status === 'confirmed' ? 'confirmed' : 'proposed',
      requestOpen: r.request_status === 'open',
      score: r.score,
      detail,
      sought: details.sought,
      relationship: details.relationship,
      consent:
        r.consent_status === null ? null : { status: r.consent_status, allows: r.consent_allows ?? [] },
      createdOn: r.created_on,
    });
  }
  if (shownFamilies.size > 0) {
    await db.transaction().execute(async (trx) => {
      for (const ref of shownFamilies) {
        await recordAudit(trx, { actor: staff.id, action: 'tracing.read', target: `case:${ref}` });
      }
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decisions, consent, passing on

async function loadProposal(trx: Db, actor: Actor, proposalId: unknown) {
  requireAllowed(canUseTracing(actor), 'tracing');
  const id = idSchema.safeParse(proposalId);
  if (!id.success) throw new AppError('not_found', 'malformed proposal id');
  const p = await findProposalForUpdate(trx, id.data);
  if (p === undefined) throw new AppError('not_found', 'no such proposal');
  return p;
}

/** A proposal with the sought person's case, which the actor must be able to write (404 otherwise). */
async function loadSoughtSide(trx: Db, actor: Actor, proposalId: unknown) {
  const p = await loadProposal(trx, actor, proposalId);
  if (p.case_id === null) throw new AppError('not_found', 'no sought case');
  return { p, sought: await caseForWrite(trx, actor, p.case_id) };
}

/** The family member's language (what is passed on is written in it). */
async function familyLang(
  ctx: AppContext,
  trx: Db,
  r: { caseId: string; requestId: string; detailsEnc: Uint8Array },
): Promise<Locale> {
  const d = await withSubjectKey(
    ctx,
    subjectOf(r.caseId),
    (k) => decryptDetails(k, r.detailsEnc, r.requestId),
    trx,
  );
  return d.lang;
}

/** The family's caseworker confirms or rejects a proposal (nothing is told to anyone). */
export async function decideProposal(
  ctx: AppContext,
  actor: Actor,
  proposalId: unknown,
  decision: 'confirmed' | 'rejected',
): Promise<void> {
  await ctx.database.db.transaction().execute(async (trx) => {
    const p = await loadProposal(trx, actor, proposalId);
    const family = await caseForWrite(trx, actor, p.family_case_id);
    if (p.status !== 'proposed') throw new AppError('conflict', 'already decided');
    await setProposalStatus(trx, p.id, decision, staffOnly(actor).id);
    await recordAudit(trx, {
      actor: staffOnly(actor).id,
      action: decision === 'confirmed' ? 'tracing.proposal_confirm' : 'tracing.proposal_reject',
      target: `case:${family.ref}`,
      reason: `proposal ${p.id}`,
    });
  });
}

/** The text passed on to the family: only the items he allowed, in the family's language. */
function passedOnText(
  lang: Locale,
  allows: readonly ConsentItem[],
  message: string,
  contact: string,
): string {
  const lines = [tm(lang, 'relay.intro')];
  if (allows.includes('alive')) lines.push(tm(lang, 'relay.alive'));
  if (allows.includes('message') && message !== '') lines.push(tm(lang, 'relay.message', { message }));
  if (allows.includes('contact') && contact !== '') lines.push(tm(lang, 'relay.contact', { contact }));
  return lines.join('\n\n');
}

/** Closes a request and tells the family only that: the same words whatever the reason. */
async function closeAndTell(ctx: AppContext, trx: Db, requestId: string, familyCaseId: string, lang: Locale) {
  await closeRequest(trx, requestId);
  await addServiceReply(ctx, trx, familyCaseId, tm(lang, 'relay.closed'));
}

/**
 * Records the sought person's answer on his case (his caseworker, who may write it). Given:
 * what he allowed is passed on at once to the family's inbox, and nothing else. Refused: the
 * request is closed and the family is told only that (the words a closure without any match
 * uses too). One answer per proposal; withdrawing it is a separate step.
 */
export async function recordConsent(
  ctx: AppContext,
  actor: Actor,
  proposalId: unknown,
  input: unknown,
): Promise<void> {
  await ctx.database.db.transaction().execute(async (trx) => {
    const { p, sought } = await loadSoughtSide(trx, actor, proposalId);
    const parsed = consentFormSchema.safeParse(input ?? {});
    if (!parsed.success) throw formError(parsed.error);
    if (p.status !== 'confirmed' || p.request_status !== 'open')
      throw new AppError('conflict', 'not confirmed');
    if ((await findConsent(trx, p.id)) !== undefined) throw new AppError('conflict', 'answer recorded');
    const form: ConsentForm = parsed.data;
    const given = form.decision === 'given';
    const id = randomUUID();
    const message = given && form.allows.includes('message') ? form.message : '';
    const contact = given && form.allows.includes('contact') ? form.contact : '';
    await withSubjectKey(
      ctx,
      subjectOf(sought.id),
      (key) =>
        insertConsent(trx, {
          id,
          proposal_id: p.id,
          case_id: sought.id,
          status: form.decision,
          method: form.method,
          allows: given ? form.allows : [],
          message_enc:
            message === '' ? null : encryptField(key, message, bind('tracing_consents', 'message', id)),
          contact_enc:
            contact === '' ? null : encryptField(key, contact, bind('tracing_consents', 'contact', id)),
          recorded_by: staffOnly(actor).id,
        }),
      trx,
    );
    const lang = await familyLang(ctx, trx, {
      caseId: p.family_case_id,
      requestId: p.request_id,
      detailsEnc: p.request_details_enc,
    });
    if (given) {
      await addServiceReply(ctx, trx, p.family_case_id, passedOnText(lang, form.allows, message, contact));
    } else {
      await closeAndTell(ctx, trx, p.request_id, p.family_case_id, lang);
    }
    await recordAudit(trx, {
      actor: staffOnly(actor).id,
      action: given ? 'tracing.consent' : 'tracing.consent_refused',
      target: `case:${sought.ref}`,
      reason: given ? `${form.method}; allows ${form.allows.join(',')}` : form.method,
    });
  });
}

/** He withdraws his consent: nothing more is passed on (what was passed on stays passed on). */
export async function withdrawTracingConsent(
  ctx: AppContext,
  actor: Actor,
  proposalId: unknown,
): Promise<void> {
  await ctx.database.db.transaction().execute(async (trx) => {
    const { p, sought } = await loadSoughtSide(trx, actor, proposalId);
    const consent = await findConsent(trx, p.id);
    if (consent === undefined || consent.status !== 'given')
      throw new AppError('conflict', 'no consent to withdraw');
    await withdrawConsent(trx, consent.id);
    await recordAudit(trx, {
      actor: staffOnly(actor).id,
      action: 'tracing.consent_withdraw',
      target: `case:${sought.ref}`,
    });
  });
}

/** A further message from him, passed on only while his consent stands and allows messages. */
export async function relayMessage(
  ctx: AppContext,
  actor: Actor,
  proposalId: unknown,
  input: unknown,
): Promise<void> {
  await ctx.database.db.transaction().execute(async (trx) => {
    const { p, sought } = await loadSoughtSide(trx, actor, proposalId);
    const parsed = relayFormSchema.safeParse(input ?? {});
    if (!parsed.success) throw formError(parsed.error);
    const consent = await findConsent(trx, p.id);
    if (consent === undefined || consent.status !== 'given' || !consent.allows.includes('message')) {
      throw new AppError('conflict', 'no consent to pass messages on');
    }
    const lang = await familyLang(ctx, trx, {
      caseId: p.family_case_id,
      requestId: p.request_id,
      detailsEnc: p.request_details_enc,
    });
    await addServiceReply(
      ctx,
      trx,
      p.family_case_id,
      tm(lang, 'relay.further', { message: parsed.data.message }),
    );
    await recordAudit(trx, {
      actor: staffOnly(actor).id,
      action: 'tracing.relay',
      target: `case:${sought.ref}`,
    });
  });
}

/** The family's caseworker closes a request (found elsewhere, no longer wanted, nothing found). */
export async function closeTracingRequest(ctx: AppContext, actor: Actor, requestId: unknown): Promise<void> {
  await ctx.database.db.transaction().execute(async (trx) => {
    const { req, family, details } = await loadOpenRequest(ctx, trx, actor, requestId);
    await closeAndTell(ctx, trx, req.id, req.case_id, details.lang);
    await recordAudit(trx, {
      actor: staffOnly(actor).id,
      action: 'tracing.close',
      target: `case:${family.ref}`,
    });
  });
}
