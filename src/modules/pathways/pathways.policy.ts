import type { Actor } from '../auth/auth.policy.ts';
import { roleHas } from '../auth/roles.ts';

/**
 * Who may do what with the pathways knowledge base. One function per decision, each pure.
 * (Checks on a case go through the cases policies: a pathway check is case content.)
 */

/** The content staleness report: coordinators and admins (permission pathways.review_content). */
export function canSeeContentStaleness(actor: Actor): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, 'pathways.review_content');
}
