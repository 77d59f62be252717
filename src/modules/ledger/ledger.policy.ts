import { type Actor, roleHas } from '../../access/index.ts';

/** Accounts, transfers and the ledger's checks: finance officers, and the CLI on the server. */
export function canKeepLedger(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'assistance.ledger');
}
