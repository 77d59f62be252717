import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import type { ApprovalKind } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import {
  type ApprovalKindHandler,
  lockCaseForUpdate,
  registerApprovalKind,
  setApprovalStatus,
} from '../case-access/index.ts';
import { isCaseStatus } from './case-workflow.ts';
import { applyApprovedSelfAssignment, applyTransition } from './cases.service.ts';

/**
 * The case core's kinds of four-eyes approval (ADR 0056), decided through the registry of
 * case access (which never imports this module): approving a "not genuine" closing applies it
 * at once if the case has not changed since the request; approving a self-assignment applies
 * it; approving a PDF or a bulk export lets the requester download it once (case-export).
 * Each decision runs in the deciding transaction, which has already moved the request out of
 * "pending"; it returns the audit target of the decision.
 */
type Decide = (
  ctx: AppContext,
  trx: Db,
  approval: Parameters<ApprovalKindHandler['decide']>[2],
  row: Awaited<ReturnType<typeof lockCaseForUpdate>> & object,
) => Promise<void>;

function caseKind(onApprove?: Decide): ApprovalKindHandler {
  return {
    async decide(ctx, trx, approval, decision) {
      if (approval.case_id === null) return null;
      const row = await lockCaseForUpdate(trx, approval.case_id);
      if (row === undefined) throw new AppError('not_found', 'case vanished');
      if (decision === 'approve' && onApprove !== undefined) await onApprove(ctx, trx, approval, row);
      return `case:${row.ref}`;
    },
  };
}

const CASE_APPROVAL_KINDS: ReadonlyArray<[ApprovalKind, ApprovalKindHandler]> = [
  [
    'close_not_genuine',
    caseKind(async (ctx, trx, approval, row) => {
      if (row.version !== approval.expected_version || !isCaseStatus(row.status)) {
        throw new AppError('conflict', 'case changed since the request');
      }
      await applyTransition(ctx, trx, row, approval.requested_by, 'closed', 'not_genuine', '');
      await setApprovalStatus(trx, approval.id, 'approved', 'used', null);
    }),
  ],
  [
    'self_assign',
    caseKind(async (ctx, trx, approval, row) => {
      await applyApprovedSelfAssignment(ctx, trx, row, approval);
      await setApprovalStatus(trx, approval.id, 'approved', 'used', null);
    }),
  ],
  ['bulk_export', caseKind()],
  ['case_pdf', caseKind()],
];

for (const [kind, handler] of CASE_APPROVAL_KINDS) registerApprovalKind(kind, handler);
