import type { Db } from '../../db/database.ts';

/** Teams and their members: who holds which cases by team. */

export async function findTeamsOfStaff(
  db: Db,
  staffId: string,
): Promise<Array<{ id: string; triage: boolean; restricted: boolean }>> {
  return db
    .selectFrom('team_members')
    .innerJoin('teams', 'teams.id', 'team_members.team_id')
    .select(['teams.id', 'teams.triage', 'teams.restricted'])
    .where('team_members.staff_id', '=', staffId)
    .execute();
}

/**
 * Every team but the restricted ones (ADR 0158), of which only those in `memberOf` (the
 * caller's own teams): a restricted team's name is need-to-know too.
 */
export async function listTeams(
  db: Db,
  memberOf: readonly string[] = [],
): Promise<Array<{ id: string; name: string; triage: boolean; restricted: boolean }>> {
  return db
    .selectFrom('teams')
    .select(['id', 'name', 'triage', 'restricted'])
    .where((eb) =>
      memberOf.length === 0
        ? eb('restricted', '=', false)
        : eb.or([eb('restricted', '=', false), eb('id', 'in', memberOf)]),
    )
    .orderBy('name')
    .execute();
}

export async function findTeamById(db: Db, id: string) {
  return db
    .selectFrom('teams')
    .select(['id', 'name', 'triage', 'restricted'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findTeamByName(db: Db, name: string) {
  return db.selectFrom('teams').select(['id']).where('name', '=', name).executeTakeFirst();
}

export async function insertTeam(
  db: Db,
  row: { id: string; name: string; triage: boolean; restricted?: boolean },
): Promise<void> {
  await db.insertInto('teams').values(row).execute();
}

export async function insertTeamMember(db: Db, teamId: string, staffId: string): Promise<void> {
  await db
    .insertInto('team_members')
    .values({ team_id: teamId, staff_id: staffId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function listTeamMembers(db: Db): Promise<Array<{ team_id: string; staff_id: string }>> {
  return db.selectFrom('team_members').select(['team_id', 'staff_id']).execute();
}

/** Every team's id, restricted ones included (the team page filters them by membership). */
export async function listAllTeamIds(db: Db): Promise<string[]> {
  return (await db.selectFrom('teams').select('id').execute()).map((t) => t.id);
}

/** The ids of every restricted team (ADR 0158): what the dashboards leave out (ADR 0211). */
export async function listRestrictedTeamIds(db: Db): Promise<string[]> {
  return (await db.selectFrom('teams').select('id').where('restricted', '=', true).execute()).map(
    (t) => t.id,
  );
}

/** The restricted (need-to-know) teams a staff member belongs to, with their names (ADR 0158). */
export async function findRestrictedTeamsOf(
  db: Db,
  staffId: string,
): Promise<Array<{ id: string; name: string }>> {
  return db
    .selectFrom('team_members')
    .innerJoin('teams', 'teams.id', 'team_members.team_id')
    .select(['teams.id', 'teams.name'])
    .where('team_members.staff_id', '=', staffId)
    .where('teams.restricted', '=', true)
    .orderBy('teams.name')
    .execute();
}

/** The members of these teams (the notifications' recipients, ADR 0187), in the caller's transaction. */
export async function listMembersOfTeams(
  db: Db,
  teamIds: readonly string[],
): Promise<Array<{ team_id: string; staff_id: string }>> {
  if (teamIds.length === 0) return [];
  return db
    .selectFrom('team_members')
    .select(['team_id', 'staff_id'])
    .where('team_id', 'in', [...new Set(teamIds)])
    .execute();
}
