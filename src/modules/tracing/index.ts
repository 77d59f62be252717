/**
 * Family tracing's face (issue 20 item 5, ADR 0156): the staff pages under /staff/tracing, the
 * applicant's /tracing page (mounted by app.ts in an applicant scope after the intake plugin),
 * and the services the demo and tests use. Matching is the vetting module's linkage.
 */
export { ctaFact, tracingApplicantRoutes, tracingStaffRoutes } from './tracing.routes.tsx';
export { tracingPartnerRoutes } from './tracing.api.ts';
export { tracingJobHandlers } from './tracing.jobs.ts';
export { telegramTracingHooks } from './tracing.telegram.ts';
export { canUseTracing } from './tracing.policy.ts';
export {
  closeTracingRequest,
  decideProposal,
  enqueueCaseMatch,
  fileApplicantRequest,
  fileStaffRequest,
  listProposals,
  type ProposalView,
  recordConsent,
  relayMessage,
  rematchRequest,
  TRACING_THRESHOLD,
  withdrawTracingConsent,
} from './tracing.service.ts';
