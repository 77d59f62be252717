/**
 * The vetting module's face (ADR 0110): its staff pages, its job handlers, the job that
 * links a new case's person, the policy the navigation bar asks, and the screening of a
 * person who is not an applicant (a partner) against the watchlists.
 */
export {
  findPersonMatches,
  linkPerson,
  type PersonMatch,
  personBlockEntries,
  type ScreeningHit,
  screenPersonAgainstWatchlists,
} from './person-linkage.service.ts';
export { vettingJobHandlers } from './vetting.jobs.ts';
export { canSeeVettingQueue } from './vetting.policy.ts';
/** For the ledger (issue 15 item 5): open signals of a case, and a hook on new ones. */
export { caseHasOpenSignal } from './vetting.repository.ts';
export { vettingRoutes, vettingUploadRoutes } from './vetting.routes.tsx';
export { onVettingSignalRaised, type SignalRaisedListener } from './vetting.signal-hooks.ts';
/** For the staff home page (issue 21 item 3): how many signals wait (0 for those who may not see them). */
export { countOpenSignalsFor } from './vetting.service.ts';
