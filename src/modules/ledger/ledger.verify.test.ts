import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import type { Actor } from '../../access/index.ts';
import { auditPublicKey, fingerprintAuditKey, generateRootKey, Keyring } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import {
  createLedgerCheckpoint,
  createTransfer,
  createTransfers,
  openAccount,
  postTransfers,
  reverseTransfer,
  verifyLedger,
} from './index.ts';
import { hashLedgerBlock, hashLedgerEntry, hashOfEntry } from './ledger.chain.ts';
import { iterateEntries } from './ledger.repository.ts';

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
async function attacked(attack: (db: Db) => Promise<void>, app: TestApp = t): Promise<string | undefined> {
  let problem: string | undefined;
  await app.ctx.database.db
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
    const hash = hashOfEntry(prev, fields);
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

/**
 * Corrections: `reverses_id` is not in the chain, so an intruder can point a correction
 * elsewhere; `ledger verify` checks that each mirrors the posted transfer it reverses, that no
 * transfer is reversed twice and no correction reversed (ADR 0214, 0216).
 */
describe('ledger verify on corrections', () => {
  const c = { d1: '', d2: '', c1: '', c2: '' };
  beforeAll(async () => {
    const pay = () =>
      createTransfer(t.ctx, cli, {
        id: randomUUID(),
        kind: 'disbursement',
        debitAccountId: ids.budget,
        creditAccountId: ids.recipient,
        amount: 300,
        currency: 'GEL',
      });
    c.d1 = (await pay()).id;
    c.d2 = (await pay()).id;
    c.c1 = (await reverseTransfer(t.ctx, cli, { id: randomUUID(), reversesId: c.d1 })).id;
    c.c2 = (await reverseTransfer(t.ctx, cli, { id: randomUUID(), reversesId: c.d2 })).id;
  });
  const point = (from: () => string, to: () => string) => (db: Db) =>
    db
      .updateTable('ledger_transfers')
      .set({ reverses_id: to() })
      .where('id', '=', from())
      .execute()
      .then(() => {});

  it('passes with genuine corrections', async () => {
    expect(
      (await verifyLedger(t.ctx.database.db, { trustedFingerprints: [pinned] })).problem,
    ).toBeUndefined();
  });

  it.each([
    [
      'a correction pointed at a transfer that does not exist',
      point(() => c.c1, randomUUID),
      /reverses transfer .*, which does not exist/,
    ],
    [
      'a correction pointed at another transfer',
      point(
        () => c.c1,
        () => ids.pendingTransfer,
      ),
      /does not mirror the posted transfer/,
    ],
    [
      'a second correction of the same transfer',
      point(
        () => c.c2,
        () => c.d1,
      ),
      /is reversed twice/,
    ],
    [
      'a transfer turned into a correction of a correction',
      point(
        () => c.d2,
        () => c.c1,
      ),
      /reverses correction/,
    ],
  ] as const)('catches %s', async (_name, attack, expected) => {
    expect(await attacked(attack)).toMatch(expected);
  });
});

/**
 * Blocks (ADR 0215): a multi-transfer request's events are one chain entry, their exact text
 * covered by its hash. The intruder edits, reorders and forges events inside a block.
 */
describe('ledger verify on blocks of events', () => {
  let b: TestApp;
  const block = { seq: 0, transfers: [] as string[] };
  let blockPinned: string;

  beforeAll(async () => {
    b = await buildTestApp();
    const ctx = b.ctx;
    const open = (kind: 'holding' | 'funding' | 'budget', code: string) =>
      openAccount(ctx, cli, { kind, code, label: code, currency: 'EUR' });
    const bank = await open('holding', 'bank');
    const grant = await open('funding', 'grant');
    const line = await open('budget', 'budget:tickets');
    const recipient = await openAccount(ctx, cli, {
      kind: 'recipient',
      caseId: randomUUID(),
      currency: 'EUR',
    });
    await createTransfer(ctx, cli, {
      id: randomUUID(),
      kind: 'deposit',
      debitAccountId: bank.id,
      creditAccountId: grant.id,
      amount: 10_000,
      currency: 'EUR',
    });
    await createTransfer(ctx, cli, {
      id: randomUUID(),
      kind: 'allocation',
      debitAccountId: grant.id,
      creditAccountId: line.id,
      amount: 3_000,
      currency: 'EUR',
    });
    const items = [700, 800, 900].map((amount) => ({
      id: randomUUID(),
      kind: 'disbursement',
      debitAccountId: line.id,
      creditAccountId: recipient.id,
      amount,
      currency: 'EUR',
      pendingSeconds: 3600,
    }));
    block.transfers = items.map((x) => x.id);
    expect((await createTransfers(ctx, cli, { transfers: items })).every((x) => x.ok)).toBe(true);
    const posted = await postTransfers(ctx, cli, { transferIds: block.transfers.slice(0, 2) });
    expect(posted.every((x) => x.ok)).toBe(true);
    const keyring = ctx.vault.requireKeyring();
    blockPinned = fingerprintAuditKey(auditPublicKey(keyring));
    await createLedgerCheckpoint(ctx.database.db, keyring);
    block.seq = 3;
  }, 120_000);
  afterAll(async () => b.close());

  const entry = (db: Db, seq: number) =>
    db.selectFrom('ledger_entries').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
  /** Rewrites one block's text and re-hashes it and every entry after it, as an intruder would. */
  async function forgeBlock(db: Db, seq: number, edit: (tuples: unknown[][]) => unknown): Promise<void> {
    const row = await entry(db, seq);
    const text = JSON.stringify(edit(JSON.parse(row.events!)));
    await db.updateTable('ledger_entries').set({ events: text }).where('seq', '=', seq).execute();
    await rechain(db);
  }
  const verifyUnpinned = async (db: Db) => (await verifyLedger(db)).problem;

  it('writes each multi-transfer request as one entry holding its events, and verifies it', async () => {
    const db = b.ctx.database.db;
    const rows = await db.selectFrom('ledger_entries').selectAll().orderBy('seq').execute();
    expect(rows.map((r) => (r.events === null ? 1 : JSON.parse(r.events).length))).toEqual([1, 1, 3, 2]);
    const third = rows[2]!;
    expect(third.transfer_id).toBeNull();
    expect(JSON.parse(third.events!).map((e: unknown[]) => [e[1], e[2], e[5]])).toEqual(
      block.transfers.map((id, i) => [id, 'pending', 700 + i * 100]),
    );
    expect(await verifyLedger(db, { trustedFingerprints: [blockPinned] })).toMatchObject({
      ok: true,
      entries: 4,
      events: 7,
      checkpointsChecked: 1,
    });
  });

  it('reads blocks a page at a time, however small the page, in order and each once', async () => {
    const db = b.ctx.database.db;
    const seqs: number[] = [];
    for await (const row of iterateEntries(db, 10_000, 1)) seqs.push(row.seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
    seqs.length = 0;
    for await (const row of iterateEntries(db, 3, 200)) seqs.push(row.seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
  });

  const attacks: Array<[string, (db: Db) => Promise<void>, (db: Db) => Promise<string | undefined>, RegExp]> =
    [
      [
        'an event’s amount edited inside a block',
        async (db) => {
          const row = await entry(db, block.seq);
          await db
            .updateTable('ledger_entries')
            .set({ events: row.events!.replace(',800,', ',80,') })
            .where('seq', '=', block.seq)
            .execute();
        },
        verifyUnpinned,
        /entry 3 was altered/,
      ],
      [
        'two events of a block swapped',
        async (db) => {
          const row = await entry(db, block.seq);
          const tuples = JSON.parse(row.events!);
          await db
            .updateTable('ledger_entries')
            .set({ events: JSON.stringify([tuples[1], tuples[0], tuples[2]]) })
            .where('seq', '=', block.seq)
            .execute();
        },
        verifyUnpinned,
        /entry 3 was altered/,
      ],
      [
        'a block’s time moved',
        (db) =>
          db
            .updateTable('ledger_entries')
            .set({ at: new Date('2020-01-01T00:00:00Z') })
            .where('seq', '=', block.seq)
            .execute()
            .then(() => {}),
        verifyUnpinned,
        /entry 3 was altered/,
      ],
      [
        'a block deleted',
        (db) =>
          db
            .deleteFrom('ledger_entries')
            .where('seq', '=', block.seq)
            .execute()
            .then(() => {}),
        verifyUnpinned,
        /entry 3 was deleted/,
      ],
      [
        'a block and the entry after it reordered',
        async (db) => {
          await db.updateTable('ledger_entries').set({ seq: 1000 }).where('seq', '=', 3).execute();
          await db.updateTable('ledger_entries').set({ seq: 3 }).where('seq', '=', 4).execute();
          await db.updateTable('ledger_entries').set({ seq: 4 }).where('seq', '=', 1000).execute();
        },
        verifyUnpinned,
        /entry 3 does not link|entry 3 was altered/,
      ],
      [
        'who made an event rewritten inside a block and the chain re-hashed',
        (db) =>
          forgeBlock(db, block.seq, (tuples) => tuples.map((e) => [...e.slice(0, 7), 'staff:someone-else'])),
        (db) => verifyLedger(db, { trustedFingerprints: [blockPinned] }).then((r) => r.problem),
        /differs from the signed checkpoint/,
      ],
      [
        'a re-hashed block that posts a transfer twice',
        (db) => forgeBlock(db, 4, (tuples) => [...tuples, tuples[0]]),
        verifyUnpinned,
        /entry 4 \(event 3 of 3\) decides transfer .* again \(it was already posted\)/,
      ],
      [
        'a re-hashed block that is not a list of events',
        (db) => forgeBlock(db, block.seq, (tuples) => [...tuples, ['x']]),
        verifyUnpinned,
        /entry 3 holds a malformed block of events/,
      ],
      [
        'a re-hashed block whose event moves money out of an account that does not exist',
        (db) =>
          forgeBlock(db, block.seq, (tuples) => [
            [...tuples[0]!.slice(0, 3), randomUUID(), ...tuples[0]!.slice(4)],
            ...tuples.slice(1),
          ]),
        verifyUnpinned,
        /entry 3 \(event 1 of 3\) names an account that does not exist/,
      ],
    ];

  it.each(attacks)('catches %s', async (_name, attack, check, expected) => {
    let problem: string | undefined;
    await b.ctx.database.db
      .transaction()
      .execute(async (trx) => {
        await sql`set local session_replication_role = replica`.execute(trx);
        await attack(trx);
        problem = await check(trx);
        throw new RollBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RollBack)) throw error;
      });
    expect(problem).toMatch(expected);
  });

  it('hashes an entry of one event exactly as entries written before blocks existed', () => {
    // A fixed vector computed by the chain code before ADR 0215: stored ledgers must still verify.
    const entry = {
      seq: 7,
      at: new Date('2026-12-01T10:00:00.123Z'),
      transfer_id: '11111111-1111-4111-8111-111111111111',
      event: 'posted' as const,
      debit_account_id: '22222222-2222-4222-8222-222222222222',
      credit_account_id: '33333333-3333-4333-8333-333333333333',
      amount: 12345,
      currency: 'GEL',
      actor: 'staff:Ольга',
    };
    expect(hashLedgerEntry(Buffer.alloc(32, 9), entry).toString('hex')).toBe(
      '6aceb762cfc5c5854384e430296c1d0b73391651f559b4e142978bb01b38dcae',
    );
  });

  it('hashes a block apart from an entry of one event with the same fields', () => {
    const at = new Date('2026-12-06T00:00:00Z');
    const prev = Buffer.alloc(32);
    const text = JSON.stringify([
      [at.toISOString(), randomUUID(), 'pending', randomUUID(), randomUUID(), 5, 'EUR', 'cli'],
    ]);
    expect(hashLedgerBlock(prev, 1, at, text).equals(hashLedgerBlock(prev, 2, at, text))).toBe(false);
    expect(hashLedgerBlock(prev, 1, at, text).equals(hashLedgerBlock(Buffer.alloc(32, 1), 1, at, text))).toBe(
      false,
    );
  });
});
