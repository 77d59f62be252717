import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { subjectOf } from '../cases/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { lockWaiting, openRequest, presentLines, type DisbursementLine } from './ledger.disbursements.ts';
import {
  rewardClaimSchema,
  scheduleItemSchema,
  toMinorUnits,
  verificationSchema,
} from './ledger.disbursements.schemas.ts';
import {
  findScheduleByCode,
  findScheduleItem,
  insertRewardClaim,
  insertRewardVerification,
  insertScheduleItem,
  listDisbursements,
  listSchedule,
} from './ledger.disbursements.repository.ts';
import { sealText } from './ledger.payment-details.ts';
import {
  canConfigureAssistance,
  canRequestDisbursement,
  canSeeDisbursements,
  canVerifyReward,
} from './ledger.policy.ts';
import { findCurrency, listCurrencies } from './ledger.repository.ts';
import { inTransaction, parse } from './ledger.service.ts';
import { checkEvidence, REWARD_DESCRIPTION } from './ledger.signoff.ts';

/**
 * Rewards for surrendered equipment (issue 15 item 6, ADR 0122): the organisation's schedule
 * (equipment kinds and amounts, set by an admin), and claims: a disbursement of the schedule's
 * amount for a case, with the equipment described under the case key, the case documents
 * that evidence it, and verification steps by a vetting or evidence officer. A claim always
 * needs the top approval tier (a coordinator and an admin) and at least one verification.
 */
export interface ScheduleItem {
  id: string;
  code: string;
  label: string;
  amount: number;
  currency: string;
  minorUnits: number;
}

export async function getRewardSchedule(ctx: AppContext, actor: Actor): Promise<ScheduleItem[]> {
  requireAllowed(canSeeDisbursements(actor) || canConfigureAssistance(actor), 'ledger.reward_schedule');
  const db = ctx.database.db;
  const [items, currencies] = await Promise.all([listSchedule(db), listCurrencies(db)]);
  const minor = new Map(currencies.map((c) => [c.code, c.minor_units]));
  return items.map((i) => ({
    id: i.id,
    code: i.code,
    label: i.label,
    amount: i.amount,
    currency: i.currency,
    minorUnits: minor.get(i.currency) ?? 2,
  }));
}

export async function addScheduleItem(ctx: AppContext, actor: Actor, input: unknown): Promise<string> {
  requireAllowed(canConfigureAssistance(actor), 'ledger.reward_schedule_add');
  const data = parse(scheduleItemSchema, input);
  return ctx.database.db.transaction().execute(async (t) => {
    const currency = await findCurrency(t, data.currency);
    const amount = currency === undefined ? undefined : toMinorUnits(data.amount, currency.minor_units);
    if (amount === undefined) {
      throw new AppError('validation_failed', 'bad amount', { fields: { amount: 'field.invalid' } });
    }
    if ((await findScheduleByCode(t, data.code)) !== undefined) {
      throw new AppError('conflict', 'schedule code exists', { fields: { code: 'field.taken' } });
    }
    const id = randomUUID();
    await insertScheduleItem(t, {
      id,
      code: data.code,
      label: data.label,
      amount,
      currency: data.currency,
      created_by: actorLabel(actor),
    });
    await recordAudit(t, {
      actor: actorLabel(actor),
      action: 'ledger.reward_schedule_add',
      target: `ledger:reward:${data.code}`,
    });
    return id;
  });
}

/** A reward claim for a case the actor may write. Idempotent by its id. */
export async function createRewardClaim(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { trx?: Db; now?: Date } = {},
): Promise<{ id: string }> {
  requireAllowed(canRequestDisbursement(actor), 'ledger.reward_claim');
  const data = parse(rewardClaimSchema, input);
  const now = options.now ?? new Date();
  return inTransaction(ctx, options.trx, async (t) => {
    const item = await findScheduleItem(t, data.scheduleId);
    if (item === undefined) {
      throw new AppError('validation_failed', 'unknown schedule item', {
        fields: { scheduleId: 'field.invalid' },
      });
    }
    const { row, created } = await openRequest(
      ctx,
      actor,
      t,
      {
        id: data.id,
        caseRef: data.caseRef,
        budgetAccountId: data.budgetAccountId,
        fixed: { amount: item.amount, currency: item.currency },
        purpose: 'reward',
        channel: data.channel,
        dueOn: data.dueOn,
        kind: 'reward',
        ...(data.paymentKind === undefined || data.paymentDetails === undefined
          ? {}
          : { payment: { kind: data.paymentKind, value: data.paymentDetails } }),
      },
      now,
    );
    if (created) {
      await checkEvidence(t, row.case_id, data.evidenceIds);
      const sealed = await withSubjectKey(
        ctx,
        subjectOf(row.case_id),
        (key) => sealText(key, REWARD_DESCRIPTION, row.id, data.description),
        t,
      );
      await insertRewardClaim(t, {
        disbursement_id: row.id,
        schedule_id: item.id,
        description_enc: sealed,
        evidence_ids: JSON.stringify(data.evidenceIds),
      });
    }
    return { id: row.id };
  });
}

/** A verification step of a reward claim, by a vetting or evidence officer who did not request it; once per step. */
export async function verifyReward(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
  options: { now?: Date } = {},
): Promise<void> {
  requireAllowed(canVerifyReward(actor), 'ledger.reward_verify');
  const data = parse(verificationSchema, input);
  await ctx.database.db.transaction().execute(async (t) => {
    const row = await lockWaiting(t, data.disbursementId);
    if (row.kind !== 'reward') throw new AppError('not_found', 'not a reward claim');
    requireAllowed(row.requested_by !== actorLabel(actor), 'ledger.reward_verify');
    const inserted = await insertRewardVerification(t, {
      id: randomUUID(),
      disbursement_id: row.id,
      step: data.step,
      verified_by: actorLabel(actor),
      verified_at: options.now ?? new Date(),
    });
    if (!inserted) throw new AppError('conflict', 'step already recorded');
    await recordAudit(t, {
      actor: actorLabel(actor),
      action: 'ledger.reward_verify',
      target: `ledger:disbursement:${row.id}`,
      reason: data.step,
    });
  });
}

/** Reward claims, newest first (no descriptions: those are shown on a claim's page to its verifiers). */
export async function getRewardClaims(ctx: AppContext, actor: Actor): Promise<DisbursementLine[]> {
  requireAllowed(canSeeDisbursements(actor), 'ledger.reward_claims');
  const db = ctx.database.db;
  const rows = await listDisbursements(db, { kind: 'reward', limit: 200 });
  return (await presentLines(db, actor, rows)).lines;
}
