import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type DataKey, decryptFieldText, encryptField, sha256 } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { openOrCreateSubjectKey, withSubjectKey } from '../keys/index.ts';
import {
  holdingIdSchema,
  manualMatchSchema,
  type StatementMapping,
  statementMappingSchema,
  unmatchSchema,
} from './ledger.finance.schemas.ts';
import { canKeepLedger } from './ledger.policy.ts';
import {
  findAccountById,
  findTransferForUpdate,
  type LedgerAccountRow,
  type LedgerTransferRow,
  listCurrencies,
} from './ledger.repository.ts';
import {
  findLine,
  findLineOfTransfer,
  findMapping,
  insertLines,
  insertStatement,
  listLines,
  listUnmatchedTransfers,
  lockMapping,
  type StatementLineRow,
  type StatementMappingRow,
  setLineMatch,
  setStatementNewLines,
  upsertMapping,
} from './ledger.reconcile.repository.ts';
import { inTransaction, parse } from './ledger.service.ts';
import { parseStatement, type StatementLine, statementError } from './ledger.statement-csv.ts';

/**
 * Reconciliation of bank and provider statements with the ledger (issue 15 item 8, ADR 0124).
 * A statement is imported with the holding's saved column mapping; its lines' references and
 * counterparties (which may name people) are stored only under the organisation's "ledger"
 * data key. Lines are matched to posted transfers into or out of the holding: amount, direction
 * and currency exact, dates within MATCH_WINDOW_DAYS, a reference naming the transfer first.
 * What stays unmatched on either side is listed; a finance officer matches or unmatches by
 * hand, audited. Importing the same statement again changes nothing.
 */
export const LEDGER_SUBJECT = 'ledger';
export const MATCH_WINDOW_DAYS = 3;
const DAY_MS = 86_400_000;

async function requireHolding(db: Db, id: string): Promise<LedgerAccountRow> {
  const holding = await findAccountById(db, id);
  // Only a holding has statements; anything else is as unknown as a wrong id.
  if (holding?.kind !== 'holding') throw new AppError('not_found', 'no such holding');
  return holding;
}

function presentMapping(row: StatementMappingRow): StatementMapping {
  return {
    holdingAccountId: row.holding_account_id,
    delimiter: row.delimiter,
    dateColumn: row.date_column,
    amountColumn: row.amount_column,
    currencyColumn: row.currency_column ?? undefined,
    referenceColumn: row.reference_column ?? undefined,
    counterpartyColumn: row.counterparty_column ?? undefined,
    dateFormat: row.date_format,
    decimalSeparator: row.decimal_separator,
  };
}

/** Saves (or replaces) the column mapping of a holding's statements. Audited. */
export async function saveStatementMapping(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { trx?: Db; now?: Date } = {},
): Promise<StatementMapping> {
  requireAllowed(canKeepLedger(actor), 'ledger.statement_mapping');
  const data = parse(statementMappingSchema, input);
  const who = actorLabel(actor);
  return inTransaction(ctx, options.trx, async (t) => {
    await requireHolding(t, data.holdingAccountId);
    const row: StatementMappingRow = {
      holding_account_id: data.holdingAccountId,
      delimiter: data.delimiter,
      date_column: data.dateColumn,
      amount_column: data.amountColumn,
      currency_column: data.currencyColumn ?? null,
      reference_column: data.referenceColumn ?? null,
      counterparty_column: data.counterpartyColumn ?? null,
      date_format: data.dateFormat,
      decimal_separator: data.decimalSeparator,
      updated_by: who,
      updated_at: options.now ?? new Date(),
    };
    await upsertMapping(t, row);
    await recordAudit(t, { actor: who, action: 'ledger.statement_mapping', target: data.holdingAccountId });
    return presentMapping(row);
  });
}

export async function getStatementMapping(
  ctx: AppContext,
  actor: Actor,
  holdingAccountId: string,
): Promise<StatementMapping | undefined> {
  requireAllowed(canKeepLedger(actor), 'ledger.statement_mapping_read');
  const { holdingAccountId: id } = parse(holdingIdSchema, { holdingAccountId });
  await requireHolding(ctx.database.db, id);
  const row = await findMapping(ctx.database.db, id);
  return row === undefined ? undefined : presentMapping(row);
}

// ---- matching (pure) ------------------------------------------------------------------------

export interface MatchableLine {
  id: string;
  lineNo: number;
  bookedOn: string;
  amount: number;
  currency: string;
  reference: string;
}

export interface MatchableTransfer {
  id: string;
  /** Signed as the statement sees it: positive into the holding. */
  amount: number;
  currency: string;
  /** When it was posted. */
  postedAt: Date;
}

export interface Match {
  lineId: string;
  transferId: string;
  kind: 'reference' | 'amount_date';
}

const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const postedDay = (t: MatchableTransfer) => dayOf(t.postedAt.toISOString().slice(0, 10));

/** Whether a line's reference names the transfer: its full id, or the first 8 hex digits payers type. */
function namesTransfer(reference: string, transferId: string): boolean {
  const r = reference.toLowerCase();
  return r.includes(transferId) || new RegExp(`(^|[^0-9a-f])${transferId.slice(0, 8)}($|[^0-9a-f])`).test(r);
}

/**
 * Matches statement lines to transfers, deterministically (the same inputs, whatever their
 * order, give the same pairs). A pair needs the same signed amount, the same currency, and a
 * posting day within `windowDays` of the booking day. Lines are taken by booking day, then
 * line number, then id. First pass: a line whose reference names exactly one candidate takes
 * it. Second pass: each remaining line takes the candidate whose day is closest, then the
 * earliest posted, then the lowest id. Each transfer is matched at most once.
 */
export function matchStatementLines(
  lines: readonly MatchableLine[],
  transfers: readonly MatchableTransfer[],
  windowDays = MATCH_WINDOW_DAYS,
): Match[] {
  const ordered = [...lines].sort(
    (a, b) => a.bookedOn.localeCompare(b.bookedOn) || a.lineNo - b.lineNo || a.id.localeCompare(b.id),
  );
  const taken = new Set<string>();
  const done = new Set<string>();
  const matches: Match[] = [];
  const candidates = (line: MatchableLine) =>
    transfers.filter(
      (t) =>
        !taken.has(t.id) &&
        t.amount === line.amount &&
        t.currency === line.currency &&
        Math.abs(postedDay(t) - dayOf(line.bookedOn)) <= windowDays * DAY_MS,
    );
  for (const line of ordered) {
    if (line.reference === '') continue;
    const named = candidates(line).filter((t) => namesTransfer(line.reference, t.id));
    if (named.length !== 1) continue;
    taken.add(named[0]!.id);
    done.add(line.id);
    matches.push({ lineId: line.id, transferId: named[0]!.id, kind: 'reference' });
  }
  for (const line of ordered) {
    if (done.has(line.id)) continue;
    const day = dayOf(line.bookedOn);
    const best = candidates(line).sort(
      (a, b) =>
        Math.abs(postedDay(a) - day) - Math.abs(postedDay(b) - day) ||
        a.postedAt.getTime() - b.postedAt.getTime() ||
        a.id.localeCompare(b.id),
    )[0];
    if (best === undefined) continue;
    taken.add(best.id);
    matches.push({ lineId: line.id, transferId: best.id, kind: 'amount_date' });
  }
  return matches;
}

// ---- import -------------------------------------------------------------------------------

interface LineDetails {
  reference: string;
  counterparty: string;
}

const detailsBinding = (lineId: string) => ({
  table: 'ledger_statement_lines',
  column: 'details_enc',
  rowId: lineId,
});

function openDetails(key: DataKey, row: StatementLineRow): LineDetails {
  return JSON.parse(decryptFieldText(key, toBuffer(row.details_enc), detailsBinding(row.id))) as LineDetails;
}

export function signedForHolding(holdingId: string, t: LedgerTransferRow): number {
  return t.debit_account_id === holdingId ? t.amount : -t.amount;
}

/** Runs automatic matching over the holding's open lines (not held back by hand). Caller holds the mapping lock. */
async function autoMatch(t: Db, key: DataKey, holdingId: string, who: string, now: Date): Promise<number> {
  const open = (await listLines(t, holdingId, { matched: false, limit: 50_000 })).filter((l) => !l.held);
  if (open.length === 0) return 0;
  const days = open.map((l) => dayOf(l.booked_on));
  const from = new Date(Math.min(...days) - MATCH_WINDOW_DAYS * DAY_MS);
  const to = new Date(Math.max(...days) + (MATCH_WINDOW_DAYS + 1) * DAY_MS);
  const transfers = await listUnmatchedTransfers(t, holdingId, { from, to, limit: 100_000 });
  const matches = matchStatementLines(
    open.map((l) => ({
      id: l.id,
      lineNo: l.line_no,
      bookedOn: l.booked_on,
      amount: l.amount,
      currency: l.currency,
      reference: openDetails(key, l).reference,
    })),
    transfers.map((x) => ({
      id: x.id,
      amount: signedForHolding(holdingId, x),
      currency: x.currency,
      postedAt: x.decided_at ?? x.created_at,
    })),
  );
  for (const m of matches) {
    await setLineMatch(t, m.lineId, {
      transfer_id: m.transferId,
      match_kind: m.kind,
      matched_by: who,
      matched_at: now,
      held: false,
    });
  }
  return matches.length;
}

/**
 * A line's fingerprint: its day, amount, currency and which occurrence of those it is in the
 * file, never its names. Two statements that overlap (1–15 December, then the whole month)
 * store each line once; the statement's fingerprint is over its lines'.
 */
function fingerprints(holdingId: string, lines: readonly StatementLine[]): Buffer[] {
  const seen = new Map<string, number>();
  return lines.map((l) => {
    const base = `${l.bookedOn}|${l.amount}|${l.currency}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return sha256(Buffer.from(`sanctuary-ledger-line-v1|${holdingId}|${base}|${n}`, 'utf8'));
  });
}

export interface StatementImport {
  statementId: string;
  lines: number;
  newLines: number;
  matched: number;
  /** True when this very statement had been imported before (nothing new was stored). */
  repeated: boolean;
}

/**
 * Imports a statement for a holding: parsed and checked whole before anything is written, then
 * stored and matched in one transaction. The same statement again answers the first import.
 */
export async function importStatement(
  ctx: AppContext,
  actor: Actor,
  input: { holdingAccountId: unknown; file: Buffer | undefined; truncated?: boolean },
  options: { now?: Date } = {},
): Promise<StatementImport> {
  requireAllowed(canKeepLedger(actor), 'ledger.statement_import');
  const { holdingAccountId } = parse(holdingIdSchema, { holdingAccountId: input.holdingAccountId });
  const db = ctx.database.db;
  const holding = await requireHolding(db, holdingAccountId);
  if (input.truncated === true) throw new AppError('payload_too_large', 'statement too large');
  if (input.file === undefined) throw statementError('empty');
  const mappingRow = await findMapping(db, holdingAccountId);
  if (mappingRow === undefined) throw statementError('no_mapping');
  const minorUnits = Object.fromEntries((await listCurrencies(db)).map((c) => [c.code, c.minor_units]));
  const lines = parseStatement(input.file, presentMapping(mappingRow), holding.currency, minorUnits);
  const prints = fingerprints(holdingAccountId, lines);
  const statementPrint = sha256(Buffer.concat(prints));
  const now = options.now ?? new Date();
  const who = actorLabel(actor);
  return db.transaction().execute(async (t) => {
    await lockMapping(t, holdingAccountId);
    const key = await openOrCreateSubjectKey(t, ctx.vault, LEDGER_SUBJECT);
    try {
      const statement = await insertStatement(t, {
        id: randomUUID(),
        holding_account_id: holdingAccountId,
        fingerprint: statementPrint,
        line_count: lines.length,
        new_lines: 0,
        imported_by: who,
        imported_at: now,
      });
      if (!statement.inserted) {
        return { statementId: statement.id, lines: lines.length, newLines: 0, matched: 0, repeated: true };
      }
      const rows = lines.map((l, i) => {
        const id = randomUUID();
        return {
          id,
          statement_id: statement.id,
          holding_account_id: holdingAccountId,
          fingerprint: prints[i]!,
          line_no: l.lineNo,
          booked_on: l.bookedOn,
          amount: l.amount,
          currency: l.currency,
          details_enc: encryptField(
            key,
            JSON.stringify({ reference: l.reference, counterparty: l.counterparty } satisfies LineDetails),
            detailsBinding(id),
          ),
        };
      });
      const newLines = await insertLines(t, rows);
      await setStatementNewLines(t, statement.id, newLines);
      const matched = await autoMatch(t, key, holdingAccountId, who, now);
      await recordAudit(t, {
        actor: who,
        action: 'ledger.statement_import',
        target: statement.id,
        reason: `${lines.length} lines, ${newLines} new, ${matched} matched`,
      });
      return { statementId: statement.id, lines: lines.length, newLines, matched, repeated: false };
    } finally {
      key.dispose();
    }
  });
}

// ---- the reconciliation view and matching by hand -------------------------------------------

export interface ReconciliationLine extends StatementLine {
  id: string;
  transferId: string | null;
  matchKind: StatementLineRow['match_kind'];
  held: boolean;
}

export interface ReconciliationTransfer {
  id: string;
  kind: LedgerTransferRow['kind'];
  amount: number;
  currency: string;
  postedAt: string;
}

export interface Reconciliation {
  holding: { id: string; code: string; currency: string };
  mapping: StatementMapping | undefined;
  unmatchedLines: ReconciliationLine[];
  unmatchedTransfers: ReconciliationTransfer[];
  matchedLines: ReconciliationLine[];
}

/** A holding's reconciliation: lines and transfers that nothing matched, and the matched lines. */
export async function getReconciliation(
  ctx: AppContext,
  actor: Actor,
  holdingAccountId: unknown,
  limit = 200,
): Promise<Reconciliation> {
  requireAllowed(canKeepLedger(actor), 'ledger.reconciliation');
  const { holdingAccountId: id } = parse(holdingIdSchema, { holdingAccountId });
  const db = ctx.database.db;
  const holding = await requireHolding(db, id);
  const [mapping, open, matched, transfers] = await Promise.all([
    findMapping(db, id),
    listLines(db, id, { matched: false, limit }),
    listLines(db, id, { matched: true, limit }),
    listUnmatchedTransfers(db, id, { limit }),
  ]);
  const present = (key: DataKey | undefined, l: StatementLineRow): ReconciliationLine => {
    const details = key === undefined ? { reference: '', counterparty: '' } : openDetails(key, l);
    return {
      id: l.id,
      lineNo: l.line_no,
      bookedOn: l.booked_on,
      amount: l.amount,
      currency: l.currency,
      reference: details.reference,
      counterparty: details.counterparty,
      transferId: l.transfer_id,
      matchKind: l.match_kind,
      held: l.held,
    };
  };
  const lines = async (key: DataKey | undefined) => ({
    unmatchedLines: open.map((l) => present(key, l)),
    matchedLines: matched.map((l) => present(key, l)),
  });
  // No line yet means no key yet either.
  const shown =
    open.length + matched.length === 0
      ? await lines(undefined)
      : await withSubjectKey(ctx, LEDGER_SUBJECT, lines);
  return {
    holding: { id: holding.id, code: holding.code, currency: holding.currency },
    mapping: mapping === undefined ? undefined : presentMapping(mapping),
    ...shown,
    unmatchedTransfers: transfers.map((x) => ({
      id: x.id,
      kind: x.kind,
      amount: signedForHolding(id, x),
      currency: x.currency,
      postedAt: (x.decided_at ?? x.created_at).toISOString(),
    })),
  };
}

/**
 * Matches a line to a transfer by hand (a posting outside the window, a reference nobody
 * typed). Both must be unmatched; the transfer must be posted, into or out of the line's
 * holding, in the same direction and currency. The amounts may differ (a bank's fee); the
 * lists show both. Audited.
 */
export async function matchLineByHand(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { now?: Date } = {},
): Promise<void> {
  requireAllowed(canKeepLedger(actor), 'ledger.statement_match');
  const { lineId, transferId } = parse(manualMatchSchema, input);
  const who = actorLabel(actor);
  await ctx.database.db.transaction().execute(async (t) => {
    const seen = await findLine(t, lineId);
    if (seen === undefined) throw new AppError('not_found', 'no such statement line');
    await lockMapping(t, seen.holding_account_id);
    const line = (await findLine(t, lineId))!;
    const transfer = await findTransferForUpdate(t, transferId);
    if (transfer === undefined) throw new AppError('not_found', 'no such transfer');
    const holdingId = line.holding_account_id;
    const touches = transfer.debit_account_id === holdingId || transfer.credit_account_id === holdingId;
    if (
      !touches ||
      transfer.status !== 'posted' ||
      transfer.currency !== line.currency ||
      Math.sign(signedForHolding(holdingId, transfer)) !== Math.sign(line.amount)
    ) {
      throw new AppError('validation_failed', 'transfer does not fit the line', {
        fields: { transferId: 'ledger.statement.transfer_mismatch' },
      });
    }
    if (line.transfer_id !== null || (await findLineOfTransfer(t, transferId)) !== undefined) {
      throw new AppError('conflict', 'already matched');
    }
    await setLineMatch(t, lineId, {
      transfer_id: transferId,
      match_kind: 'manual',
      matched_by: who,
      matched_at: options.now ?? new Date(),
      held: false,
    });
    await recordAudit(t, {
      actor: who,
      action: 'ledger.statement_match',
      target: lineId,
      reason: `transfer ${transferId}`,
    });
  });
}

/** Undoes a match (automatic or by hand); automatic matching then leaves the line alone. Audited. */
export async function unmatchLine(ctx: AppContext, actor: Actor, input: unknown): Promise<void> {
  requireAllowed(canKeepLedger(actor), 'ledger.statement_unmatch');
  const { lineId } = parse(unmatchSchema, input);
  const who = actorLabel(actor);
  await ctx.database.db.transaction().execute(async (t) => {
    const seen = await findLine(t, lineId);
    if (seen === undefined) throw new AppError('not_found', 'no such statement line');
    await lockMapping(t, seen.holding_account_id);
    const line = (await findLine(t, lineId))!;
    if (line.transfer_id === null) return; // a retry
    await setLineMatch(t, lineId, {
      transfer_id: null,
      match_kind: null,
      matched_by: null,
      matched_at: null,
      held: true,
    });
    await recordAudit(t, {
      actor: who,
      action: 'ledger.statement_unmatch',
      target: lineId,
      reason: `was transfer ${line.transfer_id}`,
    });
  });
}
