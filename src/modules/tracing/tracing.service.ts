import { randomUUID } from 'node:crypto';
import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type DataKey, decryptFieldText, encryptField, keyedDigest } from '../../crypto/index.ts';
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
import {
  addServiceReply,
  findCasePerson,
  type PersonDetails,
  personSchema,
  subjectOf,
} from '../cases/index.ts';
import { enqueueJob } from '../jobs/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import type { FieldContribution } from '../linkage/index.ts';
import { findPersonMatches, personBlockEntries } from '../vetting/index.ts';
import { type TracingMessageKey, tm } from './tracing.messages.ts';
import { canUseTracing } from './tracing.policy.ts';
import {
  closeRequest,
  findConsent,
  findOpenRequestsByBlocks,
  findProposalForUpdate,
  findProposalOfPair,
  findRequestByIdempotency,
  findRequestForUpdate,
  findTracingMessageIds,
  insertConsent,
  insertProposal,
  insertRequest,
  insertRequestBlocks,
  insertTracingMessage,
  listProposalRows,
  listRequestsOfCase,
  type RequestSource,
  reviveProposal,
  setProposalBasis,
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
  requestFormShape,
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

/** Who files a request: the applicant (inbox or Telegram bot), a partner's call, or a caseworker. */
export type FiledBy =
  | { kind: 'applicant' | 'telegram' }
  | { kind: 'partner'; partnerId: string }
  | { kind: 'staff'; id: string };

const auditActorOf = (by: FiledBy) =>
  by.kind === 'staff' ? by.id : by.kind === 'partner' ? `partner:${by.partnerId}` : 'applicant';
const sourceOf = (by: FiledBy): RequestSource => (by.kind === 'telegram' ? 'telegram' : by.kind);

/** The linkage engine's blocking keys of a person (names in either script, as linkage takes them). */
function blocksOf(ctx: AppContext, id: string, p: PersonDetails) {
  return personBlockEntries(ctx.vault.requireKeyring(), {
    id,
    givenName: p.givenName ?? p.givenNameLatin,
    familyName: p.familyName ?? p.familyNameLatin,
    patronymic: p.patronymic,
    birthDate: p.birthDate,
  });
}

/**
 * Files a tracing request on a family case, in `trx`: the request, its blind-indexed blocking
 * keys, and either its proposals (matched at once) or the job that matches it (`matchNow:
 * false`: a partner's call, committed with the intake's batch). Written together or not at
 * all. `retry` is a channel's retry key (ADR 0161), stored as keyed digests.
 */
export async function fileRequest(
  ctx: AppContext,
  trx: Db,
  row: Pick<CaseRow, 'id' | 'ref' | 'applicant_type'>,
  details: TracingDetails,
  by: FiledBy,
  options: { matchNow?: boolean; retry?: { idempotencyHash: Buffer; requestHash: Buffer } } = {},
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
        source: sourceOf(by),
        details_enc: encryptField(key, JSON.stringify(details), bind('tracing_requests', 'details', id)),
        idempotency_hash: options.retry?.idempotencyHash ?? null,
        request_hash: options.retry?.requestHash ?? null,
      }),
    trx,
  );
  const person = soughtPerson(details.sought);
  const entries = blocksOf(ctx, id, person);
  await insertRequestBlocks(trx, id, entries);
  let proposals = 0;
  if (options.matchNow === false) await enqueueRequestMatch(trx, id);
  else proposals = await matchRequest(ctx, trx, { id, caseId: row.id, person, entries });
  await recordAudit(trx, {
    actor: auditActorOf(by),
    action: 'tracing.request',
    target: `case:${row.ref}`,
    reason: options.matchNow === false ? `via ${sourceOf(by)}; matching queued` : `${proposals} proposals`,
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

/** The keyed digests of a channel's retry key and of what was sent under it (ADR 0161). */
export function retryDigests(
  ctx: AppContext,
  retryKey: string,
  details: TracingDetails,
): { idempotencyHash: Buffer; requestHash: Buffer } {
  const keyring = ctx.vault.requireKeyring();
  return {
    idempotencyHash: keyedDigest(keyring, 'tracing-idempotency', retryKey),
    requestHash: keyedDigest(keyring, 'tracing-request', JSON.stringify(details)),
  };
}

/**
 * A request from the Telegram bot, on the chat's own (family) case, matched at once. Retrying
 * the same update (Telegram re-sends one it believes failed) files nothing twice: the retry
 * key is the chat's keyed handle and the update id. Validation errors are thrown before
 * anything is written.
 */
export async function fileTelegramRequest(
  ctx: AppContext,
  input: { caseId: string; answers: unknown; lang: Locale; retryKey: string },
): Promise<{ replay: boolean }> {
  const details = parseRequestForm(input.answers, input.lang);
  const retry = retryDigests(ctx, `tg|${input.retryKey}`, details);
  return ctx.database.db.transaction().execute(async (trx) => {
    const previous = await findRequestByIdempotency(trx, retry.idempotencyHash);
    if (previous !== undefined) {
      if (previous.case_id !== input.caseId || previous.request_hash === null)
        throw new AppError('conflict', 'retry key of another request');
      return { replay: true };
    }
    const row = await findCaseById(trx, input.caseId);
    if (row === undefined) throw new AppError('not_found', 'no such case');
    await fileRequest(ctx, trx, row, details, { kind: 'telegram' }, { retry });
    return { replay: false };
  });
}

/** The fields a tracing request asks, in the order the bot asks them (text answers). */
export const TRACING_TEXT_FIELDS = [
  'family_name',
  'given_name',
  'patronymic',
  'birth_date',
  'unit',
  'last_place',
  'last_contact',
  'safe_contact',
] as const;
export type TracingTextField = (typeof TRACING_TEXT_FIELDS)[number];

/** Checks one answer as the request form would (a message key of tracing's, or undefined). */
export function checkTracingField(field: TracingTextField, value: string): TracingMessageKey | undefined {
  const r = requestFormShape[field].safeParse(value);
  if (r.success) return undefined;
  const message = r.error.issues[0]?.message ?? 'field.invalid';
  return (message.startsWith('field.') ? message : 'field.invalid') as TracingMessageKey;
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

/** The fields the linkage compares, in a fixed order: what a proposal's basis is a digest of. */
function comparedFields(p: PersonDetails): Array<string | null> {
  return [
    p.familyName,
    p.givenName,
    p.patronymic,
    p.familyNameLatin,
    p.givenNameLatin,
    p.birthDate,
    p.phone,
  ].map((v) => v ?? null);
}

/**
 * The basis of a proposal (ADR 0162): a keyed digest (never a plain hash: the fields are
 * guessable) of the two persons as they were compared. A dismissed pair is proposed again only
 * when this changes.
 */
function basisOf(ctx: AppContext, a: PersonDetails, b: PersonDetails): Buffer {
  return keyedDigest(
    ctx.vault.requireKeyring(),
    'tracing-basis',
    JSON.stringify([comparedFields(a), comparedFields(b)]),
  );
}

/**
 * Matches one request against the cases' persons (the vetting module's linkage: blocking
 * index, search index, Fellegi-Sunter) and against other open requests (through this module's
 * own blocking index), and stores each new match as a proposal. Raises no vetting signal.
 * `cases` are cases' persons to compare whether or not the linkage index has them yet (the
 * person that changed, when a case's job re-matches). The same pair is never proposed twice;
 * a dismissed pair is proposed again only when the compared data changed (ADR 0162).
 * Returns how many proposals were added or proposed again.
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
  cases: ReadonlyArray<{ id: string; person: PersonDetails }> = [],
): Promise<number> {
  const others = await findOpenRequestsByBlocks(trx, request.entries, request.caseId, MAX_OTHER_REQUESTS);
  const records: Array<{ id: string; person: PersonDetails }> = [];
  const requestCase = new Map<string, string>();
  for (const o of others) {
    if (o.id === request.id) continue;
    const details = await withSubjectKey(
      ctx,
      subjectOf(o.case_id),
      (k) => decryptDetails(k, o.details_enc, o.id),
      trx,
    );
    records.push({ id: o.id, person: soughtPerson(details.sought) });
    requestCase.set(o.id, o.case_id);
  }
  const given = new Map(cases.filter((c) => c.id !== request.caseId).map((c) => [c.id, c.person]));
  const matches = await findPersonMatches(ctx, trx, request.person, {
    threshold: TRACING_THRESHOLD,
    excludeCaseIds: [request.caseId],
    records: [...records, ...[...given].map(([id, person]) => ({ id, person }))],
  });
  if (matches.length === 0) return 0;
  const recordPerson = new Map(records.map((r) => [r.id, r.person]));
  const seen = new Set<string>();
  let added = 0;
  for (const m of matches) {
    // A given case found by the index too is one candidate (matches come best first).
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    const isCase = m.kind === 'case' || given.has(m.id);
    const other = isCase
      ? (given.get(m.id) ?? (await findCasePerson(ctx, trx, m.id))?.person)
      : recordPerson.get(m.id);
    if (other === undefined) continue;
    const pair = {
      request_id: request.id,
      case_id: isCase ? m.id : null,
      other_request_id: isCase ? null : m.id,
    };
    const basis = basisOf(ctx, request.person, other);
    const detail: ProposalDetail = {
      probability: m.probability,
      swappedNames: m.swappedNames,
      fields: m.fields,
      sharedKeys: m.sharedKeys,
    };
    const score = Math.min(1, Math.max(0, m.probability));
    const existing = await findProposalOfPair(trx, pair);
    if (existing === undefined) {
      const id = randomUUID();
      await withSubjectKey(
        ctx,
        subjectOf(request.caseId),
        (key) =>
          insertProposal(trx, {
            id,
            ...pair,
            score,
            basis,
            detail_enc: encryptField(key, JSON.stringify(detail), bind('tracing_proposals', 'detail', id)),
          }),
        trx,
      );
      added++;
    } else if (existing.basis === null) {
      // Proposed before bases were kept: this comparison becomes its basis.
      await setProposalBasis(trx, existing.id, basis);
    } else if (existing.status === 'rejected' && !toBuffer(existing.basis).equals(basis)) {
      // Dismissed, and the data compared has changed since: a caseworker looks again. The
      // explanation is kept under the key of the family whose request the row belongs to.
      await withSubjectKey(
        ctx,
        subjectOf(existing.request_case_id),
        (key) =>
          reviveProposal(trx, existing.id, {
            score,
            basis,
            detail_enc: encryptField(
              key,
              JSON.stringify(detail),
              bind('tracing_proposals', 'detail', existing.id),
            ),
          }),
        trx,
      );
      added++;
    }
  }
  return added;
}

// ---------------------------------------------------------------------------------------------
// Re-matching in the background (ADR 0162)

/** Jobs of family tracing: payloads hold ids only. */
export const JOB_MATCH_REQUEST = 'tracing.match_request';
export const JOB_MATCH_CASE = 'tracing.match_case';
/** Open requests re-matched per changed case at most (the blocking index finds them). */
const MAX_REQUESTS_PER_CASE = 50;

/** Queues the matching of a new request (one waiting job per request). */
export async function enqueueRequestMatch(trx: Db, requestId: string): Promise<void> {
  await enqueueJob(trx, {
    kind: JOB_MATCH_REQUEST,
    payload: { requestId },
    dedupeKey: `${JOB_MATCH_REQUEST}:${requestId}`,
  });
}

/**
 * Queues the re-matching of open requests against a case whose person was created or changed,
 * in the transaction that wrote the person (app.ts registers this with the case core).
 */
export async function enqueueCaseMatch(trx: Db, caseId: string): Promise<void> {
  await enqueueJob(trx, {
    kind: JOB_MATCH_CASE,
    payload: { caseId },
    dedupeKey: `${JOB_MATCH_CASE}:${caseId}`,
  });
}

/** Matches one request again in `trx` (locked; nothing if closed or gone). */
async function rematchLocked(
  ctx: AppContext,
  trx: Db,
  requestId: string,
  cases: ReadonlyArray<{ id: string; person: PersonDetails }> = [],
): Promise<{ added: number; familyCaseId: string } | undefined> {
  const req = await findRequestForUpdate(trx, requestId);
  if (req === undefined || req.status !== 'open') return undefined;
  const details = await withSubjectKey(
    ctx,
    subjectOf(req.case_id),
    (k) => decryptDetails(k, req.details_enc, req.id),
    trx,
  );
  const person = soughtPerson(details.sought);
  const entries = blocksOf(ctx, req.id, person);
  const added = await matchRequest(ctx, trx, { id: req.id, caseId: req.case_id, person, entries }, cases);
  return { added, familyCaseId: req.case_id };
}

/** The job of a new request: matches it (idempotent: a pair already proposed is not added again). */
export async function runRequestMatch(ctx: AppContext, requestId: string): Promise<number> {
  return ctx.database.db.transaction().execute(async (trx) => {
    const r = await rematchLocked(ctx, trx, requestId);
    if (r === undefined || r.added === 0) return r?.added ?? 0;
    await auditRematch(trx, r.familyCaseId, r.added);
    return r.added;
  });
}

/**
 * The job of a case whose person was created or changed: every open request sharing a blocking
 * key with him (at most MAX_REQUESTS_PER_CASE) is matched again, each in its own transaction,
 * with his current person compared whether or not the linkage index has caught up.
 */
export async function runCaseMatch(ctx: AppContext, caseId: string): Promise<number> {
  const db = ctx.database.db;
  const found = await findCasePerson(ctx, db, caseId);
  if (found === undefined) return 0;
  const entries = blocksOf(ctx, caseId, found.person);
  if (entries.length === 0) return 0;
  const requests = await findOpenRequestsByBlocks(db, entries, caseId, MAX_REQUESTS_PER_CASE);
  let added = 0;
  for (const r of requests) {
    added += await db.transaction().execute(async (trx) => {
      const m = await rematchLocked(ctx, trx, r.id, [{ id: caseId, person: found.person }]);
      if (m === undefined || m.added === 0) return 0;
      await auditRematch(trx, m.familyCaseId, m.added);
      return m.added;
    });
  }
  return added;
}

async function auditRematch(trx: Db, familyCaseId: string, added: number): Promise<void> {
  const row = await findCaseById(trx, familyCaseId);
  if (row === undefined) return;
  await recordAudit(trx, {
    actor: 'system',
    action: 'tracing.rematch',
    target: `case:${row.ref}`,
    reason: `${added} new proposals`,
  });
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
    const entries = blocksOf(ctx, req.id, person);
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

/**
 * Writes to the family's inbox about a request, and notes the message as tracing's: the
 * Telegram bot tells the family to read it in the inbox instead of pushing it (ADR 0161).
 */
async function tellFamily(ctx: AppContext, trx: Db, requestId: string, familyCaseId: string, text: string) {
  const messageId = await addServiceReply(ctx, trx, familyCaseId, text);
  await insertTracingMessage(trx, messageId, requestId);
}

/** Closes a request and tells the family only that: the same words whatever the reason. */
async function closeAndTell(ctx: AppContext, trx: Db, requestId: string, familyCaseId: string, lang: Locale) {
  await closeRequest(trx, requestId);
  await tellFamily(ctx, trx, requestId, familyCaseId, tm(lang, 'relay.closed'));
}

/** Which of these inbox messages tracing wrote (for the Telegram bot, through app.ts). */
export function tracingMessageIds(ctx: AppContext, messageIds: readonly string[]): Promise<Set<string>> {
  return findTracingMessageIds(ctx.database.db, messageIds);
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
      await tellFamily(
        ctx,
        trx,
        p.request_id,
        p.family_case_id,
        passedOnText(lang, form.allows, message, contact),
      );
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
    await tellFamily(
      ctx,
      trx,
      p.request_id,
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
