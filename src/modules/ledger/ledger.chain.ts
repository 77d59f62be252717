import { sha256 } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { LedgerEntryEvent } from '../../db/types.ts';
import { findLastEntry, insertEntries, type LedgerEntryRow, lockLedgerChain } from './ledger.repository.ts';

/**
 * The ledger's hash chain, built like the audit log's (ADR 0086, 0119): entry n stores
 * hash_n = SHA-256(hash_{n-1} || canonical(n)), hash_0 = 32 zero bytes, seq 1, 2, 3… without
 * gaps. The entries are the ledger's truth: balances and transfer states are caches of them
 * that `sanctuary ledger verify` recomputes.
 */
export const LEDGER_GENESIS: Buffer = Buffer.alloc(32);

export type EntryFields = Omit<LedgerEntryRow, 'prev_hash' | 'hash'>;

function canonical(e: EntryFields): string {
  return JSON.stringify([
    e.seq,
    e.at.toISOString(),
    e.transfer_id,
    e.event,
    e.debit_account_id,
    e.credit_account_id,
    e.amount,
    e.currency,
    e.actor,
  ]);
}

export function hashLedgerEntry(prevHash: Buffer, e: EntryFields): Buffer {
  return sha256(Buffer.concat([prevHash, Buffer.from(canonical(e), 'utf8')]));
}

export interface EntryInput {
  transferId: string;
  event: LedgerEntryEvent;
  debitAccountId: string;
  creditAccountId: string;
  amount: number;
  currency: string;
  actor: string;
}

/**
 * Entries a group commit collects (ADR 0126): while a transaction has a list here, its appends
 * go to the list, and the batch writes them with one read of the head and one insert.
 */
const deferred = new WeakMap<Db, Array<{ input: EntryInput; at: Date }>>();

/** From now on, appends in `trx` go to `list` (until `stopDeferring`). */
export function deferLedgerEntries(trx: Db, list: Array<{ input: EntryInput; at: Date }>): void {
  deferred.set(trx, list);
}

export function stopDeferring(trx: Db): void {
  deferred.delete(trx);
}

/** Appends one entry inside the caller's transaction (which must be one: the lock is transaction-scoped). */
export async function appendLedgerEntry(trx: Db, input: EntryInput, at: Date): Promise<void> {
  if (!trx.isTransaction) throw new Error('appendLedgerEntry needs a transaction');
  const list = deferred.get(trx);
  if (list !== undefined) {
    list.push({ input, at });
    return;
  }
  await appendLedgerEntries(trx, [{ input, at }]);
}

/** Appends entries, in order, under the chain lock: one read of the head, one insert. */
export async function appendLedgerEntries(
  trx: Db,
  entries: readonly { input: EntryInput; at: Date }[],
  options: { chainLocked?: boolean } = {},
): Promise<void> {
  if (entries.length === 0) return;
  if (options.chainLocked !== true) await lockLedgerChain(trx);
  const last = await findLastEntry(trx);
  let seq = last?.seq ?? 0;
  let prevHash = last === undefined ? LEDGER_GENESIS : toBuffer(last.hash);
  const rows: LedgerEntryRow[] = entries.map(({ input, at }) => {
    seq += 1;
    const fields: EntryFields = {
      seq,
      at,
      transfer_id: input.transferId,
      event: input.event,
      debit_account_id: input.debitAccountId,
      credit_account_id: input.creditAccountId,
      amount: input.amount,
      currency: input.currency,
      actor: input.actor.slice(0, 100),
    };
    const hash = hashLedgerEntry(prevHash, fields);
    const row = { ...fields, prev_hash: prevHash, hash };
    prevHash = hash;
    return row;
  });
  await insertEntries(trx, rows);
}
