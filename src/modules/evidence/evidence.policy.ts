import { type Actor, roleHas } from '../../access/index.ts';
import { type ActorFacts, type CaseFacts, canReadCaseContent } from '../case-access/index.ts';

/**
 * Who may handle the evidence of a case (ADR 0137). One pure function per decision.
 *
 * - Open an item, record its custody, testimony or consent: whoever may read the case's
 *   content (need-to-know or break-glass, as for the rest of the case), or an evidence officer
 *   the case is assigned to, directly or through a team.
 * - Export: an evidence officer who may handle the case (exports leave the organisation).
 */
export function canHandleEvidence(actor: Actor, c: CaseFacts, facts: ActorFacts): boolean {
  if (canReadCaseContent(actor, c, facts)) return true;
  return isEvidenceOfficerOnCase(actor, c, facts);
}

function isEvidenceOfficerOnCase(actor: Actor, c: CaseFacts, facts: ActorFacts): boolean {
  if (actor.kind !== 'staff' || !roleHas(actor.role, 'evidence.custody')) return false;
  return c.assigneeId === actor.id || (c.teamId !== null && facts.teamIds.includes(c.teamId));
}

export function canExportEvidence(actor: Actor, c: CaseFacts, facts: ActorFacts): boolean {
  return isEvidenceOfficerOnCase(actor, c, facts);
}

/**
 * The list of items across cases that name one unit or commander (ADR 0199): for anyone who
 * could open some case's evidence (case readers, evidence officers, break-glass holders). The
 * list itself shows only the items of cases `canHandleEvidence` allows, one case at a time.
 */
export function canListLinks(actor: Actor): boolean {
  if (actor.kind !== 'staff') return false;
  return (
    roleHas(actor.role, 'cases.read_assigned') ||
    roleHas(actor.role, 'evidence.custody') ||
    roleHas(actor.role, 'cases.break_glass')
  );
}
