import { randomUUID } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, buildTestApp, Client, signInClient, type TestApp } from '../../../test/support/app.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { multipart } from '../../../test/support/multipart.ts';
import type { Actor } from '../../access/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { findAuditEntriesForTarget } from '../audit/index.ts';
import {
  createTransfer,
  getTransfer,
  type LedgerAccount,
  openAccount,
  recordRate,
  reverseTransfer,
} from './index.ts';
import { getDonorReport, setBudgetTerms } from './ledger.donor-report.ts';
import {
  exportBalancesCsv,
  exportTransfersCsv,
  formulaSafe,
  TRANSFER_EXPORT_HEADER,
} from './ledger.exports.ts';
import {
  getReconciliation,
  importStatement,
  type MatchableLine,
  type MatchableTransfer,
  matchLineByHand,
  matchStatementLines,
  saveStatementMapping,
  unmatchLine,
} from './ledger.reconcile.ts';
import { MAX_STATEMENT_BYTES, parseStatementAmount } from './ledger.statement-csv.ts';
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

/** A case's recipient account holding `amount` (disbursed from the grant). */
async function fundedRecipient(caseId: string, amount: number): Promise<LedgerAccount> {
  const cli = { kind: 'cli', id: 'cli' } as const;
  const r = await openAccount(t.ctx, cli, { kind: 'recipient', caseId, currency: 'RUB' });
  await createTransfer(t.ctx, cli, {
    id: randomUUID(),
    kind: 'disbursement',
    debitAccountId: grantId,
    creditAccountId: r.id,
    amount,
    currency: 'RUB',
  });
  return r;
}

async function entryCount(): Promise<number> {
  const row = await t.ctx.database.db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

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

/**
 * Reconciliation, exports and the donor report (issue 15 item 8, ADR 0124, 0125), on one
 * ledger: a statement imported with a saved mapping, matched against posted transfers,
 * unmatched lists, matching by hand, hostile files; the accountants' CSV; the donor report.
 */
let officer: Actor;
/** The audit log's head before this part's fixture: its entries are after it. */
let auditFrom = 0;
let holding: LedgerAccount;
const ids = { deposit: randomUUID(), ticketA: randomUUID(), ticketB: randomUUID(), lawyer: randomUUID() };

const day = (d: string) => new Date(`${d}T10:00:00Z`);

async function transfer(id: string, debit: string, credit: string, amount: number, on: string, kind: string) {
  await createTransfer(
    t.ctx,
    officer,
    { id, kind, debitAccountId: debit, creditAccountId: credit, amount, currency: 'EUR' },
    { now: day(on) },
  );
}

/** The statement tables and the audit log: "nothing was written" means this is unchanged. */
async function statementState(): Promise<string> {
  const db = t.ctx.database.db;
  return JSON.stringify([
    await db.selectFrom('ledger_statements').selectAll().orderBy('id').execute(),
    await db.selectFrom('ledger_statement_lines').selectAll().orderBy('id').execute(),
    await db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).execute(),
  ]);
}

async function refusal(
  p: Promise<unknown>,
): Promise<{ code: string; fields?: Record<string, string> | undefined }> {
  try {
    await p;
  } catch (error) {
    if (isAppError(error)) return { code: error.code, fields: error.fields };
    throw error;
  }
  return { code: 'ok' };
}

const csv = (rows: string[]) => Buffer.from(`\uFEFFДата;Сумма;Назначение;Контрагент\n${rows.join('\n')}\n`);

describe('bookkeeping (issue 15 items 1 and 7)', () => {
  it('opens accounts, records deposits, allocations, rates, conversions and corrections, each refused whole when wrong', async () => {
    const db = t.ctx.database.db;
    const page = await finance.get('/staff/ledger/bookkeeping?lang=en');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Record an exchange rate');
    const csrf = Client.csrfOf(page.body);
    const post = (path: string, form: Record<string, string>, lang = 'en') =>
      finance.post(`/staff/ledger/bookkeeping/${path}?lang=${lang}`, { _csrf: csrf, ...form });
    const accountId = async (code: string) =>
      (await db.selectFrom('ledger_accounts').select('id').where('code', '=', code).executeTakeFirstOrThrow())
        .id;
    const balance = async (code: string) => {
      const a = await db
        .selectFrom('ledger_accounts')
        .select(['debits_posted', 'credits_posted'])
        .where('code', '=', code)
        .executeTakeFirstOrThrow();
      return Number(a.debits_posted) - Number(a.credits_posted);
    };
    const state = async () =>
      JSON.stringify([
        await db.selectFrom('ledger_accounts').selectAll().orderBy('id').execute(),
        await db.selectFrom('ledger_transfers').select(['id', 'status']).orderBy('id').execute(),
        await db.selectFrom('ledger_rates').select('id').orderBy('id').execute(),
      ]);

    for (const [kind, code] of [
      ['funding', 'grant:book'],
      ['holding', 'bank:book-eur'],
    ] as const) {
      const res = await post('accounts', { kind, code, label: `Book ${kind}`, currency: 'EUR' });
      expect(res.statusCode, code).toBe(303);
    }
    const grant = await accountId('grant:book');
    const opened = await post('accounts', {
      kind: 'budget',
      code: 'budget:book',
      label: 'Tickets',
      currency: 'EUR',
      purpose: 'travel',
      country: 'ge',
      fundingAccountId: grant,
    });
    expect(opened.statusCode).toBe(303);
    expect(
      await db
        .selectFrom('ledger_accounts')
        .select(['purpose', 'country', 'funding_account_id'])
        .where('code', '=', 'budget:book')
        .executeTakeFirstOrThrow(),
    ).toEqual({ purpose: 'travel', country: 'GE', funding_account_id: grant });
    const bank = await accountId('bank:book-eur');
    const budget = await accountId('budget:book');

    // A deposit; the same form again records nothing twice; the same id changed is a 409.
    const deposit = {
      id: randomUUID(),
      kind: 'deposit',
      debitAccountId: bank,
      creditAccountId: grant,
      amount: '1000.00',
    };
    expect((await post('transfers', deposit)).statusCode).toBe(303);
    expect((await post('transfers', deposit)).statusCode).toBe(303);
    expect(await balance('bank:book-eur')).toBe(100_000);
    const before = await state();
    const changed = await post('transfers', { ...deposit, amount: '999' }, 'ru');
    expect(changed.statusCode).toBe(409);
    expect(changed.body).toContain('Не записано');
    // An allocation beyond the grant, and hostile forms: refused whole, with the reason shown.
    const cli = { kind: 'cli', id: 'cli' } as const;
    const c = await buildCase(t.ctx, {});
    const recipient = await openAccount(t.ctx, cli, { kind: 'recipient', caseId: c.id, currency: 'EUR' });
    const stateWithRecipient = await state();
    const allocation = { kind: 'allocation', debitAccountId: grant, creditAccountId: budget, amount: '1' };
    const over = await post('transfers', { ...allocation, id: randomUUID(), amount: '1000.01' });
    expect(over.statusCode).toBe(409);
    expect(over.body).toContain('Not enough funds');
    for (const hostile of [
      // Money to a case without a disbursement request and its approvals.
      { ...allocation, creditAccountId: recipient.id },
      { ...deposit, creditAccountId: recipient.id },
      { ...allocation, kind: 'disbursement' },
      { ...allocation, amount: '1e3' },
      { ...allocation, amount: '10.001' },
      { ...allocation, debitAccountId: bank },
    ]) {
      const res = await post('transfers', { ...hostile, id: randomUUID() });
      expect(res.statusCode, JSON.stringify(hostile)).toBe(400);
      // The field named, except the hidden kind (no such form on the page).
      if (hostile.kind !== 'disbursement')
        expect(res.body, JSON.stringify(hostile)).toContain('aria-invalid="true"');
    }
    for (const hostile of [
      { kind: 'recipient', code: 'x:y', label: 'x', currency: 'EUR' },
      { kind: 'holding', code: 'Bad Code', label: 'x', currency: 'EUR' },
      { kind: 'holding', code: 'bank:x', label: 'x', currency: 'XXX' },
      { kind: 'holding', code: 'bank:y', label: 'x', currency: 'EUR', purpose: 'travel' },
    ]) {
      expect((await post('accounts', hostile)).statusCode, JSON.stringify(hostile)).toBe(400);
    }
    expect(
      (await post('accounts', { kind: 'holding', code: 'bank:book-eur', label: 'x', currency: 'EUR' }))
        .statusCode,
    ).toBe(409);
    expect(
      (
        await post('conversions', {
          id: randomUUID(),
          fromAccountId: bank,
          toAccountId: recipient.id,
          amount: '1',
          rateId: randomUUID(),
        })
      ).statusCode,
    ).toBe(400);
    expect(await state()).toBe(stateWithRecipient);
    expect(stateWithRecipient).not.toBe(before);

    // A currency the organisation adds, with its minor units; once.
    expect((await post('currencies', { code: 'kgs', minorUnits: '2' })).statusCode).toBe(303);
    expect((await post('currencies', { code: 'UZS', minorUnits: '2' })).statusCode).toBe(303);
    expect((await post('currencies', { code: 'UZS', minorUnits: '0' })).statusCode).toBe(409);
    expect((await post('currencies', { code: 'U1', minorUnits: '2' })).statusCode).toBe(400);
    expect((await post('currencies', { code: 'MGA', minorUnits: '9' })).statusCode).toBe(400);
    expect(
      (await post('accounts', { kind: 'holding', code: 'cash:uzs', label: 'Cash', currency: 'UZS' }))
        .statusCode,
    ).toBe(303);
    // A rate typed in with its source and date, and a conversion at it.
    // RUB and USD: neither is the base currency (EUR), so the rate is stored at once.
    expect(
      (await post('rates', { from: 'USD', to: 'RUB', rate: '100.5', source: 'CBR', rateDate: '2026-12-01' }))
        .statusCode,
    ).toBe(303);
    // One to the base currency is filed for a second administrator, and the page says so.
    const filed = await post('rates', {
      from: 'EUR',
      to: 'RUB',
      rate: '99',
      source: 'ECB',
      rateDate: '2026-12-01',
    });
    expect(String(filed.headers.location)).toContain('flash=ledger.book.flash.rate_requested');
    await recordRate(t.ctx, cli, {
      from: 'EUR',
      to: 'RUB',
      rate: '100.5',
      source: 'CBR-EUR',
      rateDate: '2026-12-01',
    });
    expect(
      (await post('rates', { from: 'EUR', to: 'EUR', rate: '1', source: 'x', rateDate: '2026-12-01' }))
        .statusCode,
    ).toBe(400);
    const listed = await finance.get('/staff/ledger/bookkeeping?lang=uk');
    expect(listed.body).toContain('Записати курс валюти');
    expect(listed.body).toContain('EUR/RUB');
    const rate = await db
      .selectFrom('ledger_rates')
      .select('id')
      .where('source', '=', 'CBR-EUR')
      .executeTakeFirstOrThrow();
    const rubBefore = await balance('bank:rub');
    const converted = await post('conversions', {
      id: randomUUID(),
      fromAccountId: bank,
      toAccountId: bankId,
      amount: '10',
      rateId: rate.id,
    });
    expect(converted.statusCode).toBe(303);
    expect(await balance('bank:book-eur')).toBe(99_000);
    expect((await balance('bank:rub')) - rubBefore).toBe(100_500);

    // A correction: once, and never of a correction.
    const allocated = { ...allocation, id: randomUUID(), amount: '400' };
    expect((await post('transfers', allocated)).statusCode).toBe(303);
    const correction = { id: randomUUID(), transferId: allocated.id };
    expect((await post('corrections', correction)).statusCode).toBe(303);
    expect(await balance('budget:book')).toBe(0);
    expect((await post('corrections', { id: randomUUID(), transferId: allocated.id })).statusCode).toBe(409);
    const reversal = await db
      .selectFrom('ledger_transfers')
      .select('id')
      .where('reverses_id', '=', allocated.id)
      .executeTakeFirstOrThrow();
    expect((await post('corrections', { id: randomUUID(), transferId: reversal.id })).statusCode).toBe(409);
    expect((await findAuditEntriesForTarget(db, 'budget:book', 10)).map((e) => e.action)).toEqual(
      expect.arrayContaining(['ledger.account_open', 'ledger.budget_terms']),
    );
    // Other staff: the page does not exist.
    expect((await caseworker.get('/staff/ledger/bookkeeping?lang=en')).statusCode).toBe(404);
  });
});

describe('payments out of the bank', () => {
  it('records the ticked payments together, each refused alone, a repeated form recording nothing twice', async () => {
    const cli = { kind: 'cli', id: 'cli' } as const;
    const paid = await fundedRecipient(randomUUID(), 100_00);
    const over = await fundedRecipient(randomUUID(), 50_00);
    // A real case's account is named by its reference, as on the disbursement's page.
    const named = await buildCase(t.ctx, {});
    await fundedRecipient(named.id, 1_00);
    const balance = async (id: string) =>
      (
        await t.ctx.database.db
          .selectFrom('ledger_accounts')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).credits_posted;
    for (const lang of ['ru', 'uk']) {
      const page = await finance.get(`/staff/ledger/payments?lang=${lang}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(lang === 'ru' ? 'Выплаты со счетов' : 'Виплати з рахунків');
    }
    const page = await finance.get('/staff/ledger/payments?lang=en');
    expect(page.body).toContain(`data-recipient="${paid.code}"`);
    expect(page.body).toContain(`Paid: ${named.ref} (RUB)`);
    expect(page.body).toContain('href="/staff/ledger/payments?lang=en"');
    const form = {
      _csrf: Client.csrfOf(page.body),
      pay: '0',
      id_0: randomUUID(),
      recipient_0: paid.id,
      holding_0: bankId,
      amount_0: '100.00',
      id_1: randomUUID(),
      recipient_1: over.id,
      holding_1: bankId,
      amount_1: '50.01',
    };
    const bankBefore = await balance(bankId);
    for (let round = 0; round < 2; round += 1) {
      // Two ticked rows: `pay` twice in the form body.
      const res = await t.app.inject({
        method: 'POST',
        url: '/staff/ledger/payments?lang=en',
        headers: { cookie: finance.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `${new URLSearchParams(form).toString()}&pay=1`,
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Some payments were not recorded:');
      expect(res.body).toContain(`${over.label} (RUB): This would take the account beyond its limit`);
      // Paid once, however often the same form is sent.
      expect(await balance(bankId)).toBe(bankBefore + 100_00);
    }
    const audit = await findAuditEntriesForTarget(t.ctx.database.db, form.id_0, 5);
    expect(audit.map((e) => e.action)).toEqual(['ledger.transfer_post']);
    expect(await getTransfer(t.ctx, cli, form.id_0)).toMatchObject({ kind: 'payment', amount: 100_00 });
  });

  it('refuses hostile input and other roles with nothing written', async () => {
    const r = await fundedRecipient(randomUUID(), 10_00);
    const count = entryCount;
    const before = await count();
    const page = await finance.get('/staff/ledger/payments?lang=en');
    const csrf = Client.csrfOf(page.body);
    const row = (amount: string, extra: Record<string, unknown> = {}) => ({
      _csrf: csrf,
      pay: '0',
      id_0: randomUUID(),
      recipient_0: r.id,
      holding_0: bankId,
      amount_0: amount,
      ...extra,
    });
    for (const body of [
      row('-5'),
      row('1e3'),
      row('<script>alert(1)</script>'),
      row('0.001'),
      row('1.00', { holding_0: grantId }),
      row('1.00', { recipient_0: bankId }),
      row('1.00', { id_0: 'not-a-uuid' }),
    ]) {
      const res = await finance.post('/staff/ledger/payments?lang=en', body);
      expect(res.statusCode).toBe(409);
      expect(res.body).toContain('Some fields are not valid.');
      expect(res.body).not.toContain('<script>alert(1)');
    }
    const none = await finance.post('/staff/ledger/payments?lang=en', { ...row('1.00'), pay: '../0' });
    expect([none.statusCode, none.body.includes('Tick at least one payment.')]).toEqual([400, true]);
    const other = await caseworker.post('/staff/ledger/payments?lang=en', {
      ...row('1.00'),
      _csrf: Client.csrfOf((await caseworker.get('/staff?lang=en')).body),
    });
    expect(other.statusCode).toBe(404);
    expect((await caseworker.get('/staff/ledger/payments?lang=en')).statusCode).toBe(404);
    expect(await count()).toBe(before);
  });
});

describe('payments out of a restricted case (ADR 0210)', () => {
  it('do not exist for a finance officer outside its team, and are paid by one inside it', async () => {
    const member = await buildStaff(t.ctx, 'finance_officer');
    const team = await buildTeam(t.ctx, { restricted: true, members: [member.id] });
    const hidden = await buildCase(t.ctx, { teamId: team });
    await t.ctx.database.db
      .updateTable('cases')
      .set({ restricted: true })
      .where('id', '=', hidden.id)
      .execute();
    const r = await fundedRecipient(hidden.id, 77_00);
    const entries = entryCount;
    // The outsider: not listed, no trace of the case's id or the amount, and naming it is refused.
    const page = await finance.get('/staff/ledger/payments?lang=en');
    expect(page.statusCode).toBe(200);
    for (const trace of [r.code, r.id, r.label, hidden.id.slice(0, 8), '77.00'])
      expect(page.body).not.toContain(trace);
    // Nor on the accounts and transfers pages (the transfer is listed without naming the account).
    for (const path of ['/staff/ledger', '/staff/ledger/transfers']) {
      const other = await finance.get(`${path}?lang=en`);
      expect(other.statusCode).toBe(200);
      for (const trace of [r.code, r.label, hidden.id.slice(0, 8)]) expect(other.body).not.toContain(trace);
    }
    const before = await entries();
    const form = (body: string) => ({
      _csrf: Client.csrfOf(body),
      pay: '0',
      id_0: randomUUID(),
      recipient_0: r.id,
      holding_0: bankId,
      amount_0: '77.00',
    });
    const refused = await finance.post('/staff/ledger/payments?lang=en', form(page.body));
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('Some fields are not valid.');
    expect(refused.body).not.toContain(r.label);
    expect(await entries()).toBe(before);
    // A finance officer of the restricted team sees it and pays it.
    const insider = await signInClient(t.app, member);
    const own = await insider.get('/staff/ledger/payments?lang=en');
    expect(own.body).toContain(`data-recipient="${r.code}"`);
    expect((await insider.get('/staff/ledger?lang=en')).body).toContain(`data-account="${r.code}"`);
    const paid = await insider.post('/staff/ledger/payments?lang=en', form(own.body));
    expect(paid.statusCode).toBe(303);
    expect(await entries()).toBe(before + 1);
  });
});

describe('reconciliation, exports and the donor report (service level)', () => {
  beforeAll(async () => {
    auditFrom = Number(
      (
        await t.ctx.database.db
          .selectFrom('audit_log')
          .select('seq')
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirst()
      )?.seq ?? 0,
    );
    officer = staffActor(await buildStaff(t.ctx, 'finance_officer'));
    holding = await openAccount(t.ctx, officer, {
      kind: 'holding',
      code: 'bank:eur',
      label: 'Bank',
      currency: 'EUR',
    });
    const grant = await openAccount(t.ctx, officer, {
      kind: 'funding',
      code: 'grant',
      label: 'Grant',
      currency: 'EUR',
    });
    const recipient = await openAccount(t.ctx, officer, {
      kind: 'recipient',
      caseId: randomUUID(),
      currency: 'EUR',
    });
    await transfer(ids.deposit, holding.id, grant.id, 1_000_00, '2026-12-01', 'deposit');
    // Payments out of the bank (the recipient's account was funded by hand for the test).
    await transfer(randomUUID(), grant.id, recipient.id, 500_00, '2026-12-01', 'transfer');
    await transfer(ids.ticketA, recipient.id, holding.id, 150_00, '2026-12-03', 'payment');
    await transfer(ids.ticketB, recipient.id, holding.id, 150_00, '2026-12-03', 'payment');
    await transfer(ids.lawyer, recipient.id, holding.id, 75_00, '2026-12-01', 'payment');
    await saveStatementMapping(t.ctx, officer, {
      holdingAccountId: holding.id,
      delimiter: ';',
      dateColumn: 'Дата',
      amountColumn: 'Сумма',
      referenceColumn: 'Назначение',
      counterpartyColumn: 'Контрагент',
      dateFormat: 'DD.MM.YYYY',
      decimalSeparator: ',',
    });
  }, 120_000);

  const statement = csv([
    '02.12.2026;1 000,00;Donation;Fondation Exemple',
    // Booked on the 3rd: the reference names ticket B by its short id, so it takes B, not A.
    `03.12.2026;-150,00;"ticket ${ids.ticketB.slice(0, 8)}";Ivan Petrov`,
    '04.12.2026;-150,00;;Ivan Petrov',
    '09.12.2026;-75,00;lawyer;"=HYPERLINK(""http://x"")"',
    '10.12.2026;20,00;interest;',
  ]);

  describe('reconciling a bank statement', () => {
    it('matches by reference, then by amount and date, and lists what is unmatched on each side', async () => {
      const result = await importStatement(t.ctx, officer, { holdingAccountId: holding.id, file: statement });
      expect(result).toMatchObject({ lines: 5, newLines: 5, matched: 3, repeated: false });
      const r = await getReconciliation(t.ctx, officer, holding.id);
      const byLine = new Map(r.matchedLines.map((l) => [l.lineNo, l]));
      expect(byLine.get(2)).toMatchObject({ transferId: ids.deposit, matchKind: 'amount_date' });
      expect(byLine.get(3)).toMatchObject({ transferId: ids.ticketB, matchKind: 'reference' });
      expect(byLine.get(4)).toMatchObject({ transferId: ids.ticketA, matchKind: 'amount_date' });
      // Outside the window (8 days), and money in with no transfer: unmatched on both sides.
      expect(r.unmatchedLines.map((l) => [l.lineNo, l.amount])).toEqual([
        [5, -75_00],
        [6, 20_00],
      ]);
      expect(r.unmatchedTransfers.map((x) => x.id)).toEqual([ids.lawyer]);
      // The cell is kept as text (shown escaped, never exported).
      expect(r.unmatchedLines[0]!.counterparty).toBe('=HYPERLINK("http://x")');
    });

    it('stores the names on a line only encrypted', async () => {
      const raw = JSON.stringify(
        await t.ctx.database.db.selectFrom('ledger_statement_lines').selectAll().execute(),
      );
      const audit = JSON.stringify(await t.ctx.database.db.selectFrom('audit_log').selectAll().execute());
      for (const text of ['Ivan Petrov', 'Fondation', 'HYPERLINK', 'interest']) {
        expect(raw).not.toContain(text);
        expect(raw).not.toContain(Buffer.from(text).toString('hex'));
        expect(audit).not.toContain(text);
      }
    });

    it('imports the same statement again without changing anything', async () => {
      const before = await statementState();
      const again = await importStatement(t.ctx, officer, { holdingAccountId: holding.id, file: statement });
      expect(again).toMatchObject({ repeated: true, newLines: 0 });
      expect(await statementState()).toBe(before);
    });

    it('matches and unmatches by hand, audited, and automatic matching then leaves the line alone', async () => {
      const r = await getReconciliation(t.ctx, officer, holding.id);
      const late = r.unmatchedLines.find((l) => l.lineNo === 5)!;
      const interest = r.unmatchedLines.find((l) => l.lineNo === 6)!;
      // Money in cannot be the payment out.
      expect(
        (await refusal(matchLineByHand(t.ctx, officer, { lineId: interest.id, transferId: ids.lawyer })))
          .code,
      ).toBe('validation_failed');
      // A transfer already matched to another line is refused.
      expect(
        (await refusal(matchLineByHand(t.ctx, officer, { lineId: late.id, transferId: ids.ticketA }))).code,
      ).toBe('conflict');
      await matchLineByHand(t.ctx, officer, { lineId: late.id, transferId: ids.lawyer });
      const ticketLine = r.matchedLines.find((l) => l.lineNo === 4)!;
      await unmatchLine(t.ctx, officer, { lineId: ticketLine.id });
      const audit = await t.ctx.database.db
        .selectFrom('audit_log')
        .select(['action', 'target'])
        .where('action', 'like', 'ledger.statement_%')
        .where('seq', '>', auditFrom)
        .orderBy('seq')
        .execute();
      expect(audit.map((a) => a.action)).toEqual([
        'ledger.statement_mapping',
        'ledger.statement_import',
        'ledger.statement_match',
        'ledger.statement_unmatch',
      ]);
      // An overlapping statement (the 4th again, plus a new line) stores one new line and does
      // not re-match the line a person unmatched.
      const more = await importStatement(t.ctx, officer, {
        holdingAccountId: holding.id,
        file: csv(['04.12.2026;-150,00;;Ivan Petrov', '11.12.2026;-3,50;fee;']),
      });
      expect(more).toMatchObject({ lines: 2, newLines: 1, matched: 0 });
      const after = await getReconciliation(t.ctx, officer, holding.id);
      expect(after.unmatchedLines.find((l) => l.id === ticketLine.id)).toMatchObject({ held: true });
      expect(after.unmatchedTransfers.map((x) => x.id)).toEqual([ids.ticketA]);
    });

    it('refuses hostile and wrong files with a validation error naming the line, writing nothing', async () => {
      const before = await statementState();
      const cases: Array<[Buffer, string, string | undefined]> = [
        [Buffer.from('Дата;Сумма\n"02.12.2026;10,00\n'), 'ledger.statement.malformed', undefined],
        [csv(['02.12.2026;10,00;a;b', '03.12.2026;=1+2;a;b']), 'ledger.statement.amount', '3'],
        [csv(['02.12.2026;10,00;a']), 'ledger.statement.malformed', undefined],
        [csv(['2026-12-02;10,00;a;b']), 'ledger.statement.date', '2'],
        [csv(['31.02.2026;10,00;a;b']), 'ledger.statement.date', '2'],
        [csv(['02.12.2026;10.001,005;a;b']), 'ledger.statement.amount', '2'],
        [Buffer.from('Date,Amount\n2026-12-02,10.00\n'), 'ledger.statement.column_missing', '1'],
        [Buffer.from([0xff, 0xfe, 0x00, 0x41]), 'ledger.statement.encoding', undefined],
        [Buffer.from('Дата;Сумма;Назначение;Контрагент\n'), 'ledger.statement.empty', undefined],
      ];
      for (const [file, problem, line] of cases) {
        const r = await refusal(importStatement(t.ctx, officer, { holdingAccountId: holding.id, file }));
        expect(r.code, problem).toBe('validation_failed');
        expect(r.fields?.file, problem).toBe(problem);
        if (line !== undefined) expect(r.fields?.line, problem).toBe(line);
      }
      const huge = Buffer.alloc(MAX_STATEMENT_BYTES + 1, 'a');
      expect(
        (await refusal(importStatement(t.ctx, officer, { holdingAccountId: holding.id, file: huge }))).code,
      ).toBe('payload_too_large');
      expect(
        (
          await refusal(
            importStatement(t.ctx, officer, {
              holdingAccountId: holding.id,
              file: statement,
              truncated: true,
            }),
          )
        ).code,
      ).toBe('payload_too_large');
      // Not a holding: as unknown as a wrong id.
      expect(
        (await refusal(importStatement(t.ctx, officer, { holdingAccountId: randomUUID(), file: statement })))
          .code,
      ).toBe('not_found');
      expect(await statementState()).toBe(before);
    });
  });

  describe('matching statement lines', () => {
    it('reads amounts exactly, with either decimal separator and group separators', () => {
      expect(parseStatementAmount('-1 234,50', ',', 2)).toBe(-123_450);
      expect(parseStatementAmount('1,234.5', '.', 2)).toBe(123_450);
      expect(parseStatementAmount("1'000", '.', 0)).toBe(1_000);
      expect(parseStatementAmount('0.1', '.', 2)).toBe(10);
      expect(parseStatementAmount('1.234,5', '.', 2)).toBeUndefined();
      expect(parseStatementAmount('1e3', '.', 2)).toBeUndefined();
      expect(parseStatementAmount('@SUM(A1)', '.', 2)).toBeUndefined();
    });

    it('gives the same pairs whatever order the lines and transfers come in', () => {
      const lineArb = fc.record({
        id: fc.uuid(),
        lineNo: fc.integer({ min: 2, max: 9 }),
        bookedOn: fc.constantFrom('2026-12-01', '2026-12-02', '2026-12-05'),
        amount: fc.constantFrom(100, -100, 250),
        currency: fc.constant('EUR'),
        reference: fc.constant(''),
      });
      const transferArb = fc.record({
        id: fc.uuid(),
        amount: fc.constantFrom(100, -100, 250),
        currency: fc.constant('EUR'),
        postedAt: fc.constantFrom(day('2026-12-01'), day('2026-12-03'), day('2026-12-09')),
      });
      fc.assert(
        fc.property(
          fc.uniqueArray(lineArb, { selector: (l) => l.id, maxLength: 8 }),
          fc.uniqueArray(transferArb, { selector: (x) => x.id, maxLength: 8 }),
          (lines: MatchableLine[], transfers: MatchableTransfer[]) => {
            const sorted = (m: ReturnType<typeof matchStatementLines>) =>
              [...m].sort((a, b) => a.lineId.localeCompare(b.lineId));
            const a = sorted(matchStatementLines(lines, transfers));
            const b = sorted(matchStatementLines([...lines].reverse(), [...transfers].reverse()));
            expect(b).toEqual(a);
            // Every pair is exact in amount and currency, and no transfer is used twice.
            expect(new Set(a.map((m) => m.transferId)).size).toBe(a.length);
            for (const m of a) {
              const l = lines.find((x) => x.id === m.lineId)!;
              const x = transfers.find((y) => y.id === m.transferId)!;
              expect(x.amount).toBe(l.amount);
            }
          },
        ),
        { numRuns: 40 },
      );
    });
  });

  describe("the accountants' exports and the donor report", () => {
    let grant: LedgerAccount;
    let small: string;
    beforeAll(async () => {
      grant = await openAccount(t.ctx, officer, {
        kind: 'funding',
        code: 'grant:unhcr',
        label: '=cmd|x',
        currency: 'EUR',
      });
      await transfer(randomUUID(), holding.id, grant.id, 100_000_00, '2026-11-02', 'deposit');
      const line = async (code: string, purpose: string, country: string) => {
        const a = await openAccount(t.ctx, officer, { kind: 'budget', code, label: code, currency: 'EUR' });
        await transfer(randomUUID(), grant.id, a.id, 10_000_00, '2026-11-03', 'allocation');
        await setBudgetTerms(t.ctx, officer, {
          accountId: a.id,
          purpose,
          country: country.toLowerCase(),
          fundingAccountId: grant.id,
        });
        return a.id;
      };
      const travelGe = await line('budget:travel-ge', 'travel', 'GE');
      const travelAm = await line('budget:travel-am', 'travel', 'AM');
      const housingGe = await line('budget:housing-ge', 'housing', 'GE');
      // Recipients opened and paid concurrently: the disbursements share group commits.
      const pay = async (from: string, n: number, amount: number) => {
        const recipients = await Promise.all(
          Array.from({ length: n }, () =>
            openAccount(t.ctx, officer, { kind: 'recipient', caseId: randomUUID(), currency: 'EUR' }),
          ),
        );
        const ids = recipients.map(() => randomUUID());
        await Promise.all(
          recipients.map((r, i) => transfer(ids[i]!, from, r.id, amount, '2026-12-05', 'disbursement')),
        );
        return ids;
      };
      const [, smallIds, housing] = await Promise.all([
        pay(travelGe, 12, 100_00),
        pay(travelAm, 2, 150_00),
        pay(housingGe, 11, 200_00),
      ]);
      small = smallIds[0]!;
      // A correction takes one recipient out of the housing cell: 10 are left.
      await reverseTransfer(
        t.ctx,
        officer,
        { id: randomUUID(), reversesId: housing[0]! },
        { now: day('2026-12-06') },
      );
    }, 60_000);

    it('shows totals per purpose and country, with the small cell and what would give it away hidden', async () => {
      const report = await getDonorReport(t.ctx, officer, { fundingAccountId: grant.id });
      expect(report.threshold).toBe(10);
      expect(report.months.map((m) => m.month)).toEqual(['2026-12']);
      const dec = report.months[0]!;
      expect(dec.purposes).toEqual(['housing', 'travel']);
      expect(dec.countries).toEqual(['AM', 'GE']);
      // travel×AM is about 2 people: hidden, and with it travel×GE and both country totals,
      // which would give it away by subtraction (housing×AM is empty, shown as 0).
      expect(dec.cells).toEqual([
        [0, 10 * 200_00],
        [null, null],
      ]);
      expect(dec.purposeTotals).toEqual([10 * 200_00, 12 * 100_00 + 2 * 150_00]);
      expect(dec.countryTotals).toEqual([null, null]);
      expect(dec.total).toBe(10 * 200_00 + 12 * 100_00 + 2 * 150_00);
      expect(JSON.stringify(report)).not.toContain(small);
      // Never below the default threshold.
      expect(
        (await refusal(getDonorReport(t.ctx, officer, { fundingAccountId: grant.id, threshold: 3 }))).code,
      ).toBe('validation_failed');
    });

    it('exports transfers and balances without labels, case ids or names, formula-safe', async () => {
      let text = '';
      for await (const chunk of await exportTransfersCsv(t.ctx, officer)) text += chunk;
      const rows = parseCsv(text) as string[][];
      expect(rows[0]).toEqual(TRANSFER_EXPORT_HEADER);
      const ticket = rows.find((r) => r[0] === ids.ticketA)!;
      expect(ticket.slice(3)).toEqual(['payment', 'posted', 'recipient', 'bank:eur', '150.00', 'EUR', '']);
      const balances = await exportBalancesCsv(t.ctx, officer, day('2026-12-31'));
      for (const out of [text, balances]) {
        expect(out).not.toMatch(/recipient:[0-9a-f-]{36}/);
        expect(out).not.toContain('cmd');
        expect(out).not.toContain('Ivan');
      }
      const byAccount = new Map((parseCsv(balances) as string[][]).map((r) => [r[0], r]));
      expect(byAccount.get('bank:eur')!.slice(1, 4)).toEqual([
        'holding',
        'EUR',
        String(1_000_00 + 100_000_00 - 375_00).replace(/(\d\d)$/, '.$1'),
      ]);
      // Every recipient account is one line per currency.
      expect([...byAccount.keys()].filter((k) => k === 'recipient')).toHaveLength(1);
      expect(formulaSafe('=HYPERLINK("x")')).toBe('\'=HYPERLINK("x")');
      expect(formulaSafe('@SUM(A1)')).toBe("'@SUM(A1)");
      expect(formulaSafe('-1+2')).toBe("'-1+2");
      expect(formulaSafe('-123.45')).toBe('-123.45');
    });
  });
});
