import { type Actor, requireAllowed, roleHas } from '../../access/index.ts';

/**
 * Who may do what with a case. One function per decision, each pure: the service gathers
 * the facts (assignment, team membership, an active break-glass grant) and asks.
 *
 * Need-to-know (DESIGN.md §2.4): content is readable by the assignee, by members of the
 * case's team, by members of a triage team while the case is in the unassigned pool, and by
 * anyone holding an unexpired break-glass grant. Coordinators (cases.assign) see the queue
 * metadata of every case, so that they can assign work, but not its content.
 */
export interface CaseFacts {
  teamId: string | null;
  assigneeId: string | null;
  /**
   * Opened through a contact code (ADR 0158): need-to-know only. No coordinator metadata, no
   * triage pool, no ordinary break-glass; content outside the team only under a grant that a
   * second person approved for an admin (ADR 0159).
   */
  restricted?: boolean;
}

export interface ActorFacts {
  teamIds: readonly string[];
  /** Member of at least one team that triages the unassigned pool. */
  triage: boolean;
  /** Holds an unexpired break-glass grant for this case. */
  breakGlass: boolean;
}

export type CaseAccess = 'content' | 'metadata' | 'none';

function staffHas(actor: Actor, permission: Parameters<typeof roleHas>[1]): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, permission);
}

/** Assigned to me, to my team, or unassigned while I triage. Break-glass does not count here. */
export function isNeedToKnow(actor: Actor, c: CaseFacts, facts: ActorFacts): boolean {
  if (actor.kind !== 'staff' || !roleHas(actor.role, 'cases.read_assigned')) return false;
  if (c.assigneeId === actor.id) return true;
  if (c.teamId !== null && facts.teamIds.includes(c.teamId)) return true;
  return c.teamId === null && c.assigneeId === null && facts.triage;
}

export function canReadCaseContent(actor: Actor, c: CaseFacts, facts: ActorFacts): boolean {
  if (isNeedToKnow(actor, c, facts)) return true;
  // A restricted case's grant exists only through the two-person act (ADR 0159).
  if (c.restricted === true) return facts.breakGlass && staffHas(actor, 'cases.break_glass_restricted');
  return facts.breakGlass && staffHas(actor, 'cases.break_glass');
}

/** Writing needs need-to-know, or break-glass for roles that write cases at all. */
export function canWriteCase(actor: Actor, c: CaseFacts, facts: ActorFacts): boolean {
  if (!staffHas(actor, 'cases.write_assigned')) return false;
  if (c.restricted === true) return isNeedToKnow(actor, c, facts);
  return isNeedToKnow(actor, c, facts) || (facts.breakGlass && staffHas(actor, 'cases.break_glass'));
}

export function caseAccess(actor: Actor, c: CaseFacts, facts: ActorFacts): CaseAccess {
  if (canReadCaseContent(actor, c, facts)) return 'content';
  // Outside its team a restricted case does not exist, not even as a queue row (ADR 0158).
  if (c.restricted === true) return 'none';
  if (staffHas(actor, 'cases.assign')) return 'metadata';
  return 'none';
}

/** The queue: anyone who can hold cases, break glass, or assign. */
export function canUseQueue(actor: Actor): boolean {
  return (
    staffHas(actor, 'cases.read_assigned') ||
    staffHas(actor, 'cases.assign') ||
    staffHas(actor, 'cases.break_glass')
  );
}

/** Coordinators see every case's queue row (metadata only). */
export function canSeeAllQueueRows(actor: Actor): boolean {
  return staffHas(actor, 'cases.assign');
}

/**
 * Coordinators assign anything to anyone. Others who may write the case may take it
 * themselves or hand it to a team they belong to (how triage moves a case out of the pool).
 */
export function canAssignCase(
  actor: Actor,
  c: CaseFacts,
  facts: ActorFacts,
  target: { teamId: string | null; assigneeId: string | null },
): boolean {
  // A restricted case stays in its team: only its members move it, and only within it, so that
  // no assignment can make it visible outside (ADR 0158).
  if (c.restricted === true) {
    if (!canWriteCase(actor, c, facts) || actor.kind !== 'staff') return false;
    const inTeam = target.teamId !== null && target.teamId === c.teamId;
    return (
      inTeam &&
      (target.assigneeId === null || target.assigneeId === actor.id || staffHas(actor, 'cases.assign'))
    );
  }
  if (staffHas(actor, 'cases.assign')) return true;
  if (!canWriteCase(actor, c, facts) || actor.kind !== 'staff') return false;
  const assigneeOk = target.assigneeId === null || target.assigneeId === actor.id;
  const teamOk = target.teamId === null || facts.teamIds.includes(target.teamId);
  return assigneeOk && teamOk && (target.assigneeId !== null || target.teamId !== null);
}

/**
 * An assignment that would open the case's content to the person making it: to themselves,
 * to a team of theirs, or back to the pool they triage, on a case they cannot read today
 * through need-to-know. Coordinators may assign anything, so without this check they could
 * read any case by assigning it to themselves (issue 12, finding 6). Such an assignment takes
 * effect at once only under an active break-glass grant; otherwise a second person approves
 * it (ADR 0094). Either way it is audited and listed as an access anomaly.
 */
export function isSelfAssignment(
  actor: Actor,
  c: CaseFacts,
  facts: ActorFacts,
  target: { teamId: string | null; assigneeId: string | null },
): boolean {
  return !isNeedToKnow(actor, c, facts) && isNeedToKnow(actor, target, facts);
}

/** Break-glass is for a case the actor may not otherwise read. */
export function canBreakGlass(actor: Actor, c: CaseFacts, facts: ActorFacts): boolean {
  // Never on one person's word into a restricted case (ADR 0159: the two-person act instead).
  if (c.restricted === true) return false;
  return staffHas(actor, 'cases.break_glass') && !isNeedToKnow(actor, c, facts);
}

/** Who may ask for break-glass into a restricted case (granted only when a second person approves). */
export function canRequestRestrictedBreakGlass(actor: Actor): boolean {
  return staffHas(actor, 'cases.break_glass_restricted');
}

export function canReviewAccess(actor: Actor): boolean {
  return staffHas(actor, 'cases.review_access');
}

/** The access log of one case: its readers, or access reviewers. */
export function canSeeAccessLog(actor: Actor, c: CaseFacts, facts: ActorFacts): boolean {
  if (c.restricted === true) return canReadCaseContent(actor, c, facts);
  return canReviewAccess(actor) || canReadCaseContent(actor, c, facts);
}

export function canManageTeams(actor: Actor): boolean {
  return staffHas(actor, 'cases.assign');
}

export function canSeeWorkload(actor: Actor): boolean {
  return staffHas(actor, 'cases.assign');
}

export function canChangeSettings(actor: Actor): boolean {
  return staffHas(actor, 'cases.review_access');
}

/**
 * Four eyes: a second person with authority over cases, never the requester. A kind of
 * approval owned by another module (approval-kinds.ts) names its own deciders.
 */
export function canDecideApproval(
  actor: Actor,
  requestedBy: string,
  kindDecider?: (actor: Actor) => boolean,
): boolean {
  if (actor.kind !== 'staff' || actor.id === requestedBy) return false;
  if (kindDecider !== undefined) return kindDecider(actor);
  return staffHas(actor, 'cases.assign') || staffHas(actor, 'cases.review_access');
}

export function canSeeApprovals(actor: Actor): boolean {
  return staffHas(actor, 'cases.assign') || staffHas(actor, 'cases.review_access');
}

export function canRequestBulkExport(actor: Actor): boolean {
  return staffHas(actor, 'cases.read_assigned');
}

export function canSearchCases(actor: Actor): boolean {
  return canUseQueue(actor);
}

export { requireAllowed };
