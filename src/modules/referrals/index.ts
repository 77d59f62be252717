/**
 * The referral network's face (issue 14, ADRs 0127-0130): the partner directory and its
 * vetting, referrals of a case to a partner with consent and four-eyes disclosure, matching,
 * the partner portal, the coordinators' reports, its jobs, and the seam to referrals between
 * Sanctuary servers (the federation module registers its sender with
 * `registerRemoteReferralSender` and reports status back with `applyRemoteReferralStatus`).
 */
export { matchPartners, scoreCandidates } from './matching.ts';
export {
  addPartnerMember,
  createPartner,
  decidePartnerVetting,
  getPartner,
  listDirectory,
  partnerSubject,
  rescreenPartners,
  updateOwnCapacity,
} from './partners.service.ts';
export { ConsentRequests, referralsApplicantRoutes } from './referrals.inbox.tsx';
export { JOB_DEADLINES, JOB_RESCREEN, referralsJobHandlers, scheduleReferralJobs } from './referrals.jobs.ts';
export { referralsMessages } from './referrals.messages.ts';
export { getReferralReports } from './referrals.reports.ts';
export { countReferralsByState } from './referrals.statistics.ts';
export { referralsRoutes } from './referrals.routes.tsx';
export {
  answerRemoteReferral,
  applyRemoteReferralStatus,
  approveDisclosure,
  askConsentInInbox,
  createReferral,
  getCaseReferrals,
  getOwnReferral,
  giveConsentInInbox,
  listConsentRequests,
  listOwnReferrals,
  messageCaseworker,
  messagePartner,
  progressReferral,
  recordConsent,
  rerouteReferral,
  respondToReferral,
  runReferralDeadlines,
  sendReferral,
  withdrawReferral,
} from './referrals.service.ts';
export { referralsTimeline } from './referrals.timeline.tsx';
export { canTransition, TRANSITIONS } from './referrals.workflow.ts';
export {
  type IncomingReferralView,
  REMOTE_ANSWERS,
  type RemoteAnswer,
  type RemoteReferral,
  type RemoteReferralSender,
  registerRemoteReferralSender,
  remoteReferralSender,
} from './remote-senders.ts';
