import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { staffActor } from '../../../test/support/factories.ts';
import type { Actor } from '../../access/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { findAuditEntriesForTarget } from '../audit/index.ts';
import { createAppJobRunner } from '../../server.ts';
import {
  createTransfer,
  createTransfers,
  expirePendingTransfers,
  getAccounts,
  getTransfer,
  type LedgerAccount,
  openAccount,
  postTransfer,
  postTransfers,
  reverseTransfer,
  scheduleLedgerExpiry,
  verifyLedger,
  voidTransfer,
  voidTransfers,
} from './index.ts';
import { up as floorMigration } from '../../db/migrations/20261211T0300_ledger_recipient_floor.ts';
import { ledgerWriteStats } from './ledger.group-commit.ts';

const cli: Actor = { kind: 'cli', id: 'cli' };
let t: TestApp;
let finance: Actor;
let caseworker: Actor;
let holding: LedgerAccount;
let funding: LedgerAccount;
let budget: LedgerAccount;
let recipient: LedgerAccount;

/** Every ledger table's row count and every balance: "nothing was written" means this is unchanged. */
async function ledgerState(): Promise<string> {
  const db = t.ctx.database.db;
  const parts: unknown[] = [];
  for (const table of [
    'ledger_accounts',
    'ledger_transfers',
    'ledger_entries',
    'ledger_currencies',
  ] as const) {
    parts.push(await db.selectFrom(table).selectAll().execute());
  }
  return JSON.stringify(parts);
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return 'ok';
}

/** A disbursement from the tickets line to the recipient (pending when `pendingSeconds` is given). */
function disbursement(amount: number, pendingSeconds?: number) {
  return {
    id: randomUUID(),
    kind: 'disbursement',
    debitAccountId: budget.id,
    creditAccountId: recipient.id,
    amount,
    currency: 'EUR',
    ...(pendingSeconds === undefined ? {} : { pendingSeconds }),
  };
}

async function balanceOf(id: string): Promise<LedgerAccount> {
  return (await getAccounts(t.ctx, cli)).find((a) => a.id === id)!;
}

beforeAll(async () => {
  t = await buildTestApp();
  finance = staffActor(await buildStaff(t.ctx, 'finance_officer'));
  caseworker = staffActor(await buildStaff(t.ctx, 'caseworker'));
  holding = await openAccount(t.ctx, finance, {
    kind: 'holding',
    code: 'bank:eur',
    label: 'Bank account EUR',
    currency: 'EUR',
  });
  funding = await openAccount(t.ctx, finance, {
    kind: 'funding',
    code: 'grant:fund-a',
    label: 'Grant A',
    currency: 'EUR',
  });
  budget = await openAccount(t.ctx, finance, {
    kind: 'budget',
    code: 'budget:tickets',
    label: 'Tickets',
    currency: 'EUR',
  });
  recipient = await openAccount(t.ctx, finance, { kind: 'recipient', caseId: randomUUID(), currency: 'EUR' });
  // 1,000.00 EUR arrive from the donor; 300.00 go to the tickets line.
  await createTransfer(t.ctx, finance, {
    id: randomUUID(),
    kind: 'deposit',
    debitAccountId: holding.id,
    creditAccountId: funding.id,
    amount: 100_000,
    currency: 'EUR',
  });
  await createTransfer(t.ctx, finance, {
    id: randomUUID(),
    kind: 'allocation',
    debitAccountId: funding.id,
    creditAccountId: budget.id,
    amount: 30_000,
    currency: 'EUR',
  });
}, 120_000);
afterAll(async () => t.close());

describe('the ledger core', () => {
  it('moves money in double entry and shows balances on each account’s normal side', async () => {
    expect((await balanceOf(holding.id)).balance).toBe(100_000);
    expect((await balanceOf(funding.id)).balance).toBe(70_000);
    expect((await balanceOf(budget.id)).balance).toBe(30_000);
    const all = await getAccounts(t.ctx, finance);
    expect(all.reduce((s, a) => s + a.debitsPosted, 0)).toBe(all.reduce((s, a) => s + a.creditsPosted, 0));
  });

  it('reserves a pending disbursement, then posts it; a retried post answers the same', async () => {
    const id = randomUUID();
    const pending = await createTransfer(t.ctx, finance, {
      id,
      kind: 'disbursement',
      debitAccountId: budget.id,
      creditAccountId: recipient.id,
      amount: 12_000,
      currency: 'EUR',
      pendingSeconds: 3600,
    });
    expect(pending.status).toBe('pending');
    expect((await balanceOf(budget.id)).available).toBe(18_000);
    expect((await balanceOf(budget.id)).balance).toBe(30_000);
    expect((await postTransfer(t.ctx, finance, { transferId: id })).status).toBe('posted');
    expect((await postTransfer(t.ctx, finance, { transferId: id })).status).toBe('posted');
    expect((await balanceOf(budget.id)).balance).toBe(18_000);
    expect((await balanceOf(recipient.id)).balance).toBe(12_000);
    expect(await code(voidTransfer(t.ctx, finance, { transferId: id }))).toBe('conflict');
  });

  it('voids a pending transfer and releases what it reserved', async () => {
    const id = randomUUID();
    await createTransfer(t.ctx, finance, {
      id,
      kind: 'disbursement',
      debitAccountId: budget.id,
      creditAccountId: recipient.id,
      amount: 5_000,
      currency: 'EUR',
      pendingSeconds: 3600,
    });
    const before = (await balanceOf(budget.id)).available;
    await voidTransfer(t.ctx, finance, { transferId: id });
    expect((await balanceOf(budget.id)).available).toBe(before + 5_000);
    expect(await code(postTransfer(t.ctx, finance, { transferId: id }))).toBe('conflict');
  });

  it('expires a pending transfer whose time ran out, and refuses to post it', async () => {
    const id = randomUUID();
    const start = new Date('2030-01-01T00:00:00Z');
    await createTransfer(
      t.ctx,
      finance,
      {
        id,
        kind: 'disbursement',
        debitAccountId: budget.id,
        creditAccountId: recipient.id,
        amount: 1_000,
        currency: 'EUR',
        pendingSeconds: 60,
      },
      { now: start },
    );
    const later = new Date(start.getTime() + 61_000);
    expect(await code(postTransfer(t.ctx, finance, { transferId: id }, { now: later }))).toBe('conflict');
    const other = randomUUID();
    await createTransfer(
      t.ctx,
      finance,
      {
        id: other,
        kind: 'disbursement',
        debitAccountId: budget.id,
        creditAccountId: recipient.id,
        amount: 1_000,
        currency: 'EUR',
        pendingSeconds: 60,
      },
      { now: start },
    );
    expect(await expirePendingTransfers(t.ctx, later)).toBe(1);
    expect(await code(postTransfer(t.ctx, finance, { transferId: other }, { now: later }))).toBe('conflict');
    expect((await verifyLedger(t.ctx.database.db)).ok).toBe(true);
  });

  it('expires overdue pending transfers in the background job, and queues its next run', async () => {
    const id = randomUUID();
    const longAgo = new Date(Date.now() - 3_600_000);
    await createTransfer(
      t.ctx,
      finance,
      {
        id,
        kind: 'disbursement',
        debitAccountId: budget.id,
        creditAccountId: recipient.id,
        amount: 400,
        currency: 'EUR',
        pendingSeconds: 60,
      },
      { now: longAgo },
    );
    await scheduleLedgerExpiry(t.ctx.database.db, new Date(Date.now() - 1000));
    const runner = createAppJobRunner(t.ctx);
    while ((await runner.runOnce()) > 0) {
      // until nothing is due
    }
    const row = await t.ctx.database.db
      .selectFrom('ledger_transfers')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('expired');
    const next = await t.ctx.database.db
      .selectFrom('jobs')
      .select(['state', 'run_after'])
      .where('kind', '=', 'ledger.expire_pending')
      .where('state', '=', 'queued')
      .executeTakeFirstOrThrow();
    expect(next.run_after.getTime()).toBeGreaterThan(Date.now() + 60_000);
  });

  it('answers a retried transfer with the stored result and refuses the same id with another body, writing nothing', async () => {
    const body = {
      id: randomUUID(),
      kind: 'disbursement',
      debitAccountId: budget.id,
      creditAccountId: recipient.id,
      amount: 700,
      currency: 'EUR',
    };
    const first = await createTransfer(t.ctx, finance, body);
    const before = await ledgerState();
    expect(await createTransfer(t.ctx, finance, body)).toEqual(first);
    expect(await code(createTransfer(t.ctx, finance, { ...body, amount: 70_000 }))).toBe(
      'idempotency_conflict',
    );
    expect(await ledgerState()).toBe(before);
  });

  it('answers each job of one set-based batch as it would have been answered alone', async () => {
    const body = {
      id: randomUUID(),
      kind: 'disbursement',
      debitAccountId: budget.id,
      creditAccountId: recipient.id,
      amount: 300,
      currency: 'EUR',
      pendingSeconds: 600,
    };
    const before = ledgerWriteStats(t.ctx);
    // Queued together: a transfer, its retry, its id with another body, its post, a post of an
    // unknown transfer and an unknown account. They share one batch; each gets its own answer.
    const outcomes = await Promise.all([
      createTransfer(t.ctx, finance, body),
      createTransfer(t.ctx, finance, body),
      code(createTransfer(t.ctx, finance, { ...body, amount: 301 })),
      postTransfer(t.ctx, finance, { transferId: body.id }),
      code(postTransfer(t.ctx, finance, { transferId: randomUUID() })),
      code(createTransfer(t.ctx, finance, { ...body, id: randomUUID(), creditAccountId: randomUUID() })),
    ]);
    // Taken set-based, and the database never refused what the batch computed in memory.
    expect(ledgerWriteStats(t.ctx).setBased).toBeGreaterThan(before.setBased);
    expect(ledgerWriteStats(t.ctx).declined).toBe(before.declined);
    expect(outcomes.slice(2)).toEqual([
      'idempotency_conflict',
      expect.objectContaining({ id: body.id, status: 'posted' }),
      'not_found',
      'validation_failed',
    ]);
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[0]).toMatchObject({ status: 'pending' });
    expect(await getTransfer(t.ctx, finance, body.id)).toMatchObject({ status: 'posted', amount: 300 });
    expect((await verifyLedger(t.ctx.database.db)).problem).toBeUndefined();
  });

  it('answers each item of a multi-transfer request as a single request, writing nothing for a refused one', async () => {
    const storedBody = {
      id: randomUUID(),
      kind: 'disbursement',
      debitAccountId: budget.id,
      creditAccountId: recipient.id,
      amount: 200,
      currency: 'EUR',
    };
    const stored = await createTransfer(t.ctx, finance, storedBody);
    const item = (amount: number, extra: Record<string, unknown> = {}) => ({
      ...disbursement(amount, 600),
      ...extra,
    });
    const a = item(100);
    const b = item(150);
    const before = await balanceOf(budget.id);
    const outcomes = await createTransfers(t.ctx, finance, {
      transfers: [
        a,
        storedBody,
        { ...storedBody, amount: 201 },
        item(before.available), // more than is left once a and b are reserved
        item(100, { creditAccountId: randomUUID() }),
        { id: 'x', amount: -1 },
        b,
        a,
      ],
    });
    expect(outcomes.map((o) => (o.ok ? o.transfer.status : o.code))).toEqual([
      'pending',
      'posted',
      'idempotency_conflict',
      'ledger_limit',
      'validation_failed',
      'validation_failed',
      'pending',
      'pending',
    ]);
    expect(outcomes[1]).toMatchObject({ ok: true, transfer: stored });
    expect(outcomes[7]).toEqual(outcomes[0]);
    // One audit entry for the request's two new transfers; each movement is in the ledger's chain.
    const audit = await findAuditEntriesForTarget(t.ctx.database.db, `ledger:transfers:${a.id}..${b.id}`, 5);
    expect(audit.map((e) => [e.action, e.reason])).toEqual([
      ['ledger.transfer_pending_request', '2 transfers in one request'],
    ]);
    expect(await code(createTransfers(t.ctx, finance, { transfers: [] }))).toBe('validation_failed');
    const posted = await postTransfers(t.ctx, finance, { transferIds: [a.id, randomUUID()] });
    const voided = await voidTransfers(t.ctx, finance, { transferIds: [b.id, a.id] });
    expect([...posted, ...voided].map((o) => (o.ok ? o.transfer.status : o.code))).toEqual([
      'posted',
      'not_found',
      'voided',
      'conflict',
    ]);
    const after = await balanceOf(budget.id);
    expect([after.balance, after.available]).toEqual([before.balance - 100, before.available - 100]);
    expect(await code(createTransfers(t.ctx, caseworker, { transfers: [a] }))).toBe('not_found');
    expect((await verifyLedger(t.ctx.database.db)).problem).toBeUndefined();
  });

  it('commits requests queued together in one batch and one chain entry, each answered and audited as if alone (ADR 0215)', async () => {
    const item = (amount: number) => disbursement(amount, 600);
    const before = ledgerWriteStats(t.ctx);
    const [first, second, third] = [
      [item(11), item(12)],
      [item(21), item(22)],
      [item(31), item(999_999_999)],
    ];
    // Sent at once: the first is committed alone while the other two wait, then those two together.
    const answers = await Promise.all([
      createTransfers(t.ctx, finance, { transfers: first }),
      createTransfers(t.ctx, finance, { transfers: second }),
      createTransfers(t.ctx, caseworker, { transfers: third }).catch((error: unknown) =>
        isAppError(error) ? error.code : error,
      ),
      createTransfers(t.ctx, cli, { transfers: third }),
    ]);
    expect(answers[2]).toBe('not_found');
    expect(
      [answers[0], answers[1], answers[3]].map((a) =>
        (a as { ok: boolean; code?: string }[]).map((o) => (o.ok ? 'ok' : o.code)),
      ),
    ).toEqual([
      ['ok', 'ok'],
      ['ok', 'ok'],
      ['ok', 'ledger_limit'],
    ]);
    const after = ledgerWriteStats(t.ctx);
    expect([after.requests - before.requests, after.requestBatches - before.requestBatches]).toEqual([3, 2]);
    // The second and third requests' events are one block, in the order the requests came.
    const last = await t.ctx.database.db
      .selectFrom('ledger_entries')
      .select('events')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(last.events!).map((e: unknown[]) => e[1])).toEqual([
      second[0]!.id,
      second[1]!.id,
      third[0]!.id,
    ]);
    // Each request keeps its own audit entry, by its own person.
    const entry = async (target: string) =>
      (await findAuditEntriesForTarget(t.ctx.database.db, target, 5)).map((e) => [
        e.actor,
        e.action,
        e.reason,
      ]);
    expect(await entry(`ledger:transfers:${second[0]!.id}..${second[1]!.id}`)).toEqual([
      [(finance as { id: string }).id, 'ledger.transfer_pending_request', '2 transfers in one request'],
    ]);
    expect(await entry(third[0]!.id)).toEqual([['cli', 'ledger.transfer_pending', null]]);
    await voidTransfers(t.ctx, finance, { transferIds: [...first, ...second, third[0]!].map((x) => x.id) });
    expect((await verifyLedger(t.ctx.database.db)).problem).toBeUndefined();
  });

  it('writes a batch committed job by job as one block too, which verifies (ADR 0215)', async () => {
    const original = await createTransfer(t.ctx, finance, disbursement(40));
    const [later, other] = [disbursement(41), disbursement(42)];
    // Sent at once: the first is committed alone; the correction (which has no set-based plan)
    // and the last share the next batch, committed job by job under savepoints.
    await Promise.all([
      createTransfer(t.ctx, finance, later),
      reverseTransfer(t.ctx, finance, { id: randomUUID(), reversesId: original.id }),
      createTransfer(t.ctx, finance, other),
    ]);
    const last = await t.ctx.database.db
      .selectFrom('ledger_entries')
      .select('events')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const events = JSON.parse(last.events!) as unknown[][];
    expect(events.map((e) => [e[2], e[5]])).toEqual([
      ['posted_direct', 40],
      ['posted_direct', 42],
    ]);
    expect((await verifyLedger(t.ctx.database.db)).problem).toBeUndefined();
  });

  it('refuses requests past the queue’s capacity as busy (503, Retry-After), writing none of them', async () => {
    const sent = Array.from({ length: 300 }, () => disbursement(1, 600));
    // All sent at once: one is being committed, 256 wait, the rest are refused.
    const answers = await Promise.all(
      sent.map((x) =>
        createTransfers(t.ctx, cli, { transfers: [x] }).then(
          () => 'ok',
          (error: unknown) => (isAppError(error) ? `${error.code}:${error.retryAfter}` : String(error)),
        ),
      ),
    );
    expect(answers.filter((a) => a === 'ok')).toHaveLength(257);
    expect(new Set(answers.filter((a) => a !== 'ok'))).toEqual(new Set(['overloaded:5']));
    const refused = sent.filter((_, i) => answers[i] !== 'ok').map((x) => x.id);
    const stored = await t.ctx.database.db
      .selectFrom('ledger_transfers')
      .select('id')
      .where('id', 'in', refused)
      .execute();
    expect(stored).toEqual([]);
    await voidTransfers(t.ctx, cli, {
      transferIds: sent.filter((_, i) => answers[i] === 'ok').map((x) => x.id),
    });
  });

  it('refuses to delete an account, now that transfers name accounts without a foreign key (ADR 0214)', async () => {
    const db = t.ctx.database.db;
    await expect(db.deleteFrom('ledger_accounts').where('id', '=', recipient.id).execute()).rejects.toThrow(
      /never deleted/,
    );
    expect(await balanceOf(recipient.id)).toBeDefined();
  });

  it('never takes a budget line below its limit, and writes nothing when it refuses', async () => {
    const available = (await balanceOf(budget.id)).available;
    const before = await ledgerState();
    expect(
      await code(
        createTransfer(t.ctx, finance, {
          id: randomUUID(),
          kind: 'disbursement',
          debitAccountId: budget.id,
          creditAccountId: recipient.id,
          amount: available + 1,
          currency: 'EUR',
        }),
      ),
    ).toBe('ledger_limit');
    expect(await ledgerState()).toBe(before);
  });

  it('corrects by a reversing transfer, never by an edit', async () => {
    const id = randomUUID();
    await createTransfer(t.ctx, finance, {
      id,
      kind: 'payment',
      debitAccountId: recipient.id,
      creditAccountId: holding.id,
      amount: 300,
      currency: 'EUR',
    });
    const recipientBefore = (await balanceOf(recipient.id)).balance;
    const fix = await reverseTransfer(t.ctx, finance, { id: randomUUID(), reversesId: id });
    expect(fix).toMatchObject({
      kind: 'correction',
      reversesId: id,
      debitAccountId: holding.id,
      creditAccountId: recipient.id,
      amount: 300,
    });
    expect((await balanceOf(recipient.id)).balance).toBe(recipientBefore + 300);
    expect((await verifyLedger(t.ctx.database.db)).ok).toBe(true);
  });

  it('never pays a recipient out below zero, nor reverses a disbursement whose money has left (ADR 0209)', async () => {
    const fresh = await openAccount(t.ctx, cli, { kind: 'recipient', caseId: randomUUID(), currency: 'EUR' });
    expect(fresh.limit).toEqual({ side: 'debits', overdraftMinor: 0 });
    const disbursed = randomUUID();
    await createTransfer(t.ctx, cli, {
      id: disbursed,
      kind: 'disbursement',
      debitAccountId: budget.id,
      creditAccountId: fresh.id,
      amount: 500,
      currency: 'EUR',
    });
    const pay = (amount: number) => ({
      id: randomUUID(),
      kind: 'payment',
      debitAccountId: fresh.id,
      creditAccountId: holding.id,
      amount,
      currency: 'EUR',
    });
    // Alone, in one request, and as the second job of a batch: never more than was disbursed.
    const before = await ledgerState();
    expect(await code(createTransfer(t.ctx, finance, pay(501)))).toBe('ledger_limit');
    const outcomes = await createTransfers(t.ctx, finance, { transfers: [pay(300), pay(201)] });
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['ok', 'ledger_limit']);
    expect(await ledgerState()).not.toBe(before);
    expect((await balanceOf(fresh.id)).balance).toBe(200);
    // The disbursement's money has partly left the bank: reversing it would overdraw the recipient.
    const paidOut = await ledgerState();
    expect(await code(reverseTransfer(t.ctx, finance, { id: randomUUID(), reversesId: disbursed }))).toBe(
      'ledger_limit',
    );
    expect(await ledgerState()).toBe(paidOut);
  });

  it('gives a recipient overdrawn before the floor existed its deepest overdraft, so its history still verifies', async () => {
    const db = t.ctx.database.db;
    const old = await openAccount(t.ctx, cli, { kind: 'recipient', caseId: randomUUID(), currency: 'EUR' });
    // As it was before the migration: no floor. Paid 150 out of 100, then given 200 more.
    await db
      .updateTable('ledger_accounts')
      .set({ debits_must_not_exceed_credits: false })
      .where('id', '=', old.id)
      .execute();
    const move = (debit: string, credit: string, amount: number, kind: 'disbursement' | 'payment') =>
      createTransfer(t.ctx, cli, {
        id: randomUUID(),
        kind,
        debitAccountId: debit,
        creditAccountId: credit,
        amount,
        currency: 'EUR',
      });
    await move(budget.id, old.id, 100, 'disbursement');
    await move(old.id, holding.id, 150, 'payment');
    await move(budget.id, old.id, 200, 'disbursement');
    await floorMigration(db as never);
    expect((await balanceOf(old.id)).limit).toEqual({ side: 'debits', overdraftMinor: 50 });
    expect((await balanceOf(recipient.id)).limit).toEqual({ side: 'debits', overdraftMinor: 0 });
    expect((await verifyLedger(db)).problem).toBeUndefined();
    // Never lower than it once went.
    expect(await code(move(old.id, holding.id, 201, 'payment'))).toBe('ledger_limit');
    await move(old.id, holding.id, 200, 'payment');
    expect((await balanceOf(old.id)).balance).toBe(-50);
  });

  it('refuses hostile input with a field error and writes nothing', async () => {
    const base = {
      id: randomUUID(),
      kind: 'disbursement',
      debitAccountId: budget.id,
      creditAccountId: recipient.id,
      amount: 100,
      currency: 'EUR',
    };
    const before = await ledgerState();
    for (const bad of [
      { amount: 1.5 },
      { amount: -100 },
      { amount: 0 },
      { amount: 1e18 },
      { amount: '100' },
      { currency: 'eur' },
      { currency: 'USD' }, // the accounts hold EUR
      { creditAccountId: budget.id }, // to itself
      { debitAccountId: randomUUID() }, // no such account
      { id: 'not-a-uuid' },
      { kind: 'correction' }, // corrections only through reverseTransfer
      { pendingSeconds: 5 },
    ]) {
      expect(await code(createTransfer(t.ctx, finance, { ...base, ...bad })), JSON.stringify(bad)).toBe(
        'validation_failed',
      );
    }
    expect(
      await code(
        openAccount(t.ctx, finance, { kind: 'budget', code: 'Бюджет Иванов', label: 'x', currency: 'EUR' }),
      ),
    ).toBe('validation_failed');
    expect(
      await code(
        openAccount(t.ctx, finance, { kind: 'budget', code: 'budget:x', label: 'x', currency: 'XXQ' }),
      ),
    ).toBe('validation_failed');
    expect(await ledgerState()).toBe(before);
  });

  it('answers 404 to staff without the ledger permission, before looking at the input', async () => {
    const before = await ledgerState();
    expect(await code(createTransfer(t.ctx, caseworker, { nonsense: true }))).toBe('not_found');
    expect(await code(openAccount(t.ctx, caseworker, { kind: 'budget' }))).toBe('not_found');
    expect(await code(getAccounts(t.ctx, caseworker))).toBe('not_found');
    expect(await ledgerState()).toBe(before);
  });

  it('leaves the chain verifiable after all of the above', async () => {
    const result = await verifyLedger(t.ctx.database.db);
    expect(result.problem).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.entries).toBeGreaterThan(8);
  });
});
