import type { Db } from '../../db/database.ts';

/**
 * Who is told when a new vetting signal is raised against cases (issue 15 item 5: the ledger
 * pauses those cases' pending disbursements), inside the transaction that raises it, so the
 * pause commits or rolls back with the signal. Modules register at load time; vetting never
 * imports them.
 */
export type SignalRaisedListener = (trx: Db, caseIds: readonly string[]) => Promise<void>;

const listeners = new Set<SignalRaisedListener>();

export function onVettingSignalRaised(listener: SignalRaisedListener): void {
  listeners.add(listener);
}

export async function notifySignalRaised(trx: Db, caseIds: readonly string[]): Promise<void> {
  for (const listener of listeners) await listener(trx, caseIds);
}
