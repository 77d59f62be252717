import type { StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { canSeeAdminPage } from '../auth/index.ts';
import { listActRequests, listApprovalItems } from '../case-access/index.ts';
import { type HomeCases, listHomeCases, today } from '../cases/index.ts';
import { countOpenSignalsFor } from '../vetting/index.ts';
import { countMyUnread } from './notifications.service.ts';

/**
 * The staff home page's overview (issue 21 item 3), gathered through the other modules' faces,
 * each within its own access rules: references, kinds, days and counts, never a name or a text.
 */
export interface HomeOverview {
  cases: HomeCases;
  /** Open vetting signals (0 for roles that do not see the vetting queue). */
  signals: number;
  /** Case approvals (four eyes, break-glass…) the reader may decide now. */
  caseApprovals: number;
  /** Two-person acts of administration the reader may decide now (on the admin page). */
  actApprovals: number;
  unread: number;
}

export async function getHomeOverview(ctx: AppContext, actor: StaffActor): Promise<HomeOverview> {
  const db = ctx.database.db;
  const [cases, signals, caseApprovals, actApprovals, unread] = await Promise.all([
    listHomeCases(db, actor, today()),
    countOpenSignalsFor(ctx, actor),
    listApprovalItems(ctx, actor).then((items) => items.filter((a) => a.canDecide).length),
    canSeeAdminPage(actor)
      ? listActRequests(ctx, actor).then((items) => items.filter((a) => a.canDecide && !a.expired).length)
      : Promise.resolve(0),
    countMyUnread(ctx, actor),
  ]);
  return { cases, signals, caseApprovals, actApprovals, unread };
}
