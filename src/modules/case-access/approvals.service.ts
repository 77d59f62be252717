import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import type { ApprovalKind } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { getStaffEmailLabels, isSeasonedApprover } from '../auth/index.ts';
import { actKinds, approvalKindHandler, openActPayload } from './approval-kinds.ts';
import {
  findApproval,
  getSetting,
  listApprovals,
  listPendingActs,
  putSetting,
  setApprovalStatus,
} from './approvals.repository.ts';
import { invalid } from './case-access.errors.ts';
import {
  canChangeSettings,
  canDecideApproval,
  canSeeApprovals,
  requireAllowed,
} from './case-access.policy.ts';
import { settingsFormSchema, uuidSchema } from './case-access.schemas.ts';
import { actorFacts, staffOnly } from './case-authorisation.ts';
import { findCaseById } from './case-facts.repository.ts';

/**
 * A request about a restricted case exists only for the members of its team (ADR 0158): not
 * listed, not decided by anyone else.
 */
function hiddenRestricted(
  row: { restricted: boolean | null; team_id: string | null },
  teamIds: readonly string[],
): boolean {
  return row.restricted === true && (row.team_id === null || !teamIds.includes(row.team_id));
}

export const SETTING_FOUR_EYES = 'four_eyes_not_genuine';

export async function fourEyesNotGenuine(db: Db): Promise<boolean> {
  return (await getSetting(db, SETTING_FOUR_EYES)) !== 'off';
}

export interface ApprovalItem {
  id: string;
  kind: ApprovalKind;
  status: string;
  ref: string | null;
  requestedBy: string;
  requestedAt: Date;
  decidedBy: string | null;
  canDecide: boolean;
  mine: boolean;
}

/** The four-eyes rule for one request: a second person, with the authority its kind asks for. */
function decidable(actor: Actor, kind: ApprovalKind, requestedBy: string): boolean {
  const handler = approvalKindHandler(kind);
  return canDecideApproval(actor, requestedBy, handler?.canDecide?.bind(handler));
}

export async function listApprovalItems(ctx: AppContext, actor: Actor): Promise<ApprovalItem[]> {
  const staff = staffOnly(actor);
  const db = ctx.database.db;
  const { teamIds } = await actorFacts(db, actor);
  const rows = (await listApprovals(db)).filter((r) => !hiddenRestricted(r, teamIds));
  // Coordinators and admins see every request; others their own, and those they may decide.
  const visible = canSeeApprovals(actor)
    ? rows
    : rows.filter((r) => r.requested_by === staff.id || decidable(actor, r.kind, r.requested_by));
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    visible.flatMap((r) => [r.requested_by, r.decided_by]),
  );
  return visible.map((r) => ({
    id: r.id,
    kind: r.kind,
    status: r.status,
    ref: r.ref,
    requestedBy: labels.get(r.requested_by) ?? '?',
    requestedAt: r.requested_at,
    decidedBy: r.decided_by === null ? null : (labels.get(r.decided_by) ?? '?'),
    canDecide: r.status === 'pending' && decidable(actor, r.kind, r.requested_by),
    mine: r.requested_by === staff.id,
  }));
}

/**
 * The second pair of eyes. Approving a "not genuine" closing applies it at once (if the
 * case has not changed since the request); approving a bulk export lets the requester
 * download it once; approving a two-person act (ADR 0138) executes it in this transaction.
 * Nobody decides their own request, nor one concerning their own account, nor (once the
 * installation is older than that) with an account younger than `approverMinAgeDays`; a
 * request past its deadline cannot be approved. Returns the handler's one-time notice.
 */
export async function decideApproval(
  ctx: AppContext,
  actor: Actor,
  approvalId: unknown,
  decision: 'approve' | 'reject',
): Promise<{ notice?: string }> {
  const staff = staffOnly(actor);
  const id = uuidSchema.safeParse(approvalId);
  if (!id.success) throw new AppError('not_found', 'malformed approval id');
  return ctx.database.db.transaction().execute(async (trx) => {
    const approval = await findApproval(trx, id.data);
    if (approval === undefined) throw new AppError('not_found', 'no such approval');
    if (approval.case_id !== null) {
      const c = await findCaseById(trx, approval.case_id);
      const { teamIds } = await actorFacts(trx, actor);
      if (c !== undefined && hiddenRestricted(c, teamIds))
        throw new AppError('not_found', 'no such approval');
    }
    // Every kind is decided through the handler its module registered (the case core's
    // kinds by cases/case-approvals.ts, watchlist imports by vetting, the staff acts by
    // admin); none, no decision.
    const handler = approvalKindHandler(approval.kind);
    if (handler === undefined) throw new AppError('not_found', 'no handler for this kind of approval');
    requireAllowed(
      decidable(actor, approval.kind, approval.requested_by) &&
        approval.subject_staff_id !== staff.id &&
        (await isSeasonedApprover(ctx, trx, staff.id)),
      'decide approval',
    );
    if (approval.status !== 'pending') throw new AppError('conflict', 'already decided');
    if (
      decision === 'approve' &&
      approval.expires_at !== null &&
      approval.expires_at.getTime() <= Date.now()
    ) {
      throw new AppError('conflict', 'request past its deadline');
    }
    const decided = decision === 'approve' ? 'approved' : 'rejected';
    if (!(await setApprovalStatus(trx, approval.id, 'pending', decided, staff.id))) {
      throw new AppError('conflict', 'already decided');
    }
    const outcome = await handler.decide(ctx, trx, approval, decision, staff.id);
    const target = typeof outcome === 'object' && outcome !== null ? outcome.target : outcome;
    await recordAudit(trx, {
      actor: staff.id,
      action: decision === 'approve' ? 'case.approval_approve' : 'case.approval_reject',
      target,
      reason: `${approval.kind} ${approval.id}`,
    });
    return typeof outcome === 'object' && outcome?.notice !== undefined ? { notice: outcome.notice } : {};
  });
}

export interface ActRequestItem {
  id: string;
  kind: ApprovalKind;
  requestedBy: string;
  requestedAt: Date;
  expiresAt: Date | null;
  expired: boolean;
  /** Exactly what approving does (the kind's own description of the parameters). */
  details: string[];
  canDecide: boolean;
  mine: boolean;
}

/**
 * The pending two-person acts (ADR 0138: every registered kind with a description) that the
 * actor filed or may decide, each with what approving it will do: the administration page's list.
 */
export async function listActRequests(ctx: AppContext, actor: Actor): Promise<ActRequestItem[]> {
  const staff = staffOnly(actor);
  const db = ctx.database.db;
  const rows = await listPendingActs(db, actKinds());
  const seasoned = await isSeasonedApprover(ctx, db, staff.id);
  const now = Date.now();
  const visible = rows
    .map((r) => ({
      r,
      canDecide: seasoned && r.subject_staff_id !== staff.id && decidable(actor, r.kind, r.requested_by),
    }))
    .filter(({ r, canDecide }) => canDecide || r.requested_by === staff.id);
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    visible.map(({ r }) => r.requested_by),
  );
  const out: ActRequestItem[] = [];
  for (const { r, canDecide } of visible) {
    const handler = approvalKindHandler(r.kind);
    const expired = r.expires_at !== null && r.expires_at.getTime() <= now;
    out.push({
      id: r.id,
      kind: r.kind,
      requestedBy: labels.get(r.requested_by) ?? '?',
      requestedAt: r.requested_at,
      expiresAt: r.expires_at,
      expired,
      details: handler?.describe?.(await openActPayload(ctx, db, r)) ?? [],
      canDecide: canDecide && !expired,
      mine: r.requested_by === staff.id,
    });
  }
  return out;
}

export async function getSettings(ctx: AppContext, actor: Actor): Promise<{ fourEyesNotGenuine: boolean }> {
  requireAllowed(canChangeSettings(actor), 'settings');
  return { fourEyesNotGenuine: (await getSetting(ctx.database.db, SETTING_FOUR_EYES)) !== 'off' };
}

export async function updateSettings(ctx: AppContext, actor: Actor, input: unknown): Promise<void> {
  requireAllowed(canChangeSettings(actor), 'settings');
  const parsed = settingsFormSchema.safeParse(input);
  if (!parsed.success) throw invalid({ fourEyesNotGenuine: 'field.invalid' });
  await ctx.database.db.transaction().execute(async (trx) => {
    await putSetting(trx, SETTING_FOUR_EYES, parsed.data.fourEyesNotGenuine ? 'on' : 'off');
    await recordAudit(trx, {
      actor: staffOnly(actor).id,
      action: 'case.settings',
      target: null,
      reason: `four-eyes not genuine ${parsed.data.fourEyesNotGenuine ? 'on' : 'off'}`,
    });
  });
}
