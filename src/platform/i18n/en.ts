/** English catalogue. The reference: ru and uk must define every key (checked by the type system and a test). */
export const en = {
  'lang.name': 'English',
  'app.name': 'Sanctuary',
  'error.bad_request': 'The request could not be understood. Please check what you sent and try again.',
  'error.validation_failed': 'Some fields are not valid. Please correct them and try again.',
  'error.payload_too_large': 'What you sent is too large.',
  'error.unsupported_media_type': 'This type of content is not accepted.',
  'error.unauthenticated': 'Please sign in first.',
  'error.invalid_credentials': 'The email, password or code is not correct.',
  'error.csrf_failed': 'This form has expired. Please reload the page and try again.',
  'error.forbidden': 'You are not allowed to do this.',
  'error.not_found': 'Not found.',
  'error.conflict': 'This was changed by someone else in the meantime. Please reload and try again.',
  'error.idempotency_conflict':
    'This id was already used for a different request. Use a new id for a new request.',
  'error.ledger_limit': 'This would take the account beyond its limit: not enough funds.',
  'error.enrolment_invalid':
    'This enrolment link is invalid, expired or already used. Ask an administrator for a new one.',
  'error.rate_limited': 'Too many attempts. Please wait a little and try again.',
  'error.sealed': 'The server is sealed. An administrator must unseal it before personal data can be used.',
  'error.overloaded': 'The server is busy. Please try again in a minute.',
  'error.unavailable': 'The service is temporarily unavailable. Please try again in a minute.',
  'error.internal': 'Something went wrong on our side. Nothing you sent was lost; please try again.',
  'error.title': 'Error',
  'field.required': 'This field is required.',
  'field.too_long': 'This is too long.',
  'field.invalid': 'This value is not valid.',
  'field.password_weak': 'Use at least 12 characters.',
  'field.password_mismatch': 'The passwords do not match.',
  'field.email': 'Enter a valid email address.',
  'field.totp': 'Enter the 6-digit code from your authenticator app.',
  'staff.title': 'Staff workspace',
  'staff.sign_in': 'Sign in',
  'staff.sign_out': 'Sign out',
  'staff.email': 'Email',
  'staff.password': 'Password',
  'staff.password_repeat': 'Repeat the password',
  'staff.totp_code': 'Authenticator code',
  'staff.signed_in_as': 'Signed in as {email} ({role})',
  'staff.home': 'Home',
  'staff.admin': 'Administration',
  'staff.welcome': 'Welcome.',
  'staff.cases': 'Cases',
  'staff.vetting': 'Vetting',
  'staff.pathways_review': 'Pathways content review',
  'enrol.title': 'Set up your account',
  'enrol.intro':
    'Choose a password of at least 12 characters, then add this account to an authenticator app (for example Aegis, FreeOTP or Google Authenticator) and enter the 6-digit code it shows.',
  'enrol.secret': 'Secret key for your authenticator app',
  'enrol.uri': 'Or use this setup address',
  'enrol.submit': 'Finish set-up',
  'enrol.start_intro':
    'Open this page only on your own device, alone. The next page shows the secret key for your authenticator app; opening it again draws a new key. The link works once and expires.',
  'enrol.start': 'Show my set-up page',
  'enrol.done': 'Your account is ready. You can now sign in.',
  'admin.seal_status': 'Seal status',
  'admin.sealed': 'Sealed',
  'admin.unsealed': 'Unsealed',
  'admin.seal_now': 'Seal now',
  'admin.seal_confirm':
    'Sealing drops the key from memory at once. Nobody can use personal data until key holders unseal the server again.',
  'admin.staff': 'Staff',
  'admin.status': 'Status',
  'admin.role': 'Role',
  'admin.active': 'Active',
  'admin.disabled': 'Disabled',
  'admin.pending': 'Enrolment pending',
  'admin.disable': 'Disable',
  'admin.no_staff': 'No staff yet.',
  'admin.disabled_ok': 'The account is disabled and all its sessions have ended.',
  'admin.audit': 'Audit log',
  'admin.audit_entries': { one: '{count} entry', other: '{count} entries' },
  'admin.create_staff': 'Add a staff member',
  'admin.enrolment_link': 'One-time enrolment link (shown once; send it through a safe channel)',
  'role.applicant': 'Applicant',
  'role.caseworker': 'Caseworker',
  'role.lawyer': 'Lawyer',
  'role.vetting_officer': 'Vetting officer',
  'role.finance_officer': 'Finance officer',
  'role.evidence_officer': 'Evidence officer',
  'role.coordinator': 'Coordinator',
  'role.admin': 'Administrator',
  'role.partner': 'Partner',
  'role.analyst': 'Analyst',
  'sealed.title': 'The server is sealed',
  'sealed.body':
    'Personal data is locked until key holders unseal the server with "sanctuary unseal" on the server machine.',
  'layout.skip': 'Skip to content',
  'layout.language': 'Language',
} as const satisfies Record<string, string | PluralMessage>;

export interface PluralMessage {
  readonly zero?: string;
  readonly one?: string;
  readonly two?: string;
  readonly few?: string;
  readonly many?: string;
  readonly other: string;
}

export type MessageKey = keyof typeof en;
export type Catalogue = {
  readonly [K in MessageKey]: (typeof en)[K] extends string ? string : PluralMessage;
};
