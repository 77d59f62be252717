/**
 * The face of case access: who may see and change which case (the policies, the facts behind
 * them and `authoriseCase`), teams, break-glass, four-eyes approvals (with the registry of
 * approval kinds), the access log and anomalies, settings, workload, and the workspace's page
 * frame and route helpers, which the case core and case pathways build on. This module
 * imports nothing from them; it reads the `cases` table for its access checks and writes none.
 */

export {
  type AccessLogEntry,
  ANOMALY_THRESHOLDS,
  getAccessAnomalies,
  getAccessLog,
  labelAccessEntries,
  listCaseAccessEntries,
  registerAccessActions,
} from './access-log.service.ts';
export {
  type ActPayload,
  type ApprovalKindHandler,
  approvalKindHandler,
  type DecisionOutcome,
  listApprovalsForWatchlists,
  openActPayload,
  registerAct,
  registerApprovalKind,
  requestAct,
  requestWatchlistApproval,
} from './approval-kinds.ts';
export {
  findApproval,
  findPendingApprovalForCase,
  insertApproval,
  listApprovedUnused,
  setApprovalStatus,
} from './approvals.repository.ts';
export {
  type ActRequestItem,
  decideApproval,
  fourEyesNotGenuine,
  listActRequests,
  getSettings,
  listApprovalItems,
  SETTING_FOUR_EYES,
  updateSettings,
} from './approvals.service.ts';
export {
  findActiveGrantExpiry,
  insertBreakGlassGrant,
  listActiveGrantCaseIds,
} from './break-glass.repository.ts';
export {
  BREAK_GLASS_FIRST_HOURS,
  BREAK_GLASS_HOURS,
  breakGlass,
  countBreakGlassToReview,
  listBreakGlassReview,
  requestBreakGlassExtension,
  reviewBreakGlass,
} from './break-glass.service.ts';
export { encryptLegacyGrantTexts, sealGrantText } from './break-glass-text.ts';
export {
  type CaseAccessMessageKey,
  caseAccessMessages,
  isCaseAccessMessageKey,
} from './case-access.messages.ts';
export * from './case-access.policy.ts';
export { caseAccessRoutes } from './case-access.routes.tsx';
export { caseRefSchema, uuidSchema } from './case-access.schemas.ts';
export { AccessLogTable, BreakGlassForm } from './case-access.views.tsx';
export {
  type AuthorisedCase,
  actorFacts,
  authoriseCase,
  caseFacts,
  queueScope,
  restrictedOutsideTeam,
  type ScopeContext,
  scopeContext,
  staffOnly,
} from './case-authorisation.ts';
export {
  findCaseById,
  findCaseByRef,
  findCaseScopeFacts,
  lockCaseForUpdate,
  type QueueScope,
} from './case-facts.repository.ts';
export {
  findRestrictedTeamsOf,
  findTeamById,
  findTeamByName,
  insertTeam,
  insertTeamMember,
  listMembersOfTeams,
  listRestrictedTeamIds,
  listTeams,
} from './teams.repository.ts';
export { seedTeam } from './teams.seed.ts';
export { addTeamMember, createTeam, getWorkload, listTeamsWithMembers } from './teams.service.ts';
export * from './workspace-frame.tsx';
export * from './workspace-routes.tsx';
