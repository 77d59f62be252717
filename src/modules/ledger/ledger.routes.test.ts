import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  type Client,
  signInClient,
  type TestApp,
} from '../../../test/support/app.ts';
import { createTransfer, openAccount } from './index.ts';
import { formatAmount } from './ledger.views.tsx';

let t: TestApp;
let finance: Client;
let caseworker: Client;

beforeAll(async () => {
  t = await buildTestApp();
  finance = await signInClient(t.app, await buildStaff(t.ctx, 'finance_officer'));
  caseworker = await signInClient(t.app, await buildStaff(t.ctx, 'caseworker'));
  const cli = { kind: 'cli', id: 'cli' } as const;
  const bank = await openAccount(t.ctx, cli, {
    kind: 'holding',
    code: 'bank:rub',
    label: 'Bank RUB',
    currency: 'RUB',
  });
  const grant = await openAccount(t.ctx, cli, {
    kind: 'funding',
    code: 'grant:rub',
    label: 'Grant <b>A</b>',
    currency: 'RUB',
  });
  await createTransfer(t.ctx, cli, {
    id: randomUUID(),
    kind: 'deposit',
    debitAccountId: bank.id,
    creditAccountId: grant.id,
    amount: 123_456_78,
    currency: 'RUB',
  });
}, 120_000);
afterAll(async () => t.close());

describe('the ledger pages', () => {
  it('formats minor units exactly in each language', () => {
    const plain = (x: string) => x.replace(/\s/g, ' ');
    expect(plain(formatAmount('en', 123_456_78, 'RUB', 2))).toBe('RUB 123,456.78');
    expect(plain(formatAmount('ru', 5, 'EUR', 2))).toBe('0,05 €');
    expect(plain(formatAmount('uk', -1_00, 'GEL', 2))).toMatch(/^-1,00 GEL$/);
    expect(formatAmount('en', 9_007_199_254_740_991, 'USD', 2)).toBe('$90,071,992,547,409.91');
  });

  it('shows a finance officer the balances, with the Ledger link in the navigation', async () => {
    const res = await finance.get('/staff/ledger?lang=en');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<a href="/staff/ledger?lang=en">Ledger</a>');
    expect(res.body).toMatch(/data-account="bank:rub"[\s\S]*?RUB\s123,456\.78/);
    // Labels are escaped like every other cell.
    expect(res.body).toContain('Grant &lt;b>A&lt;/b>');
    const ru = await finance.get('/staff/ledger/transfers?lang=ru');
    expect(ru.statusCode).toBe(200);
    expect(ru.body).toContain('поступление');
  });

  it('answers 404 to staff without the ledger permission, and shows them no link', async () => {
    expect((await caseworker.get('/staff/ledger?lang=en')).statusCode).toBe(404);
    expect((await caseworker.get('/staff/ledger/transfers?lang=en')).statusCode).toBe(404);
    expect((await caseworker.get('/staff?lang=en')).body).not.toContain('/staff/ledger');
  });
});
