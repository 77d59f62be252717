import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { buildCase, buildVettingSignal, staffActor } from '../../../test/support/factories.ts';
import { PDF_OK } from '../../../test/support/file-fixtures.ts';
import type { Actor, StaffActor } from '../../access/index.ts';
import type { StaffRoleName } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { createStaff } from '../auth/index.ts';
import { decideApproval, getAccessLog } from '../case-access/index.ts';
import { addCaseDocument, intakeRuntimeOf } from '../intake/index.ts';
import {
  addScheduleItem,
  approveDisbursement,
  createRewardClaim,
  createTransfer,
  getApprovalQueue,
  getDisbursement,
  getVettingView,
  openAccount,
  postDisbursement,
  postTransfer,
  postTransfers,
  recordAuthenticitySignal,
  recordRate,
  requestDisbursement,
  revealPaymentDetails,
  reverseTransfer,
  setThresholds,
  signOffDisbursement,
  verifyLedger,
  verifyReward,
} from './index.ts';
import { recordBookkeepingRate } from './ledger.bookkeeping.ts';
import { ledgerWriteStats } from './ledger.group-commit.ts';

/**
 * Disbursements from the attacker's side (issue 15 items 3–6): a requester approving their own
 * request, one approver counting twice, a finance officer posting around the approvals through
 * the core, a tier-3 amount approved by the wrong roles, a signal raised after the sign-off, a
 * second look at payment details, and an intruder deleting an approval row before `verify`.
 */
const cli: Actor = { kind: 'cli', id: 'cli' };
let t: TestApp;
const staff = {} as Record<
  | 'caseworker'
  | 'coordinator'
  | 'coordinator2'
  | 'admin'
  | 'admin2'
  | 'finance'
  | 'finance2'
  | 'vetting'
  | 'evidence',
  StaffActor
>;
let caseRef = '';
let caseId = '';
let budgetEur = '';
let budgetGel = '';
let tier2Posted = '';
const due = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'allowed';
}

const request = (who: StaffActor, amount: string, extra: Record<string, unknown> = {}) =>
  requestDisbursement(t.ctx, who, {
    id: randomUUID(),
    caseRef,
    budgetAccountId: budgetEur,
    amount,
    purpose: 'ticket',
    channel: 'card_topup',
    dueOn: due,
    ...extra,
  });

const approve = (who: StaffActor, id: string) => approveDisbursement(t.ctx, who, { disbursementId: id });
const signOff = (id: string) => signOffDisbursement(t.ctx, staff.vetting, { disbursementId: id });
const post = (id: string) => postDisbursement(t.ctx, staff.finance2, { disbursementId: id });
/** The case's EUR recipient account, and what it holds. */
const caseRecipient = async () =>
  (
    await t.ctx.database.db
      .selectFrom('ledger_accounts')
      .select('id')
      .where('case_id', '=', caseId)
      .where('currency', '=', 'EUR')
      .executeTakeFirstOrThrow()
  ).id;
const recipientBalance = async (id: string) => {
  const a = await t.ctx.database.db
    .selectFrom('ledger_accounts')
    .select(['credits_posted', 'debits_posted'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return Number(a.credits_posted) - Number(a.debits_posted);
};

beforeAll(async () => {
  t = await buildTestApp();
  const roles: Array<[keyof typeof staff, StaffRoleName]> = [
    ['caseworker', 'caseworker'],
    ['coordinator', 'coordinator'],
    ['coordinator2', 'coordinator'],
    ['admin', 'admin'],
    ['admin2', 'admin'],
    ['finance', 'finance_officer'],
    ['finance2', 'finance_officer'],
    ['vetting', 'vetting_officer'],
    ['evidence', 'evidence_officer'],
  ];
  // Accounts without a password (never signed in: the services are called directly), so no hashing.
  for (const [name, role] of roles) {
    const { staffId } = await createStaff(t.ctx, cli, { email: `${name}@ledger.test`, role });
    staff[name] = staffActor({ id: staffId, role });
  }
  const c = await buildCase(t.ctx, { assigneeId: staff.caseworker.id });
  caseRef = c.ref;
  caseId = c.id;
  const open = (kind: 'holding' | 'funding' | 'budget', code: string, currency: string) =>
    openAccount(t.ctx, cli, { kind, code, label: code, currency });
  for (const currency of ['EUR', 'GEL']) {
    const holding = await open('holding', `bank:${currency.toLowerCase()}`, currency);
    const grant = await open('funding', `grant:${currency.toLowerCase()}`, currency);
    const budget = await open('budget', `budget:tickets:${currency.toLowerCase()}`, currency);
    for (const [kind, debit, credit] of [
      ['deposit', holding.id, grant.id],
      ['allocation', grant.id, budget.id],
    ] as const) {
      await createTransfer(t.ctx, cli, {
        id: randomUUID(),
        kind,
        debitAccountId: debit,
        creditAccountId: credit,
        amount: 10_000_000,
        currency,
      });
    }
    if (currency === 'EUR') budgetEur = budget.id;
    else budgetGel = budget.id;
  }
  await recordRate(t.ctx, cli, {
    from: 'GEL',
    to: 'EUR',
    rate: '0.34',
    source: 'NBG',
    rateDate: '2026-01-01',
  });
}, 120_000);
afterAll(async () => t.close());

describe('approval tiers', () => {
  it('prices a request in the base currency at the stored rate and picks its tier', async () => {
    expect((await request(staff.caseworker, '500.00')).tier).toBe(1);
    expect((await request(staff.caseworker, '500.01')).tier).toBe(2);
    expect((await request(staff.caseworker, '2000.01')).tier).toBe(3);
    // 1,500 GEL at 0.34 is 510 EUR: above T1 (500 EUR).
    expect((await request(staff.caseworker, '1500', { budgetAccountId: budgetGel })).tier).toBe(2);
    // An admin lowers T1; a caseworker cannot.
    expect(
      await refusal(setThresholds(t.ctx, staff.caseworker, { baseCurrency: 'EUR', tier1: '1', tier2: '2' })),
    ).toBe('not_found');
    await setThresholds(t.ctx, staff.admin, { baseCurrency: 'EUR', tier1: '100', tier2: '2000' });
    expect((await request(staff.caseworker, '150')).tier).toBe(2);
    // Raising it back asks for fewer approvals: a two-person act (issue 18). Filed, not applied,
    // until a second administrator approves; the requester and a coordinator cannot.
    const raised = await setThresholds(t.ctx, staff.admin, {
      baseCurrency: 'EUR',
      tier1: '500',
      tier2: '2000',
    });
    expect(raised.outcome).toHaveProperty('requested');
    const requestId = typeof raised.outcome === 'object' ? raised.outcome.requested : '';
    expect((await request(staff.caseworker, '150')).tier).toBe(2);
    expect(await refusal(decideApproval(t.ctx, staff.admin, requestId, 'approve'))).not.toBe('allowed');
    expect(await refusal(decideApproval(t.ctx, staff.coordinator, requestId, 'approve'))).not.toBe('allowed');
    expect((await request(staff.caseworker, '150')).tier).toBe(2);
    await decideApproval(t.ctx, staff.admin2, requestId, 'approve');
    expect((await request(staff.caseworker, '150')).tier).toBe(1);
    // Another base currency could also loosen them through the rates: a request too.
    const other = await setThresholds(t.ctx, staff.admin, { baseCurrency: 'GEL', tier1: '1', tier2: '2' });
    expect(other.outcome).toHaveProperty('requested');
    expect((await request(staff.caseworker, '500.01')).tier).toBe(2);
  });

  it('refuses the requester’s own approval, counts each approver once, and posts only when complete', async () => {
    const own = await buildCase(t.ctx, { assigneeId: staff.coordinator.id });
    const { id, tier, needsSignoff } = await request(staff.coordinator, '800', { caseRef: own.ref });
    tier2Posted = id;
    expect([tier, needsSignoff]).toEqual([2, true]);
    expect(await refusal(approve(staff.coordinator, id))).toBe('not_found');
    expect(await refusal(approve(staff.caseworker, id))).toBe('not_found');
    await approve(staff.finance, id);
    expect(await refusal(approve(staff.finance, id))).toBe('conflict');
    // One approval of two, not signed off: refused by the disbursement route and by the core's post alike.
    expect(await refusal(post(id))).toBe('conflict');
    expect(await refusal(postTransfer(t.ctx, staff.finance2, { transferId: id }))).toBe('conflict');
    expect(await refusal(postTransfer(t.ctx, cli, { transferId: id }))).toBe('conflict');
    await approve(staff.admin, id);
    expect((await getDisbursement(t.ctx, staff.finance2, id)).waiting).toEqual(['signoff']);
    const queue = await getApprovalQueue(t.ctx, staff.vetting);
    expect(queue.forMe.map((l) => l.id)).toContain(id);
    await signOff(id);
    await post(id);
    expect((await getDisbursement(t.ctx, staff.finance2, id)).status).toBe('posted');
  });

  it('needs a coordinator and an admin above T2, never two of one kind', async () => {
    const { id } = await request(staff.caseworker, '2500');
    expect(await refusal(approve(staff.finance, id))).toBe('not_found');
    await approve(staff.coordinator, id);
    await approve(staff.coordinator2, id);
    expect((await getDisbursement(t.ctx, staff.finance2, id)).waiting).toContain('approvals');
    await approve(staff.admin, id);
    expect((await getDisbursement(t.ctx, staff.finance2, id)).waiting).toEqual(['signoff']);
    // The case's first sign-off: from now on it counts as vetted.
    await signOff(id);
    await post(id);
  });
});

describe('vetting sign-off', () => {
  it('once vetted, a case needs no sign-off; a signal raised later pauses its pending disbursements', async () => {
    const { id, needsSignoff } = await request(staff.caseworker, '100');
    expect(needsSignoff).toBe(false);
    await approve(staff.finance, id);
    await buildVettingSignal(t.ctx, [caseId]);
    const page = await getDisbursement(t.ctx, staff.finance2, id);
    expect([page.paused, page.waiting]).toEqual([true, ['signoff']]);
    expect(await refusal(post(id))).toBe('conflict');
    expect((await request(staff.caseworker, '50')).needsSignoff).toBe(true);
    await signOff(id);
    await post(id);
  });

  it('posts many requests in one multi-transfer request, each refused as alone while anything is missing', async () => {
    const other = await buildCase(t.ctx, { assigneeId: staff.caseworker.id });
    const paused = await buildCase(t.ctx, { assigneeId: staff.caseworker.id });
    const ready = (await request(staff.caseworker, '100', { caseRef: other.ref })).id;
    await approve(staff.finance, ready);
    await signOff(ready);
    const unapproved = (await request(staff.caseworker, '100', { caseRef: other.ref })).id;
    const held = (await request(staff.caseworker, '100', { caseRef: paused.ref })).id;
    await approve(staff.finance, held);
    await signOff(held);
    await buildVettingSignal(t.ctx, [paused.id]);
    const before = ledgerWriteStats(t.ctx);
    const outcomes = await postTransfers(t.ctx, staff.finance2, {
      transferIds: [ready, unapproved, held, ready, 'not-a-uuid'],
    });
    expect(outcomes.map((o) => (o.ok ? o.transfer.status : o.code))).toEqual([
      'posted',
      'conflict',
      'conflict',
      'posted',
      'validation_failed',
    ]);
    // The approvals were checked in the set-based batch, which the database did not contradict.
    expect(ledgerWriteStats(t.ctx).setBased).toBeGreaterThan(before.setBased);
    expect(ledgerWriteStats(t.ctx).declined).toBe(before.declined);
    expect((await getDisbursement(t.ctx, staff.finance2, unapproved)).status).toBe('pending');
    expect((await getDisbursement(t.ctx, staff.finance2, held)).waiting).toEqual(['signoff']);
    expect((await verifyLedger(t.ctx.database.db)).problem).toBeUndefined();
  });

  it('shows the vetting officer the authenticity signals, logged in the case access log', async () => {
    await recordAuthenticitySignal(t.ctx, staff.caseworker, {
      caseRef,
      kind: 'equipment',
      description: 'a handheld radio, serial 4471',
    });
    expect(
      await refusal(
        recordAuthenticitySignal(t.ctx, staff.caseworker, {
          caseRef,
          kind: 'information',
          description: 'x',
          evidenceIds: [randomUUID()],
        }),
      ),
    ).toBe('validation_failed');
    const { id } = await request(staff.caseworker, '60');
    const view = await getVettingView(t.ctx, staff.vetting, id);
    expect(view.signals.map((s) => s.description)).toEqual(['a handheld radio, serial 4471']);
    expect(await refusal(getVettingView(t.ctx, staff.finance, id))).toBe('not_found');
  });
});

describe('payment details', () => {
  it('are shown to the payer once, after the approvals, and never stored in plaintext', async () => {
    const secret = 'GE29NB0000000101904917';
    const { id } = await request(staff.caseworker, '120', { paymentKind: 'iban', paymentDetails: secret });
    const reveal = (again?: string) =>
      revealPaymentDetails(t.ctx, staff.finance2, { disbursementId: id, ...(again ? { again } : {}) });
    expect(await refusal(reveal())).toBe('conflict');
    await approve(staff.finance, id);
    await signOff(id);
    expect(await refusal(revealPaymentDetails(t.ctx, staff.coordinator, { disbursementId: id }))).toBe(
      'not_found',
    );
    expect(await reveal()).toEqual({ kind: 'iban', value: secret });
    expect(await refusal(reveal())).toBe('conflict');
    expect((await reveal('payment_failed')).value).toBe(secret);
    const log = await getAccessLog(t.ctx, staff.coordinator, caseRef);
    expect(
      log.filter((e) => e.action.startsWith('ledger.payment_details_reveal')).map((e) => e.action),
    ).toEqual(['ledger.payment_details_reveal_again', 'ledger.payment_details_reveal']);
    const raw = await sql<{
      dump: string;
    }>`select row_to_json(d)::text as dump from ledger_disbursements d`.execute(t.ctx.database.db);
    expect(
      raw.rows.some((r) => r.dump.includes(secret) || r.dump.includes(Buffer.from(secret).toString('hex'))),
    ).toBe(false);
    await post(id);
  });
});

describe('rewards for surrendered equipment', () => {
  it('go through the top tier and a verification step', async () => {
    const scheduleId = await addScheduleItem(t.ctx, staff.admin, {
      code: 'radio',
      label: 'Military radio',
      amount: '300',
      currency: 'EUR',
    });
    expect(
      await refusal(
        addScheduleItem(t.ctx, staff.coordinator, { code: 'x', label: 'x', amount: '1', currency: 'EUR' }),
      ),
    ).toBe('not_found');
    // Evidence: a document of this case (asked through the intake face), never another case's.
    const upload = (ref: string) =>
      addCaseDocument(t.ctx, intakeRuntimeOf(t.ctx), staff.caseworker, ref, {
        data: PDF_OK,
        fileName: 'receipt.pdf',
      });
    const ownDocument = (await upload(caseRef)).id;
    const otherCase = await buildCase(t.ctx, { assigneeId: staff.caseworker.id });
    const otherDocument = (await upload(otherCase.ref)).id;
    const claim = (evidenceIds: string[]) =>
      createRewardClaim(t.ctx, staff.caseworker, {
        id: randomUUID(),
        caseRef,
        scheduleId,
        budgetAccountId: budgetEur,
        description: 'R-168 radio set, brought across on 2 December',
        channel: 'courier_cash',
        dueOn: due,
        evidenceIds,
      });
    expect(await refusal(claim([ownDocument, otherDocument]))).toBe('validation_failed');
    const { id } = await claim([ownDocument]);
    const page = await getDisbursement(t.ctx, staff.finance2, id);
    expect([page.tier, page.amount, page.kind]).toEqual([3, 30_000, 'reward']);
    await approve(staff.coordinator, id);
    await approve(staff.admin, id);
    await signOff(id);
    expect((await getDisbursement(t.ctx, staff.finance2, id)).waiting).toEqual(['verification']);
    expect((await getVettingView(t.ctx, staff.evidence, id)).reward?.description).toContain('R-168');
    await verifyReward(t.ctx, staff.evidence, { disbursementId: id, step: 'inspected' });
    await post(id);
  });
});

describe('exchange rates typed in on the bookkeeping page', () => {
  it('never let one finance officer lower a request’s tier with a false rate to the base currency', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const gel = async () => (await request(staff.caseworker, '5000', { budgetAccountId: budgetGel })).tier;
    const before = await gel();
    expect(before).toBeGreaterThan(1);
    // The dishonest finance officer: 5,000 GEL "worth" half a euro, so one approver (himself) would do.
    const falseRate = { from: 'GEL', to: 'EUR', rate: '0.0001', source: 'typed', rateDate: today };
    const outcome = await recordBookkeepingRate(t.ctx, staff.finance, falseRate);
    expect(await gel()).toBe(before);
    expect(outcome).toBe('requested');
    const filed = await t.ctx.database.db
      .selectFrom('case_approvals')
      .select('id')
      .where('kind', '=', 'ledger_rate')
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    // Only an administrator decides it, never the one who typed it.
    expect(await refusal(decideApproval(t.ctx, staff.finance, filed.id, 'approve'))).not.toBe('allowed');
    expect(await refusal(decideApproval(t.ctx, staff.finance2, filed.id, 'approve'))).not.toBe('allowed');
    expect(await gel()).toBe(before);
    // A rate between two other currencies sets no tier: stored at once.
    expect(await recordBookkeepingRate(t.ctx, staff.finance, { ...falseRate, to: 'USD', rate: '0.37' })).toBe(
      'stored',
    );
    // Approved by an administrator, the rate is stored and prices the next request.
    await decideApproval(t.ctx, staff.admin, filed.id, 'approve');
    expect(await gel()).toBe(1);
  });
});

describe('corrections', () => {
  it('never move a disbursement to its recipient again without approvals: a transfer is reversed once, a correction never', async () => {
    const { id } = await request(staff.caseworker, '100');
    await approve(staff.coordinator, id);
    await signOff(id);
    await post(id);
    const recipient = await caseRecipient();
    const before = await recipientBalance(recipient);
    // The dishonest finance officer: reverse the disbursement, then reverse its correction
    // (money back to the recipient) twice over, each a posted budget → recipient movement.
    const correction = await reverseTransfer(t.ctx, staff.finance, { id: randomUUID(), reversesId: id });
    for (let i = 0; i < 2; i++) {
      expect(
        await refusal(reverseTransfer(t.ctx, staff.finance, { id: randomUUID(), reversesId: correction.id })),
      ).toBe('conflict');
    }
    expect(await recipientBalance(recipient)).toBe(before - 10_000);
    expect(await refusal(reverseTransfer(t.ctx, staff.finance, { id: randomUUID(), reversesId: id }))).toBe(
      'conflict',
    );
    expect(await verifyLedger(t.ctx.database.db)).toMatchObject({ ok: true });
  });
});

describe('ledger verify and the approvals', () => {
  it('holds for the genuine ledger, and names a posted disbursement whose approval was deleted, lowered or forged', async () => {
    const db = t.ctx.database.db;
    expect(await verifyLedger(db)).toMatchObject({ ok: true });
    const victim = await db
      .selectFrom('ledger_approvals')
      .select(['id', 'disbursement_id'])
      .where('disbursement_id', '=', tier2Posted)
      .where('approver_id', '=', staff.admin.id)
      .executeTakeFirstOrThrow();
    for (const attack of [
      sql`delete from ledger_approvals where id = ${victim.id}`,
      sql`update ledger_disbursements set tier = 1, needs_signoff = false where id = ${victim.disbursement_id}`,
      // Re-attributed to someone who never approved it: the audit log has no such approval.
      sql`update ledger_approvals set approver_id = ${staff.finance2.id} where id = ${victim.id}`,
    ]) {
      let problem: string | undefined;
      await db
        .transaction()
        .execute(async (trx) => {
          await sql`set local session_replication_role = replica`.execute(trx);
          await attack.execute(trx);
          problem = (await verifyLedger(trx)).problem;
          throw new Error('roll back');
        })
        .catch(() => undefined);
      expect(problem).toContain(`disbursement ${victim.disbursement_id}`);
    }
    expect(await verifyLedger(db)).toMatchObject({ ok: true });
  });
});
