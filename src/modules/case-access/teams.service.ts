import { randomUUID } from 'node:crypto';
import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { getStaffEmailLabels, listAssignableStaff } from '../auth/index.ts';
import { invalid } from './case-access.errors.ts';
import { canManageTeams, canSeeWorkload, requireAllowed } from './case-access.policy.ts';
import { teamFormSchema, teamMemberFormSchema, uuidSchema } from './case-access.schemas.ts';
import { staffOnly } from './case-authorisation.ts';
import { countWorkload } from './case-facts.repository.ts';
import {
  findTeamById,
  findTeamByName,
  findTeamsOfStaff,
  insertTeam,
  insertTeamMember,
  listTeamMembers,
  listTeams,
} from './teams.repository.ts';

export interface TeamView {
  id: string;
  name: string;
  triage: boolean;
  members: Array<{ id: string; label: string }>;
}

export async function listTeamsWithMembers(
  ctx: AppContext,
  actor: Actor,
): Promise<{
  teams: TeamView[];
  staff: Array<{ id: string; label: string; role: string }>;
}> {
  requireAllowed(canManageTeams(actor), 'teams');
  const db = ctx.database.db;
  const [teams, members, staff] = await Promise.all([
    listTeams(db),
    listTeamMembers(db),
    listAssignableStaff(db),
  ]);
  const labels = await getStaffEmailLabels(ctx, db, [
    ...members.map((m) => m.staff_id),
    ...staff.map((s) => s.id),
  ]);
  return {
    teams: teams.map((t) => ({
      ...t,
      members: members
        .filter((m) => m.team_id === t.id)
        .map((m) => ({ id: m.staff_id, label: labels.get(m.staff_id) ?? '?' })),
    })),
    staff: staff.map((s) => ({ id: s.id, label: labels.get(s.id) ?? '?', role: s.role })),
  };
}

export async function createTeam(ctx: AppContext, actor: Actor, input: unknown): Promise<string> {
  requireAllowed(canManageTeams(actor), 'teams');
  const parsed = teamFormSchema.safeParse(input);
  if (!parsed.success) throw invalid({ name: 'field.invalid' });
  const id = randomUUID();
  await ctx.database.db.transaction().execute(async (trx) => {
    if ((await findTeamByName(trx, parsed.data.name)) !== undefined) {
      throw new AppError('conflict', 'team exists', { fields: { name: 'error.conflict' } });
    }
    await insertTeam(trx, { id, name: parsed.data.name, triage: parsed.data.triage });
    await recordAudit(trx, { actor: staffOnly(actor).id, action: 'team.create', target: `team:${id}` });
  });
  return id;
}

export async function addTeamMember(
  ctx: AppContext,
  actor: Actor,
  teamId: unknown,
  input: unknown,
): Promise<void> {
  requireAllowed(canManageTeams(actor), 'teams');
  const id = uuidSchema.safeParse(teamId);
  if (!id.success) throw new AppError('not_found', 'malformed team id');
  const parsed = teamMemberFormSchema.safeParse(input);
  await ctx.database.db.transaction().execute(async (trx) => {
    if ((await findTeamById(trx, id.data)) === undefined) throw new AppError('not_found', 'no such team');
    if (!parsed.success) throw invalid({ staffId: 'field.invalid' });
    const staff = (await listAssignableStaff(trx)).find((s) => s.id === parsed.data.staffId);
    if (staff === undefined) throw invalid({ staffId: 'field.invalid' });
    // Joining a team opens its cases: a coordinator adding themselves would be the
    // self-assignment of ADR 0094 by another door. Someone else must add them.
    const already = (await findTeamsOfStaff(trx, staff.id)).some((team) => team.id === id.data);
    if (staff.id === actor.id && !already) throw invalid({ staffId: 'cases.teams.error_self' });
    await insertTeamMember(trx, id.data, parsed.data.staffId);
    await recordAudit(trx, {
      actor: staffOnly(actor).id,
      action: 'team.member_add',
      target: `team:${id.data}`,
      reason: `staff ${parsed.data.staffId}`,
    });
  });
}

export interface WorkloadRow {
  staffId: string;
  label: string;
  role: string;
  openCases: number;
  openTasks: number;
}

/** Open cases and tasks per person, busiest first. */
export async function getWorkload(ctx: AppContext, actor: Actor): Promise<WorkloadRow[]> {
  requireAllowed(canSeeWorkload(actor), 'workload');
  const db = ctx.database.db;
  const [counts, staff] = await Promise.all([countWorkload(db), listAssignableStaff(db)]);
  const labels = await getStaffEmailLabels(
    ctx,
    db,
    staff.map((s) => s.id),
  );
  const byId = new Map(counts.map((c) => [c.staff_id, c]));
  return staff
    .map((s) => ({
      staffId: s.id,
      label: labels.get(s.id) ?? '?',
      role: s.role,
      openCases: byId.get(s.id)?.cases ?? 0,
      openTasks: byId.get(s.id)?.tasks ?? 0,
    }))
    .sort((a, b) => b.openCases - a.openCases || b.openTasks - a.openTasks);
}

// ---------------------------------------------------------------------------------------------
// Four-eyes approvals and settings
