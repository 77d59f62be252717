import { sql } from 'kysely';
import type { z } from 'zod';
import { type Db, toBuffer } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { AuditEvent } from '../audit/index.ts';
import { loadApprovalFacts, missingForPost } from './ledger.approval-rules.ts';
import { blockInsertCte, blockOf, type EntryInput } from './ledger.chain.ts';
import { findDisbursementsForUpdate } from './ledger.disbursements.repository.ts';
import type { LedgerAccountRow, LedgerTransferRow } from './ledger.repository.ts';
import type { transferSchema } from './ledger.schemas.ts';
import { newTransferRow, presentTransfer, replay, wouldCross } from './ledger.transfer-rules.ts';

/**
 * The set-based group commit (ADR 0167): a batch of creates, posts and voids applied with a
 * handful of statements whatever its size, instead of a dozen statements per transfer.
 *
 * Under the chain lock (every ledger writer takes it first, ADR 0126), the batch reads all its
 * transfers and all its accounts (locked) at once, then applies the jobs in queue order in
 * memory, with exactly the rules of the one-at-a-time services (ledger.transfer-rules.ts): the
 * idempotent replay, unknown accounts, currencies, the limits on the balances as earlier jobs of
 * the batch left them, the two-phase states and the expiry. A refused job changes nothing and is
 * answered its error. What the accepted jobs did is then written set-based: one insert of the new
 * transfers, one update of the decided ones, one update of the accounts' balances by their net
 * deltas (the migration's CHECK constraints hold the limits a second time), and the batch's
 * events as one chain entry (a block, ADR 0215), all in that one statement; then the audit
 * entries.
 *
 * A post of a disbursement request is refused while its approvals, sign-off or verification
 * are missing, with the rules `assertPostable` applies alone (ADR 0202). Any database error (a
 * CHECK constraint that disagrees with the memory, a duplicate) rolls the batch back and the
 * caller runs it job by job too, so every job gets the answer it would have had alone.
 */
export type PlannedWrite =
  | { op: 'create'; data: z.output<typeof transferSchema>; hash: Buffer; who: string; now: Date }
  | { op: 'decide'; transferId: string; to: 'posted' | 'voided'; who: string; now: Date };

export interface AppliedBatch {
  /** Per job, in order: what its one-at-a-time work would have returned, or its Error. */
  results: unknown[];
  /** The chain entries still to append (a lone event; a block is written by the batch). */
  entries: Array<{ input: EntryInput; at: Date }>;
  /** The audit entries of the accepted jobs, each with the index of the job that made it. */
  audits: Array<{ job: number; event: AuditEvent }>;
}

type Column = 'debits_pending' | 'debits_posted' | 'credits_pending' | 'credits_posted';

export async function applyPlannedBatch(
  t: Db,
  plans: readonly PlannedWrite[],
): Promise<AppliedBatch | undefined> {
  const ids = [...new Set(plans.map((p) => (p.op === 'create' ? p.data.id : p.transferId)))];
  // The batch's transfers, each with whether it is a disbursement request. Not row-locked: every
  // writer of ledger_transfers holds the chain lock this batch holds (ADR 0214).
  const read = await t
    .selectFrom('ledger_transfers as t')
    .selectAll('t')
    .select((eb) =>
      eb
        .exists(eb.selectFrom('ledger_disbursements as d').select('d.id').whereRef('d.id', '=', 't.id'))
        .as('is_request'),
    )
    .where('t.id', 'in', ids)
    .execute();
  const requests = new Set(read.filter((r) => r.is_request).map((r) => r.id));
  const stored: LedgerTransferRow[] = read.map(({ is_request: _, ...r }) => r);
  const transfers = new Map<string, LedgerTransferRow>(stored.map((r) => [r.id, r]));
  const accountIds = new Set<string>();
  for (const p of plans) {
    if (p.op === 'create') {
      accountIds.add(p.data.debitAccountId);
      accountIds.add(p.data.creditAccountId);
    }
  }
  for (const r of stored) {
    accountIds.add(r.debit_account_id);
    accountIds.add(r.credit_account_id);
  }
  const locked = await t
    .selectFrom('ledger_accounts')
    .selectAll()
    .where('id', 'in', [...accountIds])
    .orderBy('id')
    .forUpdate()
    .execute();
  const accounts = new Map<string, LedgerAccountRow>(locked.map((a) => [a.id, { ...a }]));
  // The disbursement requests the batch posts, locked as `assertPostable` locks one, with their
  // approvals, sign-offs and verifications (three queries): each post is refused, as alone,
  // while anything is missing (ADR 0202).
  const posted = [
    ...new Set(
      plans.flatMap((p) =>
        p.op === 'decide' && p.to === 'posted' && requests.has(p.transferId) ? [p.transferId] : [],
      ),
    ),
  ];
  const requestRows = posted.length === 0 ? [] : await findDisbursementsForUpdate(t, posted);
  const facts = requestRows.length === 0 ? new Map() : await loadApprovalFacts(t, requestRows);

  const inserted = new Set<string>();
  const decided = new Set<string>();
  const deltas = new Map<string, Record<Column, number>>();
  const add = (accountId: string, column: Column, amount: number) => {
    const account = accounts.get(accountId)!;
    account[column] += amount;
    let delta = deltas.get(accountId);
    if (delta === undefined) {
      delta = { debits_pending: 0, debits_posted: 0, credits_pending: 0, credits_posted: 0 };
      deltas.set(accountId, delta);
    }
    delta[column] += amount;
  };
  const entries: AppliedBatch['entries'] = [];
  const audits: AppliedBatch['audits'] = [];
  let job = 0;
  const entryOf = (row: LedgerTransferRow, event: EntryInput['event'], actor: string): EntryInput => ({
    transferId: row.id,
    event,
    debitAccountId: row.debit_account_id,
    creditAccountId: row.credit_account_id,
    amount: row.amount,
    currency: row.currency,
    actor,
  });

  const create = (p: Extract<PlannedWrite, { op: 'create' }>): unknown => {
    const { data, hash, who, now } = p;
    const earlier = transfers.get(data.id);
    if (earlier !== undefined) return replay(earlier, hash);
    for (const field of ['debitAccountId', 'creditAccountId'] as const) {
      if (!accounts.has(data[field])) {
        throw new AppError('validation_failed', 'unknown account', { fields: { [field]: 'field.invalid' } });
      }
    }
    const debit = accounts.get(data.debitAccountId)!;
    const credit = accounts.get(data.creditAccountId)!;
    if (debit.currency !== data.currency || credit.currency !== data.currency) {
      throw new AppError('validation_failed', 'currency differs from the accounts', {
        fields: { currency: 'field.invalid' },
      });
    }
    if (wouldCross(debit, 'debit', data.amount) || wouldCross(credit, 'credit', data.amount)) {
      throw new AppError('ledger_limit', 'transfer would cross an account limit');
    }
    const pending = data.pendingSeconds !== undefined;
    const row = newTransferRow(data, hash, who, now);
    add(debit.id, pending ? 'debits_pending' : 'debits_posted', data.amount);
    add(credit.id, pending ? 'credits_pending' : 'credits_posted', data.amount);
    transfers.set(row.id, row);
    inserted.add(row.id);
    entries.push({ input: entryOf(row, pending ? 'pending' : 'posted_direct', who), at: now });
    audits.push({
      job,
      event: {
        actor: who,
        action: pending ? 'ledger.transfer_pending' : 'ledger.transfer_post',
        target: row.id,
      },
    });
    return presentTransfer(row);
  };

  const decide = (p: Extract<PlannedWrite, { op: 'decide' }>): unknown => {
    const { transferId, to, now } = p;
    const current = transfers.get(transferId);
    if (current === undefined) throw new AppError('not_found', 'no such transfer');
    if (current.status === to) return presentTransfer(current);
    if (current.status !== 'pending') throw new AppError('conflict', `transfer is ${current.status}`);
    const expired = current.timeout_at !== null && current.timeout_at <= now;
    if (!expired && to === 'posted' && facts.has(transferId)) {
      const missing = missingForPost(facts.get(transferId)!);
      if (missing.length > 0) {
        throw new AppError('conflict', `disbursement not postable: ${missing.join(', ')} missing`);
      }
    }
    const end = expired ? 'expired' : to;
    const who = expired ? 'system' : p.who;
    add(current.debit_account_id, 'debits_pending', -current.amount);
    add(current.credit_account_id, 'credits_pending', -current.amount);
    if (end === 'posted') {
      add(current.debit_account_id, 'debits_posted', current.amount);
      add(current.credit_account_id, 'credits_posted', current.amount);
    }
    const row: LedgerTransferRow = { ...current, status: end, decided_by: who, decided_at: now };
    transfers.set(row.id, row);
    if (!inserted.has(row.id)) decided.add(row.id);
    entries.push({ input: entryOf(row, end, who), at: now });
    // As the one-at-a-time path: the expiry is committed, and the caller is refused.
    if (expired) return 'expired';
    audits.push({
      job,
      event: {
        actor: who,
        action: `ledger.transfer_${to === 'posted' ? 'post' : 'void'}`,
        target: row.id,
      },
    });
    return presentTransfer(row);
  };

  const results = plans.map((p, i) => {
    job = i;
    try {
      return p.op === 'create' ? create(p) : decide(p);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  });

  // Everything the accepted jobs did, in one statement: the new transfers (in their final
  // state), the decided ones, and the accounts by their net deltas.
  const created = [...inserted].map((id) => {
    const r = transfers.get(id)!;
    return { ...r, body_hash: toBuffer(r.body_hash).toString('hex') };
  });
  const updated = [...decided].map((id) => {
    const r = transfers.get(id)!;
    return { id, status: r.status, decided_by: r.decided_by, decided_at: r.decided_at };
  });
  const balances = [...deltas].map(([id, d]) => ({ id, ...d }));
  // Several events: one chain entry (a block, ADR 0215), hashed by PostgreSQL in this statement
  // from the head it reads there, under the chain lock. One event: an entry of its own, which
  // the caller appends.
  const block = entries.length < 2 ? undefined : blockOf(entries);
  await sql`
    with created as (
      insert into ledger_transfers (id, body_hash, kind, debit_account_id, credit_account_id, amount,
        currency, status, timeout_at, reverses_id, created_by, created_at, decided_by, decided_at)
      select id, decode(body_hash, 'hex'), kind, debit_account_id, credit_account_id, amount,
        currency, status, timeout_at, reverses_id, created_by, created_at, decided_by, decided_at
      from json_to_recordset(${JSON.stringify(created)}::json) as v(id uuid, body_hash text,
        kind text, debit_account_id uuid, credit_account_id uuid, amount bigint, currency text,
        status text, timeout_at timestamptz, reverses_id uuid, created_by text,
        created_at timestamptz, decided_by text, decided_at timestamptz)
      returning 1
    ), decided as (
      update ledger_transfers as t
      set status = v.status, decided_by = v.decided_by, decided_at = v.decided_at
      from json_to_recordset(${JSON.stringify(updated)}::json)
        as v(id uuid, status text, decided_by text, decided_at timestamptz)
      where t.id = v.id
      returning 1
    ), balances as (
      update ledger_accounts as a
      set debits_pending = a.debits_pending + v.debits_pending,
          debits_posted = a.debits_posted + v.debits_posted,
          credits_pending = a.credits_pending + v.credits_pending,
          credits_posted = a.credits_posted + v.credits_posted
      from json_to_recordset(${JSON.stringify(balances)}::json)
        as v(id uuid, debits_pending bigint, debits_posted bigint, credits_pending bigint, credits_posted bigint)
      where a.id = v.id
      returning 1
    ), ${block === undefined ? sql`block as (select 1 where false)` : blockInsertCte(block)}
    select (select count(*) from created) as created, (select count(*) from decided) as decided,
      (select count(*) from balances) as balances, (select count(*) from block) as blocks
  `.execute(t);
  return { results, entries: block === undefined ? entries : [], audits };
}
