import { randomUUID } from 'node:crypto';
import type { TestApp } from '../../../test/support/app.ts';
import { describeMatrix, type MatrixRole, routesUnder } from '../../../test/support/matrix.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { createTransfer, openAccount } from './index.ts';
import { importStatement, saveStatementMapping } from './ledger.reconcile.ts';

/**
 * The authorisation matrix of reconciliation, exports, the donor report and payments out (under /staff/ledger;
 * the ledger's other pages are in ledger.routes.matrix.test.ts): every route × every role and no
 * session. Finance officers only; everyone else 404 (401 without a session), and the database
 * unchanged. A route added under these prefixes without an entry fails.
 */
const financeOnly = (role: MatrixRole) => role === 'finance_officer';
const cli = { kind: 'cli', id: 'cli' } as const;
const statement = (rows: string[]) => Buffer.from(`date,amount,reference\n${rows.join('\n')}\n`);

const MAPPING = {
  delimiter: ',',
  dateColumn: 'date',
  amountColumn: 'amount',
  referenceColumn: 'reference',
  dateFormat: 'YYYY-MM-DD',
  decimalSeparator: '.',
} as const;

interface Fixture {
  holdingId: string;
  lineId: string;
  transferId: string;
  fundingId: string;
  recipientId: string;
}

describeMatrix<Fixture, 'none'>({
  title: 'authorisation matrix of reconciliation, exports and the donor report',
  served: (t) =>
    routesUnder(t, [
      '/staff/ledger/reconciliation',
      '/staff/ledger/exports',
      '/staff/ledger/donor-report',
      '/staff/ledger/payments',
    ]),
  routes: {
    'GET /staff/ledger/reconciliation': { allowed: financeOnly },
    'GET /staff/ledger/reconciliation/:holdingId': { allowed: financeOnly },
    'POST /staff/ledger/reconciliation/:holdingId/mapping': {
      allowed: financeOnly,
      body: () => ({ ...MAPPING }),
    },
    'POST /staff/ledger/reconciliation/:holdingId/statements': {
      allowed: financeOnly,
      multipart: () => [
        { name: 'file', file: statement(['2026-12-20,-5.00,fee']), filename: 's.csv', type: 'text/csv' },
      ],
    },
    'POST /staff/ledger/reconciliation/:holdingId/match': {
      allowed: financeOnly,
      body: (f) => ({ lineId: f.lineId, transferId: f.transferId }),
    },
    'POST /staff/ledger/reconciliation/:holdingId/unmatch': {
      allowed: financeOnly,
      body: (f) => ({ lineId: f.lineId }),
    },
    'GET /staff/ledger/exports': { allowed: financeOnly },
    'GET /staff/ledger/exports/transfers.csv': { allowed: financeOnly },
    'GET /staff/ledger/exports/balances.csv': { allowed: financeOnly },
    'GET /staff/ledger/donor-report': { allowed: financeOnly },
    'GET /staff/ledger/payments': { allowed: financeOnly },
    'POST /staff/ledger/payments': {
      allowed: financeOnly,
      body: (f) => ({
        pay: '0',
        id_0: randomUUID(),
        recipient_0: f.recipientId,
        holding_0: f.holdingId,
        amount_0: '1.00',
      }),
    },
  },
  scopes: ['none'],
  roles: [...STAFF_ROLES, 'anonymous'],
  allowedStatuses: [200, 303],
  // A holding with a mapping, a payment out of it, and a statement line it does not match
  // (booked 30 days later), for matching by hand.
  // Refused cells change nothing, so every role but the finance officer shares one fixture.
  fixture: async ({ t, role }) => {
    if (role === 'finance_officer') return buildFixture(t);
    shared ??= buildFixture(t);
    return shared;
  },
  url: (path, f) => path.replace(':holdingId', f.holdingId),
});

let shared: Promise<Fixture> | undefined;

async function buildFixture(t: TestApp): Promise<Fixture> {
  const holding = await openAccount(t.ctx, cli, {
    kind: 'holding',
    code: `bank:${randomUUID().slice(0, 8)}`,
    label: 'Bank',
    currency: 'EUR',
  });
  const funding = await openAccount(t.ctx, cli, {
    kind: 'funding',
    code: `grant:${randomUUID().slice(0, 8)}`,
    label: 'Grant',
    currency: 'EUR',
  });
  const transferId = randomUUID();
  await createTransfer(t.ctx, cli, {
    id: randomUUID(),
    kind: 'deposit',
    debitAccountId: holding.id,
    creditAccountId: funding.id,
    amount: 100_00,
    currency: 'EUR',
  });
  await createTransfer(
    t.ctx,
    cli,
    {
      id: transferId,
      kind: 'transfer',
      debitAccountId: funding.id,
      creditAccountId: holding.id,
      amount: 40_00,
      currency: 'EUR',
    },
    { now: new Date('2026-11-01T10:00:00Z') },
  );
  // Disbursed for a case and not yet paid out: the payments-out page's row.
  const recipient = await openAccount(t.ctx, cli, {
    kind: 'recipient',
    caseId: randomUUID(),
    currency: 'EUR',
  });
  await createTransfer(t.ctx, cli, {
    id: randomUUID(),
    kind: 'disbursement',
    debitAccountId: funding.id,
    creditAccountId: recipient.id,
    amount: 5_00,
    currency: 'EUR',
  });
  await saveStatementMapping(t.ctx, cli, { holdingAccountId: holding.id, ...MAPPING });
  const imported = await importStatement(t.ctx, cli, {
    holdingAccountId: holding.id,
    file: statement(['2026-12-01,-40.00,transfer']),
  });
  const line = await t.ctx.database.db
    .selectFrom('ledger_statement_lines')
    .select('id')
    .where('statement_id', '=', imported.statementId)
    .executeTakeFirstOrThrow();
  return {
    holdingId: holding.id,
    lineId: line.id,
    transferId,
    fundingId: funding.id,
    recipientId: recipient.id,
  };
}
