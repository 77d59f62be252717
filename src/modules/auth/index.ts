/**
 * The auth module's face (ADR 0110): staff accounts, enrolment and sessions, what other
 * modules' staff pages need (the session, CSRF, the navigation bar), and its policies.
 * Actors, roles and `requireAllowed` are not here: they are the access layer (src/access).
 */
export {
  canAdministerStaff,
  canCreateStaff,
  canListStaff,
  canSealServer,
  canSeeAdminPage,
  canViewServerStatus,
  canReadAudit,
} from './auth.policy.ts';
export { authRoutes, registerStaffGuards } from './auth.routes.tsx';
export { onDuress, registerDecoyWorkspace } from './duress.tsx';
export { SealedPage, StaffNav } from './auth.views.tsx';
export { staffIdSchema } from './staff.schemas.ts';
export {
  changeStaffRoleIn,
  checkEnrolment,
  checkPasswordReset,
  completeEnrolment,
  completePasswordReset,
  findAdministeredAccount,
  reenableStaffIn,
  reissueEnrolment,
  resetPasswordIn,
  createStaff,
  createStaffIn,
  isSeasonedApprover,
  parseNewStaff,
  resetSecondFactorIn,
  disableStaff,
  findActiveStaff,
  getEnrolment,
  getStaffEmailLabels,
  listActiveStaffIds,
  listAssignableStaff,
  listSignInAlerts,
  listStaff,
  listStaffEmailChoices,
  type SignInAlert,
  type StaffSummary,
} from './staff.service.ts';
export {
  type AuthPolicy,
  describeAuthPolicy,
  getAuthPolicy,
  parseAuthPolicy,
  setAuthPolicyIn,
} from './sign-in-policy.ts';
export { wm as webauthnMessages } from './webauthn.messages.ts';
export { SignInPolicyPage } from './webauthn.views.tsx';
export { csrfFor, loadStaffSession, requireStaff, verifyCsrf } from './staff-session.ts';
export { readStaffUpload } from './staff-upload.ts';
export { addHomeSection, type HomeSection } from './home-sections.ts';
