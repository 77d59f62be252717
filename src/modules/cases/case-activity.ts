import type { Db } from '../../db/database.ts';

/**
 * Hooks on a case's arrivals (issue 21 item 3): a new case, an applicant's message, and a case
 * just restricted to its team (ADR 0158). Each runs in the transaction of the event, so what a
 * listener writes (the notifications module's rows, ADR 0187) commits with the event or not at
 * all. The case core knows no listener; the composition root (src/app.ts) adds them. A listener
 * object added twice is kept once, so every app built in one process shares it.
 */
export interface CaseActivityListener {
  newCases(trx: Db, caseIds: readonly string[]): Promise<void>;
  applicantMessage(trx: Db, caseId: string, messageId: string): Promise<void>;
  caseRestricted(trx: Db, caseId: string): Promise<void>;
}

const listeners = new Set<CaseActivityListener>();

export function onCaseActivity(listener: CaseActivityListener): void {
  listeners.add(listener);
}

/** @internal the case core tells the listeners; each event, in the caller's transaction. */
export async function emitCaseActivity<K extends keyof CaseActivityListener>(
  event: K,
  ...args: Parameters<CaseActivityListener[K]>
): Promise<void> {
  for (const listener of listeners) {
    await (listener[event] as (...a: Parameters<CaseActivityListener[K]>) => Promise<void>)(...args);
  }
}
