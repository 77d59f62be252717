import type { Db } from '../../db/database.ts';

/** Teams and their members: who holds which cases by team. */

export async function findTeamsOfStaff(
  db: Db,
  staffId: string,
): Promise<Array<{ id: string; triage: boolean }>> {
  return db
    .selectFrom('team_members')
    .innerJoin('teams', 'teams.id', 'team_members.team_id')
    .select(['teams.id', 'teams.triage'])
    .where('team_members.staff_id', '=', staffId)
    .execute();
}

export async function listTeams(db: Db): Promise<Array<{ id: string; name: string; triage: boolean }>> {
  return db.selectFrom('teams').select(['id', 'name', 'triage']).orderBy('name').execute();
}

export async function findTeamById(db: Db, id: string) {
  return db.selectFrom('teams').select(['id', 'name', 'triage']).where('id', '=', id).executeTakeFirst();
}

export async function findTeamByName(db: Db, name: string) {
  return db.selectFrom('teams').select(['id']).where('name', '=', name).executeTakeFirst();
}

export async function insertTeam(db: Db, row: { id: string; name: string; triage: boolean }): Promise<void> {
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
