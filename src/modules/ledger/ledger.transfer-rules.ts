import type { z } from 'zod';
import { toBuffer } from '../../db/database.ts';
import type { LedgerTransferKind } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import type { LedgerAccountRow, LedgerTransferRow } from './ledger.repository.ts';
import type { transferSchema } from './ledger.schemas.ts';

/**
 * The rules every way of writing a transfer shares (ADR 0119): how a transfer is presented, the
 * limit rule of the migration's CHECK constraints, and the idempotent replay. The services
 * (ledger.service.ts) apply them one transfer at a time; the set-based group commit
 * (ledger.batch.ts, ADR 0167) to a whole batch in memory.
 */

export interface LedgerTransfer {
  id: string;
  kind: LedgerTransferKind;
  debitAccountId: string;
  creditAccountId: string;
  amount: number;
  currency: string;
  status: LedgerTransferRow['status'];
  timeoutAt: string | null;
  reversesId: string | null;
  createdAt: string;
}

export function presentTransfer(row: LedgerTransferRow): LedgerTransfer {
  return {
    id: row.id,
    kind: row.kind,
    debitAccountId: row.debit_account_id,
    creditAccountId: row.credit_account_id,
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    timeoutAt: row.timeout_at?.toISOString() ?? null,
    reversesId: row.reverses_id,
    createdAt: row.created_at.toISOString(),
  };
}

/** The limit rule of the migration's CHECK constraints, asked before the write (pending credits never count as funds). */
export function wouldCross(account: LedgerAccountRow, side: 'debit' | 'credit', amount: number): boolean {
  const debits = account.debits_posted + account.debits_pending + (side === 'debit' ? amount : 0);
  const credits = account.credits_posted + account.credits_pending + (side === 'credit' ? amount : 0);
  if (account.debits_must_not_exceed_credits && side === 'debit') {
    return debits > account.credits_posted + account.limit_minor;
  }
  if (account.credits_must_not_exceed_debits && side === 'credit') {
    return credits > account.debits_posted + account.limit_minor;
  }
  return false;
}

/** A stored transfer answered again for the same id and body; a different body is refused. */
export function replay(existing: LedgerTransferRow, hash: Buffer): LedgerTransfer {
  if (!toBuffer(existing.body_hash).equals(hash)) {
    throw new AppError('idempotency_conflict', 'transfer id reused with another body');
  }
  return presentTransfer(existing);
}

/** A new transfer's row as the request makes it: posted at once, or pending until its timeout. */
export function newTransferRow(
  data: z.output<typeof transferSchema>,
  hash: Buffer,
  who: string,
  now: Date,
): LedgerTransferRow {
  const pending = data.pendingSeconds !== undefined;
  return {
    id: data.id,
    body_hash: hash,
    kind: data.kind,
    debit_account_id: data.debitAccountId,
    credit_account_id: data.creditAccountId,
    amount: data.amount,
    currency: data.currency,
    status: pending ? 'pending' : 'posted',
    timeout_at: pending ? new Date(now.getTime() + data.pendingSeconds! * 1000) : null,
    reverses_id: null,
    created_by: who,
    created_at: now,
    decided_by: pending ? null : who,
    decided_at: pending ? null : now,
  };
}
