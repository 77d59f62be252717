/**
 * The retention module's face (issue 18, ADR 0139): rules and legal holds, erasure by
 * crypto-shredding, the daily job and the page. A module that keeps case data in rows or files
 * of its own registers a `CaseEraser` with `registerCaseEraser(ctx, …)` where it is mounted.
 */
export {
  type CaseEraser,
  registerCaseEraser,
  registeredRetentionRules,
  registerRetentionRule,
} from './erasers.ts';
export type { RegisteredRule } from './retention.repository.ts';
export { JOB_APPLY_RETENTION, retentionJobHandlers, scheduleRetention } from './retention.jobs.ts';
export {
  applyRetention,
  canManageRetention,
  eraseCase,
  getRetentionOverview,
  parseRules,
  placeLegalHold,
  requestHoldLift,
  requestRulesChange,
} from './retention.service.ts';
export { retentionRoutes } from './retention.routes.tsx';
