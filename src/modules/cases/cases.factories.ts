import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import type { StaffRoleName } from '../../db/types.ts';
import type { Actor, StaffActor } from '../auth/auth.policy.ts';
import { insertTeam, insertTeamMember } from './cases.repository.ts';
import type { NewCaseInput } from './cases.schemas.ts';
import { createCase } from './cases.service.ts';

/**
 * Factories for tests, the demo and the benchmark: teams and cases built through the real
 * services (so every personal field is encrypted and indexed as in production).
 */
export async function buildTeam(
  ctx: AppContext,
  options: { name?: string; triage?: boolean; members?: readonly string[] } = {},
): Promise<string> {
  const id = randomUUID();
  const db = ctx.database.db;
  await insertTeam(db, {
    id,
    name: options.name ?? `team-${id.slice(0, 8)}`,
    triage: options.triage ?? false,
  });
  for (const staffId of options.members ?? []) await insertTeamMember(db, id, staffId);
  return id;
}

export async function buildCase(
  ctx: AppContext,
  options: Partial<NewCaseInput> & {
    teamId?: string | null;
    assigneeId?: string | null;
    status?: string;
  } = {},
): Promise<{ id: string; ref: string }> {
  const { teamId, assigneeId, status, ...input } = options;
  const actor: Actor = { kind: 'cli', id: 'cli' };
  const created = await createCase(ctx, actor, {
    person: { givenName: 'Иван', familyName: 'Петров', documents: [], family: [] },
    story: 'A story.',
    ...input,
  });
  if (teamId !== undefined || assigneeId !== undefined || status !== undefined) {
    await ctx.database.db
      .updateTable('cases')
      .set({
        ...(teamId === undefined ? {} : { team_id: teamId }),
        ...(assigneeId === undefined ? {} : { assignee_id: assigneeId }),
        ...(status === undefined ? {} : { status }),
      })
      .where('id', '=', created.id)
      .execute();
  }
  return created;
}

/** A staff actor as the session guard would build it, for calling services directly in tests. */
export function staffActor(staff: { id: string; role: StaffRoleName }): StaffActor {
  return { kind: 'staff', id: staff.id, role: staff.role, sessionHash: Buffer.alloc(32) };
}
