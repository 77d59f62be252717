import { sha256 } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { LedgerEntryEvent } from '../../db/types.ts';
import { findLastEntry, insertEntry, type LedgerEntryRow, lockLedgerChain } from './ledger.repository.ts';

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

/** Appends one entry inside the caller's transaction (which must be one: the lock is transaction-scoped). */
export async function appendLedgerEntry(trx: Db, input: EntryInput, at: Date): Promise<number> {
  if (!trx.isTransaction) throw new Error('appendLedgerEntry needs a transaction');
  await lockLedgerChain(trx);
  const last = await findLastEntry(trx);
  const fields: EntryFields = {
    seq: (last?.seq ?? 0) + 1,
    at,
    transfer_id: input.transferId,
    event: input.event,
    debit_account_id: input.debitAccountId,
    credit_account_id: input.creditAccountId,
    amount: input.amount,
    currency: input.currency,
    actor: input.actor.slice(0, 100),
  };
  const prevHash = last === undefined ? LEDGER_GENESIS : toBuffer(last.hash);
  await insertEntry(trx, { ...fields, prev_hash: prevHash, hash: hashLedgerEntry(prevHash, fields) });
  return fields.seq;
}
