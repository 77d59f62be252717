import type { Db } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { findAuditEntriesForTarget } from '../audit/index.ts';
import {
  type DisbursementRow,
  findDisbursement,
  listApprovals,
  listPostedDisbursements,
  listRewardVerifications,
  listSignoffs,
} from './ledger.disbursements.repository.ts';
import { TOP_TIER_ROLES } from './ledger.policy.ts';

/**
 * The approval rules of a disbursement (issue 15 item 3, ADR 0120), in one place for the three
 * that ask: the approval queue (what is still missing), the core's post (refused while anything
 * is missing, whoever calls it) and `ledger verify` (every posted disbursement had them).
 *
 * - Tier 1 (base amount ≤ T1): one approver. Tier 2 (> T1): two different approvers. Tier 3
 *   (> T2, and every reward): a coordinator and an admin, two different people.
 * - The requester's own approval never counts (one row per approver and disbursement, so one
 *   person is never two approvals, whatever roles they hold).
 * - A disbursement that needs a vetting sign-off needs one of its current epoch (a signal
 *   raised later raises the epoch: an earlier sign-off no longer counts).
 * - A reward needs at least one verification step, by someone other than the requester.
 */
export function tierFor(baseAmount: number, tier1: number, tier2: number): 1 | 2 | 3 {
  if (baseAmount > tier2) return 3;
  if (baseAmount > tier1) return 2;
  return 1;
}

export type Missing = 'denied' | 'approvals' | 'signoff' | 'verification';

export interface ApprovalFacts {
  kind: 'disbursement' | 'reward';
  tier: number;
  requestedBy: string;
  needsSignoff: boolean;
  epoch: number;
  denied: boolean;
  approvals: ReadonlyArray<{ approverId: string; role: string }>;
  signoffs: ReadonlyArray<{ officerId: string; epoch: number }>;
  verifiers: readonly string[];
}

/** Approvals that count: one per person, never the requester's. */
export function countedApprovals(f: Pick<ApprovalFacts, 'approvals' | 'requestedBy'>) {
  const seen = new Set<string>();
  return f.approvals.filter((a) => {
    if (a.approverId === f.requestedBy || seen.has(a.approverId)) return false;
    seen.add(a.approverId);
    return true;
  });
}

export function approvalsComplete(f: Pick<ApprovalFacts, 'approvals' | 'requestedBy' | 'tier'>): boolean {
  const counted = countedApprovals(f);
  if (f.tier >= 3) {
    const [first, second] = TOP_TIER_ROLES;
    const a = counted.find((x) => x.role === first);
    const b = counted.find((x) => x.role === second);
    return a !== undefined && b !== undefined && a.approverId !== b.approverId;
  }
  return counted.length >= (f.tier === 2 ? 2 : 1);
}

/** What still stands between a disbursement and its payment, in the order staff meet it. */
export function missingForPost(f: ApprovalFacts): Missing[] {
  if (f.denied) return ['denied'];
  const missing: Missing[] = [];
  if (!approvalsComplete(f)) missing.push('approvals');
  if (f.needsSignoff && !f.signoffs.some((s) => s.epoch === f.epoch && s.officerId !== f.requestedBy)) {
    missing.push('signoff');
  }
  if (f.kind === 'reward' && !f.verifiers.some((v) => v !== f.requestedBy)) missing.push('verification');
  return missing;
}

/** The facts of several disbursements at once (three queries). */
export async function loadApprovalFacts(
  db: Db,
  rows: ReadonlyArray<
    Pick<DisbursementRow, 'id' | 'kind' | 'tier' | 'requested_by' | 'needs_signoff' | 'signoff_epoch'> & {
      denied_at: Date | null;
    }
  >,
): Promise<Map<string, ApprovalFacts>> {
  const ids = rows.map((r) => r.id);
  const [approvals, signoffs, verifications] = await Promise.all([
    listApprovals(db, ids),
    listSignoffs(db, ids),
    listRewardVerifications(db, ids),
  ]);
  return new Map(
    rows.map((r) => [
      r.id,
      {
        kind: r.kind,
        tier: r.tier,
        requestedBy: r.requested_by,
        needsSignoff: r.needs_signoff,
        epoch: r.signoff_epoch,
        denied: r.denied_at !== null,
        approvals: approvals
          .filter((a) => a.disbursement_id === r.id)
          .map((a) => ({ approverId: a.approver_id, role: a.approver_role })),
        signoffs: signoffs
          .filter((s) => s.disbursement_id === r.id)
          .map((s) => ({ officerId: s.officer_id, epoch: s.epoch })),
        verifiers: verifications.filter((v) => v.disbursement_id === r.id).map((v) => v.verified_by),
      },
    ]),
  );
}

/**
 * The core's post asks this for every pending transfer it is about to post (ledger.service.ts):
 * a transfer that is a disbursement request posts only with everything in place.
 */
export async function assertPostable(t: Db, transferId: string): Promise<void> {
  const row = await findDisbursement(t, transferId, { forUpdate: true });
  if (row === undefined) return;
  const facts = (await loadApprovalFacts(t, [row])).get(row.id)!;
  const missing = missingForPost(facts);
  if (missing.length > 0) {
    throw new AppError('conflict', `disbursement not postable: ${missing.join(', ')} missing`);
  }
}

/**
 * For `ledger verify`: the first posted disbursement that lacked its approvals, sign-off or
 * verification, whose tier is below what its amount and recorded thresholds demand, or whose
 * row disagrees with its transfer. Undefined when all hold.
 */
export async function firstUnapprovedDisbursement(
  db: Db,
  transfers: ReadonlyMap<string, { debit: string; credit: string; amount: number; currency: string }>,
): Promise<string | undefined> {
  const rows = await listPostedDisbursements(db);
  const facts = await loadApprovalFacts(db, rows);
  for (const row of rows) {
    const transfer = transfers.get(row.id);
    if (
      transfer === undefined ||
      transfer.debit !== row.budget_account_id ||
      transfer.credit !== row.recipient_account_id ||
      transfer.amount !== row.amount ||
      transfer.currency !== row.currency
    ) {
      return `disbursement ${row.id} differs from its transfer`;
    }
    const floor = row.kind === 'reward' ? 3 : tierFor(row.base_amount, row.tier1_minor, row.tier2_minor);
    if (row.tier < floor)
      return `disbursement ${row.id} was given tier ${row.tier}, its amount needs tier ${floor}`;
    const f = facts.get(row.id)!;
    const missing = missingForPost(f);
    if (missing.length > 0) return `disbursement ${row.id} was posted without its ${missing.join(', ')}`;
    // Each decision that counted is also in the hash-chained audit log: a row written around
    // the service (a forged or re-attributed approval) has no entry there.
    const audited = new Set(
      (await findAuditEntriesForTarget(db, `ledger:disbursement:${row.id}`, 1000)).map(
        (e) => `${e.action}|${e.actor}`,
      ),
    );
    const decisions = [
      ...countedApprovals(f).map((a) => `ledger.disbursement_approve|${a.approverId}`),
      ...f.signoffs
        .filter((x) => x.epoch === f.epoch)
        .map((x) => `ledger.disbursement_signoff|${x.officerId}`),
      ...f.verifiers.map((v) => `ledger.reward_verify|${v}`),
    ];
    const unaudited = decisions.find((d) => !audited.has(d));
    if (unaudited !== undefined) {
      return `disbursement ${row.id}: ${unaudited.replace('|', ' by ')} is not in the audit log`;
    }
  }
  return undefined;
}
