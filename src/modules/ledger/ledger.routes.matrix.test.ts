import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../../../test/support/app.ts';
import { PDF_OK } from '../../../test/support/file-fixtures.ts';
import { buildCase, staffActor } from '../../../test/support/factories.ts';
import {
  describeMatrix,
  type MatrixRole,
  type MatrixRoute,
  routesUnder,
} from '../../../test/support/matrix.ts';
import { type Actor, STAFF_ROLES, type StaffActor } from '../../access/index.ts';
import { addCaseDocument, intakeRuntimeOf } from '../intake/index.ts';
import {
  addScheduleItem,
  approveDisbursement,
  createRewardClaim,
  createTransfer,
  openAccount,
  recordRate,
  requestDisbursement,
  signOffDisbursement,
} from './index.ts';

/**
 * The authorisation matrix of the ledger's staff pages (/staff/ledger: finance officers only)
 * and of the disbursement pages (/staff/disbursements): every route × every role and no
 * session. Refused cells answer 404 (401 without a session) and leave the database unchanged.
 * A route added under either prefix without an entry fails. Each role gets a case (assigned to
 * the matrix's caseworker) with a disbursement ready to pay (approved, signed off, with payment
 * details), one still waiting for approvals and sign-off, and a reward claim; an allowed
 * action gets fresh ones.
 */
interface Fixture {
  caseRef: string;
  ready: string;
  waiting: string;
  reward: string;
}
type RouteSpec = MatrixRoute<Fixture, 'none'>;

const is =
  (...roles: MatrixRole[]) =>
  (role: MatrixRole) =>
    roles.includes(role);
const SEE = is(
  'caseworker',
  'coordinator',
  'admin',
  'finance_officer',
  'vetting_officer',
  'evidence_officer',
);
const APPROVERS = is('coordinator', 'admin', 'finance_officer');
const cli: Actor = { kind: 'cli', id: 'cli' };
/** Reconciliation, exports and the donor report have their own matrix (ledger.finance.matrix.test.ts). */
const FINANCE_PREFIXES = [
  '/staff/ledger/reconciliation',
  '/staff/ledger/exports',
  '/staff/ledger/donor-report',
  '/staff/ledger/payments',
];
const due = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
const setup = {
  budget: '',
  bank: '',
  grant: '',
  bankRub: '',
  rate: '',
  correctable: '',
  schedule: '',
  caseworker: {} as StaffActor,
  admin: {} as StaffActor,
  vetting: {} as StaffActor,
};

const requestBody = (f: Fixture) => ({
  id: randomUUID(),
  caseRef: f.caseRef,
  budgetAccountId: setup.budget,
  amount: '12.50',
  purpose: 'ticket',
  channel: 'bank_transfer',
  dueOn: due,
});

const MATRIX: Record<string, RouteSpec> = {
  'GET /staff/ledger': { allowed: is('finance_officer') },
  'GET /staff/ledger/transfers': { allowed: is('finance_officer') },
  'GET /staff/ledger/bookkeeping': { allowed: is('finance_officer') },
  'POST /staff/ledger/bookkeeping/currencies': {
    allowed: is('finance_officer'),
    body: () => ({ code: 'UZS', minorUnits: '2' }),
  },
  'POST /staff/ledger/bookkeeping/accounts': {
    allowed: is('finance_officer'),
    body: () => ({ kind: 'holding', code: `m:bank-${randomUUID()}`, label: 'Bank', currency: 'EUR' }),
  },
  'POST /staff/ledger/bookkeeping/transfers': {
    allowed: is('finance_officer'),
    body: () => ({
      id: randomUUID(),
      kind: 'deposit',
      debitAccountId: setup.bank,
      creditAccountId: setup.grant,
      amount: '1',
    }),
  },
  'POST /staff/ledger/bookkeeping/rates': {
    allowed: is('finance_officer'),
    body: () => ({ from: 'EUR', to: 'RUB', rate: '99.5', source: 'CBR', rateDate: '2026-12-02' }),
  },
  'POST /staff/ledger/bookkeeping/conversions': {
    allowed: is('finance_officer'),
    body: () => ({
      id: randomUUID(),
      fromAccountId: setup.bank,
      toAccountId: setup.bankRub,
      amount: '1',
      rateId: setup.rate,
    }),
  },
  'POST /staff/ledger/bookkeeping/corrections': {
    allowed: is('finance_officer'),
    body: () => ({ id: randomUUID(), transferId: setup.correctable }),
  },
  'GET /staff/disbursements': { allowed: SEE },
  'POST /staff/disbursements': { allowed: is('caseworker'), body: requestBody },
  'GET /staff/disbursements/new': { allowed: is('caseworker') },
  'GET /staff/disbursements/:id': { allowed: SEE },
  'POST /staff/disbursements/:id/approve': { allowed: APPROVERS, fresh: true },
  'POST /staff/disbursements/:id/deny': {
    allowed: is('coordinator', 'admin', 'finance_officer', 'vetting_officer'),
    fresh: true,
  },
  'POST /staff/disbursements/:id/signoff': { allowed: is('vetting_officer'), fresh: true },
  'POST /staff/disbursements/:id/reveal': {
    allowed: is('finance_officer'),
    fresh: true,
    allowedStatuses: [200],
  },
  'POST /staff/disbursements/:id/post': { allowed: is('finance_officer'), fresh: true },
  'POST /staff/disbursements/:id/void': { allowed: is('finance_officer'), fresh: true },
  'POST /staff/disbursements/:id/verify': {
    allowed: is('vetting_officer', 'evidence_officer'),
    fresh: true,
    body: () => ({ step: 'inspected' }),
  },
  'GET /staff/disbursements/cases/:ref': { allowed: is('caseworker', 'coordinator', 'finance_officer') },
  'POST /staff/disbursements/cases/:ref/authenticity': {
    allowed: is('caseworker'),
    body: () => ({ kind: 'equipment', description: 'a radio set' }),
  },
  'GET /staff/disbursements/rewards': { allowed: SEE },
  'GET /staff/disbursements/rewards/new': { allowed: is('caseworker') },
  'POST /staff/disbursements/rewards': {
    allowed: is('caseworker'),
    body: (f) => ({ ...requestBody(f), scheduleId: setup.schedule, description: 'a drone', amount: '' }),
  },
  'POST /staff/disbursements/rewards/schedule': {
    allowed: is('admin'),
    body: () => ({ code: 'drone', label: 'Drone', amount: '100', currency: 'EUR' }),
  },
  'GET /staff/disbursements/settings': { allowed: is('admin') },
  'POST /staff/disbursements/settings': {
    allowed: is('admin'),
    body: () => ({ baseCurrency: 'EUR', tier1: '500', tier2: '2000' }),
  },
};

/**
 * The records a cell names. The shared one is built once for all roles (no allowed cell that
 * shares it consumes what it names); a fresh one holds only what its route consumes.
 */
let shared: Promise<Fixture> | undefined;

async function fixture(t: TestApp, route?: string): Promise<Fixture> {
  if (route === undefined) {
    shared ??= fixture(t, 'all');
    return shared;
  }
  const ctx = t.ctx;
  const { ref } = await buildCase(ctx, { assigneeId: setup.caseworker.id });
  const base = {
    caseRef: ref,
    budgetAccountId: setup.budget,
    purpose: 'ticket',
    channel: 'card_topup',
    dueOn: due,
  };
  const wants = (...kinds: string[]) => route === 'all' || kinds.some((k) => route.endsWith(k));
  const f: Fixture = { caseRef: ref, ready: randomUUID(), waiting: randomUUID(), reward: randomUUID() };
  if (wants('/reveal', '/post', '/void')) {
    await requestDisbursement(ctx, setup.caseworker, {
      ...base,
      id: f.ready,
      amount: '10',
      paymentKind: 'card',
      paymentDetails: '4111 1111 1111 1111',
    });
  }
  if (wants('/approve', '/deny', '/signoff')) {
    await requestDisbursement(ctx, setup.caseworker, { ...base, id: f.waiting, amount: '5' });
  }
  if (wants('/verify')) {
    await createRewardClaim(ctx, setup.caseworker, {
      ...base,
      id: f.reward,
      scheduleId: setup.schedule,
      description: 'a radio set',
    });
  }
  if (wants('/reveal', '/post', '/void')) {
    await approveDisbursement(ctx, setup.admin, { disbursementId: f.ready });
    await signOffDisbursement(ctx, setup.vetting, { disbursementId: f.ready });
  }
  return f;
}

function url(path: string, f: Fixture): string {
  const id = /\/(approve|deny|signoff)$/.test(path)
    ? f.waiting
    : path.endsWith('/verify')
      ? f.reward
      : f.ready;
  const filled = path.replace(':id', id).replace(':ref', f.caseRef);
  return filled.endsWith('/new') ? `${filled}?case=${encodeURIComponent(f.caseRef)}` : filled;
}

const matrix = describeMatrix<Fixture, 'none'>({
  title: 'authorisation matrix of /staff/ledger and /staff/disbursements',
  served: (t) => routesUnder(t, ['/staff/ledger', '/staff/disbursements'], FINANCE_PREFIXES),
  routes: MATRIX,
  scopes: ['none'],
  roles: [...STAFF_ROLES, 'anonymous'],
  allowedStatuses: [200, 303],
  async setup(t, sessions) {
    const staffOf = (role: MatrixRole) => {
      const s = sessions.get(role)!.staff!;
      return staffActor({ id: s.id, role: s.role });
    };
    setup.caseworker = staffOf('caseworker');
    setup.admin = staffOf('admin');
    setup.vetting = staffOf('vetting_officer');
    const ctx = t.ctx;
    const open = (kind: 'holding' | 'funding' | 'budget') =>
      openAccount(ctx, cli, { kind, code: `m:${kind}`, label: kind, currency: 'EUR' });
    const [bank, grant, budget] = [await open('holding'), await open('funding'), await open('budget')];
    for (const [kind, debit, credit] of [
      ['deposit', bank.id, grant.id],
      ['allocation', grant.id, budget.id],
    ] as const) {
      await createTransfer(ctx, cli, {
        id: randomUUID(),
        kind,
        debitAccountId: debit,
        creditAccountId: credit,
        amount: 100_000_000,
        currency: 'EUR',
      });
    }
    setup.budget = budget.id;
    setup.bank = bank.id;
    setup.grant = grant.id;
    setup.bankRub = (
      await openAccount(ctx, cli, { kind: 'holding', code: 'm:rub', label: 'rub', currency: 'RUB' })
    ).id;
    setup.rate = (
      await recordRate(ctx, cli, {
        from: 'EUR',
        to: 'RUB',
        rate: '100',
        source: 'CBR',
        rateDate: '2026-12-01',
      })
    ).id;
    setup.correctable = randomUUID();
    await createTransfer(ctx, cli, {
      id: setup.correctable,
      kind: 'deposit',
      debitAccountId: bank.id,
      creditAccountId: grant.id,
      amount: 100,
      currency: 'EUR',
    });
    setup.schedule = await addScheduleItem(ctx, setup.admin, {
      code: 'radio',
      label: 'Radio',
      amount: '50',
      currency: 'EUR',
    });
  },
  fixture: ({ t, fresh, route }) => fixture(t, fresh ? route : undefined),
  url,
});

describe('the ledger in the navigation', () => {
  it('is linked for finance officers only; payments for everyone with a part in them', async () => {
    for (const role of STAFF_ROLES) {
      const home = await matrix.current.sessions.get(role)!.client.get('/staff?lang=en');
      expect(home.body.includes('href="/staff/ledger?lang=en"'), role).toBe(role === 'finance_officer');
      expect(home.body.includes('href="/staff/disbursements?lang=en"'), role).toBe(SEE(role));
    }
  });
});

describe('a request outside a case’s page', () => {
  it('is linked from the payments pages for those who request, and asks for the case first', async () => {
    const f = await fixture(matrix.current.t);
    for (const role of STAFF_ROLES.filter(SEE)) {
      const queue = await matrix.current.sessions.get(role)!.client.get('/staff/disbursements?lang=en');
      const requests = role === 'caseworker' || role === 'coordinator';
      expect(queue.body.includes('href="/staff/disbursements/new?lang=en"'), role).toBe(requests);
      expect(queue.body.includes('href="/staff/disbursements/rewards/new?lang=en"'), role).toBe(requests);
    }
    const client = matrix.current.sessions.get('caseworker')!.client;
    for (const [path, title] of [
      ['/staff/disbursements/new', 'Request a disbursement'],
      ['/staff/disbursements/rewards/new', 'Claim a reward'],
    ] as const) {
      const choose = await client.get(`${path}?lang=en`);
      expect(choose.statusCode).toBe(200);
      expect(choose.body).toContain(`<form method="get" action="${path}"`);
      expect(choose.body).toContain(title);
      // The case's reference as typed (lower case, spaces): the request form for that case.
      const form = await client.get(
        `${path}?lang=en&case=${encodeURIComponent(` ${f.caseRef.toLowerCase()} `)}`,
      );
      expect(form.statusCode).toBe(200);
      expect(form.body).toContain(`For case ${f.caseRef}`);
    }
    // Unknown, malformed and another's case answer alike: 404, the question again, the input escaped.
    const other = await buildCase(matrix.current.t.ctx, {});
    for (const ref of ['C-22222222', '<b>x</b>', other.ref]) {
      const res = await client.get(`/staff/disbursements/new?lang=en&case=${encodeURIComponent(ref)}`);
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('There is no case with this reference that you may work on.');
      expect(res.body).not.toContain('<b>x</b>');
    }
    const ru = await client.get('/staff/disbursements/new?lang=ru&case=C-22222222');
    expect(ru.body).toContain('Нет дела с таким номером, с которым вы можете работать.');
  });
});

describe('a request sent again (issue 15 item 2)', () => {
  it('answers the stored request for the same id and body, and 409 for the same id with another body', async () => {
    const { t, sessions } = matrix.current;
    const session = sessions.get('caseworker')!;
    const f = await fixture(t);
    const body = { ...requestBody(f), _csrf: session.csrf };
    const first = await session.client.post('/staff/disbursements?lang=en', body);
    expect(first.statusCode).toBe(303);
    const again = await session.client.post('/staff/disbursements?lang=en', body);
    expect([again.statusCode, again.headers.location]).toEqual([303, first.headers.location]);
    const stored = () =>
      t.ctx.database.db
        .selectFrom('ledger_disbursements')
        .select(['amount', 'purpose', 'due_on'])
        .where('id', '=', body.id)
        .execute();
    const before = JSON.stringify(await stored());
    // The same id with another amount, purpose or payment details (a form sent back and
    // changed, or a client's bug) is refused, never answered with the earlier request.
    for (const [changed, lang, message] of [
      [{ amount: '99' }, 'en', 'This id was already used for a different request.'],
      [{ purpose: 'accommodation' }, 'ru', 'Этот идентификатор уже использован для другого запроса.'],
      [{ paymentKind: 'card', paymentDetails: '4111 1111 1111 1111' }, 'en', 'already used'],
    ] as const) {
      const res = await session.client.post(`/staff/disbursements?lang=${lang}`, { ...body, ...changed });
      expect(res.statusCode, JSON.stringify(changed)).toBe(409);
      expect(res.body).toContain(message);
    }
    expect(JSON.stringify(await stored())).toBe(before);
    expect(before).toContain('"amount":1250');
    // The approver's role in the page's language, never the stored role name.
    await approveDisbursement(t.ctx, setup.admin, { disbursementId: body.id });
    const page = await session.client.get(`/staff/disbursements/${body.id}?lang=ru`);
    expect(page.body).toContain('(Администратор)');
    expect(page.body).not.toContain('(admin)');
    // The request on its case's timeline, linked to its page (issue 15 item 9).
    const casePage = await session.client.get(`/staff/cases/${f.caseRef}?lang=uk`);
    expect(casePage.statusCode).toBe(200);
    expect(casePage.body).toContain(`data-disbursement="${body.id}"`);
    expect(casePage.body).toContain('Запитано виплату');
    expect(casePage.body).toContain(`href="/staff/disbursements/${body.id}?lang=uk"`);
  });
});

describe('the evidence of a reward claim or an authenticity signal', () => {
  it('is chosen among the case documents by name, several at once, and another case’s document is refused', async () => {
    const { t, sessions } = matrix.current;
    const session = sessions.get('caseworker')!;
    const f = await fixture(t);
    const upload = (ref: string, fileName: string) =>
      addCaseDocument(t.ctx, intakeRuntimeOf(t.ctx), setup.caseworker, ref, { data: PDF_OK, fileName });
    const [a, b] = [await upload(f.caseRef, 'drone-photo.pdf'), await upload(f.caseRef, 'handover-act.pdf')];
    const other = await buildCase(t.ctx, { assigneeId: setup.caseworker.id });
    const foreign = await upload(other.ref, 'elsewhere.pdf');
    const form = await session.client.get(`/staff/disbursements/rewards/new?lang=en&case=${f.caseRef}`);
    expect(form.body).toContain(`value="${a.id}"`);
    expect(form.body).toContain('handover-act.pdf (PDF');
    expect(form.body).not.toContain(foreign.id);
    const claim = (evidenceIds: string[]) =>
      session.client.app.inject({
        method: 'POST',
        url: '/staff/disbursements/rewards?lang=en',
        remoteAddress: session.client.remoteAddress,
        headers: {
          cookie: session.client.cookieHeader,
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: new URLSearchParams([
          ['_csrf', session.csrf],
          ['id', randomUUID()],
          ['caseRef', f.caseRef],
          ['budgetAccountId', setup.budget],
          ['scheduleId', setup.schedule],
          ['description', 'a drone'],
          ['purpose', 'reward'],
          ['channel', 'bank_transfer'],
          ['dueOn', due],
          ...evidenceIds.map((id) => ['evidenceIds', id] as [string, string]),
        ]).toString(),
      });
    const refused = await claim([a.id, foreign.id]);
    expect(refused.statusCode).toBe(400);
    // The ticked document stays ticked when the form comes back.
    expect(refused.body).toMatch(new RegExp(`value="${a.id}"[^>]*checked`));
    const made = await claim([a.id, b.id]);
    expect(made.statusCode).toBe(303);
    const id = String(made.headers.location).split('/').pop()!.split('?')[0]!;
    const stored = await t.ctx.database.db
      .selectFrom('ledger_reward_claims')
      .select('evidence_ids')
      .where('disbursement_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored.evidence_ids)).toContain(b.id);
    const payments = await session.client.get(`/staff/disbursements/cases/${f.caseRef}?lang=ru`);
    expect(payments.body).toContain('drone-photo.pdf (PDF');
  });
});
