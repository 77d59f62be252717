/**
 * The vetting module's face (ADR 0110): its staff pages, its job handlers, the job that
 * links a new case's person, and the policy the navigation bar asks.
 */
export {
  findPersonMatches,
  linkPerson,
  type PersonMatch,
  personBlockEntries,
} from './person-linkage.service.ts';
export { vettingJobHandlers } from './vetting.jobs.ts';
export { canSeeVettingQueue } from './vetting.policy.ts';
export { vettingRoutes, vettingUploadRoutes } from './vetting.routes.tsx';
