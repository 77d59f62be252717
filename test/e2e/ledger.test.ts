import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTransfer,
  openAccount,
  setBudgetTerms,
  signOffDisbursement,
  verifyLedger,
} from '../../src/modules/ledger/index.ts';
import { ledgerBookkeepingMessages as b } from '../../src/modules/ledger/ledger.bookkeeping.messages.ts';
import { disbursementMessages as m } from '../../src/modules/ledger/ledger.disbursements.messages.ts';
import { ledgerFinanceMessages as f } from '../../src/modules/ledger/ledger.finance.messages.ts';
import { ledgerPaymentsMessages as p } from '../../src/modules/ledger/ledger.payments.messages.ts';
import { formatAmount } from '../../src/modules/ledger/ledger.views.tsx';
import { buildStaff, buildTestApp, type TestApp, type TestStaff } from '../support/app.ts';
import { buildCase, buildTeam, staffActor } from '../support/factories.ts';
import { axeViolations, launchBrowser, listenForBrowser, signInAsStaff } from './browser.ts';

/**
 * Issue 15's journey in Chromium: a caseworker requests a ticket for a case from its Payments
 * page, with the recipient's IBAN; a coordinator and a finance officer approve it from their
 * queues (the vetting officer signs off the case's first payment through the service); the
 * paying finance officer is shown the IBAN once (the page then asks for a reason to show it
 * again), and posts. The bank pays it out (the payment from the bank holding is recorded
 * through the service: no staff page records it yet); the finance officer saves the bank's
 * column mapping, imports its CSV statement on the reconciliation page, and the statement's line
 * is matched to that payment (and types in an exchange rate on the bookkeeping page); the donor report of the grant shows the amount (with nine other
 * recipients' tickets, so the cell is not small) and never the person's name, the case or the
 * IBAN. axe-core checks every page the journey opens for the first time.
 */
let t: TestApp;
let base: string;
let browser: Browser;
const iban = 'GE29NB0000000101904917';

beforeAll(async () => {
  t = await buildTestApp();
  base = await listenForBrowser(t.app);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function as<T>(who: TestStaff, work: (page: Page) => Promise<T>): Promise<T> {
  // Staff pages carry no script; JavaScript stays on only so that axe-core can be evaluated.
  const context = await browser.newContext({ bypassCSP: true, locale: 'en' });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  try {
    await signInAsStaff(page, base, who, 'en');
    return await work(page);
  } finally {
    await context.close();
  }
}

const submit = (page: Page, name: string) =>
  Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name }).click()]);

describe('a ticket for a case, from request to payment', () => {
  it('is requested, approved by two, shown to the payer once and posted', async () => {
    const l = 'en';
    const ctx = t.ctx;
    const caseworker = await buildStaff(ctx, 'caseworker');
    const coordinator = await buildStaff(ctx, 'coordinator');
    const approver = await buildStaff(ctx, 'finance_officer');
    const payer = await buildStaff(ctx, 'finance_officer');
    // Reconciles the bank statement and reads the donor report. Another finance officer than the
    // payer: one person's second sign-in within the same 30-second TOTP step is refused as a
    // replay (as it should be), and this test must not depend on how fast the machine is.
    const bookkeeper = await buildStaff(ctx, 'finance_officer');
    const vetting = await buildStaff(ctx, 'vetting_officer');
    const teamId = await buildTeam(ctx, { members: [caseworker.id] });
    // The person's name is what a bank statement shows as the counterparty.
    const name = { givenName: 'Aleksei', familyName: 'Kuznetsovsky' };
    const { ref, id: caseId } = await buildCase(ctx, {
      teamId,
      person: { ...name, documents: [], family: [] },
    });
    const cli = { kind: 'cli', id: 'cli' } as const;
    const open = (kind: 'holding' | 'funding' | 'budget', label: string) =>
      openAccount(ctx, cli, { kind, code: `e2e:${kind}`, label, currency: 'EUR' });
    const bank = await open('holding', 'Bank EUR');
    const grant = await open('funding', 'Grant EUR');
    const budget = await open('budget', 'Tickets 2026');
    for (const [kind, debit, credit] of [
      ['deposit', bank.id, grant.id],
      ['allocation', grant.id, budget.id],
    ] as const) {
      await createTransfer(ctx, cli, {
        id: randomUUID(),
        kind,
        debitAccountId: debit,
        creditAccountId: credit,
        amount: 1_000_000,
        currency: 'EUR',
      });
    }

    // The caseworker: the case's Payments page, then the request form.
    const id = await as(caseworker, async (page) => {
      await page.goto(`${base}/staff/cases/${ref}?lang=${l}`);
      await Promise.all([
        page.waitForURL(/\/staff\/disbursements\/cases\//),
        page.getByRole('link', { name: m(l, 'disb.case.link') }).click(),
      ]);
      await Promise.all([
        page.waitForURL(/\/staff\/disbursements\/new\?/),
        // Exact: the payments sub-navigation also links the form (it then asks for the case).
        page.getByRole('link', { name: m(l, 'disb.case.request'), exact: true }).click(),
      ]);
      expect(await axeViolations(page)).toEqual([]);
      await page.selectOption('#budgetAccountId', budget.id);
      await page.fill('#amount', '640.00');
      await page.selectOption('#purpose', 'ticket');
      await page.selectOption('#channel', 'bank_transfer');
      await page.fill('#dueOn', new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10));
      await page.selectOption('#paymentKind', 'iban');
      await page.fill('#paymentDetails', iban);
      await submit(page, m(l, 'disb.submit.request'));
      expect(await page.getByRole('status').first().textContent()).toContain(m(l, 'disb.flash.requested'));
      expect(await page.content()).not.toContain(iban);
      return new URL(page.url()).pathname.split('/').pop()!;
    });

    // Two approvers (tier 2: 640 EUR is above T1), each from their queue.
    for (const who of [coordinator, approver]) {
      await as(who, async (page) => {
        await page.goto(`${base}/staff/disbursements?lang=${l}`);
        if (who === coordinator) expect(await axeViolations(page)).toEqual([]);
        await Promise.all([
          page.waitForURL(new RegExp(`/staff/disbursements/${id}`)),
          page.locator(`tr[data-disbursement="${id}"] a`).first().click(),
        ]);
        expect(await page.content()).not.toContain(iban);
        await submit(page, m(l, 'disb.action.approve'));
        expect(await page.getByRole('status').first().textContent()).toContain(m(l, 'disb.flash.approved'));
      });
    }
    // The case's first payment: the vetting officer signs off (through the service here).
    await signOffDisbursement(ctx, staffActor(vetting), { disbursementId: id });

    await as(payer, async (page) => {
      await page.goto(`${base}/staff/disbursements/${id}?lang=${l}`);
      expect(await page.content()).not.toContain(iban);
      await submit(page, m(l, 'disb.action.reveal'));
      expect(await page.locator('[data-payment-details]').textContent()).toBe(iban);
      expect(await axeViolations(page)).toEqual([]);
      // Shown once: the page now asks for a reason, and a plain load shows nothing.
      await page.goto(`${base}/staff/disbursements/${id}?lang=${l}`);
      expect(await page.content()).not.toContain(iban);
      expect(await page.getByRole('button', { name: m(l, 'disb.action.reveal_again') }).count()).toBe(1);
      await submit(page, m(l, 'disb.action.post'));
      expect(await page.getByRole('status').first().textContent()).toContain(m(l, 'disb.flash.posted'));
      expect(await page.locator('dd[data-status]').getAttribute('data-status')).toBe('posted');
    });

    // The budget line names its purpose, country and funding source for the donor report. Nine
    // other cases' tickets from the same line make the cell big enough to be shown.
    await setBudgetTerms(ctx, cli, {
      accountId: budget.id,
      purpose: 'travel',
      country: 'GE',
      fundingAccountId: grant.id,
    });
    for (let i = 0; i < 9; i += 1) {
      const other = await buildCase(ctx, { teamId });
      const account = await openAccount(ctx, cli, { kind: 'recipient', caseId: other.id, currency: 'EUR' });
      await createTransfer(ctx, cli, {
        id: randomUUID(),
        kind: 'disbursement',
        debitAccountId: budget.id,
        creditAccountId: account.id,
        amount: 10_000,
        currency: 'EUR',
      });
    }

    let paymentId = '';
    await as(bookkeeper, async (page) => {
      // The books: an exchange rate typed in with its source and date on the bookkeeping page.
      await page.goto(`${base}/staff/ledger/bookkeeping?lang=${l}`);
      expect(await axeViolations(page)).toEqual([]);
      await page.selectOption('#rate-from', 'GEL');
      await page.selectOption('#rate-to', 'USD');
      await page.fill('#rate-rate', '0.3433');
      await page.fill('#rate-source', 'NBG official rate');
      await page.fill('#rate-rateDate', '2026-12-01');
      await submit(page, b(l, 'ledger.book.rate.submit'));
      expect(await page.getByRole('status').first().textContent()).toContain(b(l, 'ledger.book.flash.rate'));
      expect(await page.locator('main').textContent()).toContain('NBG official rate');
      expect(await axeViolations(page)).toEqual([]);

      // The bank paid the ticket out of the holding: recorded on the payments-out page, where the
      // case's recipient account is one row among the nine others still to pay.
      await page.goto(`${base}/staff/ledger/payments?lang=${l}`);
      expect(await axeViolations(page)).toEqual([]);
      const row = page.locator(`tr[data-recipient="recipient:${caseId}:eur"]`);
      paymentId = (await row.locator('input[name^="id_"]').getAttribute('value')) ?? '';
      expect(await row.locator('input[name^="amount_"]').inputValue()).toBe('640.00');
      await row.locator('input[name="pay"]').check();
      await submit(page, p(l, 'ledger.payments.record'));
      expect(await page.getByRole('status').first().textContent()).toContain(
        p(l, 'ledger.flash.payments_recorded'),
      );
      expect(await page.locator(`tr[data-recipient="recipient:${caseId}:eur"]`).count()).toBe(0);

      // Reconciliation: the bank's column mapping, then its statement (CSV) through the page.
      await page.goto(`${base}/staff/ledger/reconciliation?lang=${l}`);
      expect(await axeViolations(page)).toEqual([]);
      await Promise.all([
        page.waitForURL(new RegExp(`/staff/ledger/reconciliation/${bank.id}`)),
        page.getByRole('link', { name: 'e2e:holding (EUR)' }).click(),
      ]);
      expect(await axeViolations(page)).toEqual([]);
      await page.selectOption('#delimiter', ',');
      await page.fill('#dateColumn', 'Date');
      await page.fill('#amountColumn', 'Amount');
      await page.fill('#referenceColumn', 'Reference');
      await page.fill('#counterpartyColumn', 'Counterparty');
      await page.selectOption('#dateFormat', 'YYYY-MM-DD');
      await page.selectOption('#decimalSeparator', '.');
      await submit(page, f(l, 'ledger.reconcile.save_mapping'));
      expect(await page.getByRole('status').first().textContent()).toContain(
        f(l, 'ledger.flash.mapping_saved'),
      );
      const today = new Date().toISOString().slice(0, 10);
      await page.setInputFiles('#file', {
        name: 'statement.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(
          [
            'Date,Amount,Reference,Counterparty',
            `${today},-640.00,Ticket ${paymentId.slice(0, 8)},${name.givenName} ${name.familyName}`,
          ].join('\r\n'),
        ),
      });
      await submit(page, f(l, 'ledger.reconcile.import_button'));
      expect(await page.getByRole('status').first().textContent()).toContain(f(l, 'ledger.flash.imported'));
      expect(await axeViolations(page)).toEqual([]);
      // The line is matched to the payment (by its reference): neither is left unmatched.
      expect(await page.locator('tr[data-line]').count()).toBe(0);
      expect(await page.locator(`tr[data-transfer="${paymentId}"]`).count()).toBe(0);
      const matched = page.locator('tr', { hasText: paymentId.slice(0, 8) });
      expect(await matched.first().textContent()).toContain(f(l, 'ledger.reconcile.how.reference'));

      // The donor report of the grant: the amount, never the name, the case or the details.
      await page.goto(`${base}/staff/ledger/donor-report?lang=${l}`);
      expect(await axeViolations(page)).toEqual([]);
      await page.selectOption('#funding', grant.id);
      await submit(page, f(l, 'ledger.donor.show'));
      expect(await axeViolations(page)).toEqual([]);
      const report = await page.locator('main').textContent();
      expect(report).toContain(formatAmount(l, 64_000 + 9 * 10_000, 'EUR', 2));
      const html = await page.content();
      for (const secret of [name.givenName, name.familyName, ref, caseId, iban, `recipient:${caseId}:eur`]) {
        expect(html).not.toContain(secret);
      }
    });
    expect(await verifyLedger(ctx.database.db)).toMatchObject({ ok: true });
  }, 300_000);
});
