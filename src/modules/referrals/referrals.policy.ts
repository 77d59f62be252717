import { type Actor, roleHas } from '../../access/index.ts';

/**
 * Who may do what in the referral network. Partners (role `partner`) reach only the partner
 * portal, scoped further to their own organisation by the service; every other check is here.
 */

/** The directory of partners (names, cities, contacts): caseworkers and coordinators, vetting officers. */
export function canUseDirectory(actor: Actor): boolean {
  return (
    actor.kind === 'cli' ||
    roleHas(actor.role, 'referrals.directory') ||
    roleHas(actor.role, 'vetting.review')
  );
}

/** Adding a partner, vouching for it: caseworkers and coordinators. */
export function canAddPartner(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'referrals.directory');
}

/** Vetting a partner (vet, flag, reject): vetting officers, as for applicants. */
export function canVetPartner(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'vetting.review');
}

/** Linking a partner's staff account to its organisation: coordinators. */
export function canManagePartnerAccounts(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'referrals.reports');
}

/** The coordinators' reports. */
export function canSeeReferralReports(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'referrals.reports');
}

/** The partner portal: staff accounts of the partner role (the service also needs a membership). */
export function canUsePartnerPortal(actor: Actor): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, 'referrals.respond');
}
