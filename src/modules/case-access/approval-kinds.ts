import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { decryptFieldText, encryptField } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import type { ApprovalKind, CaseApprovalsTable } from '../../db/types.ts';
import { recordAudit } from '../audit/index.ts';
import { withNewSubjectKey, withSubjectKey } from '../keys/index.ts';
import { insertApproval, listWatchlistApprovals, setApprovalStatus } from './approvals.repository.ts';

/**
 * Four-eyes approvals (ADR 0056) are one system for the whole workspace. Each kind is decided
 * by the handler its module registers here: the case core's kinds (closing "not genuine",
 * self-assignment, PDF and bulk exports) by cases/case-approvals.ts, and another module whose
 * action needs a second person registers its kind the same way (the vetting module's watchlist imports, ADR 0095), so that
 * the same table, list, pages, "never your own request" rule and audit entries serve it, and
 * the cases module never imports that module.
 */
export interface ApprovalKindHandler {
  /**
   * Who may decide requests of this kind (the requester never may; the caller checks that).
   * Absent: the default rule of canDecideApproval (coordinators and admins).
   */
  canDecide?(actor: Actor): boolean;
  /**
   * What the approver is shown, line by line, from the request's opened payload (two-person
   * acts filed with `requestAct`): exactly what approving will do.
   */
  describe?(payload: ActPayload): string[];
  /**
   * Applies the decision inside the deciding transaction (which has already moved the request
   * out of "pending"). Returns the audit target of the decision.
   */
  decide(
    ctx: AppContext,
    trx: Db,
    approval: Selectable<CaseApprovalsTable>,
    decision: 'approve' | 'reject',
    deciderId: string,
  ): Promise<string | null | DecisionOutcome>;
}

/** A decision's audit target, and a one-time notice for the decider (e.g. an enrolment link). */
export interface DecisionOutcome {
  target: string | null;
  notice?: string;
}

/** The parameters of a two-person act, stored encrypted under the request's own data key. */
export type ActPayload = Readonly<Record<string, string>>;

const actSubject = (id: string) => `approval:${id}`;
const actBinding = (id: string) => ({ table: 'case_approvals', column: 'payload_enc', rowId: id });

/**
 * Files a two-person act (ADR 0138) in the caller's transaction: a pending request of a
 * registered kind, its parameters encrypted under a data key of its own, a deadline
 * (`approvals.hours` from now) and the staff account it concerns, whose holder may never
 * decide it. Nothing of the act happens until a second person approves; the handler then
 * executes it in the deciding transaction. Audited as `approval.request`.
 */
export async function requestAct(
  ctx: AppContext,
  trx: Db,
  request: {
    kind: ApprovalKind;
    requestedBy: string;
    subjectStaffId?: string | null;
    payload: ActPayload;
  },
): Promise<string> {
  const id = randomUUID();
  const payloadEnc = await withNewSubjectKey(ctx, trx, actSubject(id), (key) =>
    encryptField(key, JSON.stringify(request.payload), actBinding(id)),
  );
  await insertApproval(trx, {
    id,
    kind: request.kind,
    case_id: null,
    requested_by: request.requestedBy,
    payload_enc: payloadEnc,
    expected_version: null,
    expires_at: new Date(Date.now() + ctx.config.approvals.hours * 3600_000),
    subject_staff_id: request.subjectStaffId ?? null,
  });
  await recordAudit(trx, {
    actor: request.requestedBy,
    action: 'approval.request',
    target: `approval:${id}`,
    reason: request.kind,
  });
  return id;
}

/**
 * Registers a two-person act (ADR 0138): who decides it, what the approver is shown, and how
 * it is executed once approved (in the deciding transaction; the request is then used up).
 * Execution runs as the requester (`requester`) with `reason` naming the request and the
 * approver, for the act's own audit entry. A rejection executes nothing.
 */
export function registerAct(
  kind: ApprovalKind,
  act: {
    canDecide(actor: Actor): boolean;
    describe(payload: ActPayload): string[];
    execute(
      ctx: AppContext,
      trx: Db,
      payload: ActPayload,
      by: { requester: string; reason: string },
    ): Promise<DecisionOutcome>;
  },
): void {
  registerApprovalKind(kind, {
    canDecide: (actor) => act.canDecide(actor),
    describe: (payload) => act.describe(payload),
    async decide(ctx, trx, approval, decision, deciderId) {
      if (decision === 'reject') return `approval:${approval.id}`;
      const outcome = await act.execute(ctx, trx, await openActPayload(ctx, trx, approval), {
        requester: approval.requested_by,
        reason: `approval ${approval.id}, approved by ${deciderId}`,
      });
      await setApprovalStatus(trx, approval.id, 'approved', 'used', null);
      return outcome;
    },
  });
}

/** The parameters of a request filed with `requestAct` (empty for any other). */
export async function openActPayload(
  ctx: AppContext,
  db: Db,
  approval: Pick<Selectable<CaseApprovalsTable>, 'id' | 'payload_enc' | 'case_id'>,
): Promise<ActPayload> {
  if (approval.payload_enc === null || approval.case_id !== null) return {};
  const text = await withSubjectKey(
    ctx,
    actSubject(approval.id),
    (key) => decryptFieldText(key, toBuffer(approval.payload_enc!), actBinding(approval.id)),
    db,
  ).catch(() => null);
  return text === null ? {} : (JSON.parse(text) as ActPayload);
}

const handlers = new Map<ApprovalKind, ApprovalKindHandler>();

/** Registers the handler of a kind of approval (at import time of the module that owns it). */
export function registerApprovalKind(kind: ApprovalKind, handler: ApprovalKindHandler): void {
  handlers.set(kind, handler);
}

/** The kinds filed as two-person acts (their handler describes them): the administration page lists these. */
export function actKinds(): ApprovalKind[] {
  return [...handlers].filter(([, h]) => h.describe !== undefined).map(([k]) => k);
}

export function approvalKindHandler(kind: ApprovalKind): ApprovalKindHandler | undefined {
  return handlers.get(kind);
}

/**
 * Files a request of a registered kind about a watchlist (the vetting module's imports) in the
 * caller's transaction; the approvals list and decision pages then serve it like any other.
 */
export async function requestWatchlistApproval(
  trx: Db,
  request: { id: string; kind: ApprovalKind; requestedBy: string; watchlistId: string },
): Promise<void> {
  await insertApproval(trx, {
    id: request.id,
    kind: request.kind,
    case_id: null,
    requested_by: request.requestedBy,
    payload_enc: null,
    expected_version: null,
    watchlist_id: request.watchlistId,
  });
}

/** The requests about these watchlists, newest first: status, requester and decider. */
export function listApprovalsForWatchlists(db: Db, watchlistIds: readonly string[]) {
  return listWatchlistApprovals(db, watchlistIds);
}
