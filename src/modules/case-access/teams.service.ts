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
  listAllTeamIds,
  listTeamMembers,
  listTeams,
} from './teams.repository.ts';

export interface TeamView {
  id: string;
  name: string;
  triage: boolean;
  restricted: boolean;
  members: Array<{ id: string; label: string }>;
}

/**
 * A restricted team (ADR 0158) is listed, and takes new members, only for its own members;
 * while it has none, any team manager may name its first member (never themselves), so that
 * founding one takes two people.
 */
function managesRestricted(
  actorId: string,
  teamId: string,
  members: ReadonlyArray<{ team_id: string; staff_id: string }>,
): boolean {
  const own = members.filter((m) => m.team_id === teamId);
  return own.length === 0 || own.some((m) => m.staff_id === actorId);
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
  // Restricted teams are filtered below, by membership (an empty one is shown to be founded).
  const allTeamsOnPage = (await listAllTeamIds(db)) as readonly string[];
  const [teams, members, staff] = await Promise.all([
    listTeams(db, allTeamsOnPage),
    listTeamMembers(db),
    listAssignableStaff(db),
  ]);
  const labels = await getStaffEmailLabels(ctx, db, [
    ...members.map((m) => m.staff_id),
    ...staff.map((s) => s.id),
  ]);
  const staffId = staffOnly(actor).id;
  return {
    teams: teams
      .filter((t) => !t.restricted || managesRestricted(staffId, t.id, members))
      .map((t) => ({
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
    await insertTeam(trx, {
      id,
      name: parsed.data.name,
      // A restricted team never triages the open pool: its cases come to it by contact code.
      triage: parsed.data.triage && !parsed.data.restricted,
      restricted: parsed.data.restricted,
    });
    await recordAudit(trx, {
      actor: staffOnly(actor).id,
      action: 'team.create',
      target: `team:${id}`,
      reason: parsed.data.restricted ? 'restricted' : null,
    });
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
    const team = await findTeamById(trx, id.data);
    if (team === undefined) throw new AppError('not_found', 'no such team');
    if (team.restricted && !managesRestricted(staffOnly(actor).id, team.id, await listTeamMembers(trx))) {
      throw new AppError('not_found', 'restricted team');
    }
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
