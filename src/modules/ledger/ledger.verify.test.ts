import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import type { Actor } from '../../access/index.ts';
import { auditPublicKey, fingerprintAuditKey, generateRootKey, Keyring } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import { createLedgerCheckpoint, createTransfer, openAccount, verifyLedger } from './index.ts';
import { hashLedgerEntry } from './ledger.chain.ts';

/**
 * `ledger verify` from the attacker's side: an intruder with write access to the database
 * switches off the append-only triggers and edits, deletes, reorders or re-chains rows, or
 * fixes the cached balances to match. Each mutation runs inside a transaction that is rolled
 * back, so every row of the table starts from the same genuine ledger.
 */
const cli: Actor = { kind: 'cli', id: 'cli' };
let t: TestApp;
let pinned: string;
const ids: { budget: string; recipient: string; pendingTransfer: string } = {
  budget: '',
  recipient: '',
  pendingTransfer: '',
};

beforeAll(async () => {
  t = await buildTestApp();
  const ctx = t.ctx;
  const holding = await openAccount(ctx, cli, {
    kind: 'holding',
    code: 'bank',
    label: 'Bank',
    currency: 'GEL',
  });
  const funding = await openAccount(ctx, cli, {
    kind: 'funding',
    code: 'grant',
    label: 'Grant',
    currency: 'GEL',
  });
  const budget = await openAccount(ctx, cli, {
    kind: 'budget',
    code: 'budget:beds',
    label: 'Beds',
    currency: 'GEL',
  });
  const recipient = await openAccount(ctx, cli, { kind: 'recipient', caseId: randomUUID(), currency: 'GEL' });
  ids.budget = budget.id;
  ids.recipient = recipient.id;
  const move = (debit: string, credit: string, amount: number, kind: string, pendingSeconds?: number) =>
    createTransfer(ctx, cli, {
      id: randomUUID(),
      kind,
      debitAccountId: debit,
      creditAccountId: credit,
      amount,
      currency: 'GEL',
      ...(pendingSeconds === undefined ? {} : { pendingSeconds }),
    });
  await move(holding.id, funding.id, 50_000, 'deposit');
  await move(funding.id, budget.id, 20_000, 'allocation');
  for (let i = 0; i < 4; i += 1) await move(budget.id, recipient.id, 1_000 + i, 'disbursement');
  ids.pendingTransfer = (await move(budget.id, recipient.id, 2_500, 'disbursement', 3600)).id;
  const keyring = ctx.vault.requireKeyring();
  pinned = fingerprintAuditKey(auditPublicKey(keyring));
  await createLedgerCheckpoint(ctx.database.db, keyring);
  await move(budget.id, recipient.id, 900, 'disbursement');
}, 120_000);
afterAll(async () => t.close());

/** Runs an attack inside a transaction with the triggers off, verifies there, and rolls back. */
async function attacked(attack: (db: Db) => Promise<void>): Promise<string | undefined> {
  let problem: string | undefined;
  await t.ctx.database.db
    .transaction()
    .execute(async (trx) => {
      await sql`set local session_replication_role = replica`.execute(trx);
      await attack(trx);
      problem = (await verifyLedger(trx, { trustedFingerprints: [pinned] })).problem;
      throw new RollBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RollBack)) throw error;
    });
  return problem;
}
class RollBack extends Error {}

/** Re-hashes every entry from `from` on, as an intruder hiding an edit would. */
async function rechain(db: Db): Promise<void> {
  const rows = await db.selectFrom('ledger_entries').selectAll().orderBy('seq').execute();
  await db.deleteFrom('ledger_entries').execute();
  let prev: Buffer = Buffer.alloc(32);
  for (const [i, row] of rows.entries()) {
    const fields = { ...row, seq: i + 1 };
    const hash = hashLedgerEntry(prev, fields);
    await db
      .insertInto('ledger_entries')
      .values({ ...fields, prev_hash: prev, hash })
      .execute();
    prev = hash;
  }
}

describe('sanctuary ledger verify against an intruder', () => {
  it('passes on the genuine ledger, checking its signed checkpoint', async () => {
    const result = await verifyLedger(t.ctx.database.db, { trustedFingerprints: [pinned] });
    expect(result).toMatchObject({ ok: true, checkpointsChecked: 1 });
    expect(result.entries).toBe(8);
  });

  const attacks: Array<[string, (db: Db) => Promise<void>, RegExp]> = [
    [
      'an entry’s amount edited',
      (db) =>
        db
          .updateTable('ledger_entries')
          .set({ amount: 99_999 })
          .where('seq', '=', 4)
          .execute()
          .then(() => {}),
      /entry 4 was altered/,
    ],
    [
      'an entry’s accounts swapped',
      async (db) => {
        await db
          .updateTable('ledger_entries')
          .set({ debit_account_id: ids.recipient, credit_account_id: ids.budget })
          .where('seq', '=', 5)
          .execute();
      },
      /entry 5 was altered/,
    ],
    [
      'an entry deleted',
      (db) =>
        db
          .deleteFrom('ledger_entries')
          .where('seq', '=', 3)
          .execute()
          .then(() => {}),
      /entry 3 was deleted/,
    ],
    [
      'two entries reordered',
      async (db) => {
        await db.updateTable('ledger_entries').set({ seq: 1000 }).where('seq', '=', 5).execute();
        await db.updateTable('ledger_entries').set({ seq: 5 }).where('seq', '=', 6).execute();
        await db.updateTable('ledger_entries').set({ seq: 6 }).where('seq', '=', 1000).execute();
      },
      /entry 5 does not link|entry 5 was altered/,
    ],
    [
      'the tail cut off up to before the checkpoint',
      async (db) => {
        await db.deleteFrom('ledger_entries').where('seq', '>=', 6).execute();
        await db.deleteFrom('ledger_transfers').execute();
        await sql`update ledger_accounts set debits_posted = 0, credits_posted = 0, debits_pending = 0, credits_pending = 0`.execute(
          db,
        );
      },
      /has no entries|stored balance differs|entries 6\.\.7 were deleted/,
    ],
    [
      'an entry deleted and the chain re-hashed, balances fixed to match',
      async (db) => {
        const gone = await db
          .selectFrom('ledger_entries')
          .selectAll()
          .where('seq', '=', 4)
          .executeTakeFirstOrThrow();
        await db.deleteFrom('ledger_entries').where('seq', '=', 4).execute();
        await db.deleteFrom('ledger_transfers').where('id', '=', gone.transfer_id).execute();
        await sql`update ledger_accounts set debits_posted = debits_posted - ${gone.amount} where id = ${gone.debit_account_id}`.execute(
          db,
        );
        await sql`update ledger_accounts set credits_posted = credits_posted - ${gone.amount} where id = ${gone.credit_account_id}`.execute(
          db,
        );
        await rechain(db);
      },
      /differs from the signed checkpoint/,
    ],
    [
      'a cached balance raised',
      (db) =>
        sql`update ledger_accounts set credits_posted = credits_posted + 100000 where id = ${ids.recipient}`
          .execute(db)
          .then(() => {}),
      /account recipient:.*stored balance differs/,
    ],
    [
      'a pending transfer marked posted without its entry',
      (db) =>
        db
          .updateTable('ledger_transfers')
          .set({ status: 'posted' })
          .where('id', '=', ids.pendingTransfer)
          .execute()
          .then(() => {}),
      /differs from its entries \(stored posted, chain pending\)/,
    ],
    [
      'a transfer row deleted',
      (db) =>
        db
          .deleteFrom('ledger_transfers')
          .where('id', '=', ids.pendingTransfer)
          .execute()
          .then(() => {}),
      /transfers in the chain have no row/,
    ],
    [
      'a transfer row added without entries',
      async (db) => {
        await db
          .insertInto('ledger_transfers')
          .values({
            id: randomUUID(),
            body_hash: Buffer.alloc(32),
            kind: 'disbursement',
            debit_account_id: ids.budget,
            credit_account_id: ids.recipient,
            amount: 5,
            currency: 'GEL',
            status: 'posted',
            timeout_at: null,
            reverses_id: null,
            created_by: 'cli',
          })
          .execute();
      },
      /has no entries in the chain/,
    ],
    [
      'the checkpoints replaced by one the intruder signed',
      async (db) => {
        await db.deleteFrom('ledger_checkpoints').execute();
        await createLedgerCheckpoint(db, Keyring.fromRootKey(generateRootKey()));
      },
      /not by the pinned key/,
    ],
    [
      'a well-formed overspending disbursement appended, with its row, caches and hash all made to match',
      async (db) => {
        const last = await db
          .selectFrom('ledger_entries')
          .selectAll()
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirstOrThrow();
        const id = randomUUID();
        const amount = 1_000_000;
        await db
          .insertInto('ledger_transfers')
          .values({
            id,
            body_hash: Buffer.alloc(32),
            kind: 'disbursement',
            debit_account_id: ids.budget,
            credit_account_id: ids.recipient,
            amount,
            currency: 'GEL',
            status: 'posted',
            timeout_at: null,
            reverses_id: null,
            created_by: 'cli',
          })
          .execute();
        const fields = {
          seq: last.seq + 1,
          at: new Date(),
          transfer_id: id,
          event: 'posted_direct' as const,
          debit_account_id: ids.budget,
          credit_account_id: ids.recipient,
          amount,
          currency: 'GEL',
          actor: 'cli',
        };
        const prev = Buffer.from(last.hash);
        await db
          .insertInto('ledger_entries')
          .values({ ...fields, prev_hash: prev, hash: hashLedgerEntry(prev, fields) })
          .execute();
        // The CHECK constraint stops the cache edit too, so the intruder drops it first.
        await sql`alter table ledger_accounts drop constraint if exists ledger_accounts_check1`.execute(db);
        await sql`update ledger_accounts set debits_posted = debits_posted + ${amount} where id = ${ids.budget}`.execute(
          db,
        );
        await sql`update ledger_accounts set credits_posted = credits_posted + ${amount} where id = ${ids.recipient}`.execute(
          db,
        );
      },
      /entry 9 takes account budget:beds beyond its limit/,
    ],
  ];

  it.each(attacks)('catches %s', async (_name, attack, expected) => {
    const problem = await attacked(attack);
    expect(problem).toMatch(expected);
  });
});
