import type { ClosingReason } from '../../db/types.ts';

/**
 * The case workflow: every allowed status change, in one table. Nothing else in the code
 * base decides whether a transition is allowed; case-workflow.test.ts checks every pair.
 *
 *   new ──► triaged ──► in_progress ◄──► waiting_applicant
 *                          │  ▲
 *                          ▼  │
 *                 referred ──► in_transit ──► safe
 *   any open state ──► closed (with a closing reason)      closed ──► triaged (reopen, with a reason)
 */
export const CASE_STATUSES = [
  'new',
  'triaged',
  'in_progress',
  'waiting_applicant',
  'referred',
  'in_transit',
  'safe',
  'closed',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const OPEN_STATUSES: readonly CaseStatus[] = CASE_STATUSES.filter((s) => s !== 'closed');

export const CLOSING_REASONS = [
  'reached_safety',
  'asylum_granted',
  'lost_contact',
  'withdrew',
  'not_genuine',
  'duplicate',
  'other',
] as const satisfies readonly ClosingReason[];

export const TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  new: ['triaged', 'closed'],
  triaged: ['in_progress', 'waiting_applicant', 'closed'],
  in_progress: ['waiting_applicant', 'referred', 'in_transit', 'safe', 'closed'],
  waiting_applicant: ['in_progress', 'closed'],
  referred: ['in_progress', 'in_transit', 'closed'],
  in_transit: ['in_progress', 'safe', 'closed'],
  safe: ['in_progress', 'closed'],
  closed: ['triaged'],
};

export function isCaseStatus(value: unknown): value is CaseStatus {
  return typeof value === 'string' && (CASE_STATUSES as readonly string[]).includes(value);
}

export interface TransitionRequest {
  from: CaseStatus;
  to: CaseStatus;
  closingReason?: ClosingReason | undefined;
  /** Free text about why; required to reopen. */
  reason?: string | undefined;
  /** Organisation setting: closing as "not genuine" needs a second person. */
  fourEyesNotGenuine: boolean;
}

export type TransitionDecision =
  | { ok: true; needsApproval: boolean }
  | {
      ok: false;
      problem: 'not_allowed' | 'closing_reason_required' | 'reason_required' | 'closing_reason_unexpected';
    };

/** Decides one status change. Pure: the service applies the result. */
export function decideTransition(request: TransitionRequest): TransitionDecision {
  const { from, to } = request;
  if (!TRANSITIONS[from].includes(to)) return { ok: false, problem: 'not_allowed' };
  if (to === 'closed') {
    if (request.closingReason === undefined) return { ok: false, problem: 'closing_reason_required' };
    return {
      ok: true,
      needsApproval: request.closingReason === 'not_genuine' && request.fourEyesNotGenuine,
    };
  }
  if (request.closingReason !== undefined) return { ok: false, problem: 'closing_reason_unexpected' };
  if (from === 'closed' && (request.reason ?? '').trim().length < 3) {
    return { ok: false, problem: 'reason_required' };
  }
  return { ok: true, needsApproval: false };
}
