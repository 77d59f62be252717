import type { AppContext } from '../../context.ts';
import { getStaffEmailLabels } from '../auth/staff.service.ts';
import { findActiveGrantExpiry, listAssignableStaff, listTeams } from './cases.repository.ts';

/**
 * Small read models for the pages: choices for assignment forms and the expiry of the
 * actor's own break-glass grant. They hold no applicant data.
 */
export async function findAssignableLabels(
  ctx: AppContext,
  ids: readonly string[],
): Promise<Map<string, string>>;
export async function findAssignableLabels(
  ctx: AppContext,
  ids: null,
): Promise<{ teams: Array<{ id: string; name: string }>; staff: Array<{ id: string; label: string }> }>;
export async function findAssignableLabels(ctx: AppContext, ids: readonly string[] | null) {
  const db = ctx.database.db;
  if (ids !== null) return getStaffEmailLabels(ctx, db, ids);
  const [teams, staff] = await Promise.all([listTeams(db), listAssignableStaff(db)]);
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    staff.map((s) => s.id),
  );
  return {
    teams: teams.map((t) => ({ id: t.id, name: t.name })),
    staff: staff.map((s) => ({ id: s.id, label: labels.get(s.id) ?? '?' })),
  };
}

export async function listActiveGrantExpiry(
  ctx: AppContext,
  staffId: string,
  caseId: string,
): Promise<Date | null> {
  return findActiveGrantExpiry(ctx.database.db, staffId, caseId, new Date());
}
