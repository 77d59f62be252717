import type { Selectable } from 'kysely';
import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import type { ApprovalKind, CaseApprovalsTable } from '../../db/types.ts';
import { insertApproval, listWatchlistApprovals } from './approvals.repository.ts';

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
   * Applies the decision inside the deciding transaction (which has already moved the request
   * out of "pending"). Returns the audit target of the decision.
   */
  decide(
    ctx: AppContext,
    trx: Db,
    approval: Selectable<CaseApprovalsTable>,
    decision: 'approve' | 'reject',
    deciderId: string,
  ): Promise<string | null>;
}

const handlers = new Map<ApprovalKind, ApprovalKindHandler>();

/** Registers the handler of a kind of approval (at import time of the module that owns it). */
export function registerApprovalKind(kind: ApprovalKind, handler: ApprovalKindHandler): void {
  handlers.set(kind, handler);
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
