import type { Actor } from '../../access/index.ts';
import { roleHas } from '../../access/index.ts';

/**
 * Who may do what with the pathways knowledge base. One function per decision, each pure.
 * (Checks on a case go through the cases policies: a pathway check is case content.)
 */

/** The content staleness report: coordinators and admins (permission pathways.review_content). */
export function canSeeContentStaleness(actor: Actor): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, 'pathways.review_content');
}

/**
 * Publishing a content pack changes the advice every applicant reads: only the operator on the
 * server machine, through the local admin channel (the CLI; trusted by file permissions, ADR
 * 0004), may do it, and only with a pack signed by a configured key (ADR 0103). No staff role may.
 */
export function canPublishContentPack(actor: Actor): boolean {
  return actor.kind === 'cli';
}
