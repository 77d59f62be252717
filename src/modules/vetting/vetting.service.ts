import { randomUUID } from 'node:crypto';
import { type Actor, requireAllowed, type StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { decryptFieldText, encryptField } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { VettingDecisionKind, VettingSignalKind, VettingSignalStatus } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { getStaffEmailLabels } from '../auth/index.ts';
import { findCasePerson, normaliseDocumentNumber } from '../cases/index.ts';
import { openSubjectKey } from '../keys/index.ts';
import { decryptDetail, decryptWatchlistEntry, type SignalDetail } from './person-linkage.service.ts';
import { enqueueModelEstimate } from './vetting.jobs.ts';
import { canCompareIdentities, canDecideSignals, canSeeVettingQueue } from './vetting.policy.ts';
import {
  countOpenSignals,
  findSignal,
  findWatchlistEntry,
  insertDecision,
  listDecisions,
  listSignalCases,
  listSignals,
  type SignalListRow,
  updateSignalStatus,
  upsertLabel,
} from './vetting.repository.ts';
import { decisionFormSchema, signalIdSchema, type VettingQueueQuery } from './vetting.schemas.ts';
import { openVettingKey, watchlistSubject } from './vetting-keys.ts';

/**
 * The vetting review queue: signals raised by the linkage job, their explanation, and the
 * officer's decision. A decision is audited in its transaction, becomes a labelled pair for
 * the next model estimate, and changes nothing about any case: no signal or decision ever
 * closes, rejects or hides a case (a person decides that, in the case workspace, through the
 * ordinary workflow and its four-eyes rule).
 */
const PAGE_SIZE = 50;

const STATUS_FILTER: Record<VettingQueueQuery['status'], VettingSignalStatus[]> = {
  open: ['open', 'more_info'],
  decided: ['same', 'different', 'superseded'],
  all: ['open', 'more_info', 'same', 'different', 'superseded'],
};

function staffOnly(actor: Actor): StaffActor {
  if (actor.kind !== 'staff') throw new AppError('not_found', 'staff only');
  return actor;
}

export interface VettingQueuePage {
  items: SignalListRow[];
  page: number;
  hasNext: boolean;
  openCount: number;
}

export async function listVettingQueue(
  ctx: AppContext,
  actor: Actor,
  query: VettingQueueQuery,
): Promise<VettingQueuePage> {
  requireAllowed(canSeeVettingQueue(actor), 'vetting queue');
  const db = ctx.database.db;
  const rows = await listSignals(
    db,
    { statuses: STATUS_FILTER[query.status], kind: query.kind },
    (query.page - 1) * PAGE_SIZE,
    PAGE_SIZE + 1,
  );
  return {
    items: rows.slice(0, PAGE_SIZE),
    page: query.page,
    hasNext: rows.length > PAGE_SIZE,
    openCount: await countOpenSignals(db),
  };
}

/** The identity fields shown side by side (ADR 0066): what the linkage compares, nothing more. */
export interface IdentityColumn {
  /** Case reference, or the watchlist's record id. */
  label: string;
  source: 'case' | 'watchlist';
  givenName: string;
  familyName: string;
  patronymic: string;
  latinName: string;
  birthDate: string;
  phone: string;
  /** Document type and the last four characters of the number, for documents another column shares. */
  sharedDocuments: string[];
}

export interface SignalView {
  id: string;
  kind: VettingSignalKind;
  status: VettingSignalStatus;
  score: number;
  version: number;
  raisedOn: string;
  cases: Array<{ ref: string; createdOn: string; status: string }>;
  detail: SignalDetail;
  /** Only for those who may compare identities. */
  identities: IdentityColumn[] | null;
  decisions: Array<{ decision: VettingDecisionKind; by: string | null; at: Date; reason: string | null }>;
  canDecide: boolean;
}

const mask = (n: string) => `•••${n.slice(-4)}`;

/**
 * One signal with its explanation. Vetting officers also get the identity fields of the
 * people concerned (decrypted here, audited as a read); coordinators get the explanation and
 * the decision history without reasons.
 */
export async function getSignal(ctx: AppContext, actor: Actor, signalId: unknown): Promise<SignalView> {
  requireAllowed(canSeeVettingQueue(actor), 'vetting signal');
  const staff = staffOnly(actor);
  const id = signalIdSchema.safeParse(signalId);
  if (!id.success) throw new AppError('not_found', 'malformed signal id');
  const db = ctx.database.db;
  const signal = await findSignal(db, id.data);
  if (signal === undefined) throw new AppError('not_found', 'no such signal');
  const cases = await listSignalCases(db, signal.id);
  const decisionRows = await listDecisions(db, signal.id);
  const compare = canCompareIdentities(actor);
  const key = await openVettingKey(ctx, db);
  let detail: SignalDetail;
  let reasons: Array<string | null>;
  try {
    detail = decryptDetail(key, signal.detail_enc, signal.id);
    // Presenter: a group's pairs name cases by id inside the ciphertext; the page shows refs.
    if (detail.type === 'group') {
      const refById = new Map(cases.map((c) => [c.id, c.ref]));
      detail = {
        ...detail,
        pairs: detail.pairs.map((p) => ({ ...p, caseId: refById.get(p.caseId) ?? '?' })),
      };
    }
    reasons = decisionRows.map((d) =>
      compare
        ? decryptFieldText(key, toBuffer(d.reason_enc), {
            table: 'vetting_decisions',
            column: 'reason',
            rowId: d.id,
          })
        : null,
    );
  } finally {
    key.dispose();
  }
  const identities = compare ? await loadIdentities(ctx, db, cases, signal.watchlist_entry_id) : null;
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    decisionRows.map((d) => d.decided_by),
  );
  await recordAudit(db, {
    actor: staff.id,
    action: 'vetting.signal_read',
    target: `signal:${signal.id}`,
    reason: `${compare ? 'identity fields of' : 'explanation of'} ${cases.map((c) => c.ref).join(', ')}`,
  });
  return {
    id: signal.id,
    kind: signal.kind,
    status: signal.status,
    score: signal.score,
    version: signal.version,
    raisedOn: String(signal.raised_on),
    cases: cases.map((c) => ({ ref: c.ref, createdOn: String(c.created_on), status: c.status })),
    detail,
    identities,
    decisions: decisionRows.map((d, i) => ({
      decision: d.decision,
      by: labels.get(d.decided_by) ?? null,
      at: d.decided_at,
      reason: reasons[i] ?? null,
    })),
    canDecide: canDecideSignals(actor) && (signal.status === 'open' || signal.status === 'more_info'),
  };
}

async function loadIdentities(
  ctx: AppContext,
  db: Db,
  cases: Array<{ id: string; ref: string }>,
  watchlistEntryId: string | null,
): Promise<IdentityColumn[]> {
  const people: Array<{
    label: string;
    source: 'case' | 'watchlist';
    p: Record<string, unknown>;
    docs: Array<{ type: string; number: string }>;
  }> = [];
  for (const c of cases) {
    const found = await findCasePerson(ctx, db, c.id);
    if (found === undefined) continue;
    const p = found.person;
    people.push({ label: c.ref, source: 'case', p, docs: p.documents });
  }
  if (watchlistEntryId !== null) {
    const entry = await findWatchlistEntry(db, watchlistEntryId);
    if (entry !== undefined) {
      const key = await openSubjectKey(db, ctx.vault, watchlistSubject(entry.watchlist_id));
      try {
        const e = decryptWatchlistEntry(key, entry.entry_enc, entry.id);
        // An encoding has no readable fields: only the partner's record id is shown.
        people.push({ label: e.ref, source: 'watchlist', p: 'record' in e ? e.record : {}, docs: [] });
      } finally {
        key.dispose();
      }
    }
  }
  const docCount = new Map<string, number>();
  for (const person of people) {
    for (const n of new Set(person.docs.map((d) => normaliseDocumentNumber(d.number)))) {
      docCount.set(n, (docCount.get(n) ?? 0) + 1);
    }
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return people.map(({ label, source, p, docs }) => ({
    label,
    source,
    givenName: text(p.givenName),
    familyName: text(p.familyName),
    patronymic: text(p.patronymic),
    latinName: [text(p.givenNameLatin), text(p.familyNameLatin)].filter((s) => s !== '').join(' '),
    birthDate: text(p.birthDate),
    phone: text(p.phone),
    sharedDocuments: docs
      .filter((d) => (docCount.get(normaliseDocumentNumber(d.number)) ?? 0) > 1)
      .map((d) => `${d.type} ${mask(normaliseDocumentNumber(d.number))}`.trim()),
  }));
}

/**
 * Records a vetting officer's decision on a signal: same person, different people, or more
 * information needed, with a reason (encrypted). Audited in the same transaction; a same or
 * different decision on a pair of cases becomes a labelled pair and queues a model estimate.
 * Touches no case.
 */
export async function decideSignal(
  ctx: AppContext,
  actor: Actor,
  signalId: unknown,
  input: unknown,
): Promise<void> {
  requireAllowed(canDecideSignals(actor), 'vetting decision');
  const staff = staffOnly(actor);
  const id = signalIdSchema.safeParse(signalId);
  if (!id.success) throw new AppError('not_found', 'malformed signal id');
  const parsed = decisionFormSchema.safeParse(input);
  await ctx.database.db.transaction().execute(async (trx) => {
    const signal = await findSignal(trx, id.data, { forUpdate: true });
    if (signal === undefined) throw new AppError('not_found', 'no such signal');
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const name = String(issue.path[0] ?? 'form');
        fields[name] = issue.message.includes('.') ? issue.message : 'field.invalid';
      }
      throw new AppError('validation_failed', 'invalid decision', { fields });
    }
    const form = parsed.data;
    if (signal.version !== form.version) throw new AppError('conflict', 'stale signal version');
    if (signal.status !== 'open' && signal.status !== 'more_info') {
      throw new AppError('conflict', 'signal already decided');
    }
    const decisionId = randomUUID();
    const key = await openVettingKey(ctx, trx);
    try {
      await insertDecision(trx, {
        id: decisionId,
        signal_id: signal.id,
        decision: form.decision,
        reason_enc: encryptField(key, form.reason, {
          table: 'vetting_decisions',
          column: 'reason',
          rowId: decisionId,
        }),
        decided_by: staff.id,
      });
    } finally {
      key.dispose();
    }
    if (!(await updateSignalStatus(trx, signal.id, signal.version, form.decision))) {
      throw new AppError('conflict', 'signal changed meanwhile');
    }
    const cases = await listSignalCases(trx, signal.id);
    // Labelled pairs for the model: a pair signal labels its pair either way; "several
    // codenames" labels every pair only when they are one person ("different" says only that
    // not all of them are); a watchlist match has no case pair.
    let labelled = 0;
    if (form.decision !== 'more_info' && signal.kind !== 'watchlist') {
      const pairLabels = signal.kind === 'codenames' ? form.decision === 'same' : cases.length === 2;
      if (pairLabels) {
        for (let i = 0; i < cases.length; i++) {
          for (let j = i + 1; j < cases.length; j++) {
            await upsertLabel(trx, cases[i]!.id, cases[j]!.id, form.decision === 'same', decisionId);
            labelled += 1;
          }
        }
      }
    }
    if (labelled > 0) await enqueueModelEstimate(trx);
    await recordAudit(trx, {
      actor: staff.id,
      action: 'vetting.decide',
      target: `signal:${signal.id}`,
      reason: `${form.decision} (${signal.kind}: ${cases.map((c) => c.ref).join(', ')})`,
    });
  });
}

/** Open signals, for the navigation badge of those who can see the queue (0 for others). */
export async function countOpenSignalsFor(ctx: AppContext, actor: Actor): Promise<number> {
  if (!canSeeVettingQueue(actor)) return 0;
  return countOpenSignals(ctx.database.db);
}
