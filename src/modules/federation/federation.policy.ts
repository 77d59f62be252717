import { type Actor, roleHas } from '../../access/index.ts';

/**
 * Server identity, peers and packets: whoever may create staff accounts (administrators), as
 * for partner API tokens (ADR 0048), and the CLI on the server.
 */
export function canManageFederation(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'staff.create');
}

/**
 * Sending a referral or a status to a peer server: staff who work on cases (the referrals
 * module has already decided that this referral may go), and the CLI.
 */
export function canSendRemote(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'cases.write_assigned');
}
