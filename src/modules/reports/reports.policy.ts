import { type Actor, roleHas } from '../../access/index.ts';

/** The dashboards and their exports: coordinators, admins and analysts (aggregates only). */
export function canSeeDashboards(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'reports.aggregate');
}

/**
 * Whether the actor holds the cases the figures count (coordinators assign every case), and
 * so may see small counts unsuppressed and choose any dates. Everyone else who may see the
 * dashboards (admins, analysts) gets cells below k suppressed and whole quarters only.
 */
export function holdsTheCases(actor: Actor): boolean {
  return actor.kind === 'staff' && roleHas(actor.role, 'cases.assign');
}

/** Public statistics releases spend the privacy budget: admins, and the CLI on the server. */
export function canPublishStatistics(actor: Actor): boolean {
  return actor.kind === 'cli' || roleHas(actor.role, 'reports.publish');
}
