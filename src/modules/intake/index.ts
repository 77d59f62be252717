/**
 * The intake module's face (ADR 0110): the applicant site and channels (mounted by app.ts),
 * its jobs, the attachments of a case (the workspace and the demo add and list them), partner
 * tokens, and the lists the intake form asks from (ADR 0109).
 */
export {
  addAttachment,
  addCaseDocument,
  listCaseAttachments,
  listOwnAttachments,
  readCaseAttachment,
} from './attachments.ts';
/** Which of some ids are documents of a case, in the caller's transaction (the ledger's evidence check). */
export { findCaseAttachmentIds } from './intake.repository.ts';
export { addPartnerApiPath } from './channels/partner-api/openapi.ts';
export { authenticatePartner, issuePartnerToken } from './channels/partner-api/partner.service.ts';
/** Sections other modules add to the applicant's inbox (referrals: consent requests). */
export { type InboxSection, registerInboxSection } from './inbox-sections.ts';
export { intakeJobHandlers, scheduleIdempotencyPurge } from './intake.jobs.ts';
export {
  intakePlugin,
  intakeRuntimeOf,
  prepareApplicantScope,
  registerTelegramTracing,
  registerUploadArrival,
} from './intake.plugin.tsx';
export type { TelegramTracingHooks, TelegramTracingText } from './channels/telegram/telegram-tracing.ts';
/** For another module's applicant pages (family tracing): the session, its CSRF token, the page. */
export {
  applicantCase,
  applicantCsrf,
  html as sendApplicantPage,
  requireApplicantCsrf,
} from './intake.routes.tsx';
export { APPLICANT_TYPES, COUNTRIES, MESSAGE_MAX, NEEDS, textField, URGENCIES } from './intake.schemas.ts';
export {
  type Partner,
  submitFamilyCaseFromPartner,
  type UploadArrival,
  type UploadArrivalObserver,
} from './intake.service.ts';
/** The high-assurance path's codename, stored with its case in that path's transaction (ADR 0158). */
export { storeApplicantCodename } from './intake.service.ts';
export { countTelegramContactsByWeek } from './intake.statistics.ts';
export { ApplicantLayout } from './intake.views.tsx';
/** The organisation's customisation of the applicant pages and form (ADRs 0193-0195). */
export {
  type ApplicantBranding,
  type ApplicantCustomisation,
  type CustomAnswers,
  paragraphs,
  registerApplicantCustomisation,
  withBranding,
} from './customisation.ts';
export { IntakeFormPage, PrivacyPage, TextParagraphs } from './intake.views.tsx';
/** The existing upload checks, for the organisation's logo (magic bytes). */
export { sniffType } from './file-checks.ts';
