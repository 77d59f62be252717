import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import { insertTeam, insertTeamMember } from './teams.repository.ts';

/**
 * A team with its members, without an actor and without an audit entry: for the demo data
 * (`sanctuary demo`), the benchmarks and the test factories only. Staff create teams through
 * `createTeam`, which authorises and audits.
 */
export async function seedTeam(
  ctx: AppContext,
  options: { name?: string; triage?: boolean; restricted?: boolean; members?: readonly string[] } = {},
): Promise<string> {
  const id = randomUUID();
  const db = ctx.database.db;
  await insertTeam(db, {
    id,
    name: options.name ?? `team-${id.slice(0, 8)}`,
    triage: options.triage ?? false,
    restricted: options.restricted ?? false,
  });
  for (const staffId of options.members ?? []) await insertTeamMember(db, id, staffId);
  return id;
}
