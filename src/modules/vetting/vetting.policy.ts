import type { Actor } from '../../access/index.ts';
import { roleHas } from '../../access/index.ts';

/**
 * Who may do what in the vetting review queue (ADR 0066). One function per decision.
 *
 * - Vetting officers (`vetting.review`) work the queue: they see signals with their
 *   explanation, the identity fields needed to compare the people concerned, record
 *   decisions and import watchlists.
 * - Coordinators (`vetting.oversee`) see the queue and each signal's explanation and decision
 *   history (kinds, weights, pseudonymous case references), so they can see that vetting is
 *   being done, but no identity field and no decision reason, and they cannot decide.
 * - Everyone else: the pages do not exist (404).
 */
function staffHas(actor: Actor, permission: Parameters<typeof roleHas>[1]): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, permission);
}

export function canSeeVettingQueue(actor: Actor): boolean {
  return staffHas(actor, 'vetting.review') || staffHas(actor, 'vetting.oversee');
}

/** The identity fields of the people a signal concerns, side by side. */
export function canCompareIdentities(actor: Actor): boolean {
  return staffHas(actor, 'vetting.review');
}

export function canDecideSignals(actor: Actor): boolean {
  return staffHas(actor, 'vetting.review');
}

export function canManageWatchlists(actor: Actor): boolean {
  return staffHas(actor, 'vetting.review');
}

/**
 * Watchlist imports are visible to, and approved by, a second vetting officer or a
 * coordinator (ADR 0095): one officer alone could otherwise upload any list of people and
 * learn which of them are applicants. Nobody approves their own import (the four-eyes rule).
 */
export function canOverseeWatchlists(actor: Actor): boolean {
  return staffHas(actor, 'vetting.review') || staffHas(actor, 'vetting.oversee');
}
