import { type Actor, roleHas } from '../../access/index.ts';

/**
 * Who works the high-assurance path (ADR 0158). Contact codes are issued, listed and revoked by
 * the coordinators of a restricted team, for that team only: the people who will hold the case
 * are the only ones who learn that a code exists. Administrators are deliberately not issuers
 * (they are not case holders, and every extra person who knows is one more to be pressured);
 * they manage accounts, and ask for break-glass with a second administrator (ADR 0159).
 */
export function canIssueContactCodes(actor: Actor, restrictedTeamIds: readonly string[]): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, 'cases.assign') && restrictedTeamIds.length > 0;
}

/** The page itself: coordinators (who may belong to a restricted team) and the break-glass askers. */
export function canSeeContactCodesPage(actor: Actor): boolean {
  return (
    actor.kind === 'staff' &&
    (roleHas(actor.role, 'cases.assign') || roleHas(actor.role, 'cases.break_glass_restricted'))
  );
}
