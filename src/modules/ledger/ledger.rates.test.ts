import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { staffActor } from '../../../test/support/factories.ts';
import type { Actor } from '../../access/index.ts';
import { isAppError } from '../../platform/errors.ts';
import {
  addCurrency,
  convertAmount,
  convertFunds,
  createTransfer,
  getAccounts,
  type LedgerAccount,
  openAccount,
  rateOn,
  recordRate,
  verifyLedger,
} from './index.ts';

let t: TestApp;
let finance: Actor;
let eur: LedgerAccount;
let gel: LedgerAccount;

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return 'ok';
}

beforeAll(async () => {
  t = await buildTestApp();
  finance = staffActor(await buildStaff(t.ctx, 'finance_officer'));
  eur = await openAccount(t.ctx, finance, {
    kind: 'holding',
    code: 'bank:eur',
    label: 'Bank EUR',
    currency: 'EUR',
  });
  gel = await openAccount(t.ctx, finance, {
    kind: 'holding',
    code: 'cash:gel',
    label: 'Cash box Tbilisi',
    currency: 'GEL',
  });
  const grant = await openAccount(t.ctx, finance, {
    kind: 'funding',
    code: 'grant',
    label: 'Grant',
    currency: 'EUR',
  });
  await createTransfer(t.ctx, finance, {
    id: randomUUID(),
    kind: 'deposit',
    debitAccountId: eur.id,
    creditAccountId: grant.id,
    amount: 500_000,
    currency: 'EUR',
  });
}, 120_000);
afterAll(async () => t.close());

describe('exchange rates and conversions', () => {
  it('converts in integer arithmetic, half up, across minor units', () => {
    expect(convertAmount(10_000, '2.9132', 2, 2)).toBe(29_132); // 100.00 EUR -> 291.32 GEL
    expect(convertAmount(1, '0.5', 2, 2)).toBe(1); // 0.005 rounds up to 0.01
    expect(convertAmount(1, '0.4', 2, 2)).toBe(0);
    expect(convertAmount(10_000, '161.5', 2, 0)).toBe(16_150); // to a currency without minor units
    expect(convertAmount(123_456_789, '0.000000000001', 2, 2)).toBe(0);
    expect(convertAmount(99_999_999_999_999, '999999999999.999999999999', 2, 2)).toBeGreaterThan(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('records a typed-in rate with its source and date, and finds the one in force on a day', async () => {
    await recordRate(t.ctx, finance, {
      from: 'EUR',
      to: 'GEL',
      rate: '2.9000',
      source: 'NBG official rate',
      rateDate: '2026-12-01',
    });
    const current = await recordRate(t.ctx, finance, {
      from: 'EUR',
      to: 'GEL',
      rate: '2.9132',
      source: 'NBG official rate',
      rateDate: '2026-12-05',
    });
    expect((await rateOn(t.ctx.database.db, 'EUR', 'GEL', '2026-12-06'))?.id).toBe(current.id);
    expect((await rateOn(t.ctx.database.db, 'EUR', 'GEL', '2026-12-02'))?.rate).toBe('2.9000');
    expect(await rateOn(t.ctx.database.db, 'EUR', 'GEL', '2026-11-30')).toBeUndefined();
  });

  it('converts funds through the exchange accounts at the stored rate; a retry moves nothing twice', async () => {
    const rate = await recordRate(t.ctx, finance, {
      from: 'EUR',
      to: 'GEL',
      rate: '2.9132',
      source: 'bank statement',
      rateDate: '2026-12-06',
    });
    const input = {
      id: randomUUID(),
      fromAccountId: eur.id,
      toAccountId: gel.id,
      amount: 10_000,
      rateId: rate.id,
    };
    const first = await convertFunds(t.ctx, finance, input);
    expect(first.in.amount).toBe(29_132);
    expect(await convertFunds(t.ctx, finance, input)).toEqual(first);
    const accounts = await getAccounts(t.ctx, finance);
    expect(accounts.find((a) => a.id === gel.id)!.balance).toBe(29_132);
    expect(accounts.find((a) => a.id === eur.id)!.balance).toBe(490_000);
    expect(await code(convertFunds(t.ctx, finance, { ...input, amount: 20_000 }))).toBe(
      'idempotency_conflict',
    );
    expect((await verifyLedger(t.ctx.database.db)).problem).toBeUndefined();
  });

  it('refuses hostile rates and conversions, writing nothing', async () => {
    const rate = await recordRate(t.ctx, finance, {
      from: 'EUR',
      to: 'GEL',
      rate: '2.91',
      source: 'x',
      rateDate: '2026-12-06',
    });
    for (const bad of [
      { rate: '-1' },
      { rate: '1e3' },
      { rate: '0' },
      { rate: '0.000' },
      { from: 'EUR', to: 'EUR' },
      { to: 'ZZZ' },
      { rateDate: '2026-13-01' },
      { source: '' },
    ]) {
      expect(
        await code(
          recordRate(t.ctx, finance, {
            from: 'EUR',
            to: 'GEL',
            rate: '2.9',
            source: 's',
            rateDate: '2026-12-06',
            ...bad,
          }),
        ),
        JSON.stringify(bad),
      ).toBe('validation_failed');
    }
    const base = {
      id: randomUUID(),
      fromAccountId: eur.id,
      toAccountId: gel.id,
      amount: 100,
      rateId: rate.id,
    };
    for (const bad of [
      { fromAccountId: gel.id, toAccountId: eur.id },
      { rateId: randomUUID() },
      { amount: 0.5 },
    ]) {
      expect(await code(convertFunds(t.ctx, finance, { ...base, ...bad })), JSON.stringify(bad)).toBe(
        'validation_failed',
      );
    }
    expect(await code(addCurrency(t.ctx, finance, { code: 'usd', minorUnits: 2 }))).toBe('validation_failed');
    expect(await code(addCurrency(t.ctx, finance, { code: 'USD', minorUnits: 0 }))).toBe('conflict');
    await addCurrency(t.ctx, finance, { code: 'UZS', minorUnits: 2 });
    await addCurrency(t.ctx, finance, { code: 'UZS', minorUnits: 2 });
  });

  it('lets verify catch a stored rate changed after the conversion', async () => {
    await t.ctx.database.db
      .transaction()
      .execute(async (trx) => {
        await sql`update ledger_rates set rate = '3.5' where source = 'bank statement'`.execute(trx);
        expect((await verifyLedger(trx)).problem).toMatch(/conversion .* does not match its stored rate/);
        throw new Error('roll back');
      })
      .catch((e: unknown) => {
        if (!(e instanceof Error) || e.message !== 'roll back') throw e;
      });
  });
});
