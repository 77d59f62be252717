import type { Actor, StaffActor } from '../../access/index.ts';
import type { Db } from '../../db/database.ts';
import type { CaseRow } from '../../db/types.ts';
import { AppError } from '../../platform/errors.ts';
import { hasActiveGrant, listActiveGrantCaseIds } from './break-glass.repository.ts';
import {
  type ActorFacts,
  type CaseAccess,
  type CaseFacts,
  canSeeAllQueueRows,
  canWriteCase,
  caseAccess,
  isNeedToKnow,
  requireAllowed,
} from './case-access.policy.ts';
import { caseRefSchema } from './case-access.schemas.ts';
import {
  findCaseByRef,
  findRestrictedCaseFacts,
  lockCaseForUpdate,
  type QueueScope,
} from './case-facts.repository.ts';
import { findTeamsOfStaff } from './teams.repository.ts';

/** Team membership and break-glass state of an actor, for the policies. */
export async function actorFacts(db: Db, actor: Actor, caseId?: string): Promise<ActorFacts> {
  if (actor.kind !== 'staff') return { teamIds: [], triage: false, breakGlass: false };
  const teams = await findTeamsOfStaff(db, actor.id);
  return {
    teamIds: teams.map((t) => t.id),
    triage: teams.some((t) => t.triage),
    breakGlass: caseId === undefined ? false : await hasActiveGrant(db, actor.id, caseId, new Date()),
  };
}

/** The row must carry `restricted` (ADR 0158): a row read without it cannot be judged. */
export function caseFacts(row: Pick<CaseRow, 'team_id' | 'assignee_id' | 'restricted'>): CaseFacts {
  return { teamId: row.team_id, assigneeId: row.assignee_id, restricted: row.restricted };
}

export interface AuthorisedCase {
  row: CaseRow;
  facts: ActorFacts;
  access: CaseAccess;
  /** Content is open only through an active break-glass grant. */
  viaBreakGlass: boolean;
}

/**
 * Loads a case by reference and decides the actor's access. A case the actor may not see
 * at the level asked for answers 404 exactly like a missing one, so that probing references
 * tells nothing (DESIGN.md §2.4).
 */
export async function authoriseCase(
  db: Db,
  actor: Actor,
  refInput: unknown,
  need: 'metadata' | 'content' | 'write',
  options: { forUpdate?: boolean } = {},
): Promise<AuthorisedCase> {
  const ref = caseRefSchema.safeParse(refInput);
  if (!ref.success) throw new AppError('not_found', 'malformed case reference');
  let row = await findCaseByRef(db, ref.data);
  if (row === undefined) throw new AppError('not_found', 'no such case');
  if (options.forUpdate === true) row = (await lockCaseForUpdate(db, row.id)) ?? row;
  const facts = await actorFacts(db, actor, row.id);
  const c = caseFacts(row);
  const access = caseAccess(actor, c, facts);
  const allowed =
    need === 'write'
      ? canWriteCase(actor, c, facts)
      : need === 'content'
        ? access === 'content'
        : access !== 'none';
  requireAllowed(allowed, `case ${need}`);
  return { row, facts, access, viaBreakGlass: access === 'content' && !isNeedToKnow(actor, c, facts) };
}

export function staffOnly(actor: Actor): StaffActor {
  if (actor.kind !== 'staff') throw new AppError('not_found', 'staff only');
  return actor;
}

export interface ScopeContext {
  /** What the queue lists: every case for coordinators (metadata), else the content scope. */
  scope: QueueScope;
  /** The cases whose content the actor may read: need-to-know plus break-glass grants. */
  contentScope: QueueScope;
  facts: ActorFacts;
  grants: Set<string>;
}

/** @internal the actor's queue and content scopes with the facts behind them (one read of teams and grants). */
export async function scopeContext(db: Db, actor: Actor): Promise<ScopeContext> {
  const staff = staffOnly(actor);
  const [facts, grantIds] = await Promise.all([
    actorFacts(db, actor),
    listActiveGrantCaseIds(db, staff.id, new Date()),
  ]);
  const grants = new Set(grantIds);
  const readsAssigned = isNeedToKnow(staff, { teamId: null, assigneeId: staff.id }, facts);
  const contentScope: QueueScope = {
    all: false,
    // Roles without cases.read_assigned (vetting, admin) see only their break-glass cases.
    staffId: readsAssigned ? staff.id : '00000000-0000-0000-0000-000000000000',
    teamIds: readsAssigned ? facts.teamIds : [],
    triage: readsAssigned && facts.triage,
    grantCaseIds: grantIds,
  };
  return {
    scope: canSeeAllQueueRows(actor) ? { all: true, teamIds: facts.teamIds } : contentScope,
    contentScope,
    facts,
    grants,
  };
}

/**
 * Of these cases, the restricted ones that do not exist for the actor (ADR 0158): those whose
 * team the actor is not in and which are not assigned to the actor. For lists that name a case
 * by its id outside the case pages (the ledger's payments out): what such a list shows, counts
 * or accepts skips them. The CLI (the operator on the server) sees every case.
 */
export async function restrictedOutsideTeam(
  db: Db,
  actor: Actor,
  caseIds: readonly string[],
): Promise<Set<string>> {
  if (actor.kind === 'cli') return new Set();
  const [restricted, facts] = await Promise.all([
    findRestrictedCaseFacts(db, [...new Set(caseIds)]),
    actorFacts(db, actor),
  ]);
  return new Set(
    restricted
      .filter((c) => c.assignee_id !== actor.id && (c.team_id === null || !facts.teamIds.includes(c.team_id)))
      .map((c) => c.id),
  );
}

/** The queue scope of an actor (coordinators: every case; others: need-to-know plus grants). */
export async function queueScope(db: Db, actor: Actor): Promise<QueueScope> {
  return (await scopeContext(db, actor)).scope;
}

// ---------------------------------------------------------------------------------------------
// Creation (intake and the CLI call this)
