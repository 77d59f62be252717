import type { StaffRoleName } from '../db/types.ts';

/**
 * Roles from DESIGN.md §1, as data: each role is a list of permissions. Policies
 * (each module's *.policy.ts) decide with these lists; no code checks a role name directly.
 * Applicants are not staff and have no row here: they reach only their own case
 * through their codename.
 */
export const PERMISSIONS = [
  'server.seal',
  'server.status',
  'staff.list',
  'staff.create',
  'staff.disable',
  'audit.read',
  'audit.checkpoint',
  'cases.read_assigned',
  'cases.write_assigned',
  'cases.assign',
  'cases.break_glass',
  'cases.review_access',
  'pathways.review_content',
  'vetting.review',
  'vetting.oversee',
  'assistance.ledger',
  // Issue 15 (ADR 0120): who requests a disbursement for a case, who approves, who sets the tiers.
  'assistance.request',
  'assistance.approve',
  'assistance.configure',
  'evidence.custody',
  'referrals.respond',
  'reports.aggregate',
  'referrals.directory',
  'referrals.reports',
  'reports.publish',
  'retention.manage',
  // Issue 20 item 6 (ADR 0159): break-glass into a restricted case, only with a second person.
  'cases.break_glass_restricted',
  // Issue 21 item 5 (ADR 0193): the organisation's name, logo, texts and intake questions.
  'organisation.configure',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const STAFF_ROLES = [
  'caseworker',
  'lawyer',
  'vetting_officer',
  'finance_officer',
  'evidence_officer',
  'coordinator',
  'admin',
  'partner',
  'analyst',
] as const satisfies readonly StaffRoleName[];

export const ROLE_PERMISSIONS: Readonly<Record<StaffRoleName, readonly Permission[]>> = {
  caseworker: [
    'cases.read_assigned',
    'cases.write_assigned',
    'cases.break_glass',
    'assistance.request',
    'referrals.directory',
  ],
  lawyer: ['cases.read_assigned', 'cases.write_assigned'],
  vetting_officer: ['vetting.review', 'cases.break_glass'],
  finance_officer: ['assistance.ledger', 'assistance.approve'],
  evidence_officer: ['evidence.custody'],
  coordinator: [
    'cases.read_assigned',
    'cases.write_assigned',
    'cases.assign',
    'cases.break_glass',
    'cases.review_access',
    'pathways.review_content',
    'staff.list',
    'audit.read',
    'server.status',
    'vetting.oversee',
    'assistance.request',
    'assistance.approve',
    'referrals.directory',
    'referrals.reports',
    'reports.aggregate',
  ],
  admin: [
    'server.seal',
    'server.status',
    'staff.list',
    'staff.create',
    'staff.disable',
    'audit.read',
    'audit.checkpoint',
    'cases.review_access',
    'cases.break_glass',
    'pathways.review_content',
    'assistance.approve',
    'assistance.configure',
    'reports.aggregate',
    'reports.publish',
    'retention.manage',
    'cases.break_glass_restricted',
    'organisation.configure',
  ],
  partner: ['referrals.respond'],
  analyst: ['reports.aggregate'],
};

export function isStaffRole(value: unknown): value is StaffRoleName {
  return typeof value === 'string' && (STAFF_ROLES as readonly string[]).includes(value);
}

export function roleHas(role: StaffRoleName, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
