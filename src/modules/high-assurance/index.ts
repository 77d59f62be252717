/**
 * The high-assurance path's face (issue 20 item 6, ADRs 0158–0160): contact codes for a
 * restricted team (/staff/high-assurance), the unadvertised contact page (/contact, mounted by
 * app.ts in an applicant scope after the intake plugin), and the services tests and the demo use.
 * The restriction itself (need-to-know teams and cases) lives in case access and the case core.
 */
export {
  highAssuranceApplicantRoutes,
  highAssuranceStaffRoutes,
  RESTRICTED_RETENTION,
} from './high-assurance.routes.tsx';
export {
  CODE_DEFAULT_DAYS,
  CODE_MAX_DAYS,
  issueContactCode,
  listContactCodes,
  newContactForm,
  openConversation,
  requestRestrictedBreakGlass,
  revokeContactCode,
} from './high-assurance.service.ts';
export { CONTACT_PATH } from './high-assurance.views.tsx';
