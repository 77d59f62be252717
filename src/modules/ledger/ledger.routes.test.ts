import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, Client, signInClient, type TestApp } from '../../../test/support/app.ts';
import { multipart } from '../../../test/support/multipart.ts';
import { createTransfer, openAccount } from './index.ts';
import { formatAmount } from './ledger.views.tsx';

let t: TestApp;
let finance: Client;
let caseworker: Client;
let bankId: string;
let grantId: string;

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
  bankId = bank.id;
  grantId = grant.id;
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

describe('the finance pages', () => {
  const upload = async (file: string, lang: string) => {
    const page = await finance.get(`/staff/ledger/reconciliation/${bankId}?lang=${lang}`);
    const body = multipart([
      { name: '_csrf', value: Client.csrfOf(page.body) },
      { name: 'file', file: Buffer.from(file), filename: 'statement.csv', type: 'text/csv' },
    ]);
    return t.app.inject({
      method: 'POST',
      url: `/staff/ledger/reconciliation/${bankId}/statements?lang=${lang}`,
      headers: { cookie: finance.cookieHeader, 'content-type': body.contentType },
      payload: body.payload,
    });
  };

  it('saves a mapping, imports a statement, and shows its lines escaped', async () => {
    const page = await finance.get(`/staff/ledger/reconciliation/${bankId}?lang=en`);
    expect(page.statusCode).toBe(200);
    const saved = await finance.post(`/staff/ledger/reconciliation/${bankId}/mapping?lang=en`, {
      _csrf: Client.csrfOf(page.body),
      delimiter: ',',
      dateColumn: 'Date',
      amountColumn: 'Amount',
      currencyColumn: '',
      referenceColumn: 'Details',
      counterpartyColumn: 'Payee',
      dateFormat: 'YYYY-MM-DD',
      decimalSeparator: '.',
    });
    expect(saved.statusCode).toBe(303);
    const bad = await upload(
      'Date,Amount,Details,Payee\n2026-12-01,12.00,x,y\n2026-12-02,twelve,x,y\n',
      'uk',
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Рядок 3: сума не є числом');
    const good = await upload(
      'Date,Amount,Details,Payee\n2026-12-01,-12.00,<script>x</script>,=cmd()\n',
      'en',
    );
    expect(good.statusCode).toBe(303);
    const shown = await finance.get(`/staff/ledger/reconciliation/${bankId}?lang=ru`);
    expect(shown.body).toContain('Строки выписки без перевода');
    expect(shown.body).toContain('&lt;script>x&lt;/script>');
    expect(shown.body).not.toContain('<script>x');
  });

  it('serves the exports as CSV downloads and the donor report in each language', async () => {
    const csv = await finance.get('/staff/ledger/exports/balances.csv?lang=en');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="ledger-balances.csv"');
    expect(csv.body).toContain('bank:rub,holding,RUB,123456.78');
    const transfers = await finance.get('/staff/ledger/exports/transfers.csv?lang=en');
    expect(transfers.body.split('\r\n')[0]).toMatch(/^transfer_id,/);
    const report = await finance.get(`/staff/ledger/donor-report?lang=uk&funding=${grantId}`);
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain('Зі статей бюджету цього джерела ще нічого не виплачено.');
    expect((await caseworker.get('/staff/ledger/exports/transfers.csv?lang=en')).statusCode).toBe(404);
  });
});
