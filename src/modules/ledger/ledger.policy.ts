import { type Actor, roleHas } from '../../access/index.ts';

/** Accounts, transfers and the ledger's checks: finance officers, and the CLI on the server. */
export function canKeepLedger(actor: Actor): boolean {
  return actor.kind === 'cli' || isDelegatedForRequest(actor) || roleHas(actor.role, 'assistance.ledger');
}

/**
 * Disbursements (issue 15 items 3–6, ADR 0120): caseworkers and coordinators request one for a
 * case they may write; coordinators, admins and finance officers approve (never their own);
 * vetting officers sign off; finance officers reveal the payment details and post; admins set
 * the thresholds and the reward schedule.
 */
export function canRequestDisbursement(actor: Actor): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, 'assistance.request');
}

export function canApproveDisbursement(actor: Actor): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, 'assistance.approve');
}

export function canSignOffDisbursement(actor: Actor): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, 'vetting.review');
}

export function canPayDisbursement(actor: Actor): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, 'assistance.ledger');
}

export function canVerifyReward(actor: Actor): boolean {
  return (
    actor.kind === 'staff' &&
    (roleHas(actor.role, 'vetting.review') || roleHas(actor.role, 'evidence.custody'))
  );
}

export function canConfigureAssistance(actor: Actor): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, 'assistance.configure');
}

/** Whoever has a part in disbursements sees the queue and a disbursement's page (no personal data on it). */
export function canSeeDisbursements(actor: Actor): boolean {
  return (
    canRequestDisbursement(actor) ||
    canApproveDisbursement(actor) ||
    canSignOffDisbursement(actor) ||
    canPayDisbursement(actor) ||
    canVerifyReward(actor)
  );
}

/** The highest tier needs one approval in each of these roles, by two different people. */
export const TOP_TIER_ROLES = ['coordinator', 'admin'] as const;

/**
 * The ledger's own transfers made on behalf of a request that this module has already
 * authorised (the recipient account and the pending transfer of a disbursement): the actor
 * keeps its id, so the chain names the requester, but the core's ledger permission is
 * granted for that one call only. Only objects made here pass.
 */
const delegated = new WeakSet<Actor>();

export function onBehalfOfRequest(actor: Actor): Actor {
  const copy = { ...actor };
  delegated.add(copy);
  return copy;
}

export function isDelegatedForRequest(actor: Actor): boolean {
  return delegated.has(actor);
}
