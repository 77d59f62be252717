import { randomUUID } from 'node:crypto';
import { type Actor, actorLabel, requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { authoriseCase, findCaseById } from '../case-access/index.ts';
import { subjectOf } from '../cases/index.ts';
import { findCaseAttachmentIds } from '../intake/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { onVettingSignalRaised } from '../vetting/index.ts';
import { authenticitySchema } from './ledger.disbursements.schemas.ts';
import {
  findDisbursement,
  findRewardClaim,
  insertAuthenticitySignal,
  listAuthenticitySignals,
  pauseCaseDisbursements,
} from './ledger.disbursements.repository.ts';
import { openText, sealText } from './ledger.payment-details.ts';
import { canRequestDisbursement, canSignOffDisbursement, canVerifyReward } from './ledger.policy.ts';
import { parse } from './ledger.service.ts';

/**
 * Money never reaches a false flag quietly (issue 15 item 5, ADR 0122). A vetting signal raised
 * against a case pauses its pending disbursements in the transaction that raises it: each
 * needs a (new) vetting officer's sign-off before it can be posted. Authenticity signals (the
 * equipment and information a person brought, with the case documents behind them) are
 * recorded by the case's staff under the case key and shown to the vetting officer, each
 * reading logged in the case's access log.
 */
onVettingSignalRaised(async (trx, caseIds) => {
  const paused = await pauseCaseDisbursements(trx, caseIds, new Date());
  for (const id of paused) {
    await recordAudit(trx, {
      actor: 'system',
      action: 'ledger.disbursement_pause',
      target: `ledger:disbursement:${id}`,
    });
  }
});

const AUTHENTICITY = { table: 'ledger_authenticity_signals', column: 'description' } as const;
const REWARD = { table: 'ledger_reward_claims', column: 'description' } as const;

/** Evidence ids must be documents of that case (asked through the intake face, in the caller's transaction). */
export async function checkEvidence(
  db: Parameters<typeof findCaseAttachmentIds>[0],
  caseId: string,
  ids: readonly string[],
): Promise<void> {
  const found = await findCaseAttachmentIds(db, caseId, ids);
  if (found.length !== ids.length) {
    throw new AppError('validation_failed', 'evidence not among the case documents', {
      fields: { evidenceIds: 'field.invalid' },
    });
  }
}

/** Records what a person brought (equipment, information) with its evidence, for a case the actor may write. */
export async function recordAuthenticitySignal(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
): Promise<string> {
  requireAllowed(canRequestDisbursement(actor), 'ledger.authenticity_record');
  const data = parse(authenticitySchema, input);
  return ctx.database.db.transaction().execute(async (t) => {
    const { row } = await authoriseCase(t, actor, data.caseRef, 'write');
    await checkEvidence(t, row.id, data.evidenceIds);
    const id = randomUUID();
    const sealed = await withSubjectKey(
      ctx,
      subjectOf(row.id),
      (key) => sealText(key, AUTHENTICITY, id, data.description),
      t,
    );
    await insertAuthenticitySignal(t, {
      id,
      case_id: row.id,
      kind: data.kind,
      description_enc: sealed,
      evidence_ids: JSON.stringify(data.evidenceIds),
      recorded_by: actorLabel(actor),
    });
    await recordAudit(t, {
      actor: actorLabel(actor),
      action: 'ledger.authenticity_record',
      target: `case:${row.ref}`,
      reason: `${data.kind} ${id}`,
    });
    return id;
  });
}

export interface VettingView {
  signals: Array<{
    kind: 'equipment' | 'information';
    description: string;
    evidenceIds: string[];
    at: string;
  }>;
  reward?: { description: string; evidenceIds: string[] };
}

/**
 * What the vetting officer (and a reward's verifiers) see beside a disbursement: the case's
 * authenticity signals and a reward's equipment description, decrypted, the reading logged in
 * the case's access log.
 */
export async function getVettingView(
  ctx: AppContext,
  actor: Actor,
  disbursementId: string,
): Promise<VettingView> {
  requireAllowed(canSignOffDisbursement(actor) || canVerifyReward(actor), 'ledger.authenticity_read');
  const db = ctx.database.db;
  const row = await findDisbursement(db, disbursementId);
  if (row === undefined) throw new AppError('not_found', 'no such disbursement');
  const [signals, claim, caseRow] = await Promise.all([
    listAuthenticitySignals(db, row.case_id),
    row.kind === 'reward' ? findRewardClaim(db, row.id) : Promise.resolve(undefined),
    findCaseById(db, row.case_id),
  ]);
  if (signals.length === 0 && claim === undefined) return { signals: [] };
  const view = await withSubjectKey(ctx, subjectOf(row.case_id), (key) => ({
    signals: signals.map((s) => ({
      kind: s.kind,
      description: openText(key, AUTHENTICITY, s.id, s.description_enc),
      evidenceIds: s.evidence_ids,
      at: s.recorded_at.toISOString(),
    })),
    ...(claim === undefined
      ? {}
      : {
          reward: {
            description: openText(key, REWARD, claim.disbursement_id, claim.description_enc),
            evidenceIds: claim.evidence_ids,
          },
        }),
  }));
  await recordAudit(db, {
    actor: actorLabel(actor),
    action: 'ledger.authenticity_read',
    target: `case:${caseRow?.ref ?? row.case_id}`,
    reason: `disbursement ${row.id}`,
  });
  return view;
}

export { REWARD as REWARD_DESCRIPTION };
